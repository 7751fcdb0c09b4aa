#include "curl_options.hpp"

#include <new>
#include <stdexcept>
#include <string>

namespace gauntlet {

void require_http_version_support(HttpVersion version) {
  if (version == HttpVersion::kHttp1_1) return;
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if ((info->features & CURL_VERSION_HTTP2) == 0) {
    throw std::invalid_argument(std::string(to_string(version)) +
                                " was asked for, but this libcurl (" + info->version +
                                ") was built without HTTP/2.");
  }
}

namespace {
long curl_http_version(HttpVersion version) {
  switch (version) {
    case HttpVersion::kHttp1_1:
      return CURL_HTTP_VERSION_1_1;
    case HttpVersion::kHttp2:
      return CURL_HTTP_VERSION_2TLS;
    case HttpVersion::kHttp2PriorKnowledge:
      return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
  }
  return CURL_HTTP_VERSION_1_1;
}
}  // namespace

void set_common_options(CURL* easy, const CurlCommonOptions& options) {
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, curl_http_version(options.http_version));
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, options.follow_redirects ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  // A proxy from the environment (http_proxy, ...) would send the load somewhere else than the
  // checked target, and looking one up costs getenv calls on every request: "" turns both off.
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
}

SlistHandle make_header_list(const std::vector<Header>& headers) {
  SlistHandle list;
  auto append = [&list](const std::string& line) {
    curl_slist* head = list.release();
    curl_slist* grown = curl_slist_append(head, line.c_str());
    if (grown == nullptr) {
      curl_slist_free_all(head);
      throw std::bad_alloc();
    }
    list.reset(grown);
  };
  for (const Header& h : headers) append(header_line(h));
  append("Expect:");
  return list;
}

void set_method_and_body(CURL* easy, std::string_view method, std::string_view body) {
  if (method == "GET" && body.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    return;
  }
  if (sends_body(method, body)) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
  }
  if (method != "POST") {
    // libcurl copies the string; it must be NUL-terminated (a std::string's view).
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.data());
  }
}

}  // namespace gauntlet

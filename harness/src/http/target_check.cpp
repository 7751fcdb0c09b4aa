#include "gauntlet/http/target_check.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include "gauntlet/config_error.hpp"
#include "gauntlet/http/curl_handles.hpp"
#include "gauntlet/http/outcome.hpp"
#include "gauntlet/http/redact.hpp"
#include "gauntlet/text/ascii_case.hpp"

namespace gauntlet {
namespace {

bool has_http_scheme(std::string_view url) {
  const std::string head = ascii_lower(url.substr(0, 8));
  return head.starts_with("http://") || head.starts_with("https://");
}

bool is_loopback_v4(const in_addr& a) { return (ntohl(a.s_addr) >> 24) == 127; }

bool is_loopback_v6(const in6_addr& a) {
  if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
  if (IN6_IS_ADDR_V4MAPPED(&a)) return a.s6_addr[12] == 127;
  return false;
}

// nullopt when `host` is not a literal address.
std::optional<bool> literal_is_loopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return is_loopback_v4(v4);
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return is_loopback_v6(v6);
  return std::nullopt;
}

struct AddrinfoDeleter {
  void operator()(addrinfo* ai) const noexcept { freeaddrinfo(ai); }
};

bool resolves_to_loopback_only(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &raw) != 0) return false;
  const std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw);
  bool any = false;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      if (!is_loopback_v4(reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr)) {
        return false;
      }
    } else if (ai->ai_family == AF_INET6) {
      if (!is_loopback_v6(reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr)) {
        return false;
      }
    } else {
      return false;
    }
    any = true;
  }
  return any;
}

}  // namespace

std::string url_host(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    return close == std::string_view::npos ? std::string{} : std::string(rest.substr(1, close - 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

std::string url_path_and_query(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  const std::size_t path = rest.find_first_of("/?#");
  rest = path == std::string_view::npos ? std::string_view{} : rest.substr(path);
  rest = rest.substr(0, rest.find('#'));
  if (rest.empty() || rest.front() != '/') return "/" + std::string(rest);
  return std::string(rest);
}

bool is_loopback_host(const std::string& host) {
  const std::string h = ascii_lower(host);
  if (h.empty()) return false;
  if (h == "localhost" || h.ends_with(".localhost")) return true;
  if (const auto literal = literal_is_loopback(h)) return *literal;
  return resolves_to_loopback_only(h);
}

void check_target(std::string_view url, bool allow_remote) {
  const std::string shown = redact_url(url);
  if (!has_http_scheme(url)) {
    throw ConfigError("target URL \"" + shown + "\" must start with http:// or https://.");
  }
  const std::string host = url_host(url);
  if (host.empty()) throw ConfigError("target URL \"" + shown + "\" has no host.");
  if (allow_remote || is_loopback_host(host)) return;
  throw ConfigError("target URL \"" + shown + "\" is not on this machine: host \"" + host +
                    "\" is not loopback (127.0.0.0/8, ::1 or localhost); pass --allow-remote to "
                    "send load to it anyway.");
}

std::optional<std::string> probe_target(std::string_view url,
                                        std::chrono::milliseconds connect_timeout,
                                        bool verify_tls) {
  const CurlGlobal global;
  const EasyHandle easy = make_easy_handle();
  std::array<char, CURL_ERROR_SIZE> errbuf{};
  const std::string target(url);
  curl_easy_setopt(easy.get(), CURLOPT_URL, target.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(easy.get(), CURLOPT_SSL_VERIFYPEER, verify_tls ? 1L : 0L);
  curl_easy_setopt(easy.get(), CURLOPT_SSL_VERIFYHOST, verify_tls ? 2L : 0L);
  curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, errbuf.data());
  const CURLcode code = curl_easy_perform(easy.get());
  if (code == CURLE_OK) return std::nullopt;
  std::array<char, 512> text{};
  const std::optional<ErrorClass> error = classify_outcome(code, 0);
  return redact_text(std::string(error ? to_string(*error) : "connect") +
                     " failure: " + std::string(describe_outcome(code, 0, errbuf.data(), text)));
}

}  // namespace gauntlet

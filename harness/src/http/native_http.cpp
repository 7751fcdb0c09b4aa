#include "native_http.hpp"

#include <curl/curl.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>
#include <limits>
#include <optional>
#include <stdexcept>

namespace gauntlet {
namespace {

namespace beast = boost::beast;

// A blank line ending a header: CRLF CRLF, or with bare LFs.
bool has_blank_line(std::string_view bytes) noexcept {
  return bytes.find("\n\r\n") != std::string_view::npos ||
         bytes.find("\n\n") != std::string_view::npos;
}

// A 1xx response other than 101 Switching Protocols (which ends HTTP/1.1 on the connection).
bool is_interim(long status) noexcept { return status >= 100 && status < 200 && status != 101; }
namespace bhttp = boost::beast::http;

struct UrlDeleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
struct CurlTextDeleter {
  void operator()(char* p) const noexcept { curl_free(p); }
};
using CurlText = std::unique_ptr<char, CurlTextDeleter>;

CurlText url_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK) return nullptr;
  return CurlText(text);
}

[[noreturn]] void bad_url(const std::string& url, std::string_view why) {
  throw std::invalid_argument("request URL \"" + url + "\" " + std::string(why));
}

bool has_line_break(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool has_header(const Request& r, std::string_view name) noexcept {
  for (const Header& h : r.headers) {
    if (header_name_equals(h.name, name)) return true;
  }
  return false;
}

}  // namespace

HttpTarget parse_http_target(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed) throw std::bad_alloc();
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    bad_url(url, "is not a valid absolute URL");
  }
  const CurlText scheme = url_part(parsed.get(), CURLUPART_SCHEME);
  if (!scheme || std::string_view(scheme.get()) != "http") {
    bad_url(url, "is not an http:// URL; the native engine speaks plain-text HTTP/1.1 only");
  }
  const CurlText host = url_part(parsed.get(), CURLUPART_HOST);
  if (!host || *host == '\0') bad_url(url, "has no host");
  const CurlText explicit_port = url_part(parsed.get(), CURLUPART_PORT);
  const CurlText port = url_part(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const CurlText path = url_part(parsed.get(), CURLUPART_PATH);
  const CurlText query = url_part(parsed.get(), CURLUPART_QUERY);

  HttpTarget target;
  std::string_view h = host.get();
  target.authority = h;
  // As libcurl writes Host: the port only when it is not the scheme's default.
  if (explicit_port && std::string_view(explicit_port.get()) != "80") {
    target.authority += ':';
    target.authority += explicit_port.get();
  }
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  // A zone id ("[fe80::1%25eth0]") is not something load goes to: loopback is checked elsewhere.
  target.host = h;
  target.port = port ? port.get() : "80";
  target.path_query = path && *path != '\0' ? path.get() : "/";
  if (query) {
    target.path_query += '?';
    target.path_query += query.get();
  }
  return target;
}

void write_request_head(const Request& r, std::string_view authority, std::string_view path_query,
                        std::string& out) {
  if (!is_http_token(r.method)) {
    throw std::invalid_argument("request method \"" + r.method + "\" is not an HTTP token");
  }
  for (const Header& h : r.headers) {
    if (!is_http_token(h.name)) {
      throw std::invalid_argument("request header name \"" + h.name + "\" is not an HTTP token");
    }
    if (has_line_break(h.value)) {
      throw std::invalid_argument("request header \"" + h.name +
                                  "\" has a CR, LF or NUL in its value");
    }
  }
  out.clear();
  out.append(r.method).append(" ").append(path_query).append(" HTTP/1.1\r\n");
  if (!has_header(r, "Host")) out.append("Host: ").append(authority).append("\r\n");
  if (!has_header(r, "Accept")) out.append("Accept: */*\r\n");
  for (const Header& h : r.headers) {
    if (header_name_equals(h.name, "Content-Length") ||
        header_name_equals(h.name, "Transfer-Encoding")) {
      continue;
    }
    out.append(h.name).append(":");
    if (!h.value.empty()) out.append(" ").append(h.value);
    out.append("\r\n");
  }
  if (sends_body(r.method, r.body)) {
    if (!has_header(r, "Content-Type")) {
      out.append("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, r.body.size());
    out.append("Content-Length: ").append(digits, end).append("\r\n");
  }
  out.append("\r\n");
}

// Beast's parser with every callback reduced to what a load generator keeps: the status and the
// body's size. Nothing is stored, so nothing is allocated.
class CountingParser final : public bhttp::basic_parser<false> {
 public:
  long status = 0;
  std::int64_t body_bytes = 0;

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    status = code;
  }
  void on_field_impl(bhttp::field, beast::string_view, beast::string_view,
                     beast::error_code&) override {}
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    body_bytes += static_cast<std::int64_t>(body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    body_bytes += static_cast<std::int64_t>(body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}
};

struct ResponseReader::Impl {
  std::optional<CountingParser> parser;
  bool head_request = false;
  std::string pending;  // bytes the parser has not used yet
  beast::error_code error;
  std::string error_text;
};

ResponseReader::ResponseReader() : impl_(std::make_unique<Impl>()) { reset(false); }
ResponseReader::~ResponseReader() = default;
ResponseReader::ResponseReader(ResponseReader&&) noexcept = default;
ResponseReader& ResponseReader::operator=(ResponseReader&&) noexcept = default;

void ResponseReader::start_parser() {
  CountingParser& p = impl_->parser.emplace();
  p.eager(true);
  p.skip(impl_->head_request);
  p.header_limit(100 * 1024);  // libcurl's limit (CURL_MAX_HTTP_HEADER)
  p.body_limit(std::numeric_limits<std::uint64_t>::max());  // counted, never stored
}

void ResponseReader::reset(bool head_request) {
  impl_->head_request = head_request;
  start_parser();
  impl_->pending.clear();
  impl_->error = {};
  excess_ = 0;
}

ResponseReader::State ResponseReader::feed(std::string_view bytes) {
  std::string& pending = impl_->pending;
  std::string_view in = bytes;
  if (!pending.empty()) {
    pending.append(bytes);
    in = pending;
  }
  std::size_t used = 0;
  while (used < in.size()) {
    CountingParser& p = *impl_->parser;
    beast::error_code ec;
    const std::size_t n = p.put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) break;
    if (ec) {
      impl_->error = ec;
      return State::kError;
    }
    if (p.is_done() && is_interim(p.status)) {
      // RFC 9110 15.2: 1xx responses (103 Early Hints may come unasked) precede the final one.
      start_parser();
      continue;
    }
    if (p.is_done()) {
      excess_ = in.size() - used;
      pending.clear();
      return State::kDone;
    }
    if (n == 0) break;
  }
  if (in.data() == pending.data()) {
    pending.erase(0, used);
  } else {
    pending.assign(in.substr(used));
  }
  if (!impl_->parser->is_header_done() && has_blank_line(pending)) {
    // The header has ended with a blank line that is not CRLF CRLF (bare LFs). Read whole,
    // Beast refuses such a header; split, it would wait forever, because it resumes its search
    // for the end where it stopped and knows only CRLF CRLF there. Refused either way.
    impl_->error = bhttp::error::bad_line_ending;
    return State::kError;
  }
  return State::kNeedMore;
}

ResponseReader::State ResponseReader::eof() {
  CountingParser& p = *impl_->parser;
  if (p.is_done()) return State::kDone;
  if (!p.got_some()) {
    impl_->error = bhttp::error::end_of_stream;
    return State::kError;
  }
  beast::error_code ec;
  p.put_eof(ec);
  if (ec) {
    impl_->error = ec;
    return State::kError;
  }
  return p.is_done() ? State::kDone : State::kError;
}

bool ResponseReader::header_done() const noexcept { return impl_->parser->is_header_done(); }
long ResponseReader::status() const noexcept {
  return impl_->parser->is_header_done() ? impl_->parser->status : 0;
}
std::int64_t ResponseReader::body_bytes() const noexcept { return impl_->parser->body_bytes; }
bool ResponseReader::keep_alive() const noexcept {
  // After 101 Switching Protocols the connection no longer speaks HTTP/1.1.
  return impl_->parser->is_done() && impl_->parser->keep_alive() && impl_->parser->status != 101;
}

const char* ResponseReader::error() const noexcept {
  try {
    impl_->error_text = impl_->error.message();
  } catch (...) {
    return "malformed response";
  }
  return impl_->error_text.c_str();
}

}  // namespace gauntlet

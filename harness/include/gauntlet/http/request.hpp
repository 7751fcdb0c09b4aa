#pragma once
// One HTTP request as plain data: what the blocking client sends and what the engine's request
// template or generator produces.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet {

struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};

// HTTP/2 only where libcurl was built with it; otherwise requesting it fails at setup.
enum class HttpVersion : std::uint8_t {
  kHttp1_1,              // the default: keep-alive HTTP/1.1
  kHttp2,                // HTTP/2 over TLS (ALPN), or an upgrade from HTTP/1.1 for http://
  kHttp2PriorKnowledge,  // h2c without upgrade (the server must speak HTTP/2 at once)
};

std::string_view to_string(HttpVersion version) noexcept;

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<Header> headers;  // sent in order, after the client's default headers
  std::string body;             // sent verbatim; empty means no body (except for POST/PUT/PATCH)

  bool operator==(const Request&) const = default;
};

// A header line as curl takes it: "Name: value" ("Name;" for an empty value, which curl would
// otherwise drop).
std::string header_line(const Header& header);

// The same line written into `out` (replacing its text), reusing its capacity: the engine
// rebuilds its header lines per request without allocating.
void write_header_line(const Header& header, std::string& out);

// Whether `text` is an HTTP token (RFC 9110 5.6.2): what a method or a header name must be.
bool is_http_token(std::string_view text) noexcept;

// Whether a request sends `body`, on either transport: when it is not empty, and always for POST,
// PUT and PATCH (an empty body then); never for HEAD.
bool sends_body(std::string_view method, std::string_view body) noexcept;

// Case-insensitive ASCII comparison of header names.
bool header_name_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace gauntlet

#pragma once
// Internal: the HTTP/1.1 pieces of the native transport, kept apart from its sockets so they can
// be tested and benchmarked alone. URLs are parsed by libcurl's URL API and responses by
// Boost.Beast's parser; gauntlet only writes the request head.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gauntlet/http/request.hpp"

namespace gauntlet {

// What the native transport needs of an absolute http:// URL.
struct HttpTarget {
  std::string host;        // as getaddrinfo takes it: "127.0.0.1", "::1", "localhost"
  std::string port;        // decimal; 80 when the URL has none
  std::string authority;   // the Host header: the URL's host (bracketed for IPv6) and its port
  std::string path_query;  // "/path?query", "/" for an empty path; never the fragment
};

// Throws std::invalid_argument quoting the URL when it is not an absolute http:// URL.
HttpTarget parse_http_target(const std::string& url);

// Writes the request head (request line, headers, blank line) into `out`, replacing its text and
// reusing its capacity. The headers are, in order: Host (unless the request has one), Accept: */*
// (unless it has one), the request's own headers, then, when sends_body(method, body):
// Content-Type: application/x-www-form-urlencoded unless the request has a Content-Type, and
// Content-Length. This is what libcurl sends for the same Request, so both transports load a
// server alike; a Content-Length or Transfer-Encoding of the request's own is left out (the body
// is framed by its size). Throws std::invalid_argument naming the field when the method is not an
// HTTP token or a header name or value holds CR, LF or NUL (header injection).
void write_request_head(const Request& request, std::string_view authority,
                        std::string_view path_query, std::string& out);

// Reads one HTTP/1.1 response at a time from the bytes a connection receives.
class ResponseReader {
 public:
  enum class State : std::uint8_t { kNeedMore, kDone, kError };

  ResponseReader();
  ~ResponseReader();
  ResponseReader(ResponseReader&&) noexcept;
  ResponseReader& operator=(ResponseReader&&) noexcept;

  // Prepares for the next response; a HEAD request's response has no body. Allocates nothing
  // once the first response has been read.
  void reset(bool head_request);
  // Takes bytes just received. Bytes the parser cannot use yet (a header split across reads) are
  // kept and read again with the next ones. Interim 1xx responses (but 101) are read past: the
  // reader reports the final response. kDone once it is complete; bytes after it are counted in
  // excess_bytes().
  State feed(std::string_view bytes);
  // The peer closed the connection: kDone when the body was to run until the close, kError when
  // the response was cut short (or never began).
  State eof();

  bool header_done() const noexcept;
  long status() const noexcept;  // 0 until the whole header was read
  std::int64_t body_bytes() const noexcept;
  // Whether the connection may carry another request after this response.
  bool keep_alive() const noexcept;
  std::size_t excess_bytes() const noexcept { return excess_; }
  // The parser's message for kError (NUL-terminated, static storage or the reader's own).
  const char* error() const noexcept;

 private:
  struct Impl;
  void start_parser();
  std::unique_ptr<Impl> impl_;
  std::size_t excess_ = 0;
};

}  // namespace gauntlet

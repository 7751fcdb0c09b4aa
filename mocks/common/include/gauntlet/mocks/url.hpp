#pragma once
// Plain http:// URLs (the mocks never speak TLS) and the percent/query decoding the server uses.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace gauntlet::mocks {

struct Url {
  std::string host;  // "127.0.0.1", "localhost", "::1" (without brackets)
  std::uint16_t port = 80;
  std::string target = "/";  // path and query, always starting with '/'

  // Parses "http://host[:port][/path][?query]" (IPv6 hosts in brackets). Throws ConfigError
  // naming the URL for any other scheme, an empty host or a bad port.
  static Url parse(std::string_view url);
  // True for 127.0.0.0/8, ::1 and "localhost": the only targets a mock will send traffic to.
  bool is_loopback() const;
  std::string to_string() const;  // "http://host:port/target"
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`); a malformed escape is kept as is.
std::string percent_decode(std::string_view text, bool plus_is_space = false);
// Parses "a=1&b=x%20y" (application/x-www-form-urlencoded); a repeated name keeps the last value.
std::map<std::string, std::string> parse_query(std::string_view query);
// Escapes every byte but the RFC 3986 unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX.
std::string percent_encode(std::string_view text);
// The inverse of parse_query: "a=1&b=x%20y", names in the map's order.
std::string build_query(const std::map<std::string, std::string>& params);

}  // namespace gauntlet::mocks

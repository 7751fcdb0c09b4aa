#include "gauntlet/http/request.hpp"

#include <algorithm>
#include <array>

namespace gauntlet {

std::string_view to_string(HttpVersion version) noexcept {
  switch (version) {
    case HttpVersion::kHttp1_1:
      return "http/1.1";
    case HttpVersion::kHttp2:
      return "http/2";
    case HttpVersion::kHttp2PriorKnowledge:
      return "http/2-prior-knowledge";
  }
  return "?";
}

std::string header_line(const Header& header) {
  std::string line;
  line.reserve(header.name.size() + header.value.size() + 2);
  write_header_line(header, line);
  return line;
}

void write_header_line(const Header& header, std::string& out) {
  out.assign(header.name);
  if (header.value.empty()) {
    out += ';';  // curl's spelling of "send this header with no value"
  } else {
    out += ": ";
    out += header.value;
  }
}

namespace {

// RFC 9110 tchar, as a table: checked for every character of every generated header name.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool is_http_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool header_name_equals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool sends_body(std::string_view method, std::string_view body) noexcept {
  if (method == "HEAD") return false;  // never a body, whatever the request holds
  return !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace gauntlet

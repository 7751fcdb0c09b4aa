#include "gauntlet/http/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>

#include "gauntlet/text/ascii_case.hpp"

namespace gauntlet {
namespace {

bool contains_any(std::string_view haystack, std::span<const std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(), [haystack](std::string_view n) {
    return haystack.find(n) != std::string_view::npos;
  });
}

// Substrings that make a header name or a query/JSON key secret (lower case).
constexpr std::array<std::string_view, 12> kSecretParts = {
    "auth",   "token",   "secret",  "password",  "passwd",     "pwd",
    "apikey", "api_key", "api-key", "signature", "credential", "session"};
constexpr std::array<std::string_view, 4> kSecretKeys = {"key", "sig", "cookie", "set-cookie"};
constexpr std::array<std::string_view, 3> kSchemes = {"bearer", "basic", "token"};

bool is_sensitive_key(std::string_view key) {
  const std::string k = ascii_lower(key);
  if (k.empty()) return false;
  return contains_any(k, kSecretParts) ||
         std::find(kSecretKeys.begin(), kSecretKeys.end(), k) != kSecretKeys.end();
}

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

bool ends_value(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '"' || c == '\'' || c == '&' ||
         c == ',' || c == ';' || c == '}' || c == ']';
}

// Replaces the value starting at `pos` (after optional spaces, a quote and an auth scheme word)
// up to its end; returns the position after the replacement.
std::size_t redact_value_at(std::string& s, std::size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '"' || s[pos] == '\'')) ++pos;
  for (std::string_view scheme : kSchemes) {
    if (s.size() - pos > scheme.size() && ascii_lower(s.substr(pos, scheme.size())) == scheme &&
        s[pos + scheme.size()] == ' ') {
      pos += scheme.size();
      while (pos < s.size() && s[pos] == ' ') ++pos;
      break;
    }
  }
  std::size_t end = pos;
  while (end < s.size() && !ends_value(s[end])) ++end;
  if (end == pos) return pos;
  s.replace(pos, end - pos, kRedacted);
  return pos + kRedacted.size();
}

// user:password@ inside the authority of every "scheme://" in the text.
void redact_userinfo(std::string& s) {
  std::size_t from = 0;
  while ((from = s.find("://", from)) != std::string::npos) {
    const std::size_t start = from + 3;
    std::size_t end = start;
    while (end < s.size() && s[end] != '/' && s[end] != '?' && s[end] != '#' &&
           !std::isspace(static_cast<unsigned char>(s[end]))) {
      ++end;
    }
    const std::size_t at = s.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= start && at < end) {
      s.replace(start, at - start, kRedacted);
      from = start + kRedacted.size();
    } else {
      from = end;
    }
  }
}

}  // namespace

bool is_sensitive_header(std::string_view name) noexcept {
  try {
    return is_sensitive_key(name);
  } catch (...) {
    return true;  // out of memory while lowering: err on the side of hiding
  }
}

std::string redacted_header_line(const Header& header) {
  if (!is_sensitive_header(header.name)) return header_line(header);
  return header.name + ": " + std::string(kRedacted);
}

std::string redact_url(std::string_view url) { return redact_text(url); }

std::string redact_text(std::string_view text) {
  std::string s(text);
  redact_userinfo(s);
  std::size_t i = 0;
  while (i < s.size()) {
    if (!is_key_char(s[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < s.size() && is_key_char(s[end])) ++end;
    const std::string_view word(s.data() + i, end - i);
    std::size_t next = end;
    if (next < s.size() && (s[next] == '"' || s[next] == '\'')) ++next;  // "key": value
    const bool assigns = next < s.size() && (s[next] == '=' || s[next] == ':');
    const std::string w = ascii_lower(word);
    if (assigns && is_sensitive_key(word)) {
      i = redact_value_at(s, next + 1);
    } else if (std::find(kSchemes.begin(), kSchemes.end(), w) != kSchemes.end() && w != "token" &&
               end < s.size() && s[end] == ' ') {
      i = redact_value_at(s, i);  // "Bearer abc" with no header name in front
    } else {
      i = end;
    }
  }
  return s;
}

}  // namespace gauntlet

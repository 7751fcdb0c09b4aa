#pragma once
// Secrets never reach a report or a log: every header, URL or message that the HTTP layer puts
// into an error sample or a description passes through here first.
#include <string>
#include <string_view>

#include "gauntlet/http/request.hpp"

namespace gauntlet {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// True for Authorization, Proxy-Authorization, Cookie, Set-Cookie and any header whose name
// contains "token", "secret", "password", "api-key"/"apikey" or "auth" (case-insensitive).
bool is_sensitive_header(std::string_view name) noexcept;

// "Name: value", with the value replaced by [REDACTED] for a sensitive header.
std::string redacted_header_line(const Header& header);

// The URL with user:password@ and the values of sensitive query parameters (access_token, token,
// api_key, key, password, secret, signature, sig, auth, ...) replaced by [REDACTED].
std::string redact_url(std::string_view url);

// Free text (an error message, a response excerpt): the value after "Bearer "/"Basic ", after a
// sensitive header name followed by ':' and after a sensitive key followed by '=' is replaced,
// up to the next whitespace, '&', ',' , ';' or quote; URLs with credentials are redacted too.
std::string redact_text(std::string_view text);

}  // namespace gauntlet

#pragma once
// Load goes to this machine only unless the user says otherwise (--allow-remote): a target is
// accepted when its host is "localhost" or every address it resolves to is in 127.0.0.0/8 or ::1.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gauntlet {

// The host part of an http:// or https:// URL ("[::1]" -> "::1"); "" when the URL has none.
std::string url_host(std::string_view url);

// The path and query of an http:// or https:// URL, without the fragment ("/"
// when it has none): the request's name as Locust shows it ("http://h:8080/api?q=1" ->
// "/api?q=1"). Pass a redacted URL when the name is shown.
std::string url_path_and_query(std::string_view url);

// True when `host` is "localhost" (or a name under .localhost), a literal loopback address, or a
// name whose every resolved address is loopback. A name that does not resolve is not loopback.
bool is_loopback_host(const std::string& host);

// Throws ConfigError when the URL is not http(s)://, has no host, or (unless allow_remote) its
// host is not loopback; the message names the URL, the host and --allow-remote.
void check_target(std::string_view url, bool allow_remote);

// Opens one connection to the URL's host (DNS, TCP and, for https, TLS) without sending a request,
// so a run that cannot start fails fast instead of recording nothing but errors. nullopt when
// the connection opened; else the reason, a redacted sentence ("connection refused ...").
std::optional<std::string> probe_target(std::string_view url,
                                        std::chrono::milliseconds connect_timeout, bool verify_tls);

}  // namespace gauntlet

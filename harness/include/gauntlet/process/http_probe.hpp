#pragma once
// A tiny blocking HTTP/1.1 GET on a plain socket, used only to poll a child's health endpoint
// while it starts. Deliberately not libcurl: gauntlet::process must not depend on gauntlet::http.
#include <chrono>
#include <cstdint>
#include <string>

namespace gauntlet {

struct HttpProbeResult {
  int status = 0;     // the HTTP status code, 0 when no status line was read
  std::string error;  // why there is no status ("connection refused", "timed out"); "" otherwise

  bool ok() const noexcept { return status >= 200 && status < 300; }
  // "HTTP 503" or the error, for messages.
  std::string describe() const { return status != 0 ? "HTTP " + std::to_string(status) : error; }
};

// Sends `GET path` to host:port with Connection: close and reads the status line, all within
// `timeout`. Never throws: every failure (resolution, connect, timeout, malformed reply) is
// reported in HttpProbeResult::error.
HttpProbeResult http_probe(const std::string& host, std::uint16_t port, const std::string& path,
                           std::chrono::milliseconds timeout);

}  // namespace gauntlet

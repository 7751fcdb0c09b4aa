#pragma once
// A small blocking HTTP/1.1 client (Beast inside, Beast-free header) for mocks that call out
// (hubspot's webhook deliveries) and for tests. One connection, kept alive and reused for the
// same host:port; a reused connection that turns out to be closed by the server is reopened
// and the request sent once more. That resend cannot tell a stale connection from a server that
// dropped this very request, so a caller that must count every attempt (a webhook emitter, a
// crash test) sets keep_alive = false. Every request has one deadline covering connect, write
// and read.
// Not synchronised: one client per thread.
#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gauntlet/mocks/headers.hpp"
#include "gauntlet/mocks/url.hpp"

namespace gauntlet::mocks {

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// The exchange failed at the transport level (no HTTP status to report). The message names the
// method, URL and reason; timed_out() tells a deadline from a refused or reset connection.
class ClientError : public std::runtime_error {
 public:
  ClientError(std::string message, bool timed_out)
      : std::runtime_error(std::move(message)), timed_out_(timed_out) {}
  bool timed_out() const noexcept { return timed_out_; }

 private:
  bool timed_out_;
};

struct ClientOptions {
  std::chrono::milliseconds timeout{5000};
  bool keep_alive = true;
  std::size_t max_response_bytes = 64 * 1024 * 1024;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends one request and reads the whole response. A non-2xx status is a normal result; only
  // transport failures throw ClientError. Content-Type defaults to application/json when a
  // body is given and `headers` has none.
  ClientResponse request(std::string_view method, const Url& url, std::string body = {},
                         const Headers& headers = {});
  ClientResponse get(const Url& url, const Headers& headers = {}) {
    return request("GET", url, {}, headers);
  }
  ClientResponse post(const Url& url, std::string body, const Headers& headers = {}) {
    return request("POST", url, std::move(body), headers);
  }
  // Drops the kept-alive connection, if any.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gauntlet::mocks

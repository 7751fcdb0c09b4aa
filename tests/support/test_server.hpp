#pragma once
// A small HTTP/1.1 server for the HTTP layer's tests, started in-process on 127.0.0.1 port 0
// (Boost.Beast; this header keeps Beast out of the test files, which compile slowly with it).
//
// Routes (any method):
//   /ok                 200 "ok"
//   /status/<code>      that status, body "status <code>"
//   /delay/<ms>         200 after <ms> milliseconds (the connection's thread is not blocked)
//   /chunked/<n>        200 sent with Transfer-Encoding: chunked in <n> chunks "chunk <i>\n"
//   /close-mid          headers announcing 1000 bytes, then 10 bytes, then the connection closes
//   /close-early        closes the connection without any response
//   /close-after        200 "ok" with Connection: close, then closes
//   /drop-after         200 "ok" announcing keep-alive, then closes (a stale connection)
//   /until-close        200 "body until close" with no length: the body ends at the close
//   /garbage            "NOT HTTP AT ALL", then closes
//   /reject-early       413 with Connection: close as soon as the header is in, then closes with
//                       the body unread (counted in requests())
//   /echo               200 JSON {"method","target","headers":{lower-case name: value},"body"}
//   /upload             200 JSON {"bytes": body size, "content_type", "file_bytes", "filename",
//                       "file_fnv1a"} (file_* from the first multipart part with a filename)
//   /redirect           302 to /ok
//   /capacity           200 "ok" while within capacity_per_s, else 503 (a target of known
//                       capacity: a token bucket refilled at capacity_per_s, 50 ms deep)
//   anything else       404
// Stalling (coordinated-omission tests): with stall_every > 0, every response to a request that
// arrives in the last stall_for of each stall_every period (counted from the server's start) is
// held until that period ends.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // Asio 1.74's awaitable.hpp, included after this, needs std::exchange

namespace gauntlet::http_test {

struct TestServerOptions {
  int threads = 1;
  std::chrono::milliseconds stall_every{0};
  std::chrono::milliseconds stall_for{0};
  // /capacity's capacity in requests per second; 0 = unlimited.
  double capacity_per_s = 0;
  // Keeps each request's description for last_request() (costs the server a JSON dump each).
  bool keep_last_request = false;
  // Runs first on each of the server's threads (e.g. to tell them apart in allocation counts).
  std::function<void()> on_thread_start{};
};

class TestServer {
 public:
  // Binds 127.0.0.1:0 and starts serving. Throws std::runtime_error naming the address on failure.
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();  // stops serving, closes every connection and joins its threads
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const noexcept;
  // "http://127.0.0.1:<port><path>"
  std::string url(std::string_view path) const;
  std::int64_t requests() const noexcept;     // requests read completely
  std::int64_t connections() const noexcept;  // connections accepted
  // With keep_last_request: the last request read, as /echo describes it (JSON text); ""
  // before the first.
  std::string last_request() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A loopback port with nothing listening on it (bound, then released): connecting is refused.
std::uint16_t unused_port();

// FNV-1a (64 bit) of the bytes, as /upload reports it.
std::uint64_t fnv1a(std::string_view data) noexcept;

}  // namespace gauntlet::http_test

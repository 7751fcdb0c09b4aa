#pragma once
// The HTTP/1.1 server every mock runs on (Boost.Beast inside; this header stays Beast-free so a
// service's translation units compile fast).
//
//   HttpServer server({.address = "127.0.0.1", .port = 0, .threads = 2,
//                      .service_name = "meta-graph"}, std::cout);   // binds now, or throws
//   server.router().get("/v19.0/{id}", [&](const Request& r) { return Response::json(200, ...); });
//   return server.run();   // SIGTERM/SIGINT -> graceful stop, returns 0
//
// Built in: GET /health, GET /metrics, GET|POST|DELETE /__admin/faults, GET /__admin/stats.
// Errors never take the server down: body > max_body_bytes -> 413, headers > max_header_bytes ->
// 431, unparseable HTTP -> 400 (then the connection is closed), unknown route -> 404, handler
// exceptions -> 500 (see Router::dispatch). Error bodies come from the router's error formatter.
// Handlers run on the io threads and may block (a database call): size `threads` for that.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string>

#include "gauntlet/mocks/fault_injector.hpp"
#include "gauntlet/mocks/logger.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"

namespace gauntlet::mocks {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see HttpServer::port()
  int threads = 2;         // io_context threads
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::string service_name = "mock";
  std::chrono::milliseconds idle_timeout{30'000};  // a keep-alive connection idle this long closes
  std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests get this long on stop
  std::uint64_t fault_seed = 1;                      // RNG seed of the fault knobs
  // What the crash_after fault does. Empty: std::_Exit(HttpServer::kCrashExitCode), the
  // deliberate crash a supervisor is expected to notice and restart. Tests install a recorder.
  std::function<void()> crash_action;

  // Throws ConfigError listing every bad field (threads 1..256, sizes > 0, timeouts > 0).
  void validate() const;
};

// Binding or listening failed; the message names the address and port.
class ServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpServer {
 public:
  static constexpr int kCrashExitCode = 70;

  // Validates options (ConfigError), binds and listens (ServerError naming address:port). Logs
  // JSON lines to `log_out` at `log_level` and above. Serves nothing until start() or run().
  HttpServer(ServerOptions options, std::ostream& log_out, LogLevel log_level = LogLevel::kInfo);
  ~HttpServer();  // stop(), if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const noexcept;  // the bound port (the real one when options.port was 0)
  const ServerOptions& options() const noexcept;
  Router& router() noexcept;  // add routes before start()
  MetricsRegistry& metrics() noexcept;
  Logger& logger() noexcept;
  FaultInjector& faults() noexcept;
  // Adds `section` to GET /__admin/stats, computed by `provider` on each call (thread-safe).
  void add_stats(std::string section, std::function<nlohmann::json()> provider);

  // Starts accepting on options.threads io threads; returns at once.
  void start();
  // Asks for a graceful stop; safe from any thread, a handler or a signal. Idempotent.
  void request_stop() noexcept;
  // Blocks until request_stop(), then stops accepting, closes idle connections, lets in-flight
  // requests finish (at most shutdown_grace), and joins the io threads. Never call it from a
  // handler (an io thread).
  void wait();
  void stop() {
    request_stop();
    wait();
  }
  // True once wait() has begun draining: responses from then on carry "Connection: close".
  bool stopping() const noexcept;
  // SIGTERM and SIGINT call request_stop().
  void handle_signals();
  // handle_signals() + start() + wait(); returns 0, the exit code of a clean shutdown.
  int run();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gauntlet::mocks

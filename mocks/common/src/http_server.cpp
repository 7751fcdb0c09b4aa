// The Beast side of HttpServer, shaped like Beast's example/http/server/async: a listener and a
// session per connection (enable_shared_from_this), do_read/on_read pairs, one fail() helper.
#include "gauntlet/mocks/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

std::string to_std(beast::string_view sv) { return std::string(sv.data(), sv.size()); }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// /health, /metrics and /__admin/* are never subject to fault knobs.
bool is_builtin(const std::string& path) {
  return path == "/health" || path == "/metrics" || path.rfind("/__admin/", 0) == 0;
}

class Session;

}  // namespace

void ServerOptions::validate() const {
  Problems problems;
  if (threads < 1 || threads > 256) {
    problems.add("threads must be in 1..256, got " + std::to_string(threads));
  }
  if (max_body_bytes == 0) problems.add("max_body_bytes must be > 0, got 0");
  if (max_header_bytes < 1024) {
    problems.add("max_header_bytes must be >= 1024, got " + std::to_string(max_header_bytes));
  }
  if (service_name.empty()) problems.add("service_name must not be empty");
  if (idle_timeout.count() <= 0) {
    problems.add("idle_timeout must be > 0ms, got " + std::to_string(idle_timeout.count()) + "ms");
  }
  if (shutdown_grace.count() < 0) {
    problems.add("shutdown_grace must be >= 0ms, got " + std::to_string(shutdown_grace.count()) +
                 "ms");
  }
  problems.throw_if_any();
}

class HttpServer::Impl {
 public:
  Impl(ServerOptions opts, std::ostream& log_out, LogLevel level);

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void fail(beast::error_code ec, const char* what);
  void add_session(const std::shared_ptr<Session>& s);
  void remove_session(Session* s);
  void record(const Request& req, int status, double seconds);
  void register_builtin_routes();
  Response faults_route(const Request& req);
  json stats() const;
  void crash();

  // Declared before io_context: sessions destroyed by ~io_context still use them.
  ServerOptions options;
  Logger logger;
  MetricsRegistry metrics;
  FaultInjector faults;
  Router router;
  const std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();

  mutable std::mutex mutex;
  std::condition_variable cv;
  bool stop_requested = false;
  bool running = false;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  std::vector<std::pair<std::string, std::function<json()>>> stats_providers;
  std::atomic<bool> stopping{false};

  // Always-present series, looked up once.
  Gauge& in_flight;
  Gauge& connections_open;
  std::array<std::atomic<std::uint64_t>, 6> responses_by_class{};  // index status / 100
  std::atomic<std::uint64_t> requests_total{0};

  net::io_context ioc;
  tcp::acceptor acceptor;
  std::optional<net::signal_set> signals;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::uint16_t bound_port = 0;
};

namespace {

// One connection: read a request, apply faults, dispatch, write, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket&& socket)
      : server_(server), stream_(std::move(socket)), timer_(stream_.get_executor()) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    server_.connections_open.add(1);
  }
  ~Session() {
    server_.connections_open.add(-1);
    server_.remove_session(this);
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

  // Posted by a stopping server: an idle connection closes now, a busy one after its response.
  void shutdown_if_idle() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->stream_.cancel();
    });
  }

 private:
  void do_read() {
    busy_ = false;
    if (server_.stopping) return do_close();
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    stream_.expires_after(server_.options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  // The header is in (a Content-Length over max_body_bytes has already failed with body_limit).
  // A client that sent Expect: 100-continue waits for our word before sending the body: the
  // final status at once when the body would be refused anyway, else 100 Continue.
  void on_header(beast::error_code ec, std::size_t /*bytes*/) {
    busy_ = true;
    if (ec) return on_read_error(ec);
    const auto expect = parser_->get()[http::field::expect];
    if (!beast::iequals(expect, "100-continue") || parser_->is_done()) return read_body();
    build_request();
    if (auto early = server_.router.answer_before_body(request_)) {
      started_ = std::chrono::steady_clock::now();
      server_.in_flight.add(1);
      return finish(std::move(*early), false, /*close=*/true);  // the body stays unread
    }
    auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                    parser_->get().version());
    http::async_write(stream_, *go_on,
                      [self = shared_from_this(), go_on](beast::error_code wec, std::size_t) {
                        if (wec) return self->server_.fail(wec, "write 100-continue");
                        self->read_body();
                      });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    busy_ = true;
    if (ec) return on_read_error(ec);
    started_ = std::chrono::steady_clock::now();
    server_.in_flight.add(1);
    build_request();
    apply_faults();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::body_limit) {
      return reject(413,
                    "the request body exceeds max_body_bytes (" +
                        std::to_string(server_.options.max_body_bytes) + " bytes)",
                    "too_large");
    }
    if (ec == http::error::header_limit) {
      return reject(431,
                    "the request headers exceed max_header_bytes (" +
                        std::to_string(server_.options.max_header_bytes) + " bytes)",
                    "too_large");
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::partial_message) {
      return reject(400, "malformed HTTP request: " + ec.message(), "malformed");
    }
    return server_.fail(ec, "read");
  }

  void build_request() {
    auto& msg = parser_->get();
    request_ = Request{};
    request_.method = to_std(msg.method_string());
    request_.target = to_std(msg.target());
    request_.split_target();
    for (const auto& field : msg)
      request_.headers.add(to_std(field.name_string()), to_std(field.value()));
    request_.body = std::move(msg.body());
    request_.remote_address = remote_;
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = request_.method == "HEAD";
  }

  void apply_faults() {
    if (is_builtin(request_.path)) return respond(std::nullopt);
    const FaultDecision d = server_.faults.decide(std::chrono::steady_clock::now());
    if (d.crash) server_.crash();  // returns only with a test's crash_action installed
    if (d.crash || d.drop) {
      if (d.drop) {
        server_.metrics
            .counter("mock_faults_injected_total", "Requests hit by a fault knob.",
                     {{"kind", "drop"}})
            .inc();
      }
      server_.in_flight.add(-1);
      beast::error_code ignored;
      stream_.socket().close(ignored);  // no response at all: the client sees the connection end
      return;
    }
    if (d.delay.count() > 0) {
      server_.metrics
          .counter("mock_faults_injected_total", "Requests hit by a fault knob.",
                   {{"kind", d.stalled ? "stall" : "delay"}})
          .inc();
      stream_.expires_never();  // the delay must not trip the read timeout
      timer_.expires_after(d.delay);
      timer_.async_wait([self = shared_from_this(), status = d.error_status](beast::error_code) {
        self->respond(status);
      });
      return;
    }
    respond(d.error_status);
  }

  void respond(std::optional<int> injected_status) {
    Response res;
    if (injected_status) {
      server_.metrics
          .counter("mock_faults_injected_total", "Requests hit by a fault knob.",
                   {{"kind", "error"}})
          .inc();
      res = server_.router.error_response(
          *injected_status, "injected fault: error_status " + std::to_string(*injected_status));
      request_.route = "injected";
    } else {
      res = server_.router.dispatch(request_);
    }
    finish(std::move(res), injected_status.has_value(), false);
  }

  // Records and logs the answer to request_, then writes it.
  void finish(Response res, bool injected, bool force_close) {
    server_.record(request_, res.status, seconds_since(started_));
    server_.in_flight.add(-1);
    if (res.status >= 500 && !injected) {
      server_.logger.warn("handler failed", {{"method", request_.method},
                                             {"target", request_.target},
                                             {"status", res.status},
                                             {"body", res.body.substr(0, 512)}});
    }
    const bool close = force_close || !keep_alive_ || res.close_connection || server_.stopping;
    write(std::move(res), close, force_close);
  }

  // A request the parser refused: answer, then close gracefully (the parser state is spent).
  void reject(int status, const std::string& message, const char* kind) {
    server_.metrics
        .counter("http_errors_total", "Requests refused before routing.", {{"kind", kind}})
        .inc();
    server_.responses_by_class[static_cast<std::size_t>(status / 100)]++;
    version_ = 11;
    head_ = false;
    write(server_.router.error_response(status, message), true, true);
  }

  void write(Response res, bool close, bool linger) {
    auto msg = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(res.status), version_);
    msg->set(http::field::server, "gauntlet-" + server_.options.service_name);
    if (!res.content_type.empty()) msg->set(http::field::content_type, res.content_type);
    // A HEAD answer has GET's headers and no body (RFC 9110 9.3.2): Content-Length is what GET
    // would send, or what a proxied HEAD answer declared.
    std::size_t length = res.body.size();
    for (const auto& [name, value] : res.headers) {
      if (beast::iequals(name, "Content-Length")) {
        if (head_) length = std::strtoull(value.c_str(), nullptr, 10);
        continue;
      }
      msg->insert(name, value);
    }
    msg->body() = std::move(res.body);
    msg->keep_alive(!close);
    msg->prepare_payload();
    if (head_) {
      msg->content_length(length);
      msg->body().clear();
    }
    response_ = msg;
    stream_.expires_after(server_.options.idle_timeout);
    http::async_write(
        stream_, *msg,
        [self = shared_from_this(), close, linger](beast::error_code ec, std::size_t) {
          self->on_write(close, linger, ec);
        });
  }

  void on_write(bool close, bool linger, beast::error_code ec) {
    response_.reset();
    if (ec) return server_.fail(ec, "write");
    if (linger) return linger_close();
    if (close) return do_close();
    do_read();
  }

  // Half-close, then read and discard what the client is still sending (up to 1 MiB or 1 s), so
  // that closing with unread data does not reset the connection before the client reads our error.
  void linger_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }
  void drain() {
    stream_.async_read_some(net::buffer(drain_buf_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (!ec && self->drained_ < (1u << 20)) self->drain();
                            });
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  net::steady_timer timer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  Request request_;
  std::string remote_;
  std::chrono::steady_clock::time_point started_;
  std::array<char, 4096> drain_buf_{};
  std::size_t drained_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;  // the request being answered is a HEAD
  bool busy_ = false;
};

}  // namespace

HttpServer::Impl::Impl(ServerOptions opts, std::ostream& log_out, LogLevel level)
    : options((opts.validate(), std::move(opts))),
      logger(log_out, options.service_name, level),
      faults(options.fault_seed),
      in_flight(metrics.gauge("http_requests_in_flight", "Requests being handled now.")),
      connections_open(metrics.gauge("http_connections_open", "Open client connections.")),
      acceptor(net::make_strand(ioc)) {
  const std::string where = options.address + ":" + std::to_string(options.port);
  beast::error_code ec;
  const auto address = net::ip::make_address(options.address, ec);
  if (ec)
    throw ServerError("cannot listen on " + where + ": \"" + options.address +
                      "\" is not an IP address");
  const tcp::endpoint endpoint(address, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw ServerError("cannot listen on " + where + ": " + ec.message());
  bound_port = acceptor.local_endpoint().port();
  metrics
      .gauge("mock_info", "Always 1; labels name the service.", {{"service", options.service_name}})
      .set(1);
  register_builtin_routes();
}

void HttpServer::Impl::fail(beast::error_code ec, const char* what) {
  // Timeouts, resets and our own cancellations are routine for a server under stress tests.
  if (ec == net::error::operation_aborted || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::eof ||
      ec == http::error::partial_message) {
    logger.debug("connection ended", {{"during", what}, {"reason", ec.message()}});
    return;
  }
  logger.warn("connection error", {{"during", what}, {"reason", ec.message()}});
}

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&Impl::on_accept, this));
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    fail(ec, "accept");
  } else {
    auto session = std::make_shared<Session>(*this, std::move(socket));
    add_session(session);
    session->run();
  }
  do_accept();
}

void HttpServer::Impl::add_session(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(mutex);
  sessions[s.get()] = s;
}

void HttpServer::Impl::remove_session(Session* s) {
  std::lock_guard lock(mutex);
  sessions.erase(s);
  cv.notify_all();
}

void HttpServer::Impl::record(const Request& req, int status, double seconds) {
  const std::string route = req.route.empty() ? "unmatched" : req.route;
  requests_total++;
  responses_by_class[static_cast<std::size_t>(std::clamp(status / 100, 0, 5))]++;
  metrics
      .counter("http_requests_total", "Requests answered, by route and status.",
               {{"method", req.method}, {"route", route}, {"status", std::to_string(status)}})
      .inc();
  metrics
      .histogram("http_request_duration_seconds", "Time from request parsed to response ready.",
                 {{"route", route}})
      .observe(seconds);
  if (status >= 500) {
    metrics
        .counter("http_errors_total", "Requests refused before routing.",
                 {{"kind", "server_error"}})
        .inc();
  }
  // A request that carries a request id (every call the gateway forwards does) is logged at info
  // with it, so that one request can be followed through every service's log; others at debug.
  const std::string request_id = req.headers.get("X-Request-Id");
  const LogLevel level = request_id.empty() ? LogLevel::kDebug : LogLevel::kInfo;
  if (logger.enabled(level)) {
    json fields = {{"method", req.method},
                   {"target", req.target},
                   {"status", status},
                   {"latency_ms", seconds * 1000},
                   {"remote", req.remote_address}};
    if (!request_id.empty()) fields["request_id"] = request_id;
    if (level == LogLevel::kInfo) {
      logger.info("request", fields);
    } else {
      logger.debug("request", fields);
    }
  }
}

void HttpServer::Impl::crash() {
  logger.error("crash_after fault reached: exiting", {{"exit_code", HttpServer::kCrashExitCode}});
  if (options.crash_action) {
    options.crash_action();
    return;  // a test's recorder: the session simply ends without a response
  }
  std::_Exit(HttpServer::kCrashExitCode);
}

Response HttpServer::Impl::faults_route(const Request& req) {
  const auto now = std::chrono::steady_clock::now();
  if (req.method == "DELETE") {
    faults.reset(now);
  } else if (req.method == "POST") {
    const json body = req.json_body();
    if (body.is_object() && body.value("reset", false)) {
      faults.reset(now);
    } else {
      // Each POST replaces the whole configuration: knobs not named go back to off.
      faults.set(FaultConfig::from_json(body, FaultConfig{}), now);
    }
    logger.info("faults set", faults.config().to_json());
  }
  return Response::json(200, faults.config().to_json());
}

json HttpServer::Impl::stats() const {
  json classes = json::object();
  for (std::size_t i = 1; i < responses_by_class.size(); ++i) {
    classes[std::to_string(i) + "xx"] = responses_by_class[i].load();
  }
  json out = {{"service", options.service_name},
              {"port", bound_port},
              {"uptime_s", seconds_since(started_at)},
              {"requests_total", requests_total.load()},
              {"in_flight", in_flight.value()},
              {"connections_open", connections_open.value()},
              {"responses", classes},
              {"faults", faults.stats()}};
  std::lock_guard lock(mutex);
  for (const auto& [section, provider] : stats_providers) out[section] = provider();
  return out;
}

void HttpServer::Impl::register_builtin_routes() {
  router.get("/health", [this](const Request&) {
    return Response::json(200, {{"status", "ok"},
                                {"service", options.service_name},
                                {"uptime_s", seconds_since(started_at)}});
  });
  router.get("/metrics", [this](const Request&) {
    return Response::text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  for (const char* method : {"GET", "POST", "DELETE"}) {
    router.add(method, "/__admin/faults", [this](const Request& r) { return faults_route(r); });
  }
  router.get("/__admin/stats", [this](const Request&) { return Response::json(200, stats()); });
}

HttpServer::HttpServer(ServerOptions options, std::ostream& log_out, LogLevel log_level)
    : impl_(std::make_unique<Impl>(std::move(options), log_out, log_level)) {}

HttpServer::~HttpServer() {
  bool running = false;
  {
    std::lock_guard lock(impl_->mutex);
    running = impl_->running;
  }
  if (running) stop();
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }
bool HttpServer::stopping() const noexcept { return impl_->stopping.load(); }
const ServerOptions& HttpServer::options() const noexcept { return impl_->options; }
Router& HttpServer::router() noexcept { return impl_->router; }
MetricsRegistry& HttpServer::metrics() noexcept { return impl_->metrics; }
Logger& HttpServer::logger() noexcept { return impl_->logger; }
FaultInjector& HttpServer::faults() noexcept { return impl_->faults; }

void HttpServer::add_stats(std::string section, std::function<nlohmann::json()> provider) {
  std::lock_guard lock(impl_->mutex);
  impl_->stats_providers.emplace_back(std::move(section), std::move(provider));
}

void HttpServer::start() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    if (s.running) return;
    s.running = true;
  }
  s.work.emplace(s.ioc.get_executor());
  net::dispatch(s.acceptor.get_executor(), [&s] { s.do_accept(); });
  for (int i = 0; i < s.options.threads; ++i) {
    s.threads.emplace_back([&s] {
      // A throwing completion handler must not take the process down: log it and keep serving.
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          s.logger.error("io thread caught an exception", {{"what", e.what()}});
        }
      }
    });
  }
  s.logger.info(
      "listening",
      {{"address", s.options.address}, {"port", s.bound_port}, {"threads", s.options.threads}});
}

void HttpServer::request_stop() noexcept {
  std::lock_guard lock(impl_->mutex);
  impl_->stop_requested = true;
  impl_->cv.notify_all();
}

void HttpServer::handle_signals() {
  Impl& s = *impl_;
  if (s.signals) return;
  s.signals.emplace(s.ioc, SIGTERM, SIGINT);
  s.signals->async_wait([this](beast::error_code ec, int signal) {
    if (ec) return;
    impl_->logger.info("signal received: stopping", {{"signal", signal}});
    request_stop();
  });
}

void HttpServer::wait() {
  Impl& s = *impl_;
  std::unique_lock lock(s.mutex);
  s.cv.wait(lock, [&s] { return s.stop_requested; });
  if (!s.running) return;
  s.stopping = true;
  std::vector<std::shared_ptr<Session>> live;
  for (const auto& [ptr, weak] : s.sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  lock.unlock();
  s.logger.info("stopping: no new connections", {{"open_connections", live.size()}});
  net::dispatch(s.acceptor.get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  if (s.signals) net::dispatch(s.ioc, [&s] { s.signals->cancel(); });
  for (auto& session : live) session->shutdown_if_idle();
  live.clear();  // our references must not keep the sessions alive
  s.work.reset();
  lock.lock();
  const bool drained =
      s.cv.wait_for(lock, s.options.shutdown_grace, [&s] { return s.sessions.empty(); });
  const std::size_t abandoned = s.sessions.size();
  lock.unlock();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  // The posted close may not have run before ioc.stop(); with the threads gone it is safe here.
  beast::error_code ignored;
  s.acceptor.close(ignored);
  lock.lock();
  s.running = false;
  lock.unlock();
  s.logger.info("stopped", {{"drained", drained}, {"abandoned_connections", abandoned}});
}

int HttpServer::run() {
  handle_signals();
  start();
  wait();
  return 0;
}

}  // namespace gauntlet::mocks

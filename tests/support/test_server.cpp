#include "support/test_server.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace gauntlet::http_test {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Steady = std::chrono::steady_clock;

struct Shared {
  TestServerOptions options;
  Steady::time_point started = Steady::now();
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> connections{0};
  std::mutex mutex;
  std::string last_request;  // echo() of the last request read
  // /capacity's token bucket (under mutex)
  double tokens = 0;
  Steady::time_point refilled = Steady::now();
};

// Whether /capacity has a token for one more request now (a bucket 50 ms of capacity deep).
bool take_capacity_token(Shared& shared) {
  const double rate = shared.options.capacity_per_s;
  if (rate <= 0) return true;
  const std::lock_guard lock(shared.mutex);
  const auto now = Steady::now();
  const double depth = std::max(1.0, rate * 0.05);
  shared.tokens = std::min(
      depth, shared.tokens + rate * std::chrono::duration<double>(now - shared.refilled).count());
  shared.refilled = now;
  if (shared.tokens < 1) return false;
  shared.tokens -= 1;
  return true;
}

// What the server sends for one request: raw bytes, so broken responses are as easy as good ones.
struct Reply {
  std::string bytes;
  bool close = false;  // close the connection after writing
  std::chrono::milliseconds delay{0};
};

std::string serialise(http::response<http::string_body>& res) {
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

Reply simple(const http::request<http::string_body>& req, unsigned status, std::string body,
             std::string_view content_type = "text/plain") {
  http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
  res.set(http::field::content_type, std::string(content_type));
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  return Reply{serialise(res), !req.keep_alive(), {}};
}

// Digits after `prefix` in the target, or -1.
long number_after(std::string_view target, std::string_view prefix) {
  if (!target.starts_with(prefix)) return -1;
  long value = -1;
  const auto tail = target.substr(prefix.size());
  std::from_chars(tail.data(), tail.data() + tail.size(), value);
  return value;
}

Reply chunked(const http::request<http::string_body>& req, long n) {
  std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n";
  out += req.keep_alive() ? "\r\n" : "Connection: close\r\n\r\n";
  for (long i = 0; i < n; ++i) {
    const std::string chunk = "chunk " + std::to_string(i) + "\n";
    std::ostringstream size;
    size << std::hex << chunk.size();
    out += size.str() + "\r\n" + chunk + "\r\n";
  }
  out += "0\r\n\r\n";
  return Reply{out, !req.keep_alive(), {}};
}

nlohmann::json echo(const http::request<http::string_body>& req) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers[name] = std::string(field.value());
  }
  return {{"method", std::string(req.method_string())},
          {"target", std::string(req.target())},
          {"headers", headers},
          {"body", req.body()}};
}

// The first multipart part with a filename: its name and data.
nlohmann::json upload(const http::request<http::string_body>& req) {
  const std::string content_type(req[http::field::content_type]);
  const std::string& body = req.body();
  nlohmann::json out = {{"bytes", body.size()},
                        {"content_type", content_type},
                        {"file_bytes", 0},
                        {"filename", ""},
                        {"file_fnv1a", std::to_string(fnv1a(body))}};
  const std::size_t b = content_type.find("boundary=");
  if (b == std::string::npos) return out;
  const std::string delimiter = "\r\n--" + content_type.substr(b + 9);
  std::size_t part = body.find("filename=\"");
  if (part == std::string::npos) return out;
  const std::size_t name_end = body.find('"', part + 10);
  const std::size_t data = body.find("\r\n\r\n", part);
  if (name_end == std::string::npos || data == std::string::npos) return out;
  const std::size_t end = body.find(delimiter, data + 4);
  if (end == std::string::npos) return out;
  const std::string_view file(body.data() + data + 4, end - data - 4);
  out["filename"] = body.substr(part + 10, name_end - part - 10);
  out["file_bytes"] = file.size();
  out["file_fnv1a"] = std::to_string(fnv1a(file));
  return out;
}

Reply route(const http::request<http::string_body>& req) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/ok") return simple(req, 200, "ok");
  if (const long code = number_after(path, "/status/"); code >= 200 && code <= 599) {
    return simple(req, static_cast<unsigned>(code), "status " + std::to_string(code));
  }
  if (const long ms = number_after(path, "/delay/"); ms >= 0) {
    Reply r = simple(req, 200, "delayed");
    r.delay = std::chrono::milliseconds(ms);
    return r;
  }
  if (const long n = number_after(path, "/chunked/"); n >= 0) return chunked(req, n);
  if (path == "/close-mid") {
    return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", true, {}};
  }
  if (path == "/close-early") return Reply{"", true, {}};
  if (path == "/close-after") {
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.keep_alive(false);
    res.body() = "ok";
    return Reply{serialise(res), true, {}};
  }
  if (path == "/drop-after") {
    Reply r = simple(req, 200, "ok");
    r.close = true;  // announces keep-alive, then closes anyway: a stale connection for the client
    return r;
  }
  if (path == "/until-close") {
    return Reply{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close", true, {}};
  }
  if (path == "/garbage") return Reply{"NOT HTTP AT ALL\r\n\r\n", true, {}};
  if (path == "/echo") return simple(req, 200, echo(req).dump(), "application/json");
  if (path == "/upload") return simple(req, 200, upload(req).dump(), "application/json");
  if (path == "/redirect") {
    http::response<http::string_body> res{http::status::found, req.version()};
    res.set(http::field::location, "/ok");
    res.keep_alive(req.keep_alive());
    return Reply{serialise(res), !req.keep_alive(), {}};
  }
  return simple(req, 404, "no route");
}

// The extra wait a stalling server adds to a response to a request arriving now.
std::chrono::milliseconds stall_delay(const Shared& shared) {
  const auto& o = shared.options;
  if (o.stall_every.count() <= 0 || o.stall_for.count() <= 0) return {};
  const auto since =
      std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - shared.started);
  const auto phase = since % o.stall_every;
  if (phase < o.stall_every - o.stall_for) return {};
  return o.stall_every - phase;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), shared_(shared) {}

  void start() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(64 * 1024 * 1024);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return close();
    if (parser_->get().target() == "/reject-early") {
      // Answers from the header alone and closes with the body unread, as a server refusing an
      // upload does: the client's send then meets a reset.
      shared_.requests.fetch_add(1);
      reply_ =
          Reply{"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                true,
                {}};
      return do_write();
    }
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec2, std::size_t) { self->on_read(ec2); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();  // the client went away, or sent garbage
    if (shared_.options.keep_last_request) {
      const std::lock_guard lock(shared_.mutex);
      shared_.last_request = echo(parser_->get()).dump();
    }
    shared_.requests.fetch_add(1);
    reply_ = parser_->get().target() == "/capacity"
                 ? simple(parser_->get(), take_capacity_token(shared_) ? 200 : 503, "capacity")
                 : route(parser_->get());
    if (parser_->get().method() == http::verb::head) {
      // A response to HEAD has the headers of the GET response and no body.
      const std::size_t end = reply_.bytes.find("\r\n\r\n");
      if (end != std::string::npos) reply_.bytes.resize(end + 4);
    }
    reply_.delay += stall_delay(shared_);
    if (reply_.delay.count() == 0) return do_write();
    timer_.expires_after(reply_.delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->do_write(); });
  }

  void do_write() {
    net::async_write(stream_.socket(), net::buffer(reply_.bytes),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec || self->reply_.close) return self->close();
                       self->do_read();
                     });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Reply reply_;
};

}  // namespace

struct TestServer::Impl {
  explicit Impl(TestServerOptions options) : ioc(options.threads), acceptor(ioc) {
    shared.options = options;
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    beast::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("test server cannot listen on 127.0.0.1:0: " + ec.message());
    do_accept();
    for (int i = 0; i < options.threads; ++i) {
      threads.emplace_back([this] {
        if (shared.options.on_thread_start) shared.options.on_thread_start();
        ioc.run();
      });
    }
  }

  ~Impl() {
    ioc.stop();
    for (std::thread& t : threads) t.join();
  }

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
      } else {
        shared.connections.fetch_add(1);
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), shared)->start();
      }
      do_accept();
    });
  }

  Shared shared;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

TestServer::TestServer(TestServerOptions options) : impl_(std::make_unique<Impl>(options)) {}
TestServer::~TestServer() = default;

std::uint16_t TestServer::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }

std::string TestServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

std::int64_t TestServer::requests() const noexcept { return impl_->shared.requests.load(); }
std::int64_t TestServer::connections() const noexcept { return impl_->shared.connections.load(); }

std::string TestServer::last_request() const {
  const std::lock_guard lock(impl_->shared.mutex);
  return impl_->shared.last_request;
}

std::uint16_t unused_port() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

std::uint64_t fnv1a(std::string_view data) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace gauntlet::http_test

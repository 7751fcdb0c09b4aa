#include "gauntlet/mocks/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace gauntlet::mocks {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string to_std(beast::string_view sv) { return std::string(sv.data(), sv.size()); }

// A reused connection the server already closed fails like this before any response byte.
bool stale_connection(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(ClientOptions opts) : options(opts) {}

  // Runs one asynchronous step to completion on our private io_context.
  template <typename Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = net::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  beast::error_code connect(const Url& url) {
    stream.reset();
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) return ec;
    stream.emplace(ioc);
    stream->expires_at(deadline);
    ec = run([&](auto handler) { stream->async_connect(endpoints, handler); });
    if (ec) {
      stream.reset();
      return ec;
    }
    host = url.host;
    port = url.port;
    return ec;
  }

  // One write + read on the current connection. `got_bytes` says whether any response arrived.
  beast::error_code exchange(http::request<http::string_body>& req, ClientResponse& out,
                             bool& got_bytes) {
    stream->expires_at(deadline);
    beast::error_code ec = run([&](auto handler) { http::async_write(*stream, req, handler); });
    got_bytes = false;
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    // The answer to a HEAD has GET's Content-Length but no body: do not wait for one.
    if (req.method() == http::verb::head) parser.skip(true);
    buffer.clear();
    ec = run([&](auto handler) { http::async_read(*stream, buffer, parser, handler); });
    got_bytes = parser.got_some();
    if (ec) return ec;
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res)
      out.headers.add(to_std(field.name_string()), to_std(field.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive() || !options.keep_alive) stream.reset();
    return ec;
  }

  ClientOptions options;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::string host;
  std::uint16_t port = 0;
  std::chrono::steady_clock::time_point deadline;
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>(options)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::close() { impl_->stream.reset(); }

ClientResponse HttpClient::request(std::string_view method, const Url& url, std::string body,
                                   const Headers& headers) {
  Impl& s = *impl_;
  http::request<http::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(url.target);
  req.version(11);
  req.set(http::field::host, url.host + ":" + std::to_string(url.port));
  req.set(http::field::user_agent, "gauntlet-mock-client");
  for (const auto& [name, value] : headers) req.insert(name, value);
  if (!body.empty() && !headers.contains("Content-Type")) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = std::move(body);
  req.keep_alive(s.options.keep_alive);
  req.prepare_payload();

  s.deadline = std::chrono::steady_clock::now() + s.options.timeout;
  const auto describe = [&](beast::error_code ec) {
    const bool timed_out = ec == beast::error::timeout;
    s.stream.reset();
    return ClientError(std::string(method) + " " + url.to_string() + " failed: " + ec.message(),
                       timed_out);
  };
  const bool reusing = s.stream && s.host == url.host && s.port == url.port;
  if (!reusing) {
    if (auto ec = s.connect(url)) throw describe(ec);
  }
  ClientResponse out;
  bool got_bytes = false;
  beast::error_code ec = s.exchange(req, out, got_bytes);
  if (ec && reusing && !got_bytes && stale_connection(ec)) {
    out = ClientResponse{};
    if (auto cec = s.connect(url)) throw describe(cec);
    ec = s.exchange(req, out, got_bytes);
  }
  if (ec) throw describe(ec);
  return out;
}

}  // namespace gauntlet::mocks

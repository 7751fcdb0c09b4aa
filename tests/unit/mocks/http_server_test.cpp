// The server in-process on an ephemeral port, driven by the Beast-based HttpClient (and a raw
// socket for bytes no HTTP client would send). No assertion depends on wall-clock timing.
#include "gauntlet/mocks/http_server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "gauntlet/mocks/http_client.hpp"
#include "gauntlet/mocks/http_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.max_body_bytes = 1024;
    o.service_name = "test-svc";
    o.crash_action = [this] { crashes_++; };
    server_ = std::make_unique<HttpServer>(o, log_);
    Router& r = server_->router();
    r.get("/v1/act_{account}/items/{id}", [](const Request& req) {
      return Response::json(200, {{"account", req.param("account")},
                                  {"id", req.param("id")},
                                  {"route", req.route},
                                  {"q", req.query_value("q").value_or("")}});
    });
    r.get("/v1/act_{account}/items/special", [](const Request&) {
      return Response::json(200, {{"special", true}});
    });
    r.post("/v1/echo", [](const Request& req) { return Response::json(201, req.json_body()); });
    r.get("/v1/boom", [](const Request&) -> Response { throw std::runtime_error("kaboom"); });
    r.get("/v1/teapot",
          [](const Request&) -> Response { throw HttpError(418, "short and stout"); });
    // Asked only before the body of an Expect: 100-continue request.
    r.set_precheck([](const Request& req) -> std::optional<Response> {
      if (req.headers.contains("X-Deny")) return Response::error(401, "denied before the body");
      return std::nullopt;
    });
    server_->add_stats("custom", [] { return json{{"answer", 42}}; });
    server_->start();
  }

  Url url(const std::string& target) const {
    return Url::parse("http://127.0.0.1:" + std::to_string(server_->port()) + target);
  }
  ClientResponse get(const std::string& target) { return client_.get(url(target)); }
  ClientResponse post(const std::string& target, const std::string& body) {
    return client_.post(url(target), body);
  }
  std::string raw_exchange(const std::string& bytes) {
    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), server_->port()});
    net::write(socket, net::buffer(bytes));
    std::string reply;
    boost::system::error_code ec;
    net::read(socket, net::dynamic_buffer(reply), ec);  // until the server closes
    return reply;
  }

  std::ostringstream log_;
  std::atomic<int> crashes_{0};
  std::unique_ptr<HttpServer> server_;
  HttpClient client_;
};

TEST_F(HttpServerTest, RoutesCapturePrefixedAndBareParams) {
  const auto res = get("/v1/act_77/items/a%20b?q=x%2By");
  ASSERT_EQ(res.status, 200);
  const json body = json::parse(res.body);
  EXPECT_EQ(body["account"], "77");
  EXPECT_EQ(body["id"], "a b");
  EXPECT_EQ(body["q"], "x+y");
  EXPECT_EQ(body["route"], "/v1/act_{account}/items/{id}");
  EXPECT_EQ(json::parse(get("/v1/act_77/items/special").body)["special"], true);
}

TEST_F(HttpServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  const auto missing = get("/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["status"], 404);
  const auto wrong = post("/v1/act_1/items/2", "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.get("Allow"), "GET, HEAD");
}

// RFC 9110 9.3.2: HEAD wherever GET, the same headers, no body.
TEST_F(HttpServerTest, HeadIsAnsweredWhereGetIsWithItsHeadersAndNoBody) {
  const auto got = get("/v1/act_7/items/1");
  const std::string reply = raw_exchange(
      "HEAD /v1/act_7/items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(reply, HasSubstr("Content-Length: " + std::to_string(got.body.size()) + "\r\n"));
  EXPECT_THAT(reply, HasSubstr("Content-Type: application/json"));
  EXPECT_THAT(reply, ::testing::EndsWith("\r\n\r\n")) << "a HEAD answer must have no body";
  // The mocks' own client does not wait for the body a HEAD answer declares.
  const auto head = client_.request("HEAD", url("/v1/act_7/items/1"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers.get("Content-Length"), std::to_string(got.body.size()));
  const auto post_only = client_.request("HEAD", url("/v1/echo"));
  EXPECT_EQ(post_only.status, 405);
  EXPECT_EQ(post_only.headers.get("Allow"), "POST");
}

// A client that sent Expect: 100-continue waits (curl 1 s) for 100 before sending the body; a
// server that does not answer stalls it. `until` ends the read early; 5 s bound a hang.
class ExpectContinueTest : public HttpServerTest {
 protected:
  struct Conversation {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket socket{ioc};
    std::string received;

    explicit Conversation(std::uint16_t port) {
      socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
      const timeval bound{5, 0};
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    }
    void send(const std::string& bytes) { boost::asio::write(socket, boost::asio::buffer(bytes)); }
    // Reads until `until` has arrived, the server closes, or 5 s pass; returns what came.
    std::string read_until(const std::string& until) {
      std::array<char, 4096> buf{};
      while (received.find(until) == std::string::npos) {
        boost::system::error_code ec;
        const std::size_t n = socket.read_some(boost::asio::buffer(buf), ec);
        if (ec) break;
        received.append(buf.data(), n);
      }
      return received;
    }
  };
  static std::string upload_head(const std::string& target, std::size_t length) {
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + std::to_string(length) + "\r\nExpect: 100-continue\r\n\r\n";
  }
};

TEST_F(ExpectContinueTest, BodyThatWillBeReadGets100ContinueAtOnce) {
  Conversation c(server_->port());
  const std::string body = R"({"a":1})";
  c.send(upload_head("/v1/echo", body.size()));
  EXPECT_THAT(c.read_until("\r\n\r\n"), ::testing::StartsWith("HTTP/1.1 100 Continue\r\n"));
  c.send(body);
  EXPECT_THAT(c.read_until(body), HasSubstr("HTTP/1.1 201"));
}

TEST_F(ExpectContinueTest, BodyThatWouldBeRefusedGetsTheFinalStatusUnread) {
  Conversation unknown(server_->port());
  unknown.send(upload_head("/v1/nowhere", 10));
  EXPECT_THAT(unknown.read_until("\r\n\r\n"), ::testing::StartsWith("HTTP/1.1 404"));
  Conversation large(server_->port());
  large.send(upload_head("/v1/echo", 4096));  // max_body_bytes is 1024
  EXPECT_THAT(large.read_until("\r\n\r\n"), ::testing::StartsWith("HTTP/1.1 413"));
  Conversation unauthorized(server_->port());
  std::string denied = upload_head("/v1/echo", 10);
  denied.insert(denied.size() - 2, "X-Deny: 1\r\n");
  unauthorized.send(denied);
  EXPECT_THAT(unauthorized.read_until("\r\n\r\n"), ::testing::StartsWith("HTTP/1.1 401"));
}

TEST_F(HttpServerTest, OversizedBodyIs413WithJsonError) {
  const auto res = post("/v1/echo", std::string(4096, 'x'));
  EXPECT_EQ(res.status, 413);
  EXPECT_THAT(json::parse(res.body)["error"]["message"].get<std::string>(), HasSubstr("1024"));
  EXPECT_EQ(get("/health").status, 200);  // a fresh connection is served as usual
}

TEST_F(HttpServerTest, MalformedJsonIs400AndValidJsonEchoes) {
  const auto bad = post("/v1/echo", "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(json::parse(bad.body)["error"]["message"].get<std::string>(),
              HasSubstr("not valid JSON"));
  const auto good = post("/v1/echo", R"({"a":1})");
  EXPECT_EQ(good.status, 201);
  EXPECT_EQ(json::parse(good.body)["a"], 1);
}

TEST_F(HttpServerTest, MalformedHttpIs400AndServerStaysUp) {
  const std::string reply =
      raw_exchange("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n");
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(reply, HasSubstr("malformed HTTP request"));
  EXPECT_EQ(get("/health").status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionsBecomeErrorResponses) {
  const auto boom = get("/v1/boom");
  EXPECT_EQ(boom.status, 500);
  EXPECT_THAT(boom.body, HasSubstr("kaboom"));
  EXPECT_EQ(get("/v1/teapot").status, 418);
  EXPECT_EQ(get("/health").status, 200);
}

TEST_F(HttpServerTest, ErrorRateOneAnswersEveryServiceRequestWithErrorStatus) {
  ASSERT_EQ(post("/__admin/faults", R"({"error_rate":1.0,"error_status":503})").status, 200);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get("/v1/act_1/items/2").status, 503);
  EXPECT_EQ(get("/health").status, 200);  // built-in routes are never faulted
  EXPECT_EQ(json::parse(get("/__admin/faults").body)["error_status"], 503);
  ASSERT_EQ(client_.request("DELETE", url("/__admin/faults")).status, 200);
  EXPECT_EQ(get("/v1/act_1/items/2").status, 200);
}

TEST_F(HttpServerTest, FaultBodyWithBadKnobsIs400NamingEach) {
  const auto res = post("/__admin/faults", R"({"error_rate":2,"latency_ms":-1,"bogus":1})");
  EXPECT_EQ(res.status, 400);
  const std::string msg = json::parse(res.body)["error"]["message"];
  EXPECT_THAT(msg, HasSubstr("faults.error_rate"));
  EXPECT_THAT(msg, HasSubstr("faults.latency_ms"));
  EXPECT_THAT(msg, HasSubstr("faults.bogus"));
}

TEST_F(HttpServerTest, LatencyKnobDelaysAndIsCounted) {
  ASSERT_EQ(post("/__admin/faults", R"({"latency_ms":5,"jitter_ms":5})").status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/v1/act_1/items/2").status, 200);
  const json stats = json::parse(get("/__admin/stats").body);
  EXPECT_EQ(stats["faults"]["injected"]["delayed"], 3);
}

TEST_F(HttpServerTest, DropConnectionClosesWithoutResponse) {
  ASSERT_EQ(post("/__admin/faults", R"({"drop_connection":1.0})").status, 200);
  EXPECT_THROW(get("/v1/act_1/items/2"), ClientError);
  ASSERT_EQ(post("/__admin/faults", R"({"reset":true})").status, 200);
  EXPECT_EQ(get("/v1/act_1/items/2").status, 200);
}

// The real crash action is std::_Exit(70), which cannot run in-process; the recorder installed
// through ServerOptions::crash_action stands in for it.
TEST_F(HttpServerTest, CrashAfterNFiresOnRequestNPlusOne) {
  ASSERT_EQ(post("/__admin/faults", R"({"crash_after":2})").status, 200);
  // A connection per request: a kept-alive client would resend once on the closed connection.
  HttpClient once({.timeout = std::chrono::seconds(5), .keep_alive = false});
  EXPECT_EQ(once.get(url("/v1/act_1/items/2")).status, 200);
  EXPECT_EQ(once.get(url("/v1/act_1/items/2")).status, 200);
  EXPECT_EQ(crashes_.load(), 0);
  EXPECT_THROW(once.get(url("/v1/act_1/items/2")), ClientError);
  EXPECT_EQ(crashes_.load(), 1);
}

TEST_F(HttpServerTest, MetricsAreValidPrometheusText) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get("/v1/act_1/items/2").status, 200);
  const auto res = get("/metrics");
  ASSERT_EQ(res.status, 200);
  EXPECT_THAT(res.headers.get("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(res.body, HasSubstr("# TYPE http_requests_total counter\n"));
  EXPECT_THAT(res.body,
              HasSubstr("http_requests_total{method=\"GET\",route=\"/v1/act_{account}/items/{id}\","
                        "status=\"200\"} 3\n"));
  EXPECT_THAT(res.body, HasSubstr("# TYPE http_request_duration_seconds histogram\n"));
  EXPECT_THAT(
      res.body,
      HasSubstr("http_request_duration_seconds_count{route=\"/v1/act_{account}/items/{id}\"} 3\n"));
  EXPECT_THAT(res.body, HasSubstr("le=\"+Inf\"} 3\n"));
  EXPECT_THAT(res.body, HasSubstr("mock_info{service=\"test-svc\"} 1\n"));
}

TEST_F(HttpServerTest, StatsCountRequestsAndIncludeServiceSections) {
  ASSERT_EQ(get("/v1/act_1/items/2").status, 200);
  ASSERT_EQ(get("/nope").status, 404);
  const json stats = json::parse(get("/__admin/stats").body);
  EXPECT_EQ(stats["service"], "test-svc");
  EXPECT_EQ(stats["port"], server_->port());
  EXPECT_GE(stats["requests_total"].get<int>(), 2);
  EXPECT_GE(stats["responses"]["4xx"].get<int>(), 1);
  EXPECT_EQ(stats["custom"]["answer"], 42);
}

TEST_F(HttpServerTest, LogsAreOneJsonObjectPerLine) {
  server_->logger().info("hello", {{"k", "v"}});
  std::istringstream lines(log_.str());
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    const json j = json::parse(line);
    EXPECT_EQ(j["service"], "test-svc");
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg") &&
                j.contains("fields"));
    ++parsed;
  }
  EXPECT_GE(parsed, 2);  // "listening" and "hello"
}

TEST_F(HttpServerTest, BindingATakenPortThrowsNamingTheAddress) {
  ServerOptions o;
  o.port = server_->port();
  std::ostringstream log;
  try {
    HttpServer second(o, log);
    FAIL() << "expected ServerError";
  } catch (const ServerError& e) {
    EXPECT_THAT(e.what(), HasSubstr("127.0.0.1:" + std::to_string(server_->port())));
  }
}

TEST(HttpServerShutdown, StopLetsAnInFlightRequestFinish) {
  std::ostringstream log;
  ServerOptions o;
  HttpServer server(o, log);
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  server.router().get("/slow", [&](const Request&) {
    entered.set_value();
    released.wait();
    return Response::json(200, {{"done", true}});
  });
  server.start();
  auto reply = std::async(std::launch::async, [&] {
    HttpClient client;
    return client.get(Url::parse("http://127.0.0.1:" + std::to_string(server.port()) + "/slow"));
  });
  entered.get_future().wait();
  auto stopping = std::async(std::launch::async, [&] { server.stop(); });
  // Release the handler only once the server drains, or its response may legitimately keep
  // the connection open. Bounded: a server that never starts draining fails the test below.
  for (int i = 0; i < 5000 && !server.stopping(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(server.stopping());
  release.set_value();
  stopping.get();
  const ClientResponse res = reply.get();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Connection"), "close");
  EXPECT_THAT(log.str(), HasSubstr("\"drained\":true"));
}

}  // namespace
}  // namespace gauntlet::mocks

#include "gauntlet/mocks/router.hpp"

#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/url.hpp"

namespace gauntlet::mocks {
namespace {

Response named(const std::string& name) { return Response::text(200, name); }

Request make(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.split_target();
  return r;
}

TEST(Router, MostSpecificPatternWins) {
  Router r;
  r.get("/v{version}/{id}", [](const Request&) { return named("object"); });
  r.get("/v{version}/{id}/insights", [](const Request&) { return named("insights"); });
  r.get("/v{version}/act_{account}/campaigns", [](const Request&) { return named("campaigns"); });
  r.get("/v{version}/{id}/campaigns", [](const Request&) { return named("generic"); });
  Request a = make("GET", "/v19.0/act_5/campaigns");
  EXPECT_EQ(r.dispatch(a).body, "campaigns");
  EXPECT_EQ(a.param("account"), "5");
  EXPECT_EQ(a.param("version"), "19.0");
  Request b = make("GET", "/v19.0/123/campaigns");
  EXPECT_EQ(r.dispatch(b).body, "generic");
  Request c = make("GET", "/v19.0/123/");
  EXPECT_EQ(r.dispatch(c).body, "object");
}

TEST(Router, CapturesAreNeverEmpty) {
  Router r;
  r.get("/act_{account}", [](const Request&) { return named("x"); });
  EXPECT_EQ(r.match("GET", "/act_").handler, nullptr);
  EXPECT_NE(r.match("GET", "/act_1").handler, nullptr);
}

TEST(Router, CustomErrorFormatterShapesEveryError) {
  Router r;
  r.set_error_formatter([](int status, std::string_view msg) {
    return Response::text(status, "E:" + std::string(msg));
  });
  Request req = make("GET", "/missing");
  const Response res = r.dispatch(req);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body.rfind("E:", 0), 0u);
}

TEST(Router, ConfigErrorFromAHandlerIs400) {
  Router r;
  r.post("/x", [](const Request&) -> Response { throw ConfigError("field y must be > 0, got 0"); });
  Request req = make("POST", "/x");
  EXPECT_EQ(r.dispatch(req).status, 400);
}

TEST(Router, MalformedPatternsAreRejected) {
  Router r;
  EXPECT_THROW(r.get("no-slash", [](const Request&) { return named(""); }), ConfigError);
  EXPECT_THROW(r.get("/a/{open", [](const Request&) { return named(""); }), ConfigError);
  EXPECT_THROW(r.get("/a/{x}{y}", [](const Request&) { return named(""); }), ConfigError);
  EXPECT_THROW(r.get("/a/{}", [](const Request&) { return named(""); }), ConfigError);
}

TEST(Url, ParsesHostPortAndTargetAndKnowsLoopback) {
  const Url u = Url::parse("http://127.0.0.1:8080/hooks?x=1");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/hooks?x=1");
  EXPECT_TRUE(u.is_loopback());
  EXPECT_TRUE(Url::parse("http://[::1]:9/").is_loopback());
  EXPECT_TRUE(Url::parse("http://localhost").is_loopback());
  EXPECT_FALSE(Url::parse("http://10.0.0.1:80/").is_loopback());
  EXPECT_FALSE(Url::parse("http://127.example.com/").is_loopback());
  EXPECT_THROW(Url::parse("https://127.0.0.1/"), ConfigError);
  EXPECT_THROW(Url::parse("http://127.0.0.1:99999/"), ConfigError);
}

TEST(Url, QueryDecodingHandlesPlusAndEscapes) {
  const auto q = parse_query("a=1&b=x+y%21&c&=z");
  EXPECT_EQ(q.at("a"), "1");
  EXPECT_EQ(q.at("b"), "x y!");
  EXPECT_EQ(q.at("c"), "");
}

}  // namespace
}  // namespace gauntlet::mocks

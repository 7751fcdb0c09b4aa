// Malformed and oversized requests to each of the eight services: a clear 4xx, and the service
// stays up (same pid, /health still answers).
#include <string>
#include <vector>

#include "platform_e2e.hpp"

namespace gauntlet {
namespace {

using nlohmann::json;

struct JsonRoute {
  Service service;
  std::string path;   // a POST route whose body must be JSON
  std::size_t limit;  // the body size above which the service answers 413
};

constexpr std::size_t kMiB = 1024 * 1024;

std::vector<JsonRoute> json_routes() {
  return {{Service::kMetaGraph, "/v19.0/act_1/campaigns", kMiB},
          {Service::kHubSpot, "/__admin/emit", kMiB},
          {Service::kDriveIntel, "/v1/videos", kMiB},
          {Service::kVideoAgent, "/v1/render-jobs", kMiB},
          {Service::kMetaPublisher, "/v1/ad-changes", kMiB},
          {Service::kMlService, "/v1/predictions", kMiB},
          {Service::kTitanCore, "/v1/council", kMiB},
          {Service::kGateway, "/api/v1/generations", kMiB}};  // JSON routes: 1 MiB
}

Response post_raw(Client& client, const std::string& url, std::string body) {
  return client.send({.method = "POST",
                      .url = url,
                      .headers = {{"Content-Type", "application/json"}},
                      .body = std::move(body)});
}

TEST_F(PlatformE2E, MalformedJsonIsRefusedWith400AndEveryServiceStaysUp) {
  Client client = authed_client();  // the gateway checks the key before the body
  for (const JsonRoute& route : json_routes()) {
    const pid_t before = platform().pid(route.service);
    const Response r =
        post_raw(client, url(route.service, route.path), R"({"name": "unterminated)");
    EXPECT_EQ(r.status, 400) << service_name(route.service) << ": " << r.body;
    EXPECT_TRUE(r.json().has_value()) << service_name(route.service) << " error is not JSON";
    EXPECT_TRUE(healthy(route.service)) << service_name(route.service) << " went down";
    EXPECT_EQ(platform().pid(route.service), before) << service_name(route.service) << " restarted";
  }
}

TEST_F(PlatformE2E, OversizedBodiesAreRefusedWith413AndEveryServiceStaysUp) {
  Client client = authed_client();
  for (const JsonRoute& route : json_routes()) {
    const pid_t before = platform().pid(route.service);
    const Response r = post_raw(client, url(route.service, route.path),
                                "\"" + std::string(route.limit, 'x') + "\"");
    EXPECT_EQ(r.status, 413) << service_name(route.service) << ": " << r.error_message;
    EXPECT_TRUE(healthy(route.service)) << service_name(route.service) << " went down";
    EXPECT_EQ(platform().pid(route.service), before) << service_name(route.service) << " restarted";
  }
  // Uploads may be larger (10 MiB), but not without bound.
  const Response upload =
      client.send_binary("POST", gateway("/api/v1/assets/upload"), std::string(10 * kMiB + 1, 'a'),
                         "application/octet-stream");
  EXPECT_EQ(upload.status, 413) << upload.error_message;
  EXPECT_TRUE(healthy(Service::kGateway));
}

}  // namespace
}  // namespace gauntlet

// mock-gateway: the platform's public API; see docs/platform-api/gateway.md.
#include <iostream>
#include <memory>
#include <sstream>

#include "gateway_service.hpp"
#include "gauntlet/mocks/service_main.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace {

using namespace gauntlet::mocks;

struct GatewayFlags {
  GatewayOptions options;
  std::string api_keys;
  int retry_base_ms = 50;
  int breaker_open_ms = 5000;
  int timeout_ms = 10'000;
  int db_pool_size = 16;
  int failures = 5;
  std::uint64_t hubspot_campaign_id = 1;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void add_flags(FlagParser& flags, GatewayFlags& f) {
  GatewayOptions& o = f.options;
  flags.add("--api-keys", &f.api_keys,
            "comma-separated bearer tokens accepted besides the api_keys table");
  flags.add("--hubspot-secret", &o.hubspot_secret,
            "HubSpot client secret for webhook v3 signatures");
  for (const std::string& service : GatewayOptions::service_names()) {
    o.service_urls[service] = "";
    flags.add("--" + service + "-url", &o.service_urls[service],
              "base URL of " + service + " (unset: its routes answer 503)");
  }
  flags.add("--rate-per-s", &o.rate_per_s, "requests per second per API key (default 100)", 0.001,
            1e7);
  flags.add("--burst", &o.burst, "token-bucket capacity per API key (default 200)", 1.0, 1e7);
  flags.add("--retries", &o.downstream.retry.max_attempts,
            "attempts per idempotent downstream call (default 3)", 1, 10);
  flags.add("--retry-base-ms", &f.retry_base_ms, "backoff base between attempts (default 50)", 1,
            60'000);
  flags.add("--breaker-failures", &f.failures,
            "consecutive failures that open a breaker (default 5)", 1, 10'000);
  flags.add("--breaker-open-ms", &f.breaker_open_ms,
            "how long an open breaker refuses calls (default 5000)", 1, 3'600'000);
  flags.add("--downstream-timeout-ms", &f.timeout_ms,
            "deadline of one downstream call (default 10000)", 1, 3'600'000);
  flags.add("--assets-dir", &o.assets_dir,
            "where uploaded assets are written (unset: only their hash is kept)");
  flags.add("--hubspot-campaign-id", &f.hubspot_campaign_id,
            "campaign of HubSpot feedback events that name none (default 1)", 1, INT64_MAX);
  flags.add("--db-pool-size", &f.db_pool_size, "PostgreSQL connections (default 16)", 1, 1000);
}

void apply(GatewayFlags& f) {
  using std::chrono::milliseconds;
  f.options.api_keys = split_commas(f.api_keys);
  f.options.forwarder.mapping.default_campaign_id =
      static_cast<std::int64_t>(f.hubspot_campaign_id);
  f.options.downstream.retry.backoff.base = milliseconds(f.retry_base_ms);
  f.options.downstream.retry.backoff.cap =
      std::max(milliseconds(2000), milliseconds(f.retry_base_ms));
  f.options.downstream.breaker.failure_threshold = static_cast<std::uint32_t>(f.failures);
  f.options.downstream.breaker.open_duration = milliseconds(f.breaker_open_ms);
  f.options.downstream.timeout = milliseconds(f.timeout_ms);
}

}  // namespace

int main(int argc, char** argv) {
  return run_main("mock-gateway", std::cerr, [&] {
    FlagParser flags("mock-gateway");
    CommonFlags common;
    common.max_body_bytes = GenerationApi::kMaxAssetBytes;  // uploads; JSON routes stay at 1 MiB
    common.threads = 8;  // handlers block on downstream calls and the database
    common.add_to(flags);
    GatewayFlags f;
    add_flags(flags, f);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    apply(f);
    f.options.seed = common.seed;

    HttpServer server(common.server_options("gateway"), std::cout, common.log_level);
    std::unique_ptr<gauntlet::ConnectionPool> pool;
    if (!common.database_url.empty()) {
      pool = std::make_unique<gauntlet::ConnectionPool>(common.database_url,
                                                        static_cast<std::size_t>(f.db_pool_size),
                                                        std::chrono::milliseconds(5000));
    }
    GatewayService service(f.options, pool.get(), server.router(), server.metrics(),
                           server.logger());
    server.add_stats("gateway", [&service] { return service.stats(); });
    common.announce(server);
    service.start();
    const int rc = server.run();
    service.stop();
    return rc;
  });
}

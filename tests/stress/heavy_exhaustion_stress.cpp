// Resource exhaustion. CPU saturation and memory pressure on the machine, made by stress-ng (a
// Debian package scripts/setup installs; started and stopped by the test, bounded by its own
// --timeout too), while the prediction path keeps serving. And connection / file-descriptor
// exhaustion at the gateway: idle connections opened until the gateway's descriptors cross its
// safety limit, which must stop the run, marked incomplete, naming the limit, the process, the
// value and the time. And database pool exhaustion: the test locks its own campaign's row
// (SELECT ... FOR UPDATE), so every feedback insert that references it waits in PostgreSQL
// holding its service's pooled connection and io thread, while far more virtual users than the
// services' pools hold keep writing: the work must queue and complete (or be refused cleanly),
// nothing acknowledged lost; and a run that goes too far (more DB-bound operations in flight than
// a pool holds, for as long as the lock lasts) is stopped by the monitor's safety limit. Label:
// heavy.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "fixtures/checkers/platform_integrity.hpp"
#include "gauntlet/process/service_process.hpp"
#include "gauntlet/unique_fd.hpp"
#include "heavy_load.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

class HeavyExhaustion : public HeavyStress {};

constexpr const char* kStressNg = "/usr/bin/stress-ng";

// The port of a "http://127.0.0.1:PORT" URL.
std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

TEST_F(HeavyExhaustion, CpuAndMemoryPressureFromStressNgLeavesThePredictionPathServing) {
  ASSERT_TRUE(std::filesystem::exists(kStressNg))
      << kStressNg << " is missing: scripts/setup installs the stress-ng Debian package";
  Platform& platform = PlatformEnvironment::platform();
  const auto duration = param("duration", {4s, 6s, 2min}, 1s, 24h);
  const auto vm_mb = param("stress_vm_mb", {256, 512, 1024}, 1, 1 << 20);
  const auto cpu_workers = param("stress_cpu_workers", {2, 2, 2}, 1, 256);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count() + 5;
  ServiceOptions so;
  so.name = "stress-ng";
  so.executable = kStressNg;
  so.args = {"--cpu",
             std::to_string(cpu_workers),
             "--vm",
             "1",
             "--vm-bytes",
             std::to_string(vm_mb) + "M",
             "--vm-keep",
             "--timeout",
             std::to_string(seconds) + "s"};
  so.log_path = platform.run_dir() / "stress-ng.log";
  so.grace_period = 2000ms;
  ServiceProcess stress(so);
  stress.start();
  std::this_thread::sleep_for(500ms);  // its workers start and fill their memory

  // stress-ng's workers (and theirs: a vm stressor holds its memory in a child of its own) are
  // watched as one group. Their memory is the pressure, not a leak of ours: the group's limit is
  // what it was told, with room for the cpu workers and for pages counted twice.
  MonitorOptions monitor = platform_monitor();
  SafetyLimits workers_limits = monitor.limits;
  workers_limits.max_memory_mb = static_cast<double>(vm_mb) * 1.5 + 64;
  workers_limits.memory_growth_rate_mb_per_sec.reset();
  monitor.processes.push_back(
      {"stress-ng", stress.pid(), monitor.limits, "stress-ng-workers", workers_limits});
  const std::string gateway = platform.url(Service::kGateway);
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(platform, tag);
  VuClients clients(4, platform.seed().authorization());
  RunOptions options;
  options.monitor = monitor;
  Plan plan{.name = "heavy-cpu-memory-pressure",
            .model = ClosedModel{.vus = 4, .duration = duration},
            .thresholds = {"error_rate<1%", "predict: p(99)<2s"}};
  const RunResult result = run(
      plan,
      [&](IterationContext& ctx) { prediction_step(ctx, clients.of(ctx), gateway, campaign.id); },
      options);
  stress.stop();

  // The pressure was real: stress-ng's workers were busy and held the memory they were told to.
  ASSERT_TRUE(result.monitor);
  const auto workers =
      std::find_if(result.monitor->processes.begin(), result.monitor->processes.end(),
                   [](const ProcessPeaks& p) { return p.name == "stress-ng-workers"; });
  ASSERT_NE(workers, result.monitor->processes.end()) << "stress-ng's workers were not sampled";
  double load_peak = 0;
  for (const MachineSample& m : result.monitor->machine) load_peak = std::max(load_peak, m.load1);
  std::cout << "[ figures  ] under stress-ng (" << cpu_workers << " cpu, " << vm_mb
            << " MB vm): workers " << workers->peak_cpu_percent << "% CPU, " << workers->peak_rss_mb
            << " MB peak RSS, machine load peak " << load_peak << ", p99 "
            << result.metrics.iteration.latency.value_at_percentile(99) / 1000.0 << " ms, "
            << result.metrics.iteration.total() << " predictions\n";
  EXPECT_GT(workers->peak_cpu_percent, 30) << "stress-ng's workers did not load the CPU";
  EXPECT_GE(workers->peak_rss_mb, 0.5 * static_cast<double>(vm_mb))
      << "stress-ng's workers did not hold the " << vm_mb << " MB they were told to";
  EXPECT_FALSE(result.monitor->stopped) << result.monitor->stopped->message;
}

TEST_F(HeavyExhaustion, ConnectionExhaustionAtTheGatewayIsStoppedByItsFdLimit) {
  Platform& platform = PlatformEnvironment::platform();
  if (!platform.is_managed(Service::kGateway)) {
    GTEST_SKIP() << "skipped: the gateway is external (GAUNTLET_GATEWAY_URL); its descriptors "
                    "cannot be read";
  }
  const auto connections = param("idle_connections", {200, 400, 800}, 1, 60'000);
  const auto duration = param("duration", {6s, 15s, 1min}, 1s, 24h);
  const std::string gateway = platform.url(Service::kGateway);
  const std::uint16_t port = port_of(gateway);
  const auto baseline = read_proc(platform.pid(Service::kGateway));
  ASSERT_TRUE(baseline);
  const std::int64_t limit = baseline->fds + connections / 2;

  MonitorOptions monitor = platform_monitor();
  for (MonitoredProcess& p : monitor.processes) {
    if (p.name != "mock-gateway") continue;
    SafetyLimits own = monitor.limits;
    own.max_fds = limit;  // half way to where the idle connections take it
    p.limits = own;
  }
  RunOptions options;
  options.monitor = monitor;
  options.expect_thresholds = false;  // the run is meant to be stopped
  std::vector<UniqueFd> held;
  Plan plan{.name = "heavy-connection-exhaustion",
            .model = ClosedModel{.vus = 1, .duration = duration},
            .thresholds = {"error_rate<100%"}};
  const RunResult result = run(
      plan,
      [&](IterationContext& ctx) {
        ctx.step("connect", [&] {
          // Ten idle connections per iteration, held until the test ends: each costs the gateway a
          // descriptor until the safety stop ends the run.
          for (int i = 0; i < 10 && static_cast<std::int64_t>(held.size()) < connections; ++i) {
            UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(port);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
              ctx.fail(ErrorClass::kConnect, "connect to the gateway failed");
              return;
            }
            held.push_back(std::move(fd));
          }
          std::this_thread::sleep_for(20ms);
        });
      },
      options);
  const std::size_t opened = held.size();
  held.clear();

  std::cout << "[ figures  ] gateway fds " << baseline->fds << " at rest, limit " << limit << ", "
            << opened << " idle connections opened; " << result.stop_reason << '\n';
  ASSERT_TRUE(result.monitor);
  ASSERT_TRUE(result.monitor->stopped) << "the fd limit never stopped the run";
  EXPECT_EQ(result.monitor->stopped->limit, "max_fds");
  EXPECT_EQ(result.monitor->stopped->process, "mock-gateway");
  EXPECT_GT(result.monitor->stopped->value, static_cast<double>(limit));
  EXPECT_LT(result.monitor->stopped->at_s, std::chrono::duration<double>(duration).count());
  EXPECT_TRUE(result.incomplete);
  EXPECT_NE(result.stop_reason.find("stopped: mock-gateway open fds "), std::string::npos)
      << result.stop_reason;
  // The gateway still serves once the connections are gone.
  Client client;
  EXPECT_EQ(client.get(gateway + "/health").status, 200);
}

// The test campaign's row locked FOR UPDATE on a connection of the test's own, from `after` for
// `hold` (on a thread of its own; the destructor waits for the release). A feedback insert
// references the campaign (its foreign key takes a KEY SHARE lock on the row), so each one waits.
class CampaignRowLock {
 public:
  CampaignRowLock(const Platform& platform, std::int64_t campaign_id,
                  std::chrono::nanoseconds after, std::chrono::nanoseconds hold) {
    std::promise<void> locked;
    locked_ = locked.get_future();
    thread_ = std::jthread([url = platform.database_url(), campaign_id, after, hold,
                            locked = std::move(locked)]() mutable {
      try {
        pqxx::connection conn(url);
        std::this_thread::sleep_for(after);
        pqxx::work tx(conn);
        tx.exec_params1("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE", campaign_id);
        locked.set_value();
        std::this_thread::sleep_for(hold);
        tx.abort();
      } catch (...) {
        locked.set_exception(std::current_exception());
      }
    });
  }
  // Waits until the row is locked; rethrows the database's error.
  void wait_locked() { locked_.get(); }

 private:
  std::future<void> locked_;
  std::jthread thread_;
};

class HeavyDatabasePool : public HeavyStress {
 protected:
  void SetUp() override {
    HeavyStress::SetUp();
    if (PlatformEnvironment::platform().database_dir().empty()) {
      GTEST_SKIP() << "skipped: the database is external (GAUNTLET_DATABASE_URL); the test does "
                      "not exhaust a database it does not own";
    }
  }
};

TEST_F(HeavyDatabasePool, MoreDbWorkThanThePoolsHoldQueuesAndLosesNothing) {
  Platform& platform = PlatformEnvironment::platform();
  // ml-service's pool holds 8 connections, the gateway's 16 (docs/platform-api/common.md).
  const auto vus = param("db_vus", {24, 32, 64}, 1, 4096);
  const auto duration = param("duration", {4s, 5s, 1min}, 1s, 24h);
  const auto hold = param("db_lock_hold", {1500ms, 2s, 5s}, 1ms, 1h);
  const auto fast = param("refusal_fast", {1s, 1s, 1s}, 1ms, 1min);
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(platform, tag);
  const std::string gateway = platform.url(Service::kGateway);
  Ledger ledger(tag, 1'000'000);
  VuClients clients(vus, platform.seed().authorization(), {.timeout = 30s});
  const PidWatch pids(platform);
  FeedbackUnderOverload feedback(gateway, campaign.id, ledger, fast);
  const RunOptions options = overload_options(feedback, ledger, campaign, pids, vus);
  Plan plan{.name = "heavy-db-pool", .model = ClosedModel{.vus = vus, .duration = duration}};
  FeedbackUnderOverload::declare(plan);

  CampaignRowLock lock(platform, campaign.id, 500ms, hold);
  const RunResult result = run(
      plan,
      [&](IterationContext& ctx) {
        feedback.step(ctx, clients.of(ctx), tag + "-evt-" + std::to_string(ctx.iteration()));
      },
      options);
  ASSERT_NO_THROW(lock.wait_locked());
  // The postmaster's backends, one thread each: how many connections PostgreSQL served.
  std::int64_t backends_peak = 0;
  for (const ResourceSample& s : result.monitor->series) {
    if (s.process == "postgres-backends") backends_peak = std::max(backends_peak, s.threads);
  }
  // The lock made the work queue: the slowest write waited for most of it.
  const auto max_ms = static_cast<double>(result.metrics.iteration.latency.max()) / 1000.0;
  std::cout << "[ figures  ] " << vus << " VUs on a row locked for "
            << std::chrono::duration_cast<std::chrono::milliseconds>(hold).count()
            << " ms: " << result.metrics.iteration.total() << " writes, slowest " << max_ms
            << " ms, postgres backends peak " << backends_peak << ", refusal_share "
            << feedback.refusal_share().value << '\n';
  const double hold_ms = std::chrono::duration<double, std::milli>(hold).count();
  EXPECT_GT(max_ms, 0.5 * hold_ms)
      << "no write waited for the lock: the test did not exhaust anything";
  EXPECT_FALSE(result.monitor->stopped) << result.monitor->stopped->message;
}

TEST_F(HeavyDatabasePool, TooManyDbOperationsInFlightAreStoppedByTheMonitor) {
  Platform& platform = PlatformEnvironment::platform();
  const auto vus = param("db_vus", {24, 32, 64}, 1, 4096);
  const auto duration = param("duration", {6s, 8s, 1min}, 1s, 24h);
  const auto hold = param("db_lock_hold", {1500ms, 2s, 5s}, 1ms, 1h);
  // More in flight than ml-service's pool holds (8) is too far.
  const auto limit = param("db_max_in_flight", {8, 8, 8}, 1, 4096);
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(platform, tag);
  const std::string gateway = platform.url(Service::kGateway);
  Ledger ledger(tag, 1'000'000);
  VuClients clients(vus, platform.seed().authorization(), {.timeout = 30s});
  FeedbackUnderOverload feedback(gateway, campaign.id, ledger, 1s);

  RunOptions options;
  options.expect_thresholds = false;  // the run is meant to be stopped
  options.monitor = platform_monitor();
  options.monitor->limits.memory_growth_rate_mb_per_sec = 100;
  options.monitor->limits.max_concurrent_operations = limit;
  options.monitor->operations_in_flight = [&] { return feedback.in_flight(); };
  options.after_load = [&] {
    return check_platform_integrity(ledger, IntegrityScope::of(platform, campaign), {.bound = 60s});
  };
  Plan plan{.name = "heavy-db-pool-too-far",
            .model = ClosedModel{.vus = vus, .duration = duration},
            .thresholds = {"lost==0", "duplicated==0"}};
  for (std::string_view n : kIntegrityFigureNames) {
    plan.metrics.push_back({std::string(n), MetricKind::kFigure});
  }
  plan.metrics.push_back({"accepted", MetricKind::kCounter});
  plan.metrics.push_back({"refusals", MetricKind::kCounter});
  plan.metrics.push_back({"refusals_malformed", MetricKind::kCounter});

  CampaignRowLock lock(platform, campaign.id, 0s, hold);
  ASSERT_NO_THROW(lock.wait_locked());
  const RunResult result = run(
      plan,
      [&](IterationContext& ctx) {
        feedback.step(ctx, clients.of(ctx), tag + "-evt-" + std::to_string(ctx.iteration()));
      },
      options);

  std::cout << "[ figures  ] " << vus << " VUs on a locked row, limit " << limit
            << " in flight: " << result.stop_reason << '\n';
  ASSERT_TRUE(result.monitor);
  ASSERT_TRUE(result.monitor->stopped) << "the in-flight limit never stopped the run";
  EXPECT_EQ(result.monitor->stopped->limit, "max_concurrent_operations");
  EXPECT_EQ(result.monitor->stopped->process, "run");
  EXPECT_GT(result.monitor->stopped->value, static_cast<double>(limit));
  EXPECT_LT(result.monitor->stopped->at_s, std::chrono::duration<double>(duration).count());
  EXPECT_TRUE(result.incomplete);
  EXPECT_NE(result.stop_reason.find("stopped: run operations in flight "), std::string::npos)
      << result.stop_reason;
  // What was acknowledged before and after the stop is all there, once.
  for (const char* name : {"lost", "duplicated"}) {
    const Figure* f = result.metrics.find_figure(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->value, 0) << name << ": " << (f->examples.empty() ? "" : f->examples.front());
  }
}

}  // namespace
}  // namespace gauntlet

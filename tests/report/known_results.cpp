// Writes a results directory of known, deterministic results for the report's browser test
// (and for docs/reports.md's screenshot): a passing open-model run with steps, a failing
// closed-model run with errors, the optional monitor and timeline sections, and a run with a
// breaking point. Usage: report_known_results <dir>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "gauntlet/metrics/recorder.hpp"
#include "gauntlet/metrics/threshold.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/result_file.hpp"

namespace {

using namespace std::chrono_literals;
using gauntlet::ErrorClass;
using Json = nlohmann::json;

const auto kStart = std::chrono::steady_clock::time_point{} + 1000s;
const auto kWall = std::chrono::system_clock::time_point{} + 1'780'000'000s;

struct Shape {
  const char* name;
  int seconds;
  int users;
  double median_ms;
  double slow_from_s;  // latency triples after this second (a fault), < 0 never
  int error_every;     // every Nth iteration fails, 0 never
};

gauntlet::RunResult make(const Shape& s, const std::vector<std::string>& thresholds) {
  gauntlet::Recorder recorder({kStart, 10});
  gauntlet::RecorderShard& shard = recorder.make_shard();
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(std::log(s.median_ms * 1000), 0.45);
  const int per_second = 200;
  for (int i = 0; i < s.seconds * per_second; ++i) {
    const double at_s = static_cast<double>(i) / per_second;
    const double factor = s.slow_from_s >= 0 && at_s >= s.slow_from_s ? 3 : 1;
    const auto us = std::chrono::microseconds(static_cast<std::int64_t>(latency(rng) * factor));
    const auto at = kStart + std::chrono::microseconds(static_cast<std::int64_t>(at_s * 1e6));
    const bool fails = s.error_every > 0 && i % s.error_every == 0;
    const auto error = fails ? std::optional(ErrorClass::kHttp5xx) : std::nullopt;
    shard.record_step("create", us / 3, error, at);
    shard.record_step("publish", us - us / 3, std::nullopt, at);
    if (fails) shard.record_error_message("create", ErrorClass::kHttp5xx, "HTTP 503 from ad-api");
    shard.record_iteration(us, error, at);
    if (i % per_second == 0) {
      recorder.sample_active_vus(at, s.users + (at_s < 3 ? -s.users / 2 : 0));
    }
  }
  gauntlet::FinishedRun run;
  run.name = s.name;
  run.scale = "smoke";
  run.started_at = kWall;
  run.ended_at = kWall + std::chrono::seconds(s.seconds);
  run.load_duration = std::chrono::seconds(s.seconds);
  run.metrics = recorder.finish();
  run.metrics.figures.push_back({"lost", 0, {}});
  run.achieved_rate_per_s = per_second;
  run.extra = {{"executable", "known_results_stress"}};
  const std::vector<gauntlet::MetricDeclaration> declared{{"lost", gauntlet::MetricKind::kFigure}};
  return gauntlet::assemble_result(std::move(run),
                                   gauntlet::parse_thresholds(thresholds, declared));
}

void write(const gauntlet::RunResult& r, const std::filesystem::path& dir, const Json& sections) {
  Json doc = gauntlet::to_json(r);
  doc.update(sections);
  std::ofstream(gauntlet::result_file_path(r.name, dir)) << doc.dump(2) << '\n';
}

Json monitor() {
  Json series = Json::array();
  for (int t = 0; t < 20; ++t) {
    series.push_back({{"t_s", t},
                      {"process", "ad-api"},
                      {"cpu_percent", 20 + t * 2},
                      {"rss_mb", 80 + t * 0.5},
                      {"fds", 40},
                      {"threads", 9}});
    series.push_back({{"t_s", t},
                      {"process", "postgres"},
                      {"cpu_percent", 35 - t},
                      {"rss_mb", 120.0},
                      {"fds", 60},
                      {"threads", 1}});
  }
  return {{"interval_s", 1},
          {"processes",
           {{{"name", "ad-api"},
             {"pid", 4242},
             {"peak_rss_mb", 89.5},
             {"peak_cpu_percent", 58},
             {"peak_fds", 40},
             {"peak_threads", 9},
             {"rss_slope_mb_per_min", 30}},
            {{"name", "postgres"},
             {"pid", 4243},
             {"peak_rss_mb", 120},
             {"peak_cpu_percent", 35},
             {"peak_fds", 60},
             {"peak_threads", 1},
             {"rss_slope_mb_per_min", 0}}}},
          {"series", series},
          {"stopped", nullptr}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: report_known_results <dir>\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  write(make({"CreativeFlow.HoldsP95Under500ms", 20, 20, 4, -1, 0},
             {"p(95)<500ms", "error_rate<1%", "lost==0"}),
        dir, Json::object());
  write(make({"LearningCycle.SurvivesADatabaseRestart", 20, 10, 6, 8, 25},
             {"p(95)<20ms", "error_rate<1%", "create: p(99)<50ms"}),
        dir,
        {{"monitor", monitor()},
         {"timeline",
          {{{"at_s", 8}, {"until_s", 12}, {"action", "restart postgres"}, {"outcome", "ok"}}}}});
  write(make({"Budget.BreakingPoint", 12, 5, 2, -1, 0}, {"p(99)<100ms"}), dir,
        {{"breaking_point",
          {{"highest_sustainable", 400},
           {"knee", 450},
           {"unit", "req/s"},
           {"levels",
            {{{"level", 200},
              {"p50_ms", 2},
              {"p95_ms", 5},
              {"p99_ms", 8},
              {"error_rate", 0},
              {"achieved_rate", 200},
              {"passed", true}},
             {{"level", 400},
              {"p50_ms", 3},
              {"p95_ms", 9},
              {"p99_ms", 14},
              {"error_rate", 0},
              {"achieved_rate", 398},
              {"passed", true}},
             {{"level", 600},
              {"p50_ms", 40},
              {"p95_ms", 300},
              {"p99_ms", 900},
              {"error_rate", 0.04},
              {"achieved_rate", 452},
              {"passed", false}}}}}}});
  std::cout << "wrote 3 results into " << dir << '\n';
  return 0;
}

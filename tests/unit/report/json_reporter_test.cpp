#include "gauntlet/report/json_reporter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include "gauntlet/build_paths.hpp"
#include "gauntlet/metrics/recorder.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/result_file.hpp"
#include "gauntlet/text/utc_time.hpp"
#include "support/percentile_invariant.hpp"
#include "support/temp_dir.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Json = nlohmann::json;
namespace fs = std::filesystem;

// A result with every part filled: two steps with errors and samples, a series with a gap,
// drops, thresholds (one with nothing measured), plan and extra.
RunResult full_result() {
  const auto start = std::chrono::steady_clock::time_point{} + 50s;
  Recorder recorder({start, 5});
  RecorderShard& shard = recorder.make_shard();
  for (int i = 0; i < 200; ++i) {
    const auto at = start + (i < 100 ? i * 5ms : 2s + i * 5ms);
    const std::optional<ErrorClass> error =
        i % 17 == 0 ? std::optional(ErrorClass::kHttp5xx) : std::nullopt;
    shard.record_step("upload", std::chrono::microseconds(1000 + i * 37), error, at);
    shard.record_step("poll", std::chrono::microseconds(300 + i), std::nullopt, at);
    shard.record_iteration(std::chrono::microseconds(1300 + i * 38), error, at);
    if (error)
      shard.record_error_message("upload", *error, "503 \"busy\" #" + std::to_string(i % 3));
  }
  shard.record_dropped(start + 1500ms);
  recorder.sample_active_vus(start + 100ms, 7);
  shard.add_count("rows_written", 42);
  shard.set_gauge("queue_depth", 3.5, start + 1s);
  for (int i = 1; i <= 50; ++i) shard.record_trend("queue_wait", std::chrono::milliseconds(i));

  RunResult r;
  r.name = "CreativeFlowStress.HoldsP95Under500msAt20Concurrent";
  r.scale = "smoke";
  r.plan = Json{{"model", "open"}, {"rate_per_s", 40}, {"steps", {"upload", "poll"}}};
  r.started_at = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h + 34min + 56s +
                 789ms + 999us;  // sub-millisecond part: dropped by the JSON form
  r.ended_at = r.started_at + 3s + 250ms;
  r.duration_s = 3.25;
  r.metrics = recorder.finish();
  r.metrics.figures.push_back({"lost", 2, {"change-7", "change-9"}});
  r.thresholds.push_back({"upload: p(95)<2s", "upload", "p(95)", "us", 8123.0, 2e6, Verdict::kPass,
                          "p(95) of upload was 8.1ms, limit < 2s"});
  r.thresholds.push_back({"error_rate<0.01", "", "error_rate", "ratio",
                          std::numeric_limits<double>::quiet_NaN(), 0.01, Verdict::kFail,
                          "nothing was measured"});
  r.incomplete = true;
  r.stop_reason = "safety: generator CPU above 95% for 10 s";
  r.requested_rate_per_s = 40;
  r.achieved_rate_per_s = 39.5;
  r.extra = Json{{"generator", {{"cpu_pct", 41.5}}}, {"platform", Json::array()}};
  return r;
}

using gauntlet::testing::TempDir;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the std::invalid_argument that reading `doc` throws ("" if none).
std::string read_error(const Json& doc) {
  try {
    run_result_from_json(doc);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(RunResult, JsonRoundTripKeepsEverything) {
  const RunResult original = full_result();
  const Json doc = to_json(original);
  const RunResult back = run_result_from_json(Json::parse(doc.dump()));
  EXPECT_EQ(to_json(back), doc);

  EXPECT_EQ(back.name, original.name);
  ASSERT_EQ(back.metrics.steps.size(), 2u);
  EXPECT_TRUE(back.metrics.steps[0].latency == original.metrics.steps[0].latency);
  EXPECT_TRUE(back.metrics.iteration.latency == original.metrics.iteration.latency);
  const auto http_5xx = static_cast<std::size_t>(ErrorClass::kHttp5xx);
  EXPECT_EQ(back.metrics.steps[0].errors[http_5xx].count, 12);
  EXPECT_EQ(back.metrics.steps[0].errors[http_5xx].samples.size(), 3u);
  EXPECT_EQ(back.metrics.series.size(), original.metrics.series.size());
  EXPECT_EQ(back.metrics.dropped, 1);
  EXPECT_TRUE(std::isnan(back.thresholds[1].measured));
  EXPECT_EQ(back.thresholds[0].verdict, Verdict::kPass);
  EXPECT_EQ(back.started_at, std::chrono::floor<std::chrono::milliseconds>(original.started_at));
  EXPECT_EQ(back.plan, original.plan);
  EXPECT_EQ(back.extra, original.extra);
  ASSERT_EQ(back.metrics.counters.size(), 1u);
  EXPECT_EQ(back.metrics.counters[0].value, 42);
  ASSERT_EQ(back.metrics.gauges.size(), 1u);
  EXPECT_EQ(back.metrics.gauges[0].last, 3.5);
  ASSERT_EQ(back.metrics.trends.size(), 1u);
  EXPECT_TRUE(back.metrics.trends[0].values == original.metrics.trends[0].values);
  ASSERT_EQ(back.metrics.figures.size(), 1u);
  EXPECT_EQ(back.metrics.figures[0].examples, (std::vector<std::string>{"change-7", "change-9"}));
}

// Results written before custom metrics existed (same schema) still read, with none.
TEST(RunResult, AResultWithoutCustomMetricsReadsWithNone) {
  Json doc = to_json(full_result());
  for (const char* key : {"counters", "gauges", "trends", "figures"}) doc.erase(key);
  const RunResult back = run_result_from_json(doc);
  EXPECT_TRUE(back.metrics.counters.empty());
  EXPECT_TRUE(back.metrics.figures.empty());
}

TEST(RunResult, JsonHasTheDocumentedLayout) {
  const Json doc = to_json(full_result());
  EXPECT_EQ(doc["schema_version"], kResultSchemaVersion);
  EXPECT_EQ(doc["started_at"], "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(doc["ended_at"], "2024-05-01T12:35:00.039Z");
  EXPECT_EQ(doc["requested_rate_per_s"], 40.0);
  const Json& upload = doc["steps"][0];
  EXPECT_EQ(upload["name"], "upload");
  EXPECT_EQ(upload["ok"].get<int>() + upload["failed"].get<int>(), 200);
  EXPECT_EQ(upload["errors"]["http_5xx"]["count"], 12);
  EXPECT_FALSE(upload["errors"].contains("timeout"));  // only classes that occurred
  for (const char* key :
       {"min", "max", "mean", "stddev", "p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99"}) {
    EXPECT_TRUE(upload["latency_us"].contains(key)) << key;
  }
  EXPECT_EQ(upload["latency_us"]["min"], 1000);
  EXPECT_EQ(doc["series"][1]["completed"], 0);  // the gap second is there, zero-filled
  EXPECT_EQ(doc["series"][0]["active_vus"], 7);
  EXPECT_EQ(doc["thresholds"][1]["measured"], nullptr);
  EXPECT_EQ(doc["thresholds"][1]["verdict"], "FAIL");
  EXPECT_EQ(doc["counters"][0]["name"], "rows_written");
  EXPECT_EQ(doc["trends"][0]["count"], 50);
  EXPECT_EQ(doc["trends"][0]["values_us"]["max"], 50000);
  EXPECT_EQ(doc["figures"][0]["value"], 2.0);
}

TEST(RunResult, ClosedModelOmitsTheRequestedRate) {
  RunResult r;
  r.name = "Suite.Closed";
  const Json doc = to_json(r);
  EXPECT_FALSE(doc.contains("requested_rate_per_s"));
  EXPECT_EQ(run_result_from_json(doc).requested_rate_per_s, 0.0);
  EXPECT_EQ(doc["started_at"], "1970-01-01T00:00:00.000Z");
}

TEST(RunResult, RejectsAnUnknownSchemaVersion) {
  Json doc = to_json(full_result());
  doc["schema_version"] = 2;
  EXPECT_THAT(read_error(doc), HasSubstr("'schema_version' is 2"));
  doc.erase("schema_version");
  EXPECT_THAT(read_error(doc), HasSubstr("'schema_version' is missing"));
}

TEST(RunResult, NamesTheMalformedField) {
  const Json good = to_json(full_result());
  Json doc = good;
  doc["steps"][1]["ok"] = "3";
  EXPECT_THAT(read_error(doc), HasSubstr("'steps[1].ok' must be an integer, got \"3\""));
  doc = good;
  doc["steps"][0]["failed"] = -1;
  EXPECT_THAT(read_error(doc), HasSubstr("'steps[0].failed' must be >= 0, got -1"));
  doc = good;
  doc["iteration"]["histogram"]["counts"] = "garbage";
  EXPECT_THAT(read_error(doc), HasSubstr("'iteration.histogram' is not a valid histogram"));
  doc = good;
  doc["steps"][0]["errors"]["bogus"] = Json{{"count", 1}, {"samples", Json::array()}};
  EXPECT_THAT(read_error(doc), HasSubstr("'steps[0].errors.bogus' is not a known error class"));
  doc = good;
  doc["started_at"] = "2024-05-01 12:00:00";
  EXPECT_THAT(read_error(doc), HasSubstr("'started_at' must be an ISO-8601 UTC time"));
  doc = good;
  doc["ended_at"] = "2024-02-30T12:00:00.000Z";
  EXPECT_THAT(read_error(doc), HasSubstr("'ended_at'"));
  doc = good;
  // Found by fuzzing: year 9999 overflowed system_clock's nanoseconds instead of being rejected.
  doc["started_at"] = "9999-12-31T23:59:59.999Z";
  EXPECT_THAT(read_error(doc), HasSubstr("'started_at'"));
  doc = good;
  doc.erase("series");
  EXPECT_THAT(read_error(doc), HasSubstr("'series' is missing"));
  doc = good;
  doc["thresholds"][0]["verdict"] = "MAYBE";
  EXPECT_THAT(read_error(doc), HasSubstr("'thresholds[0].verdict' must be PASS, WARN or FAIL"));
  EXPECT_THAT(read_error(Json::array()), HasSubstr("must be a JSON object"));
  EXPECT_EQ(read_error(good), "");
}

TEST(JsonReporter, WritesOneDocumentForOneResultAndAnArrayForSeveral) {
  const RunResult r = full_result();
  std::ostringstream one;
  JsonReporter(one).report(r);
  EXPECT_EQ(Json::parse(one.str()), to_json(r));
  std::ostringstream two;
  const std::vector<RunResult> both = {r, r};
  JsonReporter(two).report(both);
  const Json doc = Json::parse(two.str());
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[1], to_json(r));
}

TEST(ResultFile, WritesAtomicallyAndLeavesNoTemporaryFile) {
  const TempDir tmp;
  const fs::path dir = tmp.path() / "nested" / "results";  // created by the writer
  const RunResult result = full_result();
  write_result_file(result, dir);
  const fs::path file = dir / (result.name + ".json");
  ASSERT_TRUE(fs::exists(file));
  std::vector<fs::path> entries(fs::directory_iterator(dir), fs::directory_iterator{});
  EXPECT_EQ(entries, std::vector<fs::path>{file});
  EXPECT_EQ(to_json(read_result_file(file)), to_json(result));
}

TEST(ResultFile, ReplacesAnExistingFileWhole) {
  const TempDir tmp;
  RunResult result = full_result();
  const fs::path file = tmp.path() / (result.name + ".json");
  fs::create_directories(tmp.path());
  std::ofstream(file) << std::string(2'000'000, 'z');  // longer than the new report
  result.metrics.steps.clear();
  write_result_file(result, tmp.path());
  const std::string text = read_text(file);
  EXPECT_EQ(Json::parse(text), to_json(result));  // parse fails on any trailing garbage
  EXPECT_FALSE(fs::exists(tmp.path() / (result.name + ".json.tmp")));
}

TEST(ResultFile, AFailedWriteRemovesItsTemporaryFile) {
  const TempDir tmp;
  const RunResult result = full_result();
  // A directory where the file should go: the rename fails after the temporary file is written.
  fs::create_directories(tmp.path() / (result.name + ".json") / "occupied");
  EXPECT_THROW(write_result_file(result, tmp.path()), std::system_error);
  EXPECT_FALSE(fs::exists(tmp.path() / (result.name + ".json.tmp")));
}

TEST(ResultFile, AtomicWriteIntoAMissingDirectoryNamesThePathAndLeavesNothing) {
  const TempDir tmp;
  const fs::path target = tmp.path() / "absent" / "report.json";
  try {
    write_file_atomically(target, "{}");
    ADD_FAILURE() << "a write into a missing directory succeeded";
  } catch (const std::system_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(target.string()));
  }
  EXPECT_FALSE(fs::exists(target.parent_path()));
}

TEST(ResultFile, TimesAreUtcWithMilliseconds) {
  using namespace std::chrono;
  const sys_days day = year{2024} / May / 1;
  EXPECT_EQ(format_utc(day + 12h + 3min + 4s + 123ms + 999us), "2024-05-01T12:03:04.123Z");
  EXPECT_EQ(format_utc(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(ResultFile, CorruptJsonGivesAClearError) {
  const TempDir tmp;
  fs::create_directories(tmp.path());
  const fs::path file = tmp.path() / "Broken.Test.json";
  std::ofstream(file) << R"({"schema_version": 1, "name": "Broken.Te)";
  try {
    read_result_file(file);
    ADD_FAILURE() << "a truncated file was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(file.string()));
    EXPECT_THAT(e.what(), HasSubstr("is not valid JSON"));
  }
  std::ofstream(file, std::ios::trunc) << R"({"schema_version": 1})";
  try {
    read_result_file(file);
    ADD_FAILURE() << "a result without fields was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("'name' is missing"));
  }
  EXPECT_THROW(read_result_file(tmp.path() / "Missing.Test.json"), std::system_error);
}

TEST(ResultFile, FlattensSlashesOfParameterisedTestNames) {
  EXPECT_EQ(result_file_path("Scale/Suite.Test/0", "out"), fs::path("out/Scale_Suite.Test_0.json"));
  EXPECT_THROW(result_file_path("", "out"), std::invalid_argument);
}

TEST(ResultFile, DefaultResultsDirHonoursTheEnvironment) {
  const char* saved = std::getenv("GAUNTLET_RESULTS_DIR");
  const std::string saved_value = saved == nullptr ? "" : saved;
  ::setenv("GAUNTLET_RESULTS_DIR", "/tmp/elsewhere", 1);
  EXPECT_EQ(default_results_dir(), fs::path("/tmp/elsewhere"));
  ::setenv("GAUNTLET_RESULTS_DIR", "", 1);
  EXPECT_EQ(default_results_dir(), build_paths::results_dir());
  ::unsetenv("GAUNTLET_RESULTS_DIR");
  EXPECT_EQ(default_results_dir(), build_paths::results_dir());
  EXPECT_EQ(build_paths::results_dir().filename(), "results");
  if (saved != nullptr) ::setenv("GAUNTLET_RESULTS_DIR", saved_value.c_str(), 1);
}

// Every "p…" figure of a latency summary lies between its "min" and "max".
TEST(JsonReporter, NoPercentileIsAboveTheMaxOrBelowTheMin) {
  const Json doc = to_json(testing::overshooting_result());
  for (const Json* summary : {&doc["iteration"]["latency_us"], &doc["steps"][0]["latency_us"]}) {
    std::vector<double> percentiles;
    for (const auto& [key, value] : summary->items()) {
      if (key.starts_with("p")) percentiles.push_back(value.get<double>());
    }
    EXPECT_EQ((*summary)["max"], 4510);
    testing::expect_within_min_max(percentiles, (*summary)["min"].get<double>(),
                                   (*summary)["max"].get<double>(), "report json");
  }
}

}  // namespace
}  // namespace gauntlet

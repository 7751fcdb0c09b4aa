// The heavy-load instruments in the canonical JSON (monitor, timeline, breaking_point: the shape
// the HTML report reads) and in the summary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/summary_reporter.hpp"

namespace gauntlet {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

RunResult with_instruments() {
  RunResult r;
  r.name = "Heavy.Instruments";
  r.scale = "smoke";
  MonitorReport m;
  m.interval_s = 1;
  m.processes = {{"mock-gateway", 4242, 130.5, 85, 40, 12, 0.25}};
  m.series = {{0, "mock-gateway", 0, 120, 38, 12}, {1, "mock-gateway", 85, 130.5, 40, 12}};
  m.machine = {{0, 2048, 0.5}};
  m.stopped = SafetyStop{"max_memory_mb", "mock-gateway", 1130, 41,
                         "stopped: mock-gateway RSS 1,130 MB > max_memory_mb 1,024 at 00:41"};
  r.monitor = m;
  r.timeline = {{20, std::nullopt, "kill video-agent", "ok: pid 4242 killed"},
                {10, 25.0, "stop titan-core", "ok: SIGSTOP; end ok: SIGCONT"}};
  CapacityCurve c;
  c.highest_sustainable = 432;
  c.knee = 400;
  c.unit = "requests/s";
  c.levels = {{100, 1, 2, 3, 0, 100, true, "", false},
              {550, 9, 90, 900, 0.2, 440, false, "x", false}};
  c.note = "bisection converged";
  r.breaking_point = c;
  r.metrics.figures = {{"recovery_s",
                        std::numeric_limits<double>::quiet_NaN(),
                        {"did not recover within 15s of the fault's end"}}};
  return r;
}

TEST(HeavyInstrumentsJson, HaveTheAgreedShape) {
  const Json doc = to_json(with_instruments());
  const Json& p = doc.at("monitor").at("processes").at(0);
  for (const char* key : {"name", "pid", "peak_rss_mb", "peak_cpu_percent", "peak_fds",
                          "peak_threads", "rss_slope_mb_per_min"}) {
    EXPECT_TRUE(p.contains(key)) << key;
  }
  const Json& s = doc.at("monitor").at("series").at(1);
  for (const char* key : {"t_s", "process", "cpu_percent", "rss_mb", "fds", "threads"}) {
    EXPECT_TRUE(s.contains(key)) << key;
  }
  EXPECT_EQ(doc.at("monitor").at("interval_s"), 1);
  EXPECT_EQ(doc.at("monitor").at("stopped").at("limit"), "max_memory_mb");
  EXPECT_EQ(doc.at("monitor").at("stopped").at("at_s"), 41);
  EXPECT_TRUE(doc.at("timeline").at(0).at("until_s").is_null());
  EXPECT_EQ(doc.at("timeline").at(1).at("until_s"), 25);
  const Json& bp = doc.at("breaking_point");
  EXPECT_EQ(bp.at("highest_sustainable"), 432);
  EXPECT_EQ(bp.at("knee"), 400);
  EXPECT_EQ(bp.at("unit"), "requests/s");
  for (const char* key :
       {"level", "p50_ms", "p95_ms", "p99_ms", "error_rate", "achieved_rate", "passed"}) {
    EXPECT_TRUE(bp.at("levels").at(0).contains(key)) << key;
  }
}

TEST(HeavyInstrumentsJson, RoundTripExactlyAndStayAbsentWhenUnused) {
  const Json doc = to_json(with_instruments());
  const RunResult back = run_result_from_json(Json::parse(doc.dump()));
  EXPECT_EQ(to_json(back), doc);
  ASSERT_TRUE(back.monitor);
  EXPECT_EQ(back.monitor->stopped->process, "mock-gateway");
  EXPECT_FALSE(back.breaking_point->levels[1].passed);

  RunResult plain;
  plain.name = "Plain.Run";
  const Json none = to_json(plain);
  EXPECT_FALSE(none.contains("monitor"));
  EXPECT_FALSE(none.contains("timeline"));
  EXPECT_FALSE(none.contains("breaking_point"));
  const RunResult plain_back = run_result_from_json(none);
  EXPECT_FALSE(plain_back.monitor);
  EXPECT_TRUE(plain_back.timeline.empty());
  // "stopped": null and a monitor without our "machine" extension both read.
  Json no_stop = doc;
  no_stop["monitor"]["stopped"] = nullptr;
  no_stop["monitor"].erase("machine");
  EXPECT_FALSE(run_result_from_json(no_stop).monitor->stopped);
}

TEST(HeavyInstrumentsJson, AMalformedInstrumentNamesItsField) {
  Json doc = to_json(with_instruments());
  doc["breaking_point"]["levels"][0]["p99_ms"] = "slow";
  try {
    run_result_from_json(doc);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("result field 'breaking_point' is malformed"));
  }
}

TEST(HeavyInstrumentsSummary, ShowsPeaksSafetyStopTimelineCapacityAndRecovery) {
  std::ostringstream out;
  SummaryReporter(out).report_run(with_instruments());
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("monitor      mock-gateway  peak RSS 130MB  CPU 85%  fds 40  "
                              "threads 12  RSS slope 0.25MB/min"));
  EXPECT_THAT(
      text,
      HasSubstr("safety stop  stopped: mock-gateway RSS 1,130 MB > max_memory_mb 1,024 at 00:41"));
  EXPECT_THAT(text, HasSubstr("timeline     at 20s  kill video-agent: ok: pid 4242 killed"));
  EXPECT_THAT(text, HasSubstr("at 10s to 25s  stop titan-core"));
  EXPECT_THAT(text,
              HasSubstr("capacity     highest sustainable 432 requests/s, knee 400 (2 levels; "
                        "bisection converged)"));
  EXPECT_THAT(text, HasSubstr("recovery_s  no value  e.g. \"did not recover"));
}

}  // namespace
}  // namespace gauntlet

#include "gauntlet/report/junit_reporter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "gauntlet/metrics/threshold.hpp"
#include "support/percentile_invariant.hpp"

namespace gauntlet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RunResult judged(RunResult r, const std::vector<std::string>& thresholds) {
  for (const Threshold& t : parse_thresholds(thresholds)) {
    r.thresholds.push_back(evaluate(t, r.metrics, r.duration_s));
  }
  return r;
}

std::string render(const std::vector<RunResult>& results) {
  std::ostringstream out;
  JunitReporter(out).report(results);
  return out.str();
}

TEST(JunitReporter, OneSuitePerExecutableWithACasePerRunAndPerThreshold) {
  RunResult a = judged(testing::overshooting_result("CreativeFlow.Upload"),
                       {"p(95)<1s", "max<2ms", "error_rate<1%"});
  a.extra["executable"] = "creative_flow_stress";
  RunResult b = judged(testing::overshooting_result("CreativeFlow.Poll"), {"p(50)<1s"});
  b.extra["executable"] = "creative_flow_stress";
  const RunResult c = judged(testing::overshooting_result("Budget.Spend"), {});  // no executable
  const std::string xml = render({a, b, c});
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"gauntlet\" tests=\"7\" failures=\"1\""));
  EXPECT_THAT(xml,
              HasSubstr("<testsuite name=\"creative_flow_stress\" tests=\"6\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"Budget\" tests=\"1\" failures=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"creative_flow_stress\" "
                             "name=\"CreativeFlow.Upload\" time=\"1\">"));
  // The failed threshold: a <failure> naming the target and the measured value.
  EXPECT_THAT(xml, HasSubstr("name=\"threshold max&lt;2ms\""));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"threshold\" message=\"max"));
  EXPECT_THAT(xml, HasSubstr("target: max&lt;2ms\nmeasured: 4.51 ms\n"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"measured\" value=\"4.51 ms\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"p95_ms\" value=\""));
}

// A probe's failed threshold or stop is its test's to judge: no <failure>, a property says why.
TEST(JunitReporter, AProbeIsNeverAFailure) {
  RunResult level = judged(testing::overshooting_result("Heavy.Level"), {"max<2ms"});
  level.incomplete = true;
  level.stop_reason = "stopped";
  level.extra["probe"] = true;
  const std::string xml = render({level});
  EXPECT_THAT(xml, HasSubstr("<property name=\"probe\" value=\"true\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"verdict\" value=\"INCOMPLETE\"/>"));
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  EXPECT_THAT(xml, HasSubstr("failures=\"0\""));
  level.extra.erase("probe");
  EXPECT_THAT(render({level}), HasSubstr("<failure"));
}

// A WARN is a passing testcase that says so in a property.
TEST(JunitReporter, AWarnedThresholdPassesWithAProperty) {
  const RunResult r = judged(testing::overshooting_result("Flow.Warn"), {"p(99)<1.4ms"});
  ASSERT_EQ(r.thresholds[0].verdict, Verdict::kWarn);
  const std::string xml = render({r});
  EXPECT_THAT(xml, HasSubstr("<property name=\"verdict\" value=\"WARN\"/>"));
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  EXPECT_THAT(xml, HasSubstr("failures=\"0\""));
}

TEST(JunitReporter, AnIncompleteRunIsAFailedCaseWithItsReason) {
  RunResult r = testing::overshooting_result("Flow.Stopped");
  r.incomplete = true;
  r.stop_reason = "interrupted by <Ctrl-C>";
  const std::string xml = render({r});
  EXPECT_THAT(xml, HasSubstr("<failure type=\"incomplete\" message=\"the run stopped before its "
                             "plan ended: interrupted by &lt;Ctrl-C&gt;\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"verdict\" value=\"INCOMPLETE\"/>"));
}

TEST(JunitReporter, NoPercentilePropertyIsAboveTheMaxOrBelowTheMin) {
  const std::string xml = render({testing::overshooting_result()});
  const std::regex prop(R"re(<property name="(p\d+_ms|max_ms)" value="([0-9.]+)"/>)re");
  std::vector<double> percentiles;
  double max_ms = -1;
  for (std::sregex_iterator it(xml.begin(), xml.end(), prop), end; it != end; ++it) {
    const double v = std::stod((*it)[2].str());
    if ((*it)[1] == "max_ms") {
      max_ms = v;
    } else {
      percentiles.push_back(v);
    }
  }
  EXPECT_EQ(max_ms, 4.51);
  testing::expect_within_min_max(percentiles, 1.001, max_ms, "junit.xml");
}

}  // namespace
}  // namespace gauntlet

#include "gauntlet/metrics/threshold.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gauntlet/config_error.hpp"

namespace gauntlet {
namespace {

using ::testing::HasSubstr;

// The ConfigError message for an expression that must not parse.
std::string parse_error(std::string_view expression,
                        std::span<const MetricDeclaration> declared = {}) {
  try {
    parse_threshold(expression, declared);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError for \"" << expression << "\"";
  return "";
}

// A step whose latency histogram holds `latencies_us` (each one attempt) and the given outcome.
StepStats make_step(std::string name, const std::vector<std::int64_t>& latencies_us,
                    std::int64_t ok, std::int64_t failed) {
  StepStats s;
  s.name = std::move(name);
  for (const std::int64_t v : latencies_us) s.latency.record(v);
  s.ok = ok;
  s.failed = failed;
  return s;
}

// Iterations that all took `latency_us`, `ok` of them successful and `failed` not.
RunMetrics uniform_run(std::int64_t latency_us, std::int64_t ok, std::int64_t failed) {
  RunMetrics m;
  m.iteration = make_step("iteration", {}, ok, failed);
  m.iteration.latency.record(latency_us, ok + failed);
  return m;
}

Verdict verdict_of(std::string_view expression, const RunMetrics& m, double duration_s = 10) {
  return evaluate(parse_threshold(expression), m, duration_s).verdict;
}

// ---- parsing -------------------------------------------------------------------------------

TEST(ThresholdParse, PercentileWithMillisecondsIsInMicroseconds) {
  const Threshold t = parse_threshold("p(95)<500ms");
  EXPECT_EQ(t.expression, "p(95)<500ms");
  EXPECT_EQ(t.step, "");
  EXPECT_EQ(t.metric, ThresholdMetric::kPercentile);
  EXPECT_DOUBLE_EQ(t.percentile, 95);
  EXPECT_EQ(t.op, ThresholdOp::kLess);
  EXPECT_DOUBLE_EQ(t.limit, 500'000);
  EXPECT_EQ(t.metric_name(), "p(95)");
  EXPECT_EQ(t.unit(), "us");
}

TEST(ThresholdParse, FractionalPercentileKeepsItsDecimalsInTheName) {
  const Threshold t = parse_threshold("p(99.9)<=2s");
  EXPECT_DOUBLE_EQ(t.percentile, 99.9);
  EXPECT_EQ(t.op, ThresholdOp::kLessEqual);
  EXPECT_DOUBLE_EQ(t.limit, 2'000'000);
  EXPECT_EQ(t.metric_name(), "p(99.9)");
  EXPECT_EQ(parse_threshold("p(99.99)<1s").metric_name(), "p(99.99)");
  EXPECT_EQ(parse_threshold("p(100)<1s").metric_name(), "p(100)");
}

TEST(ThresholdParse, EveryDurationUnitConvertsToMicroseconds) {
  EXPECT_DOUBLE_EQ(parse_threshold("max<850us").limit, 850);
  EXPECT_DOUBLE_EQ(parse_threshold("max<12.5ms").limit, 12'500);
  EXPECT_DOUBLE_EQ(parse_threshold("max<5s").limit, 5'000'000);
  EXPECT_DOUBLE_EQ(parse_threshold("max<2m").limit, 120'000'000);
}

TEST(ThresholdParse, EveryLatencyMetricHasItsCanonicalName) {
  EXPECT_EQ(parse_threshold("min<1ms").metric, ThresholdMetric::kMin);
  EXPECT_EQ(parse_threshold("max<5s").metric, ThresholdMetric::kMax);
  EXPECT_EQ(parse_threshold("mean<200ms").metric, ThresholdMetric::kMean);
  EXPECT_EQ(parse_threshold("stddev<50ms").metric, ThresholdMetric::kStddev);
  EXPECT_EQ(parse_threshold("min<1ms").metric_name(), "min");
  EXPECT_EQ(parse_threshold("max<5s").metric_name(), "max");
  EXPECT_EQ(parse_threshold("mean<200ms").metric_name(), "mean");
  EXPECT_EQ(parse_threshold("stddev<50ms").metric_name(), "stddev");
}

TEST(ThresholdParse, MedIsTheFiftiethPercentile) {
  const Threshold t = parse_threshold("med<100ms");
  EXPECT_EQ(t.metric, ThresholdMetric::kPercentile);
  EXPECT_DOUBLE_EQ(t.percentile, 50);
  EXPECT_EQ(t.metric_name(), "p(50)");
}

TEST(ThresholdParse, RatesAcceptPercentOrRatio) {
  const Threshold pct = parse_threshold("error_rate<1%");
  const Threshold ratio = parse_threshold("error_rate<0.01");
  EXPECT_EQ(pct.metric, ThresholdMetric::kErrorRate);
  EXPECT_DOUBLE_EQ(pct.limit, 0.01);
  EXPECT_DOUBLE_EQ(ratio.limit, 0.01);
  EXPECT_EQ(pct.unit(), "ratio");
  const Threshold success = parse_threshold("success_rate>=99%");
  EXPECT_EQ(success.metric, ThresholdMetric::kSuccessRate);
  EXPECT_EQ(success.op, ThresholdOp::kGreaterEqual);
  EXPECT_DOUBLE_EQ(success.limit, 0.99);
  EXPECT_DOUBLE_EQ(parse_threshold("success_rate>=0.99").limit, 0.99);
  EXPECT_DOUBLE_EQ(parse_threshold("error_rate<=100%").limit, 1.0);
}

TEST(ThresholdParse, CountsAndRatesArePlainNumbers) {
  const Threshold rps = parse_threshold("rps>=100");
  EXPECT_EQ(rps.metric, ThresholdMetric::kRps);
  EXPECT_DOUBLE_EQ(rps.limit, 100);
  EXPECT_EQ(rps.unit(), "per_s");
  const Threshold dropped = parse_threshold("dropped==0");
  EXPECT_EQ(dropped.metric, ThresholdMetric::kDropped);
  EXPECT_EQ(dropped.op, ThresholdOp::kEqual);
  EXPECT_EQ(dropped.unit(), "count");
  const Threshold count = parse_threshold("count>=1000");
  EXPECT_EQ(count.metric, ThresholdMetric::kCount);
  EXPECT_DOUBLE_EQ(count.limit, 1000);
}

TEST(ThresholdParse, EveryOperatorIsRecognised) {
  EXPECT_EQ(parse_threshold("count<5").op, ThresholdOp::kLess);
  EXPECT_EQ(parse_threshold("count<=5").op, ThresholdOp::kLessEqual);
  EXPECT_EQ(parse_threshold("count>5").op, ThresholdOp::kGreater);
  EXPECT_EQ(parse_threshold("count>=5").op, ThresholdOp::kGreaterEqual);
  EXPECT_EQ(parse_threshold("count==5").op, ThresholdOp::kEqual);
  EXPECT_EQ(parse_threshold("count!=5").op, ThresholdOp::kNotEqual);
}

TEST(ThresholdParse, StepPrefixNamesTheStep) {
  const Threshold t = parse_threshold("upload: p(95)<2s");
  EXPECT_EQ(t.step, "upload");
  EXPECT_DOUBLE_EQ(t.limit, 2'000'000);
  EXPECT_EQ(parse_threshold("create campaign:error_rate<1%").step, "create campaign");
}

TEST(ThresholdParse, ToleratesWhitespaceBetweenEveryToken) {
  const Threshold t = parse_threshold("  upload :  p( 99.9 )  <=  2 s  ");
  EXPECT_EQ(t.step, "upload");
  EXPECT_DOUBLE_EQ(t.percentile, 99.9);
  EXPECT_EQ(t.op, ThresholdOp::kLessEqual);
  EXPECT_DOUBLE_EQ(t.limit, 2'000'000);
  EXPECT_EQ(t.expression, "  upload :  p( 99.9 )  <=  2 s  ");
}

// ---- parse errors: message, column and caret ------------------------------------------------

TEST(ThresholdParseError, UnknownUnitIsQuotedWithCaret) {
  EXPECT_EQ(
      parse_error("p(95)<500xs"),
      "threshold \"p(95)<500xs\": unknown unit \"xs\" at column 10 (expected us, ms, s or m)\n"
      "  p(95)<500xs\n"
      "           ^");
}

TEST(ThresholdParseError, LatencyWithoutUnitSaysUnitsAreRequired) {
  EXPECT_EQ(parse_error("p(95)<500"),
            "threshold \"p(95)<500\": the value 500 has no unit at column 7; units are required "
            "for durations (us, ms, s or m, e.g. 500ms)\n"
            "  p(95)<500\n"
            "        ^");
  EXPECT_THAT(parse_error("mean < 0.5"), HasSubstr("units are required"));
}

TEST(ThresholdParseError, UnknownMetricListsTheKnownOnes) {
  EXPECT_EQ(parse_error("p95<500ms"),
            "threshold \"p95<500ms\": unknown metric \"p95\" at column 1 (expected p(N), min, max, "
            "mean, stddev, med, count, error_rate, success_rate, rps or dropped)\n"
            "  p95<500ms\n"
            "  ^");
  EXPECT_THAT(parse_error("upload: latency<1s"),
              HasSubstr("unknown metric \"latency\" at column 9"));
}

TEST(ThresholdParseError, MissingMetric) {
  EXPECT_EQ(parse_error("<500ms"),
            "threshold \"<500ms\": expected a metric at column 1 (one of p(N), min, max, mean, "
            "stddev, med, count, error_rate, success_rate, rps or dropped)\n"
            "  <500ms\n"
            "  ^");
}

TEST(ThresholdParseError, PercentileOutOfRange) {
  EXPECT_EQ(parse_error("p(0)<1s"),
            "threshold \"p(0)<1s\": percentile 0 is out of range at column 3 (expected 0 < N <= "
            "100)\n"
            "  p(0)<1s\n"
            "    ^");
  EXPECT_THAT(parse_error("p( 100.5 )<1s"),
              HasSubstr("percentile 100.5 is out of range at column 4 (expected 0 < N <= 100)"));
}

TEST(ThresholdParseError, PercentileSyntax) {
  EXPECT_EQ(parse_error("p(95<1s"),
            "threshold \"p(95<1s\": expected \")\" to close \"p(\" at column 5\n"
            "  p(95<1s\n"
            "      ^");
  EXPECT_EQ(parse_error("p()<1s"),
            "threshold \"p()<1s\": expected a percentile number after \"p(\" at column 3\n"
            "  p()<1s\n"
            "    ^");
  EXPECT_THAT(parse_error("p<1s"),
              HasSubstr("expected \"(\" after \"p\" at column 2 (a percentile is written p(95))"));
}

TEST(ThresholdParseError, MissingOperator) {
  EXPECT_EQ(parse_error("max 5s"),
            "threshold \"max 5s\": expected an operator at column 5 (<, <=, >, >=, == or !=)\n"
            "  max 5s\n"
            "      ^");
}

TEST(ThresholdParseError, UnknownOperator) {
  EXPECT_EQ(
      parse_error("dropped=0"),
      "threshold \"dropped=0\": unknown operator \"=\" at column 8 (expected <, <=, >, >=, == "
      "or !=)\n"
      "  dropped=0\n"
      "         ^");
  EXPECT_THAT(parse_error("max=<5s"), HasSubstr("unknown operator \"=<\" at column 4"));
}

TEST(ThresholdParseError, MissingValuePointsPastTheEnd) {
  EXPECT_EQ(parse_error("p(95)<"),
            "threshold \"p(95)<\": expected a number at column 7\n"
            "  p(95)<\n"
            "        ^");
  EXPECT_THAT(parse_error("rps>=-5"), HasSubstr("expected a number at column 6"));
}

TEST(ThresholdParseError, MalformedNumber) {
  EXPECT_THAT(parse_error("max<1.2.3s"), HasSubstr("malformed number \"1.2.3\" at column 5"));
  EXPECT_THAT(parse_error("max<5.s"), HasSubstr("malformed number \"5.\" at column 5"));
}

TEST(ThresholdParseError, TrailingText) {
  EXPECT_EQ(parse_error("max<5s and more"),
            "threshold \"max<5s and more\": unexpected \"and more\" at column 8 (expected the end "
            "of the expression)\n"
            "  max<5s and more\n"
            "         ^");
}

TEST(ThresholdParseError, EmptyExpressionAndEmptyStep) {
  EXPECT_EQ(
      parse_error(""),
      "threshold \"\": the expression is empty at column 1 (expected [step:] metric op value, "
      "e.g. p(95)<500ms)\n"
      "  \n"
      "  ^");
  EXPECT_THAT(parse_error("   "), HasSubstr("the expression is empty"));
  EXPECT_EQ(parse_error(" : max<5s"),
            "threshold \" : max<5s\": empty step name before \":\" at column 2 (write upload: "
            "p(95)<2s)\n"
            "   : max<5s\n"
            "   ^");
}

TEST(ThresholdParseError, RateOutOfRange) {
  EXPECT_EQ(parse_error("error_rate<5"),
            "threshold \"error_rate<5\": ratio 5 is out of range at column 12 (expected 0..1, or "
            "write 5% for a percentage)\n"
            "  error_rate<5\n"
            "             ^");
  EXPECT_THAT(parse_error("success_rate>=150%"),
              HasSubstr("success_rate 150% is out of range at column 15 (expected 0% to 100%)"));
}

TEST(ThresholdParseError, RateWithDurationUnit) {
  EXPECT_THAT(parse_error("error_rate<5ms"),
              HasSubstr("unit \"ms\" does not suit error_rate at column 13 (expected a percentage "
                        "such as 1% or a ratio 0..1)"));
}

TEST(ThresholdParseError, PlainNumberMetricsRejectUnits) {
  EXPECT_EQ(
      parse_error("rps>=100ms"),
      "threshold \"rps>=100ms\": unexpected unit \"ms\" at column 9; rps takes a plain number "
      "(iterations per second)\n"
      "  rps>=100ms\n"
      "          ^");
  EXPECT_THAT(
      parse_error("dropped<1%"),
      HasSubstr("unexpected unit \"%\" at column 10; dropped takes a plain number (a count)"));
  EXPECT_THAT(parse_error("count>5s"), HasSubstr("count takes a plain number"));
}

TEST(ThresholdParseError, LatencyWithPercentIsAnUnknownUnit) {
  EXPECT_THAT(parse_error("p(95)<5%"),
              HasSubstr("unknown unit \"%\" at column 8 (expected us, ms, s or m)"));
}

TEST(ThresholdParseError, DroppedIsRunWideNotPerStep) {
  EXPECT_THAT(parse_error("upload: dropped==0"),
              HasSubstr("dropped is counted for the whole run, not per step at column 9; remove "
                        "\"upload:\""));
}

TEST(ThresholdParseError, TabsAreEchoedAsSpacesSoTheCaretLinesUp) {
  const std::string msg = parse_error("max\t<\t5xs");
  EXPECT_THAT(msg, HasSubstr("\n  max < 5xs\n         ^"));
}

TEST(ThresholdParseError, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(parse_error("t\u00e9l\u00e9chargement: p(95)<2xs"),
            "threshold \"t\u00e9l\u00e9chargement: p(95)<2xs\": unknown unit \"xs\" at column 24 "
            "(expected us, ms, s or m)\n"
            "  t\u00e9l\u00e9chargement: p(95)<2xs\n"
            "                         ^");
}

TEST(ThresholdParseMany, CollectsEveryErrorBeforeThrowing) {
  try {
    parse_thresholds({"p(95)<500ms", "p(95)<500xs", "rps>=100", "bogus<1"});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 2u);
    EXPECT_THAT(e.problems()[0], HasSubstr("threshold \"p(95)<500xs\": unknown unit"));
    EXPECT_THAT(e.problems()[1], HasSubstr("threshold \"bogus<1\": unknown metric"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("bogus"));
  }
}

TEST(ThresholdParseMany, ReturnsAllInOrderWhenValid) {
  const auto all = parse_thresholds({"p(95)<500ms", "upload: max<5s", "dropped==0"});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].metric_name(), "p(95)");
  EXPECT_EQ(all[1].step, "upload");
  EXPECT_EQ(all[2].metric, ThresholdMetric::kDropped);
  EXPECT_TRUE(parse_thresholds({}).empty());
}

// ---- evaluation ------------------------------------------------------------------------------

// Values below 2048 us are recorded exactly by a 3-digit HDR histogram, so boundaries are exact.
TEST(ThresholdEvaluate, UpperLimitWarnsFromNinetyPercentOfTheLimit) {
  EXPECT_EQ(verdict_of("p(95)<1ms", uniform_run(899, 10, 0)), Verdict::kPass);
  EXPECT_EQ(verdict_of("p(95)<1ms", uniform_run(900, 10, 0)), Verdict::kWarn);
  EXPECT_EQ(verdict_of("p(95)<1ms", uniform_run(999, 10, 0)), Verdict::kWarn);
  EXPECT_EQ(verdict_of("p(95)<1ms", uniform_run(1000, 10, 0)), Verdict::kFail);
  EXPECT_EQ(verdict_of("p(95)<=1ms", uniform_run(1000, 10, 0)), Verdict::kWarn);
  EXPECT_EQ(verdict_of("p(95)<=1ms", uniform_run(1001, 10, 0)), Verdict::kFail);
}

TEST(ThresholdEvaluate, LowerLimitWarnsUpToHundredTenPercentOfTheLimit) {
  // 1000 iterations over 10 s = 100/s.
  const RunMetrics m = uniform_run(500, 1000, 0);
  EXPECT_EQ(verdict_of("rps>=100", m), Verdict::kWarn);
  EXPECT_EQ(verdict_of("rps>100", m), Verdict::kFail);
  EXPECT_EQ(verdict_of("rps>=101", m), Verdict::kFail);
  EXPECT_EQ(verdict_of("rps>91", m), Verdict::kWarn);  // 100 <= 100.1
  EXPECT_EQ(verdict_of("rps>90", m), Verdict::kPass);  // 100 > 99
}

TEST(ThresholdEvaluate, EqualityOperatorsNeverWarn) {
  const RunMetrics m = uniform_run(500, 100, 0);
  EXPECT_EQ(verdict_of("count==100", m), Verdict::kPass);
  EXPECT_EQ(verdict_of("count==99", m), Verdict::kFail);
  EXPECT_EQ(verdict_of("count!=99", m), Verdict::kPass);
  EXPECT_EQ(verdict_of("count!=100", m), Verdict::kFail);
}

TEST(ThresholdEvaluate, EveryOperatorOnTheSameCount) {
  const RunMetrics m = uniform_run(500, 100, 0);
  EXPECT_EQ(verdict_of("count<100", m), Verdict::kFail);
  EXPECT_EQ(verdict_of("count<=100", m), Verdict::kWarn);
  EXPECT_EQ(verdict_of("count>100", m), Verdict::kFail);
  EXPECT_EQ(verdict_of("count>=100", m), Verdict::kWarn);
  EXPECT_EQ(verdict_of("count<200", m), Verdict::kPass);
  EXPECT_EQ(verdict_of("count>50", m), Verdict::kPass);
}

TEST(ThresholdEvaluate, ZeroLimitHasNoWarningBand) {
  const RunMetrics m = uniform_run(500, 100, 0);
  EXPECT_EQ(verdict_of("error_rate<=0", m), Verdict::kPass);
  EXPECT_EQ(verdict_of("dropped<=0", m), Verdict::kPass);
}

TEST(ThresholdEvaluate, LatencyMetricsReadTheHistogram) {
  RunMetrics m;
  m.iteration = make_step("iteration", {100, 200, 300}, 3, 0);
  const Histogram& h = m.iteration.latency;
  const auto measured = [&](std::string_view e) {
    return evaluate(parse_threshold(e), m, 1).measured;
  };
  EXPECT_DOUBLE_EQ(measured("min<1s"), 100);
  EXPECT_DOUBLE_EQ(measured("max<1s"), 300);
  EXPECT_DOUBLE_EQ(measured("mean<1s"), 200);
  EXPECT_DOUBLE_EQ(measured("med<1s"), static_cast<double>(h.value_at_percentile(50)));
  EXPECT_DOUBLE_EQ(measured("p(100)<1s"), 300);
  EXPECT_DOUBLE_EQ(measured("stddev<1s"), h.stddev());
  EXPECT_GT(measured("stddev<1s"), 0);
  EXPECT_EQ(verdict_of("max<300us", m), Verdict::kFail);
  EXPECT_EQ(verdict_of("min>=100us", m), Verdict::kWarn);
  EXPECT_EQ(verdict_of("mean<1ms", m), Verdict::kPass);
}

TEST(ThresholdEvaluate, ErrorRateInPercentAndRatioAgree) {
  for (const char* e : {"error_rate<1%", "error_rate<0.01"}) {
    EXPECT_EQ(verdict_of(e, uniform_run(500, 992, 8)), Verdict::kPass) << e;
    EXPECT_EQ(verdict_of(e, uniform_run(500, 991, 9)), Verdict::kWarn) << e;
    EXPECT_EQ(verdict_of(e, uniform_run(500, 990, 10)), Verdict::kFail) << e;
  }
}

TEST(ThresholdEvaluate, SuccessRateWarnsOnTheFailureShare) {
  // >= 99% leaves a 1% failure budget; WARN once 90% of that budget is used.
  for (const char* e : {"success_rate>=99%", "success_rate>=0.99"}) {
    EXPECT_EQ(verdict_of(e, uniform_run(500, 1000, 0)), Verdict::kPass) << e;
    EXPECT_EQ(verdict_of(e, uniform_run(500, 992, 8)), Verdict::kPass) << e;
    EXPECT_EQ(verdict_of(e, uniform_run(500, 991, 9)), Verdict::kWarn) << e;
    EXPECT_EQ(verdict_of(e, uniform_run(500, 989, 11)), Verdict::kFail) << e;
  }
  EXPECT_EQ(verdict_of("success_rate>=100%", uniform_run(500, 10, 0)), Verdict::kPass);
}

TEST(ThresholdEvaluate, OutcomeCarriesMeasuredLimitAndUnits) {
  const ThresholdOutcome o =
      evaluate(parse_threshold("error_rate<1%"), uniform_run(500, 995, 5), 10);
  EXPECT_EQ(o.expression, "error_rate<1%");
  EXPECT_EQ(o.step, "");
  EXPECT_EQ(o.metric, "error_rate");
  EXPECT_EQ(o.unit, "ratio");
  EXPECT_DOUBLE_EQ(o.measured, 0.005);
  EXPECT_DOUBLE_EQ(o.limit, 0.01);
  EXPECT_EQ(o.verdict, Verdict::kPass);
  EXPECT_EQ(o.detail, "error_rate was 0.5%, limit < 1%");
}

TEST(ThresholdEvaluate, PerStepUsesThatStepAndSaysSoInTheDetail) {
  RunMetrics m = uniform_run(100, 10, 0);
  m.steps.push_back(make_step("upload", {2'310'000}, 1, 0));
  const ThresholdOutcome o = evaluate(parse_threshold("upload: p(95)<2s"), m, 10);
  EXPECT_EQ(o.step, "upload");
  EXPECT_EQ(o.unit, "us");
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_EQ(o.detail, "p(95) of upload was 2.31s, limit < 2s");
  // The same expression without the step reads the iteration, which is fast.
  EXPECT_EQ(verdict_of("p(95)<2s", m), Verdict::kPass);
}

TEST(ThresholdEvaluate, WarnDetailSaysItIsCloseToTheLimit) {
  const ThresholdOutcome o = evaluate(parse_threshold("p(95)<1ms"), uniform_run(950, 10, 0), 1);
  EXPECT_EQ(o.verdict, Verdict::kWarn);
  EXPECT_EQ(o.detail, "p(95) was 950us, limit < 1ms (within 10% of the limit)");
}

TEST(ThresholdEvaluate, RpsOfAStepUsesItsAttempts) {
  RunMetrics m = uniform_run(100, 10, 0);
  m.steps.push_back(make_step("poll", {100}, 450, 50));
  const ThresholdOutcome o = evaluate(parse_threshold("poll: rps>=40"), m, 10);
  EXPECT_DOUBLE_EQ(o.measured, 50);
  EXPECT_EQ(o.unit, "per_s");
  EXPECT_EQ(o.verdict, Verdict::kPass);
  EXPECT_EQ(o.detail, "rps of poll was 50/s, limit >= 40/s");
}

TEST(ThresholdEvaluate, RpsWithoutADurationFails) {
  const ThresholdOutcome o = evaluate(parse_threshold("rps>=1"), uniform_run(100, 10, 0), 0);
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_THAT(o.detail, HasSubstr("the run's duration is 0s"));
}

TEST(ThresholdEvaluate, DroppedReadsTheRunCounter) {
  RunMetrics m = uniform_run(100, 10, 0);
  m.dropped = 3;
  const ThresholdOutcome o = evaluate(parse_threshold("dropped==0"), m, 10);
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(o.measured, 3);
  EXPECT_EQ(o.detail, "dropped was 3, limit == 0");
  // Dropped is measurable even when every iteration was dropped.
  RunMetrics none;
  EXPECT_EQ(verdict_of("dropped==0", none), Verdict::kPass);
}

TEST(ThresholdEvaluate, UnknownStepFails) {
  const ThresholdOutcome o =
      evaluate(parse_threshold("transcode: p(95)<2s"), uniform_run(100, 10, 0), 10);
  EXPECT_EQ(o.verdict, Verdict::kFail);
  EXPECT_EQ(o.detail, "no step named \"transcode\" ran");
}

TEST(ThresholdEvaluate, NothingMeasuredFailsForEveryStepMetric) {
  const RunMetrics empty;
  for (const char* e : {"p(95)<1s", "max<1s", "mean<1s", "error_rate<1%", "success_rate>=99%",
                        "rps>=0", "count>=0"}) {
    const ThresholdOutcome o = evaluate(parse_threshold(e), empty, 10);
    EXPECT_EQ(o.verdict, Verdict::kFail) << e;
    EXPECT_THAT(o.detail, HasSubstr("nothing was measured")) << e;
  }
}

TEST(ThresholdEvaluate, IterationStepNameFindsTheIteration) {
  EXPECT_EQ(verdict_of("iteration: count==10", uniform_run(100, 10, 0)), Verdict::kPass);
}

// ---- Custom metrics: counters, gauges, figures by name; trends by a step prefix ----

const std::vector<MetricDeclaration> kDeclared = {{"lost", MetricKind::kFigure},
                                                  {"rows_written", MetricKind::kCounter},
                                                  {"queue_depth", MetricKind::kGauge},
                                                  {"queue_wait", MetricKind::kTrend},
                                                  {"server.deadlocks", MetricKind::kFigure}};

Verdict custom_verdict(std::string_view expression, const RunMetrics& m) {
  return evaluate(parse_threshold(expression, kDeclared), m, 10).verdict;
}

TEST(ThresholdCustom, ADeclaredNameParsesAsThatMetric) {
  const Threshold t = parse_threshold("server.deadlocks==0", kDeclared);
  EXPECT_EQ(t.metric, ThresholdMetric::kCustom);
  EXPECT_EQ(t.custom, "server.deadlocks");
  EXPECT_EQ(t.custom_kind, MetricKind::kFigure);
  EXPECT_EQ(t.metric_name(), "server.deadlocks");
  EXPECT_EQ(t.unit(), "count");
}

TEST(ThresholdCustom, AnUndeclaredNameIsAnErrorListingTheDeclaredOnes) {
  try {
    parse_threshold("lostt==0", kDeclared);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown metric \"lostt\""));
    EXPECT_THAT(e.what(), HasSubstr("lost (figure), rows_written (counter)"));
  }
}

TEST(ThresholdCustom, ATrendIsNamedThroughItsFiguresAndCountersAreRunWide) {
  EXPECT_THAT(parse_error("queue_wait<2s", kDeclared), HasSubstr("queue_wait is a trend"));
  EXPECT_THAT(parse_error("upload: lost==0", kDeclared),
              HasSubstr("lost is counted for the whole run, not per step"));
  EXPECT_THAT(parse_error("rows_written>10ms", kDeclared), HasSubstr("unexpected unit \"ms\""));
}

// A checker that found one lost row must turn the run red.
TEST(ThresholdCustom, AFigureOverItsLimitFailsAndAMissingOneIsNeverAPass) {
  RunMetrics m;
  m.figures.push_back({"lost", 1, {"order-7"}});
  EXPECT_EQ(custom_verdict("lost==0", m), Verdict::kFail);
  m.figures.front().value = 0;
  EXPECT_EQ(custom_verdict("lost==0", m), Verdict::kPass);
  const ThresholdOutcome missing =
      evaluate(parse_threshold("server.deadlocks==0", kDeclared), m, 10);
  EXPECT_EQ(missing.verdict, Verdict::kFail);
  EXPECT_THAT(missing.detail, HasSubstr("was not attached"));
}

TEST(ThresholdCustom, ACounterNeverCountedIsZeroAndAGaugeNeverSetWasNotMeasured) {
  RunMetrics m;
  EXPECT_EQ(custom_verdict("rows_written==0", m), Verdict::kPass);
  EXPECT_EQ(custom_verdict("rows_written>0", m), Verdict::kFail);
  EXPECT_EQ(custom_verdict("queue_depth<100", m), Verdict::kFail);
  m.counters.push_back({"rows_written", 1200});
  m.gauges.push_back({"queue_depth", 40, 3, 250, 12});
  EXPECT_EQ(custom_verdict("rows_written>=1000", m), Verdict::kPass);
  EXPECT_EQ(custom_verdict("queue_depth<100", m), Verdict::kPass);  // the last value, not max
}

TEST(ThresholdCustom, AStepPrefixNamingATrendReadsTheTrend) {
  RunMetrics m;
  TrendStats wait{"queue_wait", {}};
  for (int i = 1; i <= 100; ++i) wait.values.record(i * 10'000);  // 10ms .. 1s
  m.trends.push_back(wait);
  EXPECT_EQ(custom_verdict("queue_wait: p(50)<600ms", m), Verdict::kPass);
  EXPECT_EQ(custom_verdict("queue_wait: p(99)<500ms", m), Verdict::kFail);
  EXPECT_EQ(custom_verdict("queue_wait: count==100", m), Verdict::kPass);
  const ThresholdOutcome rate =
      evaluate(parse_threshold("queue_wait: error_rate<1%", kDeclared), m, 10);
  EXPECT_EQ(rate.verdict, Verdict::kFail);
  EXPECT_THAT(rate.detail, HasSubstr("does not apply to trend"));
}

}  // namespace
}  // namespace gauntlet

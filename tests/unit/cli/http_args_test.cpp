#include "gauntlet/cli/http_args.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace gauntlet {
namespace {

HttpArgs parse(std::vector<std::string> args) { return parse_http_args(args); }

std::string problems_of(std::vector<std::string> args) {
  try {
    parse_http_args(args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(HttpArgs, ReadsWrkStyleFlagsInEveryForm) {
  const HttpArgs a = parse({"http://127.0.0.1:8080/x",
                            "-c",
                            "100",
                            "-t4",
                            "--duration=30s",
                            "-H",
                            "Authorization: Bearer t",
                            "--header=X-A: 1",
                            "-m",
                            "put",
                            "--timeout",
                            "2s",
                            "--threshold",
                            "p(99)<10ms",
                            "--threshold=error_rate<1%",
                            "--json",
                            "out.json",
                            "--csv",
                            "run1",
                            "--allow-remote",
                            "-q"});
  EXPECT_EQ(a.url, "http://127.0.0.1:8080/x");
  EXPECT_EQ(a.connections, 100);
  EXPECT_EQ(a.threads, 4);
  EXPECT_EQ(a.duration, 30s);
  EXPECT_EQ(a.headers, (std::vector<Header>{{"Authorization", "Bearer t"}, {"X-A", "1"}}));
  EXPECT_EQ(a.effective_method(), "PUT");
  EXPECT_EQ(a.timeout, 2000ms);
  EXPECT_EQ(a.thresholds, (std::vector<std::string>{"p(99)<10ms", "error_rate<1%"}));
  EXPECT_EQ(a.json_path, std::filesystem::path("out.json"));
  EXPECT_EQ(a.csv_prefix, "run1");
  EXPECT_TRUE(a.allow_remote);
  EXPECT_TRUE(a.quiet);
}

TEST(HttpArgs, HasWrkLikeDefaults) {
  const HttpArgs a = parse({"http://127.0.0.1/"});
  EXPECT_EQ(a.connections, 10);
  EXPECT_EQ(a.threads, 2);
  EXPECT_FALSE(a.duration);
  EXPECT_FALSE(a.requests);
  EXPECT_EQ(a.timeout, 5000ms);
  EXPECT_EQ(a.effective_method(), "GET");
}

TEST(HttpArgs, ABodyMakesTheDefaultMethodPost) {
  const HttpArgs a = parse({"http://127.0.0.1/", "--body", "{\"a\":1}"});
  EXPECT_EQ(a.body, "{\"a\":1}");
  EXPECT_EQ(a.effective_method(), "POST");
}

TEST(HttpArgs, ReadsTheOpenModelFlags) {
  const HttpArgs rate =
      parse({"http://127.0.0.1/", "--rate", "1000/s", "-n", "5000", "--max-wait", "1s"});
  EXPECT_EQ(rate.rate_per_s, 1000.0);
  EXPECT_EQ(rate.requests, 5000);
  EXPECT_EQ(rate.max_wait, 1s);
  const HttpArgs profile = parse({"http://127.0.0.1/", "--profile", "ramp:0:100:10s"});
  ASSERT_TRUE(profile.profile);
  EXPECT_EQ(profile.profile->kind(), "ramp");
  EXPECT_EQ(profile.profile_spec, "ramp:0:100:10s");
}

TEST(HttpArgs, NamesTheBadFlagAndValue) {
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "-c", "ten"}),
              HasSubstr("-c/--connections must be a whole number in 1..1000000, got \"ten\"."));
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "-d", "10"}),
              HasSubstr("-d/--duration must be a duration"));
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "--rate", "-5"}),
              HasSubstr("--rate must be a rate"));
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "-H", "no colon"}),
              HasSubstr("-H/--header must read \"Name: value\", got \"no colon\"."));
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "--frobnicate"}),
              HasSubstr("unknown option \"--frobnicate\""));
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "--timeout"}),
              HasSubstr("--timeout needs a value."));
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "--body", "@/nonexistent/body.json"}),
              HasSubstr("--body file \"/nonexistent/body.json\" cannot be read."));
}

TEST(HttpArgs, CollectsEveryProblemAtOnce) {
  try {
    parse_http_args(std::vector<std::string>{"-c", "0", "-t", "x", "--rate", "10", "--profile",
                                             "constant:5:1s"});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 4U) << e.what();  // -c, -t, --rate with --profile, no URL
    EXPECT_THAT(e.what(), HasSubstr("a target URL is required"));
    EXPECT_THAT(e.what(), HasSubstr("--rate and --profile cannot be combined"));
  }
}

TEST(HttpArgs, RefusesMoreThreadsThanConnections) {
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "-t", "4", "-c", "2"}),
              HasSubstr("-t/--threads (4) must be <= -c/--connections (2)"));
}

// Header names and methods are HTTP tokens (RFC 9110), the same rule the engine checks.
TEST(HttpArgs, AcceptsEveryTokenAsAHeaderNameOrMethod) {
  const HttpArgs a = parse({"http://127.0.0.1/", "-H", "X.Trace_Id~1: v", "-m", "m-search"});
  ASSERT_EQ(a.headers.size(), 1U);
  EXPECT_EQ(a.headers[0].name, "X.Trace_Id~1");
  EXPECT_EQ(a.effective_method(), "M-SEARCH");
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "-H", "X(A): v"}),
              HasSubstr("-H/--header must read \"Name: value\""));
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "-m", "GE T"}),
              HasSubstr("-m/--method must be a method name"));
}

TEST(HttpArgs, ChoosesTheEngineAutomaticallyUnlessTold) {
  EXPECT_EQ(parse({"http://127.0.0.1/"}).engine, EngineKind::kAuto);
  EXPECT_EQ(parse({"http://127.0.0.1/", "--engine", "native"}).engine, EngineKind::kNative);
  EXPECT_EQ(parse({"http://127.0.0.1/", "--engine=curl"}).engine, EngineKind::kCurl);
}

TEST(HttpArgs, NamesABadEngineAndOneThatCannotDoHttp2) {
  EXPECT_THAT(problems_of({"http://127.0.0.1/", "--engine", "fast"}),
              HasSubstr("--engine must be auto, native or curl, got \"fast\"."));
  EXPECT_THAT(
      problems_of({"http://127.0.0.1/", "--engine", "native", "--http2"}),
      HasSubstr("--engine native speaks HTTP/1.1 only and cannot be combined with --http2"));
  EXPECT_THAT(problems_of({"https://127.0.0.1/", "--engine", "native"}),
              HasSubstr("--engine native speaks plain-text http:// only, got "
                        "\"https://127.0.0.1/\"; use --engine curl or auto."));
}

TEST(HttpArgs, HelpNeedsNothingElse) { EXPECT_TRUE(parse({"--help"}).help); }

}  // namespace
}  // namespace gauntlet

namespace gauntlet {
namespace {

TEST(HttpArgs, ReadsABreakingPointSearch) {
  const HttpArgs a =
      parse({"http://127.0.0.1:8080/", "--breaking-point", "100..2000", "--steps", "6",
             "--level-duration", "3s", "--search-budget", "2m", "--threshold", "p(99)<200ms"});
  ASSERT_TRUE(a.breaking_point);
  EXPECT_EQ(a.breaking_point->first, 100);
  EXPECT_EQ(a.breaking_point->second, 2000);
  EXPECT_EQ(a.steps, 6);
  EXPECT_EQ(a.level_duration, 3s);
  EXPECT_EQ(a.search_budget, 2min);
}

TEST(HttpArgs, RefusesABreakingPointSearchWithoutThresholdOrWithABadRange) {
  EXPECT_THAT(problems_of({"http://127.0.0.1:8080/", "--breaking-point", "100..2000"}),
              HasSubstr("--breaking-point needs at least one --threshold"));
  EXPECT_THAT(problems_of({"http://127.0.0.1:8080/", "--breaking-point", "2000..100", "--threshold",
                           "p(99)<1s"}),
              HasSubstr("--breaking-point must read FROM..TO, two rates per second with 0 < FROM "
                        "< TO <= 10000000 (e.g. 100..2000), got \"2000..100\"."));
  EXPECT_THAT(problems_of({"http://127.0.0.1:8080/", "--breaking-point", "1..2", "--rate", "5",
                           "--threshold", "p(99)<1s"}),
              HasSubstr("cannot be combined with --rate"));
}

}  // namespace
}  // namespace gauntlet

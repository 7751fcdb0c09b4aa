#include "gauntlet/mocks/flag_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/service_main.hpp"

namespace gauntlet::mocks {
namespace {

using ::testing::HasSubstr;

TEST(FlagParser, ReadsCommonFlagsInBothForms) {
  FlagParser flags("mock-x");
  CommonFlags common;
  common.add_to(flags);
  const char* argv[] = {"mock-x",      "--port", "8080",           "--threads=4",
                        "--log-level", "debug",  "--database-url", "postgresql://u@127.0.0.1/db"};
  std::ostringstream out;
  ASSERT_TRUE(flags.parse(8, argv, out));
  EXPECT_EQ(common.port, 8080);
  EXPECT_EQ(common.threads, 4);
  EXPECT_EQ(common.log_level, LogLevel::kDebug);
  EXPECT_EQ(common.database_url, "postgresql://u@127.0.0.1/db");
  EXPECT_EQ(common.server_options("x").port, 8080);
}

TEST(FlagParser, EveryBadValueIsNamedInOneError) {
  FlagParser flags("mock-x");
  CommonFlags common;
  common.add_to(flags);
  const char* argv[] = {"mock-x",      "--port", "http",    "--threads", "0",
                        "--log-level", "loud",   "--bogus", "1",         "--address"};
  std::ostringstream out;
  try {
    flags.parse(10, argv, out);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr("--port must be an integer in 0..65535, got \"http\""));
    EXPECT_THAT(msg, HasSubstr("--threads must be an integer in 1..256, got \"0\""));
    EXPECT_THAT(msg, HasSubstr("--log-level must be one of debug, info, warn, error"));
    EXPECT_THAT(msg, HasSubstr("--bogus is not a flag of mock-x"));
    EXPECT_THAT(msg, HasSubstr("--address needs a value"));
  }
}

TEST(FlagParser, HelpPrintsUsageAndStops) {
  FlagParser flags("mock-x");
  CommonFlags common;
  common.add_to(flags);
  const char* argv[] = {"mock-x", "--help"};
  std::ostringstream out;
  EXPECT_FALSE(flags.parse(2, argv, out));
  EXPECT_THAT(out.str(), HasSubstr("--database-url"));
}

TEST(RunMain, ConfigErrorExitsTwoAndPrintsTheProblem) {
  std::ostringstream err;
  const int code = run_main("mock-x", err, []() -> int { throw ConfigError("--port is bad"); });
  EXPECT_EQ(code, 2);
  EXPECT_EQ(err.str(), "mock-x: --port is bad\n");
  EXPECT_EQ(run_main("mock-x", err, [] { return 0; }), 0);
}

}  // namespace
}  // namespace gauntlet::mocks

#include "gauntlet/process/service_process.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "gauntlet/config_error.hpp"
#include "gauntlet/process/free_port.hpp"
#include "test_http_server.hpp"

namespace gauntlet {
namespace {

using std::chrono::milliseconds;
using testing::TestHttpServer;

// Generous bound for things that happen "soon" (a script reaching a line): the tests never
// assert on durations, they only refuse to hang.
constexpr auto kSoon = milliseconds(10'000);

bool eventually(const std::function<bool()>& condition, milliseconds bound = kSoon) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The state letter of /proc/<pid>/stat ('R', 'S', 'T', 'Z', ...), or '?' when the pid is gone.
char proc_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

// Gone or a zombie awaiting its (new) parent: either way it runs no more.
bool process_gone(pid_t pid) {
  const char state = proc_state(pid);
  return state == '?' || state == 'Z' || state == 'X';
}

class ServiceProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gauntlet-proc-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A /bin/sh script in the test's directory; options log to dir/<name>.log.
  ServiceOptions script(const std::string& name, const std::string& body) {
    const auto path = dir_ / (name + ".sh");
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    ServiceOptions options;
    options.name = name;
    options.executable = path;
    options.log_path = dir_ / (name + ".log");
    options.grace_period = milliseconds(5000);
    return options;
  }
  bool log_contains(const ServiceProcess& process, const std::string& text) {
    return read_file(process.options().log_path).find(text) != std::string::npos;
  }

  std::filesystem::path dir_;
};

TEST_F(ServiceProcessTest, PassesArgumentsAndEnvironmentAndCapturesBothStreams) {
  auto options = script("echo", "echo \"out: $1 $GAUNTLET_TEST_VALUE\"\necho \"err: $2\" >&2");
  options.args = {"first arg", "second"};
  options.env = {{"GAUNTLET_TEST_VALUE", "from-env"}};
  ServiceProcess process(options);
  process.start();
  ASSERT_TRUE(process.wait_for_exit(kSoon).has_value());
  EXPECT_TRUE(log_contains(process, "out: first arg from-env\n"));
  EXPECT_TRUE(log_contains(process, "err: second\n"));
}

TEST_F(ServiceProcessTest, KeepsTheParentEnvironment) {
  ::setenv("GAUNTLET_TEST_INHERITED", "inherited-value", 1);
  ServiceProcess process(script("env", "echo \"got $GAUNTLET_TEST_INHERITED\""));
  process.start();
  ASSERT_TRUE(process.wait_for_exit(kSoon).has_value());
  ::unsetenv("GAUNTLET_TEST_INHERITED");
  EXPECT_TRUE(log_contains(process, "got inherited-value"));
}

// Boost.Process 1.74's environment lookup compared "KEY=" over the key's whole length against
// every entry, reading past the end of shorter ones (ASan: heap-buffer-overflow in
// basic_environment_impl::find). Entries shorter than the overriding key, one of them a prefix of
// it, must pass through untouched, and an overridden key must appear once, with its new value.
TEST_F(ServiceProcessTest, OverridesLongKeysAmongShortEntriesOfTheParentEnvironment) {
  const std::string long_key = "GAUNTLET_TEST_A_KEY_LONGER_THAN_EVERY_SHORT_ENTRY_OF_THE_PARENT";
  ::setenv("A", "1", 1);
  ::setenv("GAUNTLET_TEST", "short", 1);  // a prefix of long_key, and shorter than it
  ::setenv(long_key.c_str(), "from-parent", 1);
  auto options = script("envlong", "env");
  options.env = {{long_key, "from-options"}, {"B", "2"}};
  ServiceProcess process(options);
  process.start();
  ASSERT_TRUE(process.wait_for_exit(kSoon).has_value());
  ::unsetenv("A");
  ::unsetenv("GAUNTLET_TEST");
  ::unsetenv(long_key.c_str());
  const std::string log = read_file(process.options().log_path);
  EXPECT_NE(log.find("\nA=1\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\nB=2\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\nGAUNTLET_TEST=short\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n" + long_key + "=from-options\n"), std::string::npos) << log;
  EXPECT_EQ(log.find(long_key + "=from-parent"), std::string::npos) << log;
}

TEST_F(ServiceProcessTest, ReportsTheExitCode) {
  ServiceProcess process(script("exit7", "exit 7"));
  process.start();
  const auto status = process.wait_for_exit(kSoon);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 7);
  EXPECT_EQ(process.exit_code(), 7);
  EXPECT_FALSE(process.running());
}

TEST_F(ServiceProcessTest, StopIsGracefulWhenTheChildHonoursSigterm) {
  ServiceProcess process(script(
      "polite", "trap 'echo got-term; exit 0' TERM\necho ready\nwhile :; do sleep 0.05; done"));
  process.start();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "ready"); }));
  const auto status = process.stop();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0) << status->describe();
  EXPECT_TRUE(log_contains(process, "got-term"));
}

TEST_F(ServiceProcessTest, StopKillsAChildThatIgnoresSigtermAfterTheGracePeriod) {
  auto options = script("stubborn", "trap '' TERM\necho ready\nwhile :; do sleep 0.05; done");
  options.grace_period = milliseconds(200);
  ServiceProcess process(options);
  process.start();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "ready"); }));
  const auto status = process.stop();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->signal, SIGKILL) << status->describe();
  EXPECT_FALSE(process.running());
}

TEST_F(ServiceProcessTest, StopReachesGrandchildrenThroughTheProcessGroup) {
  const auto pid_file = dir_ / "grandchild.pid";
  ServiceProcess process(
      script("parent", "sleep 300 &\necho $! > " + pid_file.string() + "\necho ready\nwait"));
  process.start();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "ready"); }));
  const pid_t grandchild = std::stoi(read_file(pid_file));
  ASSERT_FALSE(process_gone(grandchild));
  process.stop();
  EXPECT_TRUE(eventually([&] { return process_gone(grandchild); }));
}

TEST_F(ServiceProcessTest, GrandchildrenLeftBehindByAnExitingChildAreSwept) {
  const auto pid_file = dir_ / "orphan.pid";
  ServiceProcess process(script("leaver", "sleep 300 &\necho $! > " + pid_file.string()));
  process.start();
  ASSERT_TRUE(process.wait_for_exit(kSoon).has_value());
  const pid_t orphan = std::stoi(read_file(pid_file));
  EXPECT_TRUE(eventually([&] { return process_gone(orphan); }));
}

TEST_F(ServiceProcessTest, DestructorReapsChildAndGroupEvenWhenTheTestThrows) {
  const auto pid_file = dir_ / "grandchild.pid";
  pid_t child = 0;
  try {
    auto options = script("doomed", "trap '' TERM\nsleep 300 &\necho $! > " + pid_file.string() +
                                        "\necho ready\nwhile :; do sleep 0.05; done");
    options.grace_period = milliseconds(200);
    ServiceProcess process(options);
    process.start();
    child = process.pid();
    ASSERT_TRUE(eventually([&] { return log_contains(process, "ready"); }));
    throw std::runtime_error("the test body failed");
  } catch (const std::runtime_error&) {
  }
  ASSERT_GT(child, 0);
  // Reaped: it is no longer our child, so waitpid finds nothing to wait for.
  errno = 0;
  EXPECT_EQ(::waitpid(child, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(process_gone(child));
  const pid_t grandchild = std::stoi(read_file(pid_file));
  EXPECT_TRUE(eventually([&] { return process_gone(grandchild); }));
}

TEST_F(ServiceProcessTest, PauseStopsTheChildAndResumeContinuesIt) {
  // exec: a shell stopped while vfork()ing shows 'D', not 'T'; a lone sleep always shows 'T'.
  ServiceProcess process(script("pausable", "echo ready\nexec sleep 300"));
  process.start();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "ready"); }));
  process.pause();
  EXPECT_TRUE(eventually([&] { return proc_state(process.pid()) == 'T'; }));
  process.resume();
  EXPECT_TRUE(eventually([&] { return proc_state(process.pid()) != 'T'; }));
  EXPECT_TRUE(process.running());
}

TEST_F(ServiceProcessTest, StopEndsAPausedChildWithSigterm) {
  ServiceProcess process(script("paused", "echo ready\nexec sleep 300"));
  process.start();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "ready"); }));
  process.pause();
  ASSERT_TRUE(eventually([&] { return proc_state(process.pid()) == 'T'; }));
  const auto status = process.stop();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->signal, SIGTERM) << status->describe();
}

TEST_F(ServiceProcessTest, KillDeliversTheSignal) {
  ServiceProcess process(script("victim", "echo ready\nwhile :; do sleep 0.05; done"));
  process.start();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "ready"); }));
  process.kill(SIGKILL);
  const auto status = process.wait_for_exit(kSoon);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->signal, SIGKILL);
  EXPECT_THROW(process.kill(SIGTERM), ProcessError);
}

TEST_F(ServiceProcessTest, RestartRunsANewProcessAndAppendsToTheLog) {
  ServiceProcess process(script("restartable", "echo \"run $$\"\nwhile :; do sleep 0.05; done"));
  process.start();
  const pid_t first = process.pid();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "run " + std::to_string(first)); }));
  process.restart();
  EXPECT_NE(process.pid(), first);
  EXPECT_TRUE(process.running());
  EXPECT_TRUE(process_gone(first));
  EXPECT_TRUE(
      eventually([&] { return log_contains(process, "run " + std::to_string(process.pid())); }));
}

TEST_F(ServiceProcessTest, StartingTwiceIsAnError) {
  ServiceProcess process(script("twice", "while :; do sleep 0.05; done"));
  process.start();
  EXPECT_THROW(process.start(), ProcessError);
}

TEST_F(ServiceProcessTest, AMissingExecutableIsAProcessErrorNamingIt) {
  ServiceOptions options;
  options.executable = dir_ / "no-such-binary";
  options.log_path = dir_ / "missing.log";
  ServiceProcess process(options);
  try {
    process.start();
    FAIL() << "start() should have thrown";
  } catch (const ProcessError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-binary"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(process.running());
}

TEST_F(ServiceProcessTest, WaitHealthyReturnsOnceHealthAnswers2xx) {
  TestHttpServer health(TestHttpServer::status_reply(200));
  auto options = script("healthy", "while :; do sleep 0.05; done");
  options.health = HealthEndpoint{"127.0.0.1", health.port(), "/health"};
  ServiceProcess process(options);
  process.start();
  EXPECT_NO_THROW(process.wait_healthy());
  EXPECT_GE(health.requests(), 1);
}

TEST_F(ServiceProcessTest, WaitHealthyTimesOutWithTheLogTailInTheError) {
  TestHttpServer health(TestHttpServer::status_reply(503));
  auto options = script("sick", "echo booting-marker\nwhile :; do sleep 0.05; done");
  options.health = HealthEndpoint{"127.0.0.1", health.port(), "/health"};
  options.health_timeout = milliseconds(300);
  ServiceProcess process(options);
  process.start();
  ASSERT_TRUE(eventually([&] { return log_contains(process, "booting-marker"); }));
  try {
    process.wait_healthy();
    FAIL() << "wait_healthy() should have thrown";
  } catch (const ProcessError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("did not answer GET http://127.0.0.1:"), std::string::npos) << what;
    EXPECT_NE(what.find("HTTP 503"), std::string::npos) << what;
    EXPECT_NE(e.log_tail().find("booting-marker"), std::string::npos) << what;
    EXPECT_NE(what.find("booting-marker"), std::string::npos) << what;
  }
}

TEST_F(ServiceProcessTest, WaitHealthyFailsAsSoonAsTheChildExitsAndQuotesTheLastLines) {
  auto options =
      script("crasher", "i=1\nwhile [ $i -le 100 ]; do echo \"line $i\"; i=$((i+1)); done\nexit 3");
  options.health = HealthEndpoint{"127.0.0.1", free_port(), "/health"};
  options.health_timeout = milliseconds(60'000);  // the exit, not this bound, ends the wait
  ServiceProcess process(options);
  process.start();
  try {
    process.wait_healthy();
    FAIL() << "wait_healthy() should have thrown";
  } catch (const ProcessError& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find("exited before answering"), std::string::npos);
    EXPECT_NE(e.log_tail().find("line 71\n"), std::string::npos) << e.log_tail();
    EXPECT_NE(e.log_tail().find("line 100\n"), std::string::npos);
    EXPECT_EQ(e.log_tail().find("line 70\n"), std::string::npos) << e.log_tail();
  }
}

TEST_F(ServiceProcessTest, InvalidOptionsListEveryProblem) {
  ServiceOptions options;
  options.health = HealthEndpoint{"127.0.0.1", 0, "health"};
  options.health_timeout = milliseconds(0);
  try {
    ServiceProcess process(options);
    FAIL() << "the constructor should have thrown";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 5u) << e.what();
    EXPECT_NE(std::string(e.what()).find("health.path must start with '/', got \"health\""),
              std::string::npos);
  }
}

TEST_F(ServiceProcessTest, MovingTransfersOwnershipOfTheChild) {
  ServiceProcess first(script("moved", "while :; do sleep 0.05; done"));
  first.start();
  const pid_t pid = first.pid();
  ServiceProcess second(std::move(first));
  EXPECT_EQ(second.pid(), pid);
  EXPECT_TRUE(second.running());
  second.stop();
  EXPECT_TRUE(process_gone(pid));
}

}  // namespace
}  // namespace gauntlet

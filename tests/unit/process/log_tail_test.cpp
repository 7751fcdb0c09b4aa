#include "gauntlet/process/log_tail.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gauntlet/process/exit_status.hpp"
#include "gauntlet/process/process_error.hpp"

namespace gauntlet {
namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& content) {
  auto path = std::filesystem::temp_directory_path() /
              ("gauntlet-log-tail-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(LogTail, KeepsOnlyTheLastLines) {
  std::string content;
  for (int i = 1; i <= 100; ++i) content += "line " + std::to_string(i) + "\n";
  const auto path = write_temp("hundred", content);
  const std::string tail = read_log_tail(path, 3);
  EXPECT_EQ(tail, "line 98\nline 99\nline 100\n");
  std::filesystem::remove(path);
}

TEST(LogTail, ReturnsAShortFileWholeAndEndsItWithANewline) {
  const auto path = write_temp("short", "one\ntwo");
  EXPECT_EQ(read_log_tail(path, 30), "one\ntwo\n");
  std::filesystem::remove(path);
}

TEST(LogTail, DropsALineCutByTheReadWindow) {
  // One 100 KiB line, then two short ones: the long line is cut by the 64 KiB window.
  const auto path =
      write_temp("long", std::string(std::size_t{100} * 1024, 'x') + "\nshort 1\nshort 2\n");
  EXPECT_EQ(read_log_tail(path, 30), "short 1\nshort 2\n");
  std::filesystem::remove(path);
}

TEST(LogTail, IsEmptyForAMissingFile) {
  EXPECT_EQ(read_log_tail("/nonexistent/gauntlet/log.txt"), "");
}

TEST(ExitStatus, DescribesAnExitCodeAndASignal) {
  EXPECT_EQ((ExitStatus{3, std::nullopt}.describe()), "exit code 3");
  EXPECT_EQ((ExitStatus{std::nullopt, SIGKILL}.describe()), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(ExitStatus{}.describe(), "unknown exit status");
  EXPECT_TRUE((ExitStatus{0, std::nullopt}.success()));
  EXPECT_FALSE((ExitStatus{std::nullopt, SIGTERM}.success()));
}

TEST(ProcessError, MessageCarriesCommandExitAndLogTail) {
  const ProcessError error("Service 'x' exited.", "/bin/x --flag", ExitStatus{2, std::nullopt},
                           "last words\n");
  const std::string what = error.what();
  EXPECT_NE(what.find("Service 'x' exited."), std::string::npos);
  EXPECT_NE(what.find("command: /bin/x --flag"), std::string::npos);
  EXPECT_NE(what.find("exit code 2"), std::string::npos);
  EXPECT_NE(what.find("last words"), std::string::npos);
  EXPECT_EQ(error.exit_code(), 2);
}

}  // namespace
}  // namespace gauntlet

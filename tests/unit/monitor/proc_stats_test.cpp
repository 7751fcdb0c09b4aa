#include "gauntlet/monitor/proc_stats.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace gauntlet {
namespace {

TEST(ProcStats, ParsesStatCountingFieldsAfterTheLastParenthesis) {
  // comm "(my (odd) name)" holds spaces and parentheses; utime 120, stime 30, threads 7.
  const char* stat =
      "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 120 30 0 0 20 0 7 0 100 "
      "12345678 2000 18446744073709551615";
  const auto fields = parse_proc_stat(stat);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->cpu_ticks, 150);
  EXPECT_EQ(fields->threads, 7);
  EXPECT_FALSE(parse_proc_stat("4242 (truncated) S 1 2"));
  EXPECT_FALSE(parse_proc_stat("no parenthesis at all"));
}

TEST(ProcStats, ParsesStatusMeminfoAndLoadavg) {
  EXPECT_EQ(parse_status_rss_kb("Name:\tx\nVmHWM:\t  9999 kB\nVmRSS:\t  2048 kB\nThreads:\t1\n"),
            2048);
  EXPECT_FALSE(parse_status_rss_kb("Name:\tkworker\nThreads:\t1\n"));
  const auto mb = parse_meminfo_available_mb("MemTotal: 4096000 kB\nMemAvailable: 2048000 kB\n");
  ASSERT_TRUE(mb);
  EXPECT_DOUBLE_EQ(*mb, 2000);
  EXPECT_FALSE(parse_meminfo_available_mb("MemTotal: 4096000 kB\n"));
  EXPECT_DOUBLE_EQ(parse_loadavg("0.52 0.41 0.30 1/123 4567\n").value_or(-1), 0.52);
  EXPECT_FALSE(parse_loadavg("x"));
}

TEST(ProcStats, ParsesChildrenUpToTheFirstTokenThatIsNotAPid) {
  EXPECT_EQ(parse_children("101 102 205 "), (std::vector<pid_t>{101, 102, 205}));
  EXPECT_TRUE(parse_children("").empty());
  EXPECT_EQ(parse_children("7 x 9"), (std::vector<pid_t>{7}));
  EXPECT_EQ(parse_children("7 -3"), (std::vector<pid_t>{7}));
}

TEST(ProcStats, ReadsThisProcessAndTheMachine) {
  const auto self = read_proc(::getpid());
  ASSERT_TRUE(self);
  EXPECT_GT(self->rss_kb, 0);
  EXPECT_GE(self->threads, 1);
  EXPECT_GE(self->fds, 3);
  EXPECT_FALSE(read_proc(0x3fffffff));  // no such pid
  EXPECT_TRUE(read_children(::getpid()));
  EXPECT_FALSE(read_children(0x3fffffff));
  EXPECT_GT(read_machine().mem_available_mb, 0);
  EXPECT_GT(clock_ticks_per_s(), 0);
}

}  // namespace
}  // namespace gauntlet

#pragma once
// Reading one process's and the machine's resource figures from Linux's /proc. The parsers are
// pure functions of the files' text, tested on their own; the readers only add the file access.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace gauntlet {

struct ProcSnapshot {
  std::int64_t cpu_ticks = 0;  // utime + stime, in clock ticks (sysconf(_SC_CLK_TCK) per second)
  std::int64_t rss_kb = 0;     // VmRSS
  std::int64_t fds = 0;        // entries of /proc/<pid>/fd
  std::int64_t threads = 0;    // num_threads
};

struct MachineSnapshot {
  double mem_available_mb = 0;
  double load1 = 0;
};

// /proc/<pid>/stat: {utime + stime, num_threads}; nullopt when the text is not a stat line. The
// command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
struct StatFields {
  std::int64_t cpu_ticks = 0;
  std::int64_t threads = 0;
};
std::optional<StatFields> parse_proc_stat(std::string_view text);
// /proc/<pid>/status: VmRSS in kB; nullopt when absent (a zombie, a kernel thread).
std::optional<std::int64_t> parse_status_rss_kb(std::string_view text);
// /proc/meminfo: MemAvailable in MB; nullopt when absent.
std::optional<double> parse_meminfo_available_mb(std::string_view text);
// /proc/loadavg: the first field; nullopt when it is not a number.
std::optional<double> parse_loadavg(std::string_view text);

// /proc/<pid>/task/<tid>/children: the pids it lists (space-separated); stops at the first
// token that is not a pid.
std::vector<pid_t> parse_children(std::string_view text);

// The process's figures now; nullopt when it does not exist (any more) or cannot be read.
std::optional<ProcSnapshot> read_proc(pid_t pid);
// The direct children of `pid`, from every one of its threads' /proc/<pid>/task/<tid>/children
// (a child belongs to the thread that forked it); nullopt when the process does not exist.
std::optional<std::vector<pid_t>> read_children(pid_t pid);
// The machine's figures now (0 for a figure that cannot be read).
MachineSnapshot read_machine();
// Clock ticks per second (sysconf(_SC_CLK_TCK), usually 100).
double clock_ticks_per_s();

}  // namespace gauntlet

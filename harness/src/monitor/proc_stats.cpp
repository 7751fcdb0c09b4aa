#include "gauntlet/monitor/proc_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace gauntlet {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The integer after `key` on its line ("VmRSS:\t  1234 kB"), or nullopt.
std::optional<std::int64_t> keyed_integer(std::string_view text, std::string_view key) {
  std::size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    if (at == 0 || text[at - 1] == '\n') break;
    at += key.size();
  }
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + key.size();
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() + i) return std::nullopt;
  return value;
}

}  // namespace

std::optional<StatFields> parse_proc_stat(std::string_view text) {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After "pid (comm)": field 3 is the state; utime, stime are fields 14, 15; num_threads 20.
  std::istringstream fields{std::string(text.substr(close + 1))};
  std::string field;
  StatFields out;
  std::int64_t utime = -1;
  std::int64_t stime = -1;
  std::int64_t threads = -1;
  for (int n = 3; n <= 20 && fields >> field; ++n) {
    if (n != 14 && n != 15 && n != 20) continue;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
    (n == 14 ? utime : n == 15 ? stime : threads) = value;
  }
  if (utime < 0 || stime < 0 || threads < 0) return std::nullopt;
  out.cpu_ticks = utime + stime;
  out.threads = threads;
  return out;
}

std::optional<std::int64_t> parse_status_rss_kb(std::string_view text) {
  return keyed_integer(text, "VmRSS:");
}

std::optional<double> parse_meminfo_available_mb(std::string_view text) {
  const auto kb = keyed_integer(text, "MemAvailable:");
  if (!kb) return std::nullopt;
  return static_cast<double>(*kb) / 1024.0;
}

std::optional<double> parse_loadavg(std::string_view text) {
  std::istringstream in{std::string(text)};
  double load = 0;
  if (!(in >> load)) return std::nullopt;
  return load;
}

std::optional<ProcSnapshot> read_proc(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  const auto stat_text = read_text(dir + "/stat");
  const auto status_text = read_text(dir + "/status");
  if (!stat_text || !status_text) return std::nullopt;
  const auto stat = parse_proc_stat(*stat_text);
  if (!stat) return std::nullopt;
  ProcSnapshot s;
  s.cpu_ticks = stat->cpu_ticks;
  s.threads = stat->threads;
  s.rss_kb = parse_status_rss_kb(*status_text).value_or(0);
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++s.fds;
  }
  return s;
}

std::vector<pid_t> parse_children(std::string_view text) {
  std::vector<pid_t> out;
  std::istringstream in{std::string(text)};
  for (std::string token; in >> token;) {
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), pid);
    if (ec != std::errc() || end != token.data() + token.size() || pid <= 0) break;
    out.push_back(pid);
  }
  return out;
}

std::optional<std::vector<pid_t>> read_children(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  std::filesystem::directory_iterator it(tasks, ec);
  if (ec) return std::nullopt;
  std::vector<pid_t> out;
  for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    if (const auto text = read_text(it->path().string() + "/children")) {
      for (const pid_t child : parse_children(*text)) out.push_back(child);
    }
  }
  return out;
}

MachineSnapshot read_machine() {
  MachineSnapshot m;
  if (const auto text = read_text("/proc/meminfo")) {
    m.mem_available_mb = parse_meminfo_available_mb(*text).value_or(0);
  }
  if (const auto text = read_text("/proc/loadavg")) m.load1 = parse_loadavg(*text).value_or(0);
  return m;
}

double clock_ticks_per_s() {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<double>(ticks) : 100.0;
}

}  // namespace gauntlet

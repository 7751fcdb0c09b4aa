// The platform from nothing (a new PostgreSQL cluster, migrations, eight processes on free
// ports) and back to nothing: after the Platform is destroyed no process it started is left,
// no port answers and no temporary directory remains.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/platform.hpp"
#include "gauntlet/build_paths.hpp"
#include "gauntlet/http/client.hpp"
#include "gauntlet/pg/migrations.hpp"
#include "gauntlet/process/process_error.hpp"

namespace gauntlet {
namespace {

namespace fs = std::filesystem;

// True while the process runs. A zombie counts as gone: it has ended, and the postmaster (a
// daemon, reparented to init) is reaped by init, not by us.
bool process_alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z' &&
         stat[paren + 2] != 'X';
}

// Whether every pid is gone within `timeout` (the postmaster exits just after pg_ctl sees its
// pid file removed).
bool all_gone(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (std::none_of(pids.begin(), pids.end(), process_alive)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Pids of every process whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

// Our own children that have not ended (zombies excluded).
std::set<pid_t> live_children() {
  std::set<pid_t> out;
  const std::string self = std::to_string(::getpid());
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string state;
    std::string ppid;
    fields >> state >> ppid;
    if (ppid == self && state != "Z" && state != "X") out.insert(std::stoi(name));
  }
  return out;
}

TEST(PlatformLifecycle, AFailedStartStopsEverythingStartedAndKeepsTheLogs) {
  // A binary directory whose mock-gateway exits at once; the other seven are the real ones.
  const fs::path scratch = build_paths::binary_dir() / ("lifecycle-" + std::to_string(::getpid()));
  fs::create_directories(scratch / "bin");
  for (const Service s : kAllServices) {
    const std::string exe = "mock-" + std::string(service_name(s));
    if (s != Service::kGateway) {
      fs::create_symlink(build_paths::binary_dir() / "bin" / exe, scratch / "bin" / exe);
    }
  }
  {
    std::ofstream script(scratch / "bin" / "mock-gateway");
    script << "#!/bin/sh\necho 'this gateway refuses to start' >&2\nexit 3\n";
  }
  fs::permissions(scratch / "bin" / "mock-gateway", fs::perms::owner_all);
  PlatformOptions options;
  options.binary_dir = scratch / "bin";
  options.logs_root = scratch / "logs";
  const std::set<pid_t> children_before = live_children();

  std::ostringstream platform_log;
  EXPECT_THROW(Platform(options, platform_log), ProcessError);
  std::cerr << platform_log.str();

  EXPECT_EQ(live_children(), children_before) << "a service of the failed start survived";
  // The cluster is no child of ours (pg_ctl daemonizes it): find it by its directory.
  const std::string text_log = platform_log.str();
  const auto in = text_log.find(" in /", text_log.find("embedded PostgreSQL at "));
  ASSERT_NE(in, std::string::npos) << "the embedded cluster was never started:\n" << text_log;
  const fs::path db_dir = text_log.substr(in + 4, text_log.find(',', in) - in - 4);
  EXPECT_TRUE(all_gone(processes_mentioning(db_dir.string()), std::chrono::milliseconds(5000)))
      << "a PostgreSQL process of the failed start survived";
  EXPECT_FALSE(fs::exists(db_dir)) << db_dir;
  std::vector<fs::path> kept;
  for (const auto& entry : fs::directory_iterator(options.logs_root)) kept.push_back(entry.path());
  ASSERT_EQ(kept.size(), 1U) << "the run directory was not kept";
  std::ifstream log(kept[0] / "gateway.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("refuses to start"), std::string::npos) << text;
  EXPECT_TRUE(fs::exists(kept[0] / "meta-graph.log"));
  fs::remove_all(scratch);
}

TEST(PlatformLifecycle, ComesUpFromNothingAndLeavesNoProcessPortOrDirectoryBehind) {
  PlatformOptions options;  // everything embedded, whatever GAUNTLET_*_URL says
  auto platform = std::make_unique<Platform>(options, std::cerr);
  const fs::path run_dir = platform->run_dir();
  const fs::path db_dir = platform->database_dir();
  const std::vector<pid_t> pids = platform->owned_pids();
  std::vector<std::string> urls;
  for (const Service s : kAllServices) urls.push_back(platform->url(s));

  ASSERT_TRUE(fs::is_directory(run_dir));
  ASSERT_TRUE(fs::is_directory(db_dir));
  ASSERT_EQ(pids.size(), kAllServices.size() + 1);  // eight services and the postmaster
  Client client;
  for (const std::string& url : urls) EXPECT_EQ(client.get(url + "/health").status, 200) << url;
  {
    pqxx::connection conn(platform->database_url());
    pqxx::nontransaction tx(conn);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_migrations")[0].as<std::size_t>(),
              list_migrations(platform->options().schema_dir).size());
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM campaigns")[0].as<int>(), 1);  // the seed only
  }
  for (const pid_t pid : pids) EXPECT_TRUE(process_alive(pid)) << pid;

  if (::testing::Test::HasFailure()) platform->keep_logs();
  platform.reset();

  EXPECT_TRUE(all_gone(pids, std::chrono::milliseconds(5000)));
  for (const pid_t pid : pids) EXPECT_FALSE(process_alive(pid)) << "pid " << pid << " survived";
  EXPECT_TRUE(processes_mentioning(db_dir.string()).empty()) << "a PostgreSQL process survived";
  EXPECT_TRUE(processes_mentioning(run_dir.string()).empty()) << "a mock process survived";
  Client after;
  for (const std::string& url : urls) {
    EXPECT_EQ(after.get(url + "/health").status, 0) << url << " still answers";
  }
  EXPECT_FALSE(fs::exists(db_dir)) << db_dir;
  if (!::testing::Test::HasFailure()) {
    EXPECT_FALSE(fs::exists(run_dir)) << run_dir;  // kept (on purpose) when a check failed
  }
}

}  // namespace
}  // namespace gauntlet

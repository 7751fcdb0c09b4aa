#include "gauntlet/pg/embedded_postgres.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>

#include "gauntlet/config_error.hpp"
#include "gauntlet/process/process_error.hpp"
#include "pg_cluster_test.hpp"
#include "support/owner_process.hpp"

namespace gauntlet {
namespace {

using testing::eventually;

// Sets an environment variable for one scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class EmptyDir {
 public:
  EmptyDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gauntlet-empty-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  EmptyDir(const EmptyDir&) = delete;
  EmptyDir& operator=(const EmptyDir&) = delete;
  ~EmptyDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string query_one(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].as<std::string>();
}

// The state letter and parent of /proc/<pid>/stat; state '?' when the pid is gone.
std::pair<char, long> proc_state(const std::filesystem::path& stat_path) {
  std::ifstream in(stat_path);
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return {'?', 0};
  std::istringstream rest(stat.substr(close + 2));
  char state = '?';
  long ppid = 0;
  rest >> state >> ppid;
  return {state, ppid};
}

bool gone(pid_t pid) {
  const char state = proc_state("/proc/" + std::to_string(pid) + "/stat").first;
  return state == '?' || state == 'Z' || state == 'X';
}

// The postmaster's children: checkpointer, walwriter, backends...
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto [state, ppid] = proc_state(entry.path() / "stat");
    if (ppid == parent && state != 'Z') children.push_back(std::stoi(name));
  }
  return children;
}

bool all_gone(pid_t postmaster, const std::vector<pid_t>& children) {
  return gone(postmaster) && std::all_of(children.begin(), children.end(), gone);
}

TEST(EmbeddedPostgres, MissingBinariesNameTheDebianPackage) {
  const EmptyDir empty;
  EmbeddedPostgresOptions options;
  options.bin_dir = empty.path();
  try {
    EmbeddedPostgres pg(options);
    FAIL() << "the cluster should not start without binaries";
  } catch (const ProcessError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(empty.path().string()), std::string::npos) << what;
    EXPECT_NE(what.find("postgresql-15"), std::string::npos) << what;
    EXPECT_NE(what.find("GAUNTLET_DATABASE_URL"), std::string::npos) << what;
  }
}

TEST(EmbeddedPostgres, TheBinDirComesFromTheEnvironment) {
  const EmptyDir empty;
  const ScopedEnv no_url("GAUNTLET_DATABASE_URL", std::nullopt);
  const ScopedEnv bindir("GAUNTLET_PG_BINDIR", empty.path().string());
  try {
    const Database db = EmbeddedPostgres::from_env_or_start();
    FAIL() << "the cluster should not start without binaries";
  } catch (const ProcessError& e) {
    EXPECT_NE(std::string(e.what()).find(empty.path().string() + " (from GAUNTLET_PG_BINDIR)"),
              std::string::npos)
        << e.what();
  }
}

TEST(EmbeddedPostgres, ADatabaseUrlFromTheEnvironmentStartsNothing) {
  const std::string url = "postgresql://app@db.example:5432/platform";
  const ScopedEnv given("GAUNTLET_DATABASE_URL", url);
  const ScopedEnv bindir("GAUNTLET_PG_BINDIR", "/nonexistent");  // would fail if used
  const Database db = EmbeddedPostgres::from_env_or_start();
  EXPECT_EQ(db.url(), url);
  EXPECT_EQ(db.embedded(), nullptr);
}

TEST(EmbeddedPostgres, InvalidOptionsListEveryProblem) {
  EmbeddedPostgresOptions options;
  options.database = "Bad-Name";
  options.max_connections = 0;
  options.settings = {{"work mem", "4MB"}};
  try {
    EmbeddedPostgres pg(options);
    FAIL() << "the options should be rejected";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 3u) << e.what();
  }
}

TEST(EmbeddedPostgres, AnInvalidFsyncVariableIsRejected) {
  const ScopedEnv fsync("GAUNTLET_PG_FSYNC", "sometimes");
  EXPECT_THROW(EmbeddedPostgresOptions::from_env(), ConfigError);
}

TEST(EmbeddedPostgres, ADefaultClusterKeepsFsyncOnAndLeavesNothingBehind) {
  std::filesystem::path dir;
  pid_t postmaster = 0;
  std::vector<pid_t> children;
  {
    const EmbeddedPostgres pg;
    dir = pg.directory();
    postmaster = pg.postmaster_pid();
    EXPECT_EQ(pg.url(),
              "postgresql://postgres@127.0.0.1:" + std::to_string(pg.port()) + "/gauntlet");
    EXPECT_EQ(query_one(pg.url(), "SHOW fsync"), "on");
    EXPECT_EQ(query_one(pg.url(), "SHOW max_connections"), "200");
    EXPECT_EQ(query_one(pg.url(), "SELECT current_database()"), "gauntlet");
    EXPECT_TRUE(std::filesystem::exists(dir / (".s.PGSQL." + std::to_string(pg.port()))))
        << "the unix socket lives in the cluster's directory";
    struct stat data {};
    ASSERT_EQ(::stat((dir / "data").c_str(), &data), 0);
    if (::geteuid() == 0) {
      EXPECT_NE(data.st_uid, 0u) << "as root, the cluster runs as postgres";
    }
    ASSERT_GT(postmaster, 0);
    children = children_of(postmaster);
    EXPECT_FALSE(children.empty()) << "the checkpointer, walwriter... run as its children";
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(eventually([&] { return all_gone(postmaster, children); }));
}

// The first cluster builds the template, the second copies it; both are whole, separate
// clusters (a row of one is not in the other), and the cache holds one template, no leftovers.
TEST(EmbeddedPostgres, ATemplateCacheIsBuiltOnceAndCopiedIntoSeparateClusters) {
  std::string pattern = (std::filesystem::temp_directory_path() / "gauntlet-tpl-XXXXXX");
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path cache = std::filesystem::path(pattern) / "cache";
  ::chmod(pattern.c_str(), 0777);  // as root the cluster's tools run as postgres
  EmbeddedPostgresOptions options;
  options.template_cache = cache;
  {
    const EmbeddedPostgres first(options);
    pqxx::connection conn(first.url());
    pqxx::work(conn).exec0("CREATE TABLE only_in_first (x int)");
    const EmbeddedPostgres second(options);
    EXPECT_EQ(query_one(second.url(),
                        "SELECT count(*) FROM pg_class WHERE relname = "
                        "'only_in_first'"),
              "0");
    EXPECT_EQ(query_one(second.url(), "SELECT current_database()"), "gauntlet");
  }
  std::vector<std::string> entries;
  for (const auto& e : std::filesystem::directory_iterator(cache)) {
    entries.push_back(e.path().filename().string());
  }
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].rfind("initdb-", 0), 0u) << entries[0];
  std::filesystem::remove_all(pattern);
}

// A cache that cannot be made (a file where its directory would be) costs only time: initdb.
TEST(EmbeddedPostgres, AnUnusableTemplateCacheFallsBackToInitdb) {
  std::string pattern = (std::filesystem::temp_directory_path() / "gauntlet-tpl-XXXXXX");
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path blocker = std::filesystem::path(pattern) / "file";
  std::ofstream(blocker) << "not a directory";
  EmbeddedPostgresOptions options;
  options.template_cache = blocker / "cache";
  {
    const EmbeddedPostgres pg(options);
    EXPECT_EQ(query_one(pg.url(), "SELECT current_database()"), "gauntlet");
  }
  std::filesystem::remove_all(pattern);
}

TEST(EmbeddedPostgres, ATemplateCacheComesFromTheEnvironmentAndCanBeTurnedOff) {
  {
    const ScopedEnv unset("GAUNTLET_PG_TEMPLATE_CACHE", std::nullopt);
    EXPECT_EQ(EmbeddedPostgresOptions::from_env().template_cache,
              std::filesystem::path("/tmp/gauntlet-pg-template"));
  }
  {
    const ScopedEnv off("GAUNTLET_PG_TEMPLATE_CACHE", "off");
    EXPECT_FALSE(EmbeddedPostgresOptions::from_env().template_cache.has_value());
  }
  const ScopedEnv elsewhere("GAUNTLET_PG_TEMPLATE_CACHE", "/var/tmp/pg-templates");
  EXPECT_EQ(EmbeddedPostgresOptions::from_env().template_cache,
            std::filesystem::path("/var/tmp/pg-templates"));
}

TEST(EmbeddedPostgres, AServerPgCtlCannotStopIsKilledWithItsChildren) {
  std::filesystem::path dir;
  pid_t postmaster = 0;
  std::vector<pid_t> children;
  {
    EmbeddedPostgresOptions options;
    options.fsync = false;
    options.stop_timeout = std::chrono::seconds(1);
    const EmbeddedPostgres pg(options);
    dir = pg.directory();
    postmaster = pg.postmaster_pid();
    children = children_of(postmaster);
    ASSERT_EQ(::kill(postmaster, SIGSTOP), 0);  // deaf to pg_ctl's SIGINT and SIGQUIT
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(eventually([&] { return all_gone(postmaster, children); }));
}

// A test binary killed with SIGKILL (a CTest timeout) runs no destructor, and pg_ctl has
// detached the postmaster from it: the cluster's orphan guard must shut it down and remove its
// directory. The owner is this binary, re-executed to run this test's owner part.
[[noreturn]] void hold_a_cluster() {
  EmbeddedPostgresOptions options;
  options.fsync = false;
  const EmbeddedPostgres pg(options);
  std::printf("cluster %ld %s\n", static_cast<long>(pg.postmaster_pid()), pg.directory().c_str());
  std::fflush(stdout);
  for (;;) ::pause();
}

TEST(EmbeddedPostgres, AClusterWhoseOwnerIsKilledIsShutDownAndRemoved) {
  if (std::getenv("GAUNTLET_CLUSTER_OWNER") != nullptr) hold_a_cluster();  // the owner's part
  testing::OwnerProcess owner("EmbeddedPostgres.AClusterWhoseOwnerIsKilledIsShutDownAndRemoved",
                              "GAUNTLET_CLUSTER_OWNER", "1");
  long postmaster = 0;
  char dir[512] = {};
  const std::string line = owner.read_line_starting("cluster ");
  ASSERT_EQ(std::sscanf(line.c_str(), "cluster %ld %511s", &postmaster, dir), 2)
      << "the owner did not report its cluster";
  const std::vector<pid_t> children = children_of(static_cast<pid_t>(postmaster));
  EXPECT_FALSE(children.empty());
  owner.kill_hard();
  EXPECT_TRUE(eventually([&] { return all_gone(static_cast<pid_t>(postmaster), children); },
                         std::chrono::milliseconds(20'000)));
  EXPECT_TRUE(
      eventually([&] { return !std::filesystem::exists(dir); }, std::chrono::milliseconds(20'000)));
}

TEST(EmbeddedPostgres, AServerThatCannotStartIsReportedWithItsLogAndCleanedUp) {
  EmbeddedPostgresOptions options;
  options.fsync = false;
  options.settings = {{"gauntlet_no_such_parameter", "1"}};
  try {
    const EmbeddedPostgres pg(options);
    FAIL() << "the server should refuse the unknown parameter";
  } catch (const ProcessError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("pg_ctl could not start PostgreSQL"), std::string::npos) << what;
    EXPECT_NE(e.log_tail().find("gauntlet_no_such_parameter"), std::string::npos) << what;
    // The message names the server log inside the cluster's directory, which must be gone.
    const auto at = what.find("/tmp/gauntlet-pg-");
    ASSERT_NE(at, std::string::npos) << what;
    const std::filesystem::path dir =
        what.substr(at, std::string("/tmp/gauntlet-pg-XXXXXX").size());
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  }
}

class EmbeddedClusterTest : public testing::PgClusterTest {};

TEST_F(EmbeddedClusterTest, RestartKeepsTheDataAndThePort) {
  const std::string url = fresh_database();
  {
    pqxx::connection conn(url);
    pqxx::work tx(conn);
    tx.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before restart')");
    tx.commit();
  }
  const auto port = cluster().port();
  const pid_t before = cluster().postmaster_pid();
  cluster().restart();
  EXPECT_EQ(cluster().port(), port);
  EXPECT_NE(cluster().postmaster_pid(), before);
  EXPECT_TRUE(cluster().running());
  EXPECT_EQ(query_one(url, "SELECT v FROM kept"), "before restart");
}

TEST_F(EmbeddedClusterTest, AStoppedClusterRefusesConnectionsUntilStarted) {
  cluster().stop();
  EXPECT_FALSE(cluster().running());
  EXPECT_THROW(pqxx::connection(cluster().url()), pqxx::broken_connection);
  cluster().start();
  EXPECT_EQ(query_one(cluster().url(), "SELECT 1"), "1");
}

TEST_F(EmbeddedClusterTest, TerminateBackendsBreaksTheOtherSessions) {
  pqxx::connection victim(cluster().url());
  EXPECT_GE(cluster().terminate_backends(), 1);
  pqxx::nontransaction tx(victim);
  EXPECT_THROW(tx.exec("SELECT 1"), pqxx::broken_connection);
}

}  // namespace
}  // namespace gauntlet

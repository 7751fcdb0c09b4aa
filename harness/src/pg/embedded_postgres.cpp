#include "gauntlet/pg/embedded_postgres.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <utility>

#include "command.hpp"
#include "gauntlet/pg/db_error.hpp"
#include "gauntlet/pg/pg_binaries.hpp"
#include "gauntlet/process/free_port.hpp"
#include "gauntlet/process/log_tail.hpp"
#include "gauntlet/process/orphan_guard.hpp"
#include "gauntlet/process/process_error.hpp"
#include "gauntlet/process/shell_quote.hpp"

namespace gauntlet {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

std::string quote_setting(const std::string& value) {
  std::string out = "'";
  for (const char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// SIGKILL to the postmaster and its children (each backend leads its own process group, so a
// group signal would miss them), then wait until they are gone, reaping the postmaster in case
// it was our child.
void kill_postmaster(pid_t pid) {
  if (!pg_detail::process_alive(pid)) return;
  const std::vector<pid_t> children = pg_detail::children_of(pid);
  ::kill(pid, SIGKILL);
  for (const pid_t child : children) ::kill(child, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  const auto any_alive = [&] {
    ::waitpid(pid, nullptr, WNOHANG);
    return pg_detail::process_alive(pid) ||
           std::any_of(children.begin(), children.end(), pg_detail::process_alive);
  };
  while (any_alive() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
}

}  // namespace

struct EmbeddedPostgres::Impl {
  EmbeddedPostgresOptions options;
  PgBinaries bin;
  std::optional<pg_detail::RunAsUser> run_as;  // set when we are root
  fs::path dir;                                // empty until created
  std::uint16_t port = 0;
  pid_t postmaster = 0;
  // pg_ctl detaches the postmaster from us: if this process dies without stopping it (SIGKILL),
  // the guard shuts it down (SIGQUIT: immediate) and removes the directory.
  OrphanGuard guard;

  explicit Impl(EmbeddedPostgresOptions o) : options(std::move(o)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    shutdown();
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }

  fs::path data_dir() const { return dir / "data"; }
  fs::path commands_log() const { return dir / "commands.log"; }
  fs::path server_log() const { return dir / "postgres.log"; }
  // pg_ctl enforces its own -t; this outer bound only catches a hung tool.
  milliseconds tool_timeout() const {
    return std::max(options.start_timeout, options.stop_timeout) + std::chrono::seconds(10);
  }

  void boot();
  void make_dir();
  void initdb();
  std::vector<std::string> initdb_argv(const fs::path& data) const;
  void initdb_into(const fs::path& data) const;
  fs::path template_path() const;
  bool copy_template() const;
  void write_settings() const;
  void start_server(bool may_change_port);
  void stop_server() noexcept;
  void shutdown() noexcept { stop_server(); }
  void create_database() const;
  ExitStatus tool(const std::vector<std::string>& args) const;
  std::vector<std::string> pg_ctl(std::chrono::seconds timeout,
                                  const std::vector<std::string>& args) const;
  pid_t read_postmaster_pid() const;
  std::string url_for(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/" + database;
  }
};

void EmbeddedPostgres::Impl::boot() {
  options.validate();
  const char* path_env = std::getenv("PATH");
  bin = find_pg_binaries(options.bin_dir, path_env != nullptr ? path_env : "");
  run_as = pg_detail::run_as_for_root();
  make_dir();
  initdb();
  start_server(/*may_change_port=*/true);
  create_database();
}

void EmbeddedPostgres::Impl::make_dir() {
  std::string pattern = "/tmp/gauntlet-pg-XXXXXX";  // short: the socket path must fit 107 bytes
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw ProcessError(std::string("Cannot create a directory for PostgreSQL under /tmp: ") +
                           std::strerror(errno) + ".",
                       "mkdtemp " + pattern);
  }
  dir = pattern;
  if (run_as && ::chown(dir.c_str(), run_as->uid, run_as->gid) != 0) {
    throw ProcessError(
        "Cannot hand " + dir.string() + " to the postgres user: " + std::strerror(errno) + ".",
        "chown postgres " + dir.string());
  }
}

ExitStatus EmbeddedPostgres::Impl::tool(const std::vector<std::string>& args) const {
  pg_detail::Command command;
  if (run_as) command.argv = run_as->prefix;
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.output = commands_log();
  command.cwd = dir;
  command.timeout = tool_timeout();
  return pg_detail::run_command(command);
}

std::vector<std::string> EmbeddedPostgres::Impl::pg_ctl(
    std::chrono::seconds timeout, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{
      bin.pg_ctl().string(),          "-D", data_dir().string(), "-w", "-t",
      std::to_string(timeout.count())};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> EmbeddedPostgres::Impl::initdb_argv(const fs::path& data) const {
  // --no-sync: the cluster is thrown away after the run; the server's own fsync setting is
  // what tests measure.
  return {bin.initdb().string(), "-D",         data.string(), "-U", "postgres", "--auth=trust",
          "--encoding=UTF8",     "--locale=C", "--no-sync"};
}

void EmbeddedPostgres::Impl::initdb_into(const fs::path& data) const {
  const std::vector<std::string> argv = initdb_argv(data);
  const ExitStatus status = tool(argv);
  if (!status.success()) {
    throw ProcessError("initdb failed for " + data.string() + ".", shell_command_line(argv), status,
                       read_log_tail(commands_log()));
  }
  std::ofstream(data / "postgresql.conf", std::ios::app) << "\ninclude 'gauntlet.conf'\n";
}

// The template for this initdb: named by the binary (its path and modification time, which an
// upgrade changes) and the arguments, so a stale template is never used.
fs::path EmbeddedPostgres::Impl::template_path() const {
  std::string key;
  for (const std::string& a : initdb_argv("DATA")) key += a + '\0';
  std::error_code ec;
  key += std::to_string(fs::last_write_time(bin.initdb(), ec).time_since_epoch().count());
  char name[32];
  std::snprintf(name, sizeof(name), "initdb-%016zx", std::hash<std::string>{}(key));
  return *options.template_cache / name;
}

// Builds the template once (beside it, then renamed into place: test binaries started together
// may both build it, and one rename wins) and copies it as the cluster's data directory.
// Returns false, having said why in commands.log, when any step fails: the caller runs initdb.
bool EmbeddedPostgres::Impl::copy_template() const {
  const fs::path tpl = template_path();
  const auto run = [this](const std::vector<std::string>& argv) { return tool(argv).success(); };
  try {
    if (!fs::exists(tpl / "PG_VERSION")) {
      const fs::path building =
          tpl.string() + ".building-" + std::to_string(::getpid()) + "-" + dir.filename().string();
      if (!run({"mkdir", "-p", options.template_cache->string()})) return false;
      initdb_into(building);
      if (::rename(building.c_str(), tpl.c_str()) != 0) run({"rm", "-rf", building.string()});
    }
    return run({"cp", "-a", tpl.string(), data_dir().string()});
  } catch (const std::exception& e) {
    std::ofstream(commands_log(), std::ios::app)
        << "gauntlet: the template " << tpl.string() << " failed (" << e.what()
        << "); running initdb instead\n";
    return false;
  }
}

void EmbeddedPostgres::Impl::initdb() {
  if (options.template_cache && copy_template()) return;
  std::error_code ec;
  if (fs::exists(data_dir(), ec)) tool({"rm", "-rf", data_dir().string()});  // a partial copy
  initdb_into(data_dir());
}

void EmbeddedPostgres::Impl::write_settings() const {
  const char* fsync = options.fsync ? "on" : "off";
  std::ofstream out(data_dir() / "gauntlet.conf", std::ios::trunc);
  out << "# Written by gauntlet for a throwaway test cluster.\n"
      << "listen_addresses = '127.0.0.1'\n"
      << "port = " << port << "\n"
      << "unix_socket_directories = " << quote_setting(dir.string()) << "\n"
      << "max_connections = " << options.max_connections << "\n"
      << "shared_buffers = " << quote_setting(options.shared_buffers) << "\n"
      << "fsync = " << fsync << "\n"
      << "full_page_writes = " << fsync << "\n"
      << "synchronous_commit = " << (options.synchronous_commit ? "on" : "off") << "\n"
      << "logging_collector = off\n"
      << "log_line_prefix = '%m [%p] %q%u@%d '\n"
      << "log_lock_waits = on\n"
      << "log_temp_files = 0\n";  // every temporary file, so a test can count its own
  for (const auto& [name, value] : options.settings) {
    out << name << " = " << quote_setting(value) << "\n";
  }
  if (!out) {
    throw ProcessError("Cannot write " + (data_dir() / "gauntlet.conf").string() + ".", "");
  }
}

void EmbeddedPostgres::Impl::start_server(bool may_change_port) {
  constexpr int kPortAttempts = 3;  // free_port() is racy: another process may take the port
  for (int attempt = 1;; ++attempt) {
    if (may_change_port) port = free_port();
    write_settings();
    const auto argv = pg_ctl(options.start_timeout, {"-l", server_log().string(), "start"});
    const ExitStatus status = tool(argv);
    postmaster = read_postmaster_pid();
    if (status.success()) {
      guard = OrphanGuard(postmaster, SIGQUIT, {"/bin/rm", "-rf", dir.string()});
      return;
    }
    const std::string log = read_log_tail(server_log());
    if (!may_change_port || attempt == kPortAttempts ||
        log.find("already in use") == std::string::npos) {
      throw ProcessError(
          "pg_ctl could not start PostgreSQL on 127.0.0.1:" + std::to_string(port) +
              " (server log " + server_log().string() + ").",
          shell_command_line(argv), status,
          read_log_tail(commands_log(), 3) + log);  // pg_ctl's words, then the server's
    }
  }
}

pid_t EmbeddedPostgres::Impl::read_postmaster_pid() const {
  std::ifstream in(data_dir() / "postmaster.pid");
  long pid = 0;
  in >> pid;
  return in ? static_cast<pid_t>(pid) : 0;
}

// pg_ctl stop -m fast, then -m immediate; if both fail, SIGKILL. Never throws.
void EmbeddedPostgres::Impl::stop_server() noexcept {
  if (dir.empty()) return;
  guard.stand_down();
  const pid_t pid = postmaster != 0 ? postmaster : read_postmaster_pid();
  if (pid == 0) return;
  bool stopped = false;
  for (const char* mode : {"fast", "immediate"}) {
    try {
      stopped = tool(pg_ctl(options.stop_timeout, {"-m", mode, "stop"})).success();
    } catch (const std::exception&) {
      stopped = false;  // timed out or could not run: fall through to the next mode
    }
    if (stopped) break;
  }
  if (!stopped) kill_postmaster(pid);
  postmaster = 0;
}

void EmbeddedPostgres::Impl::create_database() const {
  try {
    pqxx::connection conn(url_for("postgres"));
    pqxx::nontransaction tx(conn);
    tx.exec0("CREATE DATABASE " + conn.quote_name(options.database));
  } catch (const pqxx::failure& e) {
    throw DbError("Could not create database " + options.database + " at " + url_for("postgres") +
                      ": " + e.what(),
                  sqlstate_of(e));
  }
}

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgresOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->boot();  // on a throw, ~unique_ptr runs ~Impl: whatever started is torn down
}

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgres&&) noexcept = default;
EmbeddedPostgres& EmbeddedPostgres::operator=(EmbeddedPostgres&&) noexcept = default;
EmbeddedPostgres::~EmbeddedPostgres() = default;

Database EmbeddedPostgres::from_env_or_start(const EmbeddedPostgresOptions& options) {
  if (const char* url = std::getenv("GAUNTLET_DATABASE_URL"); url != nullptr && *url != '\0') {
    return Database(std::string(url));
  }
  return Database(std::make_unique<EmbeddedPostgres>(options));
}

std::string EmbeddedPostgres::url() const { return impl_->url_for(impl_->options.database); }
std::string EmbeddedPostgres::url_for(const std::string& database) const {
  return impl_->url_for(database);
}
std::uint16_t EmbeddedPostgres::port() const noexcept { return impl_->port; }
const fs::path& EmbeddedPostgres::directory() const noexcept { return impl_->dir; }
fs::path EmbeddedPostgres::log_path() const { return impl_->server_log(); }
pid_t EmbeddedPostgres::postmaster_pid() const noexcept { return impl_->postmaster; }
bool EmbeddedPostgres::running() const noexcept { return impl_->postmaster != 0; }

void EmbeddedPostgres::stop() { impl_->stop_server(); }

void EmbeddedPostgres::start() {
  if (running()) return;
  impl_->start_server(/*may_change_port=*/false);  // clients hold the URL: keep the port
}

void EmbeddedPostgres::restart() {
  stop();
  start();
}

int EmbeddedPostgres::terminate_backends() const { return gauntlet::terminate_backends(url()); }

}  // namespace gauntlet

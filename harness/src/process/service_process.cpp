#include "gauntlet/process/service_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gauntlet/process/http_probe.hpp"
#include "gauntlet/process/orphan_guard.hpp"
#include "gauntlet/process/shell_quote.hpp"

namespace gauntlet {

namespace bp = boost::process;
using Steady = std::chrono::steady_clock;

struct ServiceProcess::Child {
  bp::child process;
  bool reaped = false;
  OrphanGuard guard;  // kills the group if this process dies without stopping it
};

namespace {

// Runs in the child between fork and exec, so it uses async-signal-safe calls only.
struct ChildSetup : bp::extend::handler {
  int log_fd;

  template <class Executor>
  void on_exec_setup(Executor& /*exec*/) const {
    ::setpgid(0, 0);  // own process group: a signal to -pid reaches the child's children too
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    // Dispositions and masks are inherited across exec; the child should start clean.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (const int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &dfl, nullptr);
    // Our sockets and files must not leak into the child. CLOEXEC rather than close, because
    // Boost.Process reports an exec failure through a close-on-exec pipe of its own.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  }

  template <class Executor>
  void on_success(Executor& exec) const {
    // Also from the parent, so that a signal sent right after start() reaches the group.
    ::setpgid(exec.pid, exec.pid);
  }
};

// The child's environment as execve takes it: the parent's entries, with the keys of `overrides`
// replaced, then those keys. Built here rather than with bp::environment's operator[]: its lookup
// in Boost 1.74 compares "KEY=" against every entry with memcmp over the key's length, reading
// past the end of entries shorter than the key (a heap-buffer-overflow under ASan).
std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** e = ::environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view key = entry.substr(0, entry.find('='));
    if (overrides.find(std::string(key)) == overrides.end()) out.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) out.push_back(key + "=" + value);
  return out;
}

// Hands execve our environment instead of the parent's (it runs before the fork).
struct ChildEnvironment : bp::extend::handler {
  char** env;

  template <class Executor>
  void on_setup(Executor& exec) const {
    exec.env = env;
  }
};

}  // namespace

ServiceProcess::ServiceProcess(ServiceOptions options) : options_(std::move(options)) {
  options_.validate();
}

ServiceProcess::ServiceProcess(ServiceProcess&& other) noexcept
    : options_(std::move(other.options_)),
      child_(std::move(other.child_)),
      pid_(std::exchange(other.pid_, 0)),
      exit_status_(std::exchange(other.exit_status_, std::nullopt)) {}

ServiceProcess& ServiceProcess::operator=(ServiceProcess&& other) noexcept {
  if (this != &other) {
    stop();
    options_ = std::move(other.options_);
    child_ = std::move(other.child_);
    pid_ = std::exchange(other.pid_, 0);
    exit_status_ = std::exchange(other.exit_status_, std::nullopt);
  }
  return *this;
}

ServiceProcess::~ServiceProcess() { stop(); }

std::string ServiceProcess::command_line() const {
  std::string out = shell_quote(options_.executable.string());
  for (const auto& arg : options_.args) out += " " + shell_quote(arg);
  return out;
}

int ServiceProcess::open_log() const {
  std::error_code ec;
  if (options_.log_path.has_parent_path()) {
    std::filesystem::create_directories(options_.log_path.parent_path(), ec);
  }
  const int fd = ::open(options_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw ProcessError("Cannot open the log file " + options_.log_path.string() + " of " + who() +
                           ": " + std::strerror(errno) + ".",
                       command_line());
  }
  // A banner separates the runs of a restarted service in the one log.
  const std::string banner = "=== gauntlet: starting " + command_line() + "\n";
  [[maybe_unused]] const auto written = ::write(fd, banner.data(), banner.size());
  return fd;
}

void ServiceProcess::start() {
  if (running()) {
    throw ProcessError(who() + " is already running (pid " + std::to_string(pid_) + ").",
                       command_line());
  }
  const int log_fd = open_log();
  std::vector<std::string> env = child_environment(options_.env);
  std::vector<char*> env_ptrs;
  env_ptrs.reserve(env.size() + 1);
  for (std::string& entry : env) env_ptrs.push_back(entry.data());
  env_ptrs.push_back(nullptr);
  try {
    auto child = bp::child(bp::exe = options_.executable.string(), bp::args = options_.args,
                           ChildEnvironment{{}, env_ptrs.data()}, ChildSetup{{}, log_fd});
    child_ = std::make_unique<Child>(Child{std::move(child), false, {}});
  } catch (const std::system_error& e) {
    ::close(log_fd);
    throw ProcessError("Could not start " + who() + ": " + e.what() + ".", command_line(),
                       std::nullopt, log_tail());
  }
  ::close(log_fd);
  pid_ = child_->process.id();
  exit_status_.reset();
  try {
    child_->guard = OrphanGuard(-pid_, SIGKILL);
  } catch (const ProcessError&) {
    stop();
    throw;
  }
}

void ServiceProcess::wait_healthy() {
  if (!options_.health) return;
  const HealthEndpoint& health = *options_.health;
  const std::string url = "http://" + health.host + ":" + std::to_string(health.port) + health.path;
  const auto deadline = Steady::now() + options_.health_timeout;
  constexpr auto kPollInterval = std::chrono::milliseconds(20);
  constexpr auto kProbeTimeout = std::chrono::milliseconds(1000);
  for (;;) {
    if (!running()) {
      throw ProcessError(who() + " exited before answering GET " + url + ".", command_line(),
                         exit_status_, log_tail());
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    const HttpProbeResult probe = http_probe(health.host, health.port, health.path,
                                             std::clamp(left, kPollInterval, kProbeTimeout));
    if (probe.ok()) return;
    if (Steady::now() >= deadline) {
      throw ProcessError(who() + " did not answer GET " + url + " with 2xx within " +
                             std::to_string(options_.health_timeout.count()) +
                             "ms (last attempt: " + probe.describe() + ").",
                         command_line(), std::nullopt, log_tail());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::optional<ExitStatus> ServiceProcess::stop() noexcept {
  if (!running()) return exit_status_;
  signal_group(SIGTERM);
  signal_group(SIGCONT);  // a stopped process cannot act on SIGTERM until it is continued
  if (!wait_exited(options_.grace_period)) signal_group(SIGKILL);
  reap_and_sweep();  // after SIGKILL the wait in here is short
  return exit_status_;
}

void ServiceProcess::kill(int signal) {
  if (!running()) {
    throw ProcessError(
        "Cannot send signal " + std::to_string(signal) + " to " + who() + ": it is not running.",
        command_line(), exit_status_, log_tail());
  }
  signal_group(signal);
}

void ServiceProcess::restart() {
  stop();
  start();
  wait_healthy();
}

std::optional<ExitStatus> ServiceProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (!child_) return std::nullopt;
  if (!child_->reaped && !wait_exited(timeout)) return std::nullopt;
  reap_and_sweep();
  return exit_status_;
}

bool ServiceProcess::running() {
  if (!child_ || child_->reaped) return false;
  if (!exited_unreaped()) return true;
  reap_and_sweep();
  return false;
}

void ServiceProcess::signal_group(int signal) const noexcept {
  if (pid_ <= 0) return;
  if (::kill(-pid_, signal) != 0) ::kill(pid_, signal);  // the group may not exist yet
}

// True once the child has exited, without reaping it: while the zombie holds its pid, the
// group id cannot be reused, so sweeping the group with SIGKILL cannot hit a stranger.
bool ServiceProcess::exited_unreaped() const noexcept {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // reaped by someone else: gone all the same
  }
  return info.si_pid == pid_;
}

bool ServiceProcess::wait_exited(std::chrono::milliseconds timeout) const noexcept {
  const auto deadline = Steady::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!exited_unreaped()) {
    if (Steady::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return true;
}

void ServiceProcess::reap_and_sweep() noexcept {
  if (!child_ || child_->reaped) return;
  child_->guard.stand_down();
  ::kill(-pid_, SIGKILL);  // whatever the child left behind in its group
  std::error_code ec;
  child_->process.wait(ec);
  exit_status_ = ExitStatus::from_wait_status(child_->process.native_exit_code());
  child_->reaped = true;
}

}  // namespace gauntlet

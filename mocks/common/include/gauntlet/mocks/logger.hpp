#pragma once
// Structured logs: one JSON object per line on an injected stream,
//   {"ts":"2024-05-01T12:00:00.123Z","level":"info","service":"meta-graph","msg":"listening",
//    "fields":{"port":40123}}
// flushed per line so a supervisor reading the pipe sees it at once. Thread-safe: one Logger
// writes a line at a time. Two Loggers may share std::cout or std::cerr (synchronised with stdio),
// never another stream: each locks only itself.
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace gauntlet::mocks {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::string_view to_string(LogLevel level) noexcept;
// "debug", "info", "warn" (or "warning"), "error"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

class Logger {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // `wall_clock` defaults to std::chrono::system_clock::now (tests pass a fixed one).
  Logger(std::ostream& out, std::string service, LogLevel min_level, WallClock wall_clock = {});

  bool enabled(LogLevel level) const noexcept { return level >= min_level_; }
  void log(LogLevel level, std::string_view msg,
           const nlohmann::json& fields = nlohmann::json::object());
  void debug(std::string_view msg, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kDebug, msg, fields);
  }
  void info(std::string_view msg, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kInfo, msg, fields);
  }
  void warn(std::string_view msg, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kWarn, msg, fields);
  }
  void error(std::string_view msg, const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kError, msg, fields);
  }
  const std::string& service() const noexcept { return service_; }

  // ISO 8601 UTC with milliseconds: "2024-05-01T12:00:00.123Z".
  static std::string format_timestamp(std::chrono::system_clock::time_point t);

 private:
  std::ostream& out_;
  std::string service_;
  LogLevel min_level_;
  WallClock wall_clock_;
  std::mutex mutex_;
};

}  // namespace gauntlet::mocks

#include "gauntlet/http/engine_options.hpp"

#include <string>

#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {

std::string_view to_string(EngineKind kind) noexcept {
  switch (kind) {
    case EngineKind::kAuto:
      return "auto";
    case EngineKind::kNative:
      return "native";
    case EngineKind::kCurl:
      return "curl";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, EngineKind kind) { return out << to_string(kind); }

std::optional<EngineKind> parse_engine_kind(std::string_view text) noexcept {
  for (EngineKind kind : {EngineKind::kAuto, EngineKind::kNative, EngineKind::kCurl}) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

bool native_engine_supports(std::string_view url, HttpVersion version) noexcept {
  constexpr std::string_view kScheme = "http://";
  return version == HttpVersion::kHttp1_1 && url.size() > kScheme.size() &&
         header_name_equals(url.substr(0, kScheme.size()), kScheme);
}

EngineKind resolve_engine_kind(EngineKind kind, std::string_view url,
                               HttpVersion version) noexcept {
  if (kind != EngineKind::kAuto) return kind;
  return native_engine_supports(url, version) ? EngineKind::kNative : EngineKind::kCurl;
}

void EngineOptions::validate(Problems& problems) const {
  auto num = [](auto v) { return std::to_string(v); };
  if (threads < 1 || threads > kMaxEngineThreads) {
    problems.add("engine.threads must be in 1.." + num(kMaxEngineThreads) + ", got " +
                 num(threads) + ".");
  }
  if (connections < 1 || connections > kMaxEngineConnections) {
    problems.add("engine.connections must be in 1.." + num(kMaxEngineConnections) + ", got " +
                 num(connections) + ".");
  } else if (connections < threads) {
    problems.add("engine.connections must be >= engine.threads (" + num(threads) +
                 ") so that every thread has a connection, got " + num(connections) + ".");
  }
  if (duration < std::chrono::nanoseconds(0)) {
    problems.add("engine.duration must be >= 0s, got " + format_duration(duration) + ".");
  }
  if (requests < 0) problems.add("engine.requests must be >= 0, got " + num(requests) + ".");
  if (duration.count() == 0 && requests == 0 && !profile) {
    problems.add(
        "engine.duration and engine.requests are both 0: set a duration, a request count "
        "or a rate profile, so the run is bounded.");
  }
  if (connect_timeout.count() <= 0) {
    problems.add("engine.connect_timeout must be > 0ms, got " + num(connect_timeout.count()) +
                 "ms.");
  }
  if (timeout.count() <= 0) {
    problems.add("engine.timeout must be > 0ms, got " + num(timeout.count()) + "ms.");
  }
  if (receive_buffer_bytes != 0 &&
      (receive_buffer_bytes < 1024 || receive_buffer_bytes > 512 * 1024)) {
    problems.add("engine.receive_buffer_bytes must be 0 (automatic) or in 1024..524288, got " +
                 num(receive_buffer_bytes) + ".");
  }
  if (max_wait < std::chrono::nanoseconds(0)) {
    problems.add("engine.max_wait must be >= 0s, got " + format_duration(max_wait) + ".");
  }
  if (drain_timeout < std::chrono::nanoseconds(0)) {
    problems.add("engine.drain_timeout must be >= 0s, got " + format_duration(drain_timeout) + ".");
  }
  if (max_scheduling_lag <= std::chrono::nanoseconds(0)) {
    problems.add("engine.max_scheduling_lag must be > 0s, got " +
                 format_duration(max_scheduling_lag) + ".");
  }
  if (!(max_thread_busy > 0.0 && max_thread_busy <= 1.0)) {
    problems.add("engine.max_thread_busy must be in (0, 1], got " + format_number(max_thread_busy) +
                 ".");
  }
  if (profile) profile->validate(problems);
}

}  // namespace gauntlet

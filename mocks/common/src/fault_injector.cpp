#include "gauntlet/mocks/fault_injector.hpp"

#include <set>
#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

// Reads a non-negative integer field into `out`, or records why it cannot.
template <typename T>
void read_count(const json& body, const char* name, T& out, Problems& problems) {
  if (!body.contains(name)) return;
  const json& v = body.at(name);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
    problems.add(std::string("faults.") + name + " must be an integer >= 0, got " + v.dump());
    return;
  }
  out = T(v.get<std::int64_t>());
}

void read_rate(const json& body, const char* name, double& out, Problems& problems) {
  if (!body.contains(name)) return;
  const json& v = body.at(name);
  if (!v.is_number() || v.get<double>() < 0.0 || v.get<double>() > 1.0) {
    problems.add(std::string("faults.") + name + " must be a number in [0, 1], got " + v.dump());
    return;
  }
  out = v.get<double>();
}

}  // namespace

FaultConfig FaultConfig::from_json(const json& body, const FaultConfig& base) {
  Problems problems;
  if (!body.is_object())
    throw ConfigError("the faults body must be a JSON object, got " + body.dump());
  static const std::set<std::string> kKnown = {"latency_ms",   "jitter_ms",       "error_rate",
                                               "error_status", "stall_ms",        "period_ms",
                                               "drop_rate",    "drop_connection", "crash_after"};
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.contains(key)) problems.add("faults." + key + " is not a known fault knob");
  }
  FaultConfig c = base;
  read_count(body, "latency_ms", c.latency, problems);
  read_count(body, "jitter_ms", c.jitter, problems);
  read_rate(body, "error_rate", c.error_rate, problems);
  read_count(body, "error_status", c.error_status, problems);
  read_count(body, "stall_ms", c.stall, problems);
  read_count(body, "period_ms", c.stall_period, problems);
  read_rate(body, "drop_connection", c.drop_rate, problems);
  read_rate(body, "drop_rate", c.drop_rate, problems);
  read_count(body, "crash_after", c.crash_after, problems);
  if (c.error_status < 400 || c.error_status > 599) {
    problems.add("faults.error_status must be in 400..599, got " + std::to_string(c.error_status));
  }
  if (c.stall.count() > 0 && c.stall >= c.stall_period) {
    problems.add("faults.stall_ms must be < faults.period_ms (" +
                 std::to_string(c.stall_period.count()) + "), got " +
                 std::to_string(c.stall.count()));
  }
  problems.throw_if_any();
  return c;
}

json FaultConfig::to_json() const {
  return {{"latency_ms", latency.count()}, {"jitter_ms", jitter.count()},
          {"error_rate", error_rate},      {"error_status", error_status},
          {"stall_ms", stall.count()},     {"period_ms", stall_period.count()},
          {"drop_rate", drop_rate},        {"crash_after", crash_after}};
}

bool FaultConfig::any() const noexcept {
  return latency.count() > 0 || jitter.count() > 0 || error_rate > 0 || stall.count() > 0 ||
         drop_rate > 0 || crash_after > 0;
}

FaultInjector::FaultInjector(std::uint64_t seed) : rng_(seed) {}

void FaultInjector::set(const FaultConfig& config, time_point now) {
  std::lock_guard lock(mutex_);
  config_ = config;
  anchor_ = now;
  requests_seen_ = 0;
  delayed_ = stalled_ = errored_ = dropped_ = 0;
}

FaultConfig FaultInjector::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

FaultDecision FaultInjector::decide(time_point now) {
  std::lock_guard lock(mutex_);
  FaultDecision d;
  ++requests_seen_;
  if (config_.crash_after > 0 && requests_seen_ > config_.crash_after) {
    d.crash = true;
    return d;
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (config_.drop_rate > 0 && unit(rng_) < config_.drop_rate) {
    ++dropped_;
    d.drop = true;
    return d;
  }
  d.delay = config_.latency;
  if (config_.jitter.count() > 0) {
    std::uniform_int_distribution<std::int64_t> pick(0, config_.jitter.count());
    d.delay += std::chrono::milliseconds(pick(rng_));
  }
  if (config_.stall.count() > 0 && now >= anchor_) {
    // Windows [anchor + k*period, anchor + k*period + stall): wait until the current one ends.
    const auto into_period = (now - anchor_) % config_.stall_period;
    if (into_period < config_.stall) {
      d.delay += std::chrono::ceil<std::chrono::milliseconds>(config_.stall - into_period);
      d.stalled = true;
      ++stalled_;
    }
  }
  if (d.delay.count() > 0) ++delayed_;
  if (config_.error_rate > 0 && unit(rng_) < config_.error_rate) {
    ++errored_;
    d.error_status = config_.error_status;
  }
  return d;
}

json FaultInjector::stats() const {
  std::lock_guard lock(mutex_);
  return {
      {"config", config_.to_json()},
      {"requests_seen", requests_seen_},
      {"injected",
       {{"delayed", delayed_}, {"stalled", stalled_}, {"error", errored_}, {"drop", dropped_}}}};
}

}  // namespace gauntlet::mocks

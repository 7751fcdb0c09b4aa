#pragma once
// Service faults, set at run time through POST /__admin/faults and applied to every request of a
// service route (never to /health, /metrics or /__admin/*, so the harness can always see and reset
// a faulty mock). Decisions are made on caller-supplied time with a seeded RNG, so they are
// unit-testable. Order per request: crash, drop, then delay (latency + jitter + stall), then error.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

namespace gauntlet::mocks {

struct FaultConfig {
  std::chrono::milliseconds latency{0};       // added to every request
  std::chrono::milliseconds jitter{0};        // plus uniform [0, jitter]
  double error_rate = 0.0;                    // fraction answered error_status instead
  int error_status = 500;                     // 400..599
  std::chrono::milliseconds stall{0};         // every stall_period, the first `stall` of it
  std::chrono::milliseconds stall_period{0};  // holds every request arriving in it until it ends
  double drop_rate = 0.0;                     // fraction whose connection is closed, no response
  std::uint64_t crash_after = 0;              // process exits when request crash_after+1 arrives;
                                              // 0 = never

  // `base` with the fields present in `body` replaced. JSON names: latency_ms, jitter_ms,
  // error_rate, error_status, stall_ms, period_ms, drop_rate (alias drop_connection),
  // crash_after. Throws ConfigError listing every unknown field and bad value.
  static FaultConfig from_json(const nlohmann::json& body, const FaultConfig& base);
  nlohmann::json to_json() const;
  bool any() const noexcept;
};

struct FaultDecision {
  bool crash = false;
  bool drop = false;
  std::chrono::milliseconds delay{0};  // latency + jitter + stall wait
  bool stalled = false;                // the delay includes a stall
  std::optional<int> error_status;     // answer this instead of running the handler
};

class FaultInjector {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit FaultInjector(std::uint64_t seed);

  // Replaces the configuration; restarts the crash count and anchors stall windows at `now`.
  void set(const FaultConfig& config, time_point now);
  void reset(time_point now) { set(FaultConfig{}, now); }
  FaultConfig config() const;

  // The faults for one request arriving at `now`. Thread-safe.
  FaultDecision decide(time_point now);

  // {"config":{...},"requests_seen":N,"injected":{"latency":..,"stall":..,"error":..,"drop":..}}
  nlohmann::json stats() const;

 private:
  mutable std::mutex mutex_;
  FaultConfig config_;
  time_point anchor_{};
  std::mt19937_64 rng_;
  std::uint64_t requests_seen_ = 0;
  std::uint64_t delayed_ = 0, stalled_ = 0, errored_ = 0, dropped_ = 0;
};

}  // namespace gauntlet::mocks

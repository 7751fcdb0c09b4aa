#pragma once
// A RecorderShard that keeps every call, for tests that check exactly what was recorded.
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet::testing {

class SpyShard final : public RecorderShard {
 public:
  struct Step {
    std::string name;
    std::chrono::nanoseconds latency;
    std::optional<ErrorClass> error;
  };
  struct Message {
    std::string step;
    ErrorClass error;
    std::string message;
  };

  void record_step(std::string_view step, std::chrono::nanoseconds latency,
                   std::optional<ErrorClass> error, time_point) noexcept override {
    steps.push_back({std::string(step), latency, error});
  }
  void record_iteration(std::chrono::nanoseconds latency, std::optional<ErrorClass> error,
                        time_point) noexcept override {
    iterations.push_back({"iteration", latency, error});
  }
  void record_error_message(std::string_view step, ErrorClass error,
                            std::string_view message) override {
    messages.push_back({std::string(step), error, std::string(message)});
  }
  void record_dropped(time_point at) noexcept override { dropped.push_back(at); }
  void add_count(std::string_view name, std::int64_t n) noexcept override {
    counts.push_back({std::string(name), n});
  }
  void set_gauge(std::string_view name, double value, time_point) noexcept override {
    gauges.push_back({std::string(name), value});
  }
  void record_trend(std::string_view name, std::chrono::nanoseconds value) noexcept override {
    trends.push_back({std::string(name), value});
  }

  std::vector<Step> steps;
  std::vector<Step> iterations;
  std::vector<Message> messages;
  std::vector<time_point> dropped;
  std::vector<std::pair<std::string, std::int64_t>> counts;
  std::vector<std::pair<std::string, double>> gauges;
  std::vector<std::pair<std::string, std::chrono::nanoseconds>> trends;
};

}  // namespace gauntlet::testing

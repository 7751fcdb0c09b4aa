#pragma once
// A RecorderShard that keeps every call, for tests that check exactly what was recorded.
#include <mutex>
#include <optional>
#include <string>
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

  std::vector<Step> steps;
  std::vector<Step> iterations;
  std::vector<Message> messages;
  std::vector<time_point> dropped;
};

}  // namespace gauntlet::testing

#include "gauntlet/load/stop_source.hpp"

namespace gauntlet {

bool StopSource::request_stop(std::string reason) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (requested_.load(std::memory_order_relaxed)) return false;
  reason_ = std::move(reason);
  requested_.store(true, std::memory_order_release);
  return true;
}

std::string StopSource::reason() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

}  // namespace gauntlet

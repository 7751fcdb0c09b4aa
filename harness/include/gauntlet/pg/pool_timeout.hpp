#pragma once
// Thrown by ConnectionPool::acquire() when no connection became free within the pool's wait
// bound. A StepFailure of class kPoolTimeout, so a scenario that lets it escape has the
// iteration counted as pool_timeout: an overloaded pool is data, not a crash.
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "gauntlet/error_class.hpp"

namespace gauntlet {

class PoolTimeout : public StepFailure {
 public:
  PoolTimeout(std::chrono::milliseconds waited, std::size_t pool_size)
      : StepFailure(ErrorClass::kPoolTimeout, "No database connection became free within " +
                                                  std::to_string(waited.count()) + "ms; all " +
                                                  std::to_string(pool_size) +
                                                  " connections of the pool were in use."),
        waited_(waited),
        pool_size_(pool_size) {}

  std::chrono::milliseconds waited() const noexcept { return waited_; }
  std::size_t pool_size() const noexcept { return pool_size_; }

 private:
  std::chrono::milliseconds waited_;
  std::size_t pool_size_;
};

}  // namespace gauntlet

#include "gauntlet/load/clock.hpp"

#include <thread>

namespace gauntlet {

void SteadyClock::sleep_until(time_point t) {
  // std::this_thread::sleep_until may wake early on some platforms; loop until the time is reached.
  while (now() < t) std::this_thread::sleep_until(t);
}

}  // namespace gauntlet

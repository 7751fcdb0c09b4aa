// free_port() never hands out a port twice within one process, even though the kernel may offer
// a just-released port again (CI saw PostgreSQL and meta-publisher both given 47273).
#include "gauntlet/process/free_port.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

namespace gauntlet {
namespace {

TEST(FreePort, NeverHandsOutTheSamePortTwice) {
  std::set<std::uint16_t> seen;
  constexpr int kCalls = 2000;  // far more than a platform asks for; the kernel repeats some
  for (int i = 0; i < kCalls; ++i) {
    const std::uint16_t port = free_port();
    EXPECT_NE(port, 0);
    EXPECT_TRUE(seen.insert(port).second) << "port " << port << " handed out twice";
  }
}

}  // namespace
}  // namespace gauntlet

// main() of every stress executable: gtest, plus Ctrl-C/SIGTERM turned into an orderly stop of
// the running test (its result is written, marked incomplete, and the remaining tests stop at
// once for the same reason).
#include <gtest/gtest.h>

#include "gauntlet/gtest/interrupt_watch.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const gauntlet::InterruptWatch watch;
  return RUN_ALL_TESTS();
}

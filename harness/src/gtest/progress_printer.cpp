#include "gauntlet/gtest/progress_printer.hpp"

namespace gauntlet {

void ProgressPrinter::operator()(const ProgressSnapshot& s) {
  err_ << '\r' << progress_line(s) << "\x1b[K" << std::flush;
  drawn_ = true;
}

void ProgressPrinter::finish() {
  if (!drawn_) return;
  err_ << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace gauntlet

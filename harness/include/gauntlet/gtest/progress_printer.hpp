#pragma once
// Draws a running stress test's progress line (load/progress.hpp) in place on a terminal: each
// call rewrites the line ("\r" + line + erase to the end), finish() ends it with a newline so
// that the summary starts on a line of its own. Used only when progress_wanted() says so.
#include <ostream>

#include "gauntlet/load/progress.hpp"

namespace gauntlet {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::ostream& err) : err_(err) {}
  ~ProgressPrinter() { finish(); }
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  void operator()(const ProgressSnapshot& s);
  // Ends a drawn line; idempotent.
  void finish();

 private:
  std::ostream& err_;
  bool drawn_ = false;
};

}  // namespace gauntlet

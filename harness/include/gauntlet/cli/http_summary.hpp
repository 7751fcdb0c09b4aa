#pragma once
// What `gauntlet http` prints: a live progress line while the engine runs, and the end-of-run
// summary (the full percentile spectrum, corrected and uncorrected, status codes, error classes
// with their first messages, achieved vs requested rate, the generator's self-check, threshold
// verdicts). Formats data only, into an injected stream.
#include <chrono>
#include <cstdint>
#include <ostream>

#include "gauntlet/http/engine.hpp"
#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

class HttpProgressPrinter {
 public:
  // terminal: redraw one line in place every second; otherwise a plain line every
  // `plain_every` seconds. quiet: print nothing.
  HttpProgressPrinter(std::ostream& out, bool terminal, bool quiet, int plain_every = 5)
      : out_(out), terminal_(terminal), quiet_(quiet), plain_every_(plain_every) {}

  // Called by the engine about once a second.
  void operator()(const EngineProgress& progress);
  // Ends the in-place line (terminal) so the summary starts on a fresh line.
  void finish();

 private:
  std::ostream& out_;
  bool terminal_;
  bool quiet_;
  int plain_every_;
  std::int64_t ticks_ = 0;
  bool line_open_ = false;
};

// The progress line for one tick: "[  3s] 1234 req/s  p50 1.2ms  p99 4.5ms  errors 0  active 10".
// last_second may be null (no complete second yet).
std::string progress_line(const EngineProgress& progress, const SeriesPoint* last_second);

// The end-of-run summary of `gauntlet http`.
void print_http_summary(std::ostream& out, const RunResult& result, const EngineStats& stats);

}  // namespace gauntlet

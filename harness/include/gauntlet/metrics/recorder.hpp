#pragma once
// Per-thread recording with no lock on the hot path (wrk: each thread owns its state, results are
// summed when threads join). Each worker thread takes its own RecorderShard once and records into
// it; finish() merges every shard into RunMetrics. The recorder never reads a clock: callers pass
// the completion time, so it is deterministic under fake time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "gauntlet/error_class.hpp"
#include "gauntlet/metrics/run_metrics.hpp"

namespace gauntlet {

struct RecorderOptions {
  std::chrono::steady_clock::time_point start{};  // second 0 of the series begins here
  std::size_t max_error_samples = 10;             // distinct messages kept per error class
};

class RecorderShard {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~RecorderShard() = default;

  // One timed step of an iteration. error is nullopt on success.
  virtual void record_step(std::string_view step, std::chrono::nanoseconds latency,
                           std::optional<ErrorClass> error, time_point completed_at) noexcept = 0;
  // One whole iteration (open model: latency from the intended start).
  virtual void record_iteration(std::chrono::nanoseconds latency, std::optional<ErrorClass> error,
                                time_point completed_at) noexcept = 0;
  // Keeps the message as a sample of its class if it is among the first N distinct ones; only the
  // counts in record_step/record_iteration count failures. step "" means the iteration.
  virtual void record_error_message(std::string_view step, ErrorClass error,
                                    std::string_view message) = 0;
  // An open-model iteration that found no free virtual user within its bound.
  virtual void record_dropped(time_point at) noexcept = 0;
  // Custom metrics (custom_metric.hpp). A name's first use on a shard allocates; after that these
  // only search the shard's few names and add.
  virtual void add_count(std::string_view name, std::int64_t n) noexcept = 0;
  virtual void set_gauge(std::string_view name, double value, time_point at) noexcept = 0;
  virtual void record_trend(std::string_view name, std::chrono::nanoseconds value) noexcept = 0;
};

class Recorder {
 public:
  explicit Recorder(RecorderOptions options);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // A new shard for the calling thread; valid until the Recorder is destroyed. Thread-safe.
  RecorderShard& make_shard();
  // Gauge sample from the executor (about once a second). Thread-safe.
  void sample_active_vus(std::chrono::steady_clock::time_point at, std::int64_t active);
  // The last complete seconds so far, for live progress lines (seconds every shard has moved past
  // or that are older than 2 s), without their histograms (SeriesPoint::latency is empty).
  // Thread-safe, may lag; the final series comes from finish().
  std::vector<SeriesPoint> live_series(std::chrono::steady_clock::time_point now) const;
  // Merges all shards. Call once, after every writer has stopped.
  RunMetrics finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gauntlet

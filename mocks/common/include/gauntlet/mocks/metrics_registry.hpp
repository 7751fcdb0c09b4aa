#pragma once
// A Prometheus registry owned by the server (no global default registry) and rendered as the text
// exposition format 0.0.4 on GET /metrics. Services ask it for their series once, keep the
// reference (stable for the registry's lifetime) and update it lock-free on the hot path.
//
//   auto& published = server.metrics().counter("meta_publisher_published_total",
//                                              "Ads published to Meta.", {{"result", "ok"}});
//   published.inc();
//   server.metrics().gauge_callback("queue_depth", "Jobs waiting.", {{"queue", "render"}},
//                                   [&q] { return double(q.size()); });
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gauntlet::mocks {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Cumulative buckets with fixed upper bounds in seconds (+Inf implied), plus sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds_s);
  void observe(double seconds) noexcept;
  const std::vector<double>& upper_bounds() const noexcept { return bounds_; }
  // Count of observations <= upper_bounds()[i] (i == size() means +Inf: the total count).
  std::uint64_t cumulative_count(std::size_t i) const noexcept;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

class MetricsRegistry {
 public:
  // 1 ms .. 10 s, roughly x2.5 apart: request latencies of a mock.
  static std::vector<double> default_latency_bounds();

  // Get-or-create. The same name and labels return the same object. Throws ConfigError for an
  // invalid metric or label name, or a name already registered with another type.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       std::vector<double> upper_bounds_s = default_latency_bounds());
  // A gauge whose value is read at scrape time (queue depths, breaker states). `read` must be
  // thread-safe and must outlive the registry (or be replaced before it dies). Re-registering
  // the same name and labels replaces the callback.
  void gauge_callback(const std::string& name, const std::string& help, const Labels& labels,
                      std::function<double()> read);

  // Every family in name order, series in label order: "# HELP", "# TYPE", then samples.
  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> callback;
  };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, Series> series;  // keyed by rendered label set
  };

  Series& series_for(const std::string& name, const std::string& help, Type type,
                     const Labels& labels);
  static void render_family(std::string& out, const std::string& name, const Family& family);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

}  // namespace gauntlet::mocks

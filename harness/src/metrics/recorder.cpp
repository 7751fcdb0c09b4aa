#include "gauntlet/metrics/recorder.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <utility>

namespace gauntlet {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

// A kept error message is at most this many bytes, cut at a UTF-8 character boundary.
constexpr std::size_t kMaxMessageBytes = 200;

constexpr HistogramLayout kSecondLayout = kSeriesLatencyLayout;

std::int64_t to_us(std::chrono::nanoseconds latency) noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
}

// The second of the series that `at` falls in; a time before the start counts in second 0.
std::int64_t second_of(TimePoint start, TimePoint at) noexcept {
  if (at <= start) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(at - start).count();
}

// Length of the well-formed UTF-8 sequence starting at s[i], 0 if it is malformed (overlong
// forms and surrogates included, as nlohmann::json rejects them when dumping).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    lo = lead == 0xE0 ? 0xA0 : lo;
    hi = lead == 0xED ? 0x9F : hi;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    lo = lead == 0xF0 ? 0x90 : lo;
    hi = lead == 0xF4 ? 0x8F : hi;
  } else {
    return 0;
  }
  if (i + len > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// The message as a report keeps it: valid UTF-8 (each malformed byte becomes '?', so the JSON
// writer never chokes on a binary body), at most kMaxMessageBytes, never cut inside a character.
std::string sample_text(std::string_view message) {
  std::string out;
  out.reserve(std::min(message.size(), kMaxMessageBytes));
  std::size_t i = 0;
  while (i < message.size()) {
    const std::size_t len = utf8_sequence_length(message, i);
    const std::size_t take = len == 0 ? 1 : len;
    if (out.size() + take > kMaxMessageBytes) break;
    if (len == 0) {
      out += '?';
    } else {
      out.append(message.substr(i, len));
    }
    i += take;
  }
  return out;
}

// Keeps `message` if it is new and fewer than `limit` samples are kept already.
void keep_sample(std::vector<std::string>& samples, const std::string& message, std::size_t limit) {
  if (samples.size() >= limit) return;
  if (std::find(samples.begin(), samples.end(), message) != samples.end()) return;
  samples.push_back(message);
}

StepStats named_stats(std::string name) {
  StepStats stats;
  stats.name = std::move(name);
  return stats;
}

void count_outcome(StepStats& stats, std::int64_t latency_us,
                   std::optional<ErrorClass> error) noexcept {
  stats.latency.record(latency_us);
  if (error) {
    ++stats.failed;
    ++stats.errors[static_cast<std::size_t>(*error)].count;
  } else {
    ++stats.ok;
  }
}

// Exact: histograms merge bucket by bucket; samples keep the first `max_samples` distinct ones.
void merge_stats(StepStats& into, const StepStats& from, std::size_t max_samples) {
  into.latency.merge(from.latency);
  into.ok += from.ok;
  into.failed += from.failed;
  for (std::size_t c = 0; c < kErrorClassCount; ++c) {
    into.errors[c].count += from.errors[c].count;
    for (const std::string& message : from.errors[c].samples) {
      keep_sample(into.errors[c].samples, message, max_samples);
    }
  }
}

struct LatencyBucket {
  std::int64_t value_us = 0;  // lowest value of the bucket in kSecondLayout
  std::int64_t count = 0;
};

// One second of one shard, compacted to its non-empty latency buckets: what the merge reads.
struct ClosedSecond {
  std::int64_t second = 0;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t dropped = 0;
  std::vector<LatencyBucket> latency;
};

// The second a shard is recording into: dense, so that recording into it never allocates.
struct OpenSecond {
  std::int64_t second = -1;  // -1 until the shard records its first iteration or drop
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t dropped = 0;
  Histogram latency{kSecondLayout};

  ClosedSecond compact() const {
    ClosedSecond out{second, completed, failed, dropped, {}};
    std::size_t buckets = 0;  // counted first so the list is allocated once
    latency.for_each_bucket([&buckets](std::int64_t, std::int64_t, std::int64_t) { ++buckets; });
    out.latency.reserve(buckets);
    latency.for_each_bucket([&out](std::int64_t lo, std::int64_t, std::int64_t count) {
      out.latency.push_back(LatencyBucket{lo, count});
    });
    return out;
  }
  void restart(std::int64_t new_second) noexcept {
    second = new_second;
    completed = failed = dropped = 0;
    latency.reset();
  }
};

// A gauge as one shard keeps it: the time of its last set decides which shard's value is last.
struct TimedGauge {
  std::string name;
  GaugeStats stats;
  TimePoint last_at{};
};

// The entry called `name` of a shard's list, added on first sight (the only allocation).
template <class T>
T& named(std::vector<T>& list, std::string_view name) {
  for (T& item : list) {
    if (item.name == name) return item;
  }
  T& added = list.emplace_back();
  added.name = std::string(name);
  return added;
}

struct StepSlot {
  explicit StepSlot(std::string name) : stats(named_stats(std::move(name))) {}
  StepStats stats;
  TimePoint first_use = TimePoint::max();  // earliest start of the step seen on this shard
};

// One thread's recording state. The hot path touches only this object; mutex_ guards the closed
// seconds, is taken once a second by the writer and by live_series() readers.
class ShardImpl final : public RecorderShard {
 public:
  ShardImpl(TimePoint start, std::size_t max_samples) : start_(start), max_samples_(max_samples) {}

  void record_step(std::string_view step, std::chrono::nanoseconds latency,
                   std::optional<ErrorClass> error, time_point completed_at) noexcept override;
  void record_iteration(std::chrono::nanoseconds latency, std::optional<ErrorClass> error,
                        time_point completed_at) noexcept override;
  void record_error_message(std::string_view step, ErrorClass error,
                            std::string_view message) override;
  void record_dropped(time_point at) noexcept override;
  void add_count(std::string_view name, std::int64_t n) noexcept override {
    named(counters_, name).value += n;
  }
  void set_gauge(std::string_view name, double value, time_point at) noexcept override;
  void record_trend(std::string_view name, std::chrono::nanoseconds value) noexcept override {
    named(trends_, name).values.record(to_us(value));
  }

  // Reader side, safe while the writer runs.
  std::int64_t open_second() const {
    std::lock_guard lock(mutex_);
    return visible_open_second_;
  }
  void copy_closed(std::int64_t from, std::int64_t to, std::vector<ClosedSecond>& out) const {
    std::lock_guard lock(mutex_);
    for (const ClosedSecond& c : closed_) {
      if (c.second >= from && c.second < to) out.push_back(c);
    }
  }

  // Only once the writer has stopped (finish()).
  void close_open_second() {
    if (open_.second < 0) return;
    std::lock_guard lock(mutex_);
    closed_.push_back(open_.compact());
    open_.restart(-1);
    visible_open_second_ = -1;
  }
  const std::vector<StepSlot>& steps() const noexcept { return steps_; }
  const StepStats& iteration() const noexcept { return iteration_; }
  std::int64_t dropped() const noexcept { return dropped_; }
  const std::vector<ClosedSecond>& closed() const noexcept { return closed_; }
  const std::vector<CounterStats>& counters() const noexcept { return counters_; }
  const std::vector<TimedGauge>& gauges() const noexcept { return gauges_; }
  const std::vector<TrendStats>& trends() const noexcept { return trends_; }

 private:
  StepSlot& slot_for(std::string_view step);
  OpenSecond* open_for(std::int64_t second) noexcept;
  void roll_to(std::int64_t second) noexcept;
  void add_late(ClosedSecond entry) noexcept;

  TimePoint start_;
  std::size_t max_samples_;
  std::vector<StepSlot> steps_;
  std::size_t next_hint_ = 0;  // slot expected next: steps usually repeat in the same order
  StepStats iteration_ = named_stats("iteration");
  std::int64_t dropped_ = 0;
  OpenSecond open_;
  std::vector<CounterStats> counters_;
  std::vector<TimedGauge> gauges_;
  std::vector<TrendStats> trends_;

  mutable std::mutex mutex_;
  std::vector<ClosedSecond> closed_;       // guarded by mutex_
  std::int64_t visible_open_second_ = -1;  // guarded by mutex_; mirrors open_.second
};

// Scenarios run their steps in the same order every iteration, so the search starts at the slot
// after the last one used and usually matches at once. Names are compared by content, not by
// address: a caller's buffer may hold a different name at the same address next time.
StepSlot& ShardImpl::slot_for(std::string_view step) {
  const std::size_t n = steps_.size();
  std::size_t i = next_hint_;
  for (std::size_t tried = 0; tried < n; ++tried) {
    if (steps_[i].stats.name == step) {
      next_hint_ = i + 1 == n ? 0 : i + 1;
      return steps_[i];
    }
    i = i + 1 == n ? 0 : i + 1;
  }
  steps_.emplace_back(std::string(step));  // first sight of the name: the only allocation
  next_hint_ = 0;
  return steps_.back();
}

// noexcept with allocations behind it (a step's first sight, a second's close): running out of
// memory there terminates, which is the honest outcome for a load generator.
void ShardImpl::record_step(std::string_view step, std::chrono::nanoseconds latency,
                            std::optional<ErrorClass> error, time_point completed_at) noexcept {
  StepSlot& slot = slot_for(step);
  const TimePoint started = completed_at - latency;
  if (started < slot.first_use) slot.first_use = started;
  count_outcome(slot.stats, to_us(latency), error);
}

void ShardImpl::record_iteration(std::chrono::nanoseconds latency, std::optional<ErrorClass> error,
                                 time_point completed_at) noexcept {
  const std::int64_t latency_us = to_us(latency);
  count_outcome(iteration_, latency_us, error);
  const std::int64_t second = second_of(start_, completed_at);
  const std::int64_t failed = error ? 1 : 0;
  if (OpenSecond* open = open_for(second)) {
    ++open->completed;
    open->failed += failed;
    open->latency.record(latency_us);
  } else {
    add_late(ClosedSecond{second, 1, failed, 0, {LatencyBucket{latency_us, 1}}});
  }
}

void ShardImpl::record_error_message(std::string_view step, ErrorClass error,
                                     std::string_view message) {
  StepStats& stats = step.empty() ? iteration_ : slot_for(step).stats;
  std::vector<std::string>& samples = stats.errors[static_cast<std::size_t>(error)].samples;
  if (samples.size() >= max_samples_) return;  // full: skip the copy
  keep_sample(samples, sample_text(message), max_samples_);
}

void ShardImpl::record_dropped(time_point at) noexcept {
  ++dropped_;
  const std::int64_t second = second_of(start_, at);
  if (OpenSecond* open = open_for(second)) {
    ++open->dropped;
  } else {
    add_late(ClosedSecond{second, 0, 0, 1, {}});
  }
}

void ShardImpl::set_gauge(std::string_view name, double value, time_point at) noexcept {
  TimedGauge& g = named(gauges_, name);
  GaugeStats& stats = g.stats;
  if (stats.sets == 0 || value < stats.min) stats.min = value;
  if (stats.sets == 0 || value > stats.max) stats.max = value;
  if (stats.sets == 0 || at >= g.last_at) {
    stats.last = value;
    g.last_at = at;
  }
  ++stats.sets;
}

// The dense data for `second`, or nullptr when the shard has already moved past it.
OpenSecond* ShardImpl::open_for(std::int64_t second) noexcept {
  if (second > open_.second) roll_to(second);
  return second == open_.second ? &open_ : nullptr;
}

// Moves on to a later second. The finished one is compacted into a sparse list and published
// under the lock: that allocates and locks, but once a second per shard, never per record.
void ShardImpl::roll_to(std::int64_t second) noexcept {
  std::optional<ClosedSecond> done;
  if (open_.second >= 0) done = open_.compact();
  open_.restart(second);
  std::lock_guard lock(mutex_);
  if (done) closed_.push_back(std::move(*done));
  visible_open_second_ = second;
}

// A completion earlier than one this shard already recorded (rare: clocks of callers disagree).
// It becomes an entry of its own; the merge adds entries of the same second together.
void ShardImpl::add_late(ClosedSecond entry) noexcept {
  std::lock_guard lock(mutex_);
  closed_.push_back(std::move(entry));
}

struct VuSample {
  std::int64_t second = 0;
  TimePoint at{};
  std::int64_t active = 0;
};

// Per second in [from, from + points.size()): the latest sample of that second, else the value
// carried from the second before.
void fill_active_vus(std::vector<SeriesPoint>& points, std::int64_t from,
                     const std::vector<VuSample>& vus, std::int64_t carried) {
  std::vector<const VuSample*> latest(points.size(), nullptr);
  for (const VuSample& v : vus) {
    if (v.second < from || v.second - from >= static_cast<std::int64_t>(points.size())) continue;
    const VuSample*& slot = latest[static_cast<std::size_t>(v.second - from)];
    if (slot == nullptr || v.at >= slot->at) slot = &v;
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (latest[i] != nullptr) carried = latest[i]->active;
    points[i].active_vus = carried;
  }
}

// Contiguous points for seconds [from, to) from closed entries of any shard, in any order and
// several per second. Percentiles come from the exact merge of that second's histograms.
std::vector<SeriesPoint> build_series(std::vector<const ClosedSecond*> entries, std::int64_t from,
                                      std::int64_t to, const std::vector<VuSample>& vus,
                                      std::int64_t carried_vus) {
  std::vector<SeriesPoint> points(static_cast<std::size_t>(std::max<std::int64_t>(to - from, 0)));
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].second = from + static_cast<std::int64_t>(i);
  }
  std::erase_if(entries,
                [&](const ClosedSecond* c) { return c->second < from || c->second >= to; });
  std::sort(entries.begin(), entries.end(),
            [](const ClosedSecond* a, const ClosedSecond* b) { return a->second < b->second; });
  Histogram merged(kSecondLayout);
  for (auto it = entries.begin(); it != entries.end();) {
    SeriesPoint& point = points[static_cast<std::size_t>((*it)->second - from)];
    merged.reset();
    for (; it != entries.end() && (*it)->second == point.second; ++it) {
      point.completed += (*it)->completed;
      point.failed += (*it)->failed;
      point.dropped += (*it)->dropped;
      for (const LatencyBucket& b : (*it)->latency) merged.record(b.value_us, b.count);
    }
    point.rps = static_cast<double>(point.completed);  // each interval is exactly 1 s long
    point.p50_us = merged.value_at_percentile(50.0);
    point.p95_us = merged.value_at_percentile(95.0);
    point.p99_us = merged.value_at_percentile(99.0);
    point.latency = merged;
  }
  fill_active_vus(points, from, vus, carried_vus);
  return points;
}

}  // namespace

struct Recorder::Impl {
  explicit Impl(RecorderOptions o) : options(o) {}

  std::int64_t complete_limit(TimePoint now) const;
  std::vector<StepStats> merge_steps() const;
  std::vector<SeriesPoint> final_series() const;
  void merge_custom(RunMetrics& out) const;
  std::vector<VuSample> copy_vus() const {
    std::lock_guard lock(vus_mutex);
    return vus;
  }

  RecorderOptions options;
  mutable std::mutex shards_mutex;  // lock order: live_mutex, shards_mutex, a shard's mutex
  std::vector<std::unique_ptr<ShardImpl>> shards;
  mutable std::mutex vus_mutex;
  std::vector<VuSample> vus;
  mutable std::mutex live_mutex;
  std::vector<SeriesPoint> live;  // seconds already reported complete, contiguous from 0
};

// Seconds before the returned one are complete: every shard that recorded anything has moved
// past them, or they ended at least 2 s before `now` (a shard's still-open second is then left
// out; an idle virtual user must not hold the progress line back).
std::int64_t Recorder::Impl::complete_limit(TimePoint now) const {
  std::int64_t limit = second_of(options.start, now) - 2;
  std::int64_t min_open = std::numeric_limits<std::int64_t>::max();
  for (const auto& shard : shards) {
    const std::int64_t open = shard->open_second();
    if (open >= 0) min_open = std::min(min_open, open);
  }
  if (min_open != std::numeric_limits<std::int64_t>::max()) limit = std::max(limit, min_open);
  return std::max<std::int64_t>(limit, 0);
}

// Steps in order of first use across shards (earliest start; ties by name, so it is
// deterministic); a step only ever named by an error message sorts last.
std::vector<StepStats> Recorder::Impl::merge_steps() const {
  std::vector<StepSlot> merged;
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& shard : shards) {
    for (const StepSlot& slot : shard->steps()) {
      const auto [it, inserted] = index.try_emplace(slot.stats.name, merged.size());
      if (inserted) merged.emplace_back(slot.stats.name);
      StepSlot& into = merged[it->second];
      into.first_use = std::min(into.first_use, slot.first_use);
      merge_stats(into.stats, slot.stats, options.max_error_samples);
    }
  }
  std::sort(merged.begin(), merged.end(), [](const StepSlot& a, const StepSlot& b) {
    if (a.first_use != b.first_use) return a.first_use < b.first_use;
    return a.stats.name < b.stats.name;
  });
  std::vector<StepStats> out;
  out.reserve(merged.size());
  for (StepSlot& slot : merged) out.push_back(std::move(slot.stats));
  return out;
}

// From second 0 to the last second that saw a completion, a drop or an active-VU sample.
std::vector<SeriesPoint> Recorder::Impl::final_series() const {
  std::vector<const ClosedSecond*> entries;
  std::int64_t last = -1;
  for (const auto& shard : shards) {
    for (const ClosedSecond& c : shard->closed()) {
      entries.push_back(&c);
      last = std::max(last, c.second);
    }
  }
  const std::vector<VuSample> samples = copy_vus();
  for (const VuSample& v : samples) last = std::max(last, v.second);
  return build_series(std::move(entries), 0, last + 1, samples, 0);
}

// Exact: counters add, trends merge bucket by bucket, a gauge keeps the latest set of any shard
// and the extremes of all. Names keep the order of first sight across shards.
void Recorder::Impl::merge_custom(RunMetrics& out) const {
  std::vector<TimedGauge> gauges;
  for (const auto& shard : shards) {
    for (const CounterStats& c : shard->counters()) named(out.counters, c.name).value += c.value;
    for (const TrendStats& t : shard->trends()) named(out.trends, t.name).values.merge(t.values);
    for (const TimedGauge& g : shard->gauges()) {
      TimedGauge& into = named(gauges, g.name);
      GaugeStats& s = into.stats;
      s.min = s.sets == 0 ? g.stats.min : std::min(s.min, g.stats.min);
      s.max = s.sets == 0 ? g.stats.max : std::max(s.max, g.stats.max);
      if (s.sets == 0 || g.last_at >= into.last_at) {
        s.last = g.stats.last;
        into.last_at = g.last_at;
      }
      s.sets += g.stats.sets;
    }
  }
  for (TimedGauge& g : gauges) {
    g.stats.name = g.name;
    out.gauges.push_back(std::move(g.stats));
  }
}

Recorder::Recorder(RecorderOptions options) : impl_(std::make_unique<Impl>(options)) {}

Recorder::~Recorder() = default;

RecorderShard& Recorder::make_shard() {
  auto shard = std::make_unique<ShardImpl>(impl_->options.start, impl_->options.max_error_samples);
  std::lock_guard lock(impl_->shards_mutex);
  impl_->shards.push_back(std::move(shard));
  return *impl_->shards.back();
}

void Recorder::sample_active_vus(std::chrono::steady_clock::time_point at, std::int64_t active) {
  std::lock_guard lock(impl_->vus_mutex);
  impl_->vus.push_back(VuSample{second_of(impl_->options.start, at), at, active});
}

// Builds only the seconds that became complete since the last call; earlier ones are cached.
std::vector<SeriesPoint> Recorder::live_series(std::chrono::steady_clock::time_point now) const {
  std::lock_guard live_lock(impl_->live_mutex);
  const auto from = static_cast<std::int64_t>(impl_->live.size());
  std::vector<ClosedSecond> copies;
  std::int64_t limit = 0;
  {
    std::lock_guard lock(impl_->shards_mutex);
    limit = impl_->complete_limit(now);
    if (limit <= from) return impl_->live;
    for (const auto& shard : impl_->shards) shard->copy_closed(from, limit, copies);
  }
  std::vector<const ClosedSecond*> entries;
  entries.reserve(copies.size());
  for (const ClosedSecond& c : copies) entries.push_back(&c);
  const std::int64_t carried = impl_->live.empty() ? 0 : impl_->live.back().active_vus;
  std::vector<SeriesPoint> fresh =
      build_series(std::move(entries), from, limit, impl_->copy_vus(), carried);
  // A live reader wants the figures, not the histograms (~26 KB a second, copied every call).
  for (SeriesPoint& p : fresh) p.latency.reset();
  impl_->live.insert(impl_->live.end(), fresh.begin(), fresh.end());
  return impl_->live;
}

RunMetrics Recorder::finish() {
  std::lock_guard lock(impl_->shards_mutex);
  for (const auto& shard : impl_->shards) shard->close_open_second();
  RunMetrics out;
  out.steps = impl_->merge_steps();
  for (const auto& shard : impl_->shards) {
    merge_stats(out.iteration, shard->iteration(), impl_->options.max_error_samples);
    out.dropped += shard->dropped();
  }
  out.series = impl_->final_series();
  impl_->merge_custom(out);
  return out;
}

}  // namespace gauntlet

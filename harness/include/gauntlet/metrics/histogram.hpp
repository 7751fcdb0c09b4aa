#pragma once
// HDR-style log-linear latency histogram (after HdrHistogram_c): values in microseconds,
// 1 us .. 1 h at 3 significant decimal digits by default. record() is O(1) and never allocates.
// One histogram per thread; merge() combines them exactly; to_json()/from_json() are lossless,
// so results from several processes merge exactly too.
#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gauntlet {

// Pure bucket arithmetic, separate from storage so it can be tested on its own.
struct HistogramLayout {
  std::int64_t lowest = 1;                // lowest discernible value (us), >= 1
  std::int64_t highest = 3'600'000'000;   // highest trackable value (us), >= 2 * lowest
  int significant_digits = 3;             // 1..5

  // Throws std::invalid_argument naming the field, value and limit when out of range.
  void validate() const;
  std::int32_t counts_len() const;
  std::int32_t index_of(std::int64_t value) const;        // value in [0, highest]
  std::int64_t value_at_index(std::int32_t index) const;  // lowest value of that bucket
  std::int64_t lowest_equivalent(std::int64_t value) const;
  std::int64_t highest_equivalent(std::int64_t value) const;
  bool operator==(const HistogramLayout&) const = default;
};

class Histogram {
 public:
  // 1 us .. 1 h, 3 significant digits.
  Histogram();
  // Throws std::invalid_argument if the layout is invalid.
  explicit Histogram(const HistogramLayout& layout);

  // Records `count` occurrences of value_us. Returns false, and counts the values in
  // out_of_range_count() instead of the distribution, when value_us < 0 or > layout().highest.
  // Never allocates, never throws.
  bool record(std::int64_t value_us, std::int64_t count = 1) noexcept;

  // The value at or below which `percentile` (0..100, clamped) of recorded values fall, as the
  // highest value equivalent to that bucket (HDR convention). 0 when empty.
  std::int64_t value_at_percentile(double percentile) const noexcept;
  std::int64_t min() const noexcept;  // 0 when empty
  std::int64_t max() const noexcept;  // 0 when empty
  double mean() const noexcept;       // 0 when empty
  double stddev() const noexcept;     // 0 when empty
  std::int64_t total_count() const noexcept;         // values inside the distribution
  std::int64_t out_of_range_count() const noexcept;  // values rejected by record()
  bool empty() const noexcept { return total_count() == 0; }
  const HistogramLayout& layout() const noexcept { return layout_; }

  // Adds every count of `other`. Exact. Throws std::invalid_argument if layouts differ.
  void merge(const Histogram& other);
  void reset() noexcept;

  // Calls fn(lowest_value_us, highest_value_us, count) for each non-empty bucket, ascending.
  template <class Fn>
  void for_each_bucket(Fn&& fn) const {
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(counts_.size()); ++i) {
      if (counts_[static_cast<std::size_t>(i)] != 0) {
        const std::int64_t lo = layout_.value_at_index(i);
        fn(lo, layout_.highest_equivalent(lo), counts_[static_cast<std::size_t>(i)]);
      }
    }
  }

  // Lossless, compact (run-length encoded counts) JSON form, and back. from_json throws
  // std::invalid_argument naming the field when the document is malformed.
  nlohmann::json to_json() const;
  static Histogram from_json(const nlohmann::json& doc);

  bool operator==(const Histogram& other) const;

 private:
  HistogramLayout layout_;
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
  std::int64_t out_of_range_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  // sum and sum of squares are derived from counts (exact), not kept on the hot path.
};

}  // namespace gauntlet

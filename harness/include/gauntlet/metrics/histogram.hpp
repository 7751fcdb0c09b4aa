#pragma once
// HDR-style log-linear latency histogram (after HdrHistogram_c): values in microseconds,
// 1 us .. 1 h at 3 significant decimal digits by default. record() is O(1) and never allocates.
// One histogram per thread; merge() combines them exactly; to_json()/from_json() are lossless,
// so results from several processes merge exactly too.
//
// Precision: every value v falls in a bucket [lowest_equivalent(v), highest_equivalent(v)] whose
// width is at most v / (sub_bucket_count / 2), i.e. below v * 10^-significant_digits
// (values below sub_bucket_count << unit_magnitude are kept at unit resolution). Percentiles,
// mean and stddev are computed from buckets, so they carry that relative error; min() and max()
// are exact.
#include <cstdint>
#include <limits>
#include <nlohmann/json_fwd.hpp>
#include <vector>

namespace gauntlet {

// Pure bucket arithmetic, separate from storage so it can be tested on its own. Same layout as
// HdrHistogram_c: sub_bucket_count = next power of two >= 2 * 10^significant_digits, unit
// magnitude = floor(log2(lowest)), and enough buckets (each twice as wide as the previous, half
// of its sub-buckets new) to cover `highest`. index 0 holds [0, 2^unit_magnitude).
struct HistogramLayout {
  std::int64_t lowest = 1;               // lowest discernible value (us), >= 1
  std::int64_t highest = 3'600'000'000;  // highest trackable value (us), >= 2 * lowest
  int significant_digits = 3;            // 1..5

  // Largest `highest` accepted: keeps every bucket edge and shift inside int64.
  static constexpr std::int64_t kMaxHighest = (std::int64_t{1} << 62) - 1;

  // Throws std::invalid_argument listing every problem, each naming the field, value and limit
  // ("histogram.significant_digits must be in 1..5, got 6").
  void validate() const;
  // The bucket math below assumes a layout that passes validate().
  std::int32_t counts_len() const;  // number of buckets: 23552 for the default layout
  // Bucket of value, for value in [0, highest]; outside that range the result is meaningless
  // (possibly >= counts_len()). Cheap: a count-leading-zeros and two shifts.
  std::int32_t index_of(std::int64_t value) const;
  std::int64_t value_at_index(std::int32_t index) const;  // lowest value of that bucket
  std::int64_t lowest_equivalent(std::int64_t value) const;
  // May exceed `highest` in the top bucket (HDR convention); never exceeds kMaxHighest.
  std::int64_t highest_equivalent(std::int64_t value) const;
  bool operator==(const HistogramLayout&) const = default;
};

class Histogram {
 public:
  // 1 us .. 1 h, 3 significant digits.
  Histogram();
  // Throws std::invalid_argument if the layout is invalid. Copyable (a copy is a snapshot); a
  // moved-from Histogram may only be assigned to or destroyed.
  explicit Histogram(const HistogramLayout& layout);

  // Records `count` occurrences of value_us. Returns false, and counts the values in
  // out_of_range_count() instead of the distribution, when value_us < 0 or > layout().highest
  // (stricter than HDR, which accepts values up to its top bucket's capacity). A count < 1
  // records nothing and returns false. Never allocates, never throws.
  bool record(std::int64_t value_us, std::int64_t count = 1) noexcept;

  // The value at or below which `percentile` (0..100, clamped; NaN counts as 0) of recorded
  // values fall, as the highest value equivalent to that bucket (HDR convention, as
  // hdr_value_at_percentile) capped at the exact max(), so that no report shows a percentile
  // above its max (or below its min, which the bucket's top never is). The bucket is the one
  // holding the value of rank max(1, floor(percentile / 100 * total_count() + 0.5)) in
  // ascending order. 0 when empty.
  std::int64_t value_at_percentile(double percentile) const noexcept;
  // Exact recorded extremes (HDR reports bucket edges instead: lowest_equivalent(min()),
  // highest_equivalent(max())).
  std::int64_t min() const noexcept;  // 0 when empty
  std::int64_t max() const noexcept;  // 0 when empty
  // From buckets, each value taken as its bucket's median-equivalent value
  // (lowest_equivalent + width / 2), as hdr_mean / hdr_stddev do; stddev is the population one.
  double mean() const noexcept;                      // 0 when empty
  double stddev() const noexcept;                    // 0 when empty
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

  // Lossless, compact JSON form, and back:
  //   {"lowest":1,"highest":3600000000,"significant_digits":3,"total_count":4,
  //    "out_of_range":0,"min":5,"max":7,"counts_encoding":"zigzag-leb128-base64",
  //    "counts":"CQYBAg=="}
  // "counts" covers the buckets from index 0 up to the last non-empty one as a sequence of
  // numbers: a positive number is the count of the next bucket, a negative number -n stands for
  // n empty buckets (0 never appears). Each number is zigzag-encoded ((n << 1) ^ (n >> 63)) and
  // written as an LEB128 varint (7 bits a byte, low first, high bit = more), and the bytes are
  // standard base64 with padding. This is HdrHistogram's V2 count encoding without its deflate
  // step; the example above is [-5, 3, -1, 1]: three 5s and one 7. It costs about 2 bytes per
  // occupied bucket: ~13 KB for 10^6 lognormal latencies, where a JSON array of numbers took
  // ~21 KB. min/max are stored so that the exact extremes survive.
  // from_json throws std::invalid_argument naming the field (and the counts entry) when the
  // document is malformed: missing or mistyped fields, an invalid layout, an unknown
  // counts_encoding, bad base64 or varints, counts longer than the layout, counts that do not
  // sum to total_count, min/max outside their buckets. Unknown fields are ignored.
  nlohmann::json to_json() const;
  static Histogram from_json(const nlohmann::json& doc);

  // Same layout, counts, out-of-range count and exact min/max.
  bool operator==(const Histogram& other) const;

 private:
  std::int32_t first_index() const noexcept;  // bucket of min(); only when !empty()
  std::int32_t last_index() const noexcept;   // bucket of max(); only when !empty()

  HistogramLayout layout_;
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
  std::int64_t out_of_range_ = 0;
  // Exact extremes; min_ starts at the largest int64 so record() needs one compare, no branch
  // on emptiness. min() reports 0 when empty.
  std::int64_t min_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_ = 0;
  // sum and sum of squares are derived from counts (exact), not kept on the hot path.
};

}  // namespace gauntlet

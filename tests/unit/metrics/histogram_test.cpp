#include "gauntlet/metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace gauntlet {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kDefaultHighest = 3'600'000'000;
constexpr std::size_t kMillion = 1'000'000;

// Expects `fn` to throw std::invalid_argument whose message contains every one of `parts`.
void expect_invalid(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected std::invalid_argument mentioning " << parts.front();
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos)
          << "message \"" << message << "\" lacks \"" << part << "\"";
    }
  }
}

// ---- Random data ----------------------------------------------------------------------------

std::int64_t clamp_us(double v) {
  return std::clamp<std::int64_t>(std::llround(v), 0, kDefaultHighest);
}

std::vector<std::int64_t> uniform_us(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> dist(0, 10'000'000);
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = dist(rng);
  return out;
}

std::vector<std::int64_t> exponential_us(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> dist(1.0 / 2000.0);  // mean 2 ms
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = clamp_us(dist(rng));
  return out;
}

// Median 5 ms, a long right tail: the shape of real request latencies.
std::vector<std::int64_t> lognormal_us(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(5000.0), 0.6);
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = clamp_us(dist(rng));
  return out;
}

// 80% fast cache hits around 1 ms, 20% slow misses around 200 ms.
std::vector<std::int64_t> bimodal_us(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution slow(0.2);
  std::normal_distribution<double> fast_ms(1000.0, 100.0);
  std::normal_distribution<double> slow_ms(200'000.0, 20'000.0);
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = clamp_us(slow(rng) ? slow_ms(rng) : fast_ms(rng));
  return out;
}

Histogram histogram_of(const std::vector<std::int64_t>& values,
                       const HistogramLayout& layout = {}) {
  Histogram h(layout);
  for (const std::int64_t v : values) EXPECT_TRUE(h.record(v));
  return h;
}

// The exact order statistic of the rank value_at_percentile documents:
// max(1, floor(p / 100 * n + 0.5)), 1-based.
std::int64_t exact_percentile(std::vector<std::int64_t>& values, double percentile) {
  const auto n = static_cast<double>(values.size());
  const auto rank =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(percentile / 100.0 * n + 0.5));
  const auto nth = values.begin() + (rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

// An independent encoder of the documented counts format (zigzag LEB128 varints, base64), to
// craft documents, valid and corrupt, for from_json.
std::string encode_numbers(const std::vector<std::int64_t>& numbers) {
  std::string bytes;
  for (const std::int64_t n : numbers) {
    std::uint64_t z = n < 0 ? (static_cast<std::uint64_t>(-(n + 1)) << 1) | 1
                            : static_cast<std::uint64_t>(n) << 1;
    for (; z >= 0x80; z >>= 7) bytes.push_back(static_cast<char>(0x80 | (z & 0x7f)));
    bytes.push_back(static_cast<char>(z));
  }
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      const bool real = i + k < bytes.size();
      group = group << 8 | (real ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    const std::size_t chars = std::min<std::size_t>(bytes.size() - i, 3) + 1;
    for (std::size_t k = 0; k < 4; ++k)
      out += k < chars ? kDigits[group >> (18 - 6 * k) & 63] : '=';
  }
  return out;
}

// ---- Layout math ----------------------------------------------------------------------------

TEST(HistogramLayout, DefaultLayoutHasHdrCountsLen) {
  // HdrHistogram_c test/hdr_histogram_test.c, test_create: hdr_init(1, 3600000000, 3) gives
  // counts_len 23552.
  EXPECT_EQ(HistogramLayout{}.counts_len(), 23552);
}

TEST(HistogramLayout, FourDigitLayoutTopBucketMatchesHdr) {
  // HdrHistogram_c test_out_of_range_values: hdr_init(1, 1000, 4) records 32767 but not 32768,
  // i.e. 32767 is in the last bucket and 32768 is past it. (Our record() rejects both because
  // they exceed highest; the bucket math must still agree.)
  const HistogramLayout layout{1, 1000, 4};
  EXPECT_EQ(layout.counts_len(), 32768);
  EXPECT_EQ(layout.index_of(32767), layout.counts_len() - 1);
  EXPECT_EQ(layout.index_of(32768), layout.counts_len());
}

void expect_round_trips(const HistogramLayout& layout) {
  SCOPED_TRACE(::testing::Message() << "layout lowest=" << layout.lowest << " highest="
                                    << layout.highest << " digits=" << layout.significant_digits);
  const std::int32_t len = layout.counts_len();
  for (std::int32_t i = 0; i < len; ++i) {
    const std::int64_t lo = layout.value_at_index(i);
    const std::int64_t hi = layout.highest_equivalent(lo);
    ASSERT_EQ(layout.index_of(lo), i);
    ASSERT_EQ(layout.index_of(hi), i);
    ASSERT_EQ(layout.lowest_equivalent(hi), lo);
    if (i + 1 < len) {
      ASSERT_EQ(layout.value_at_index(i + 1), hi + 1) << "buckets are contiguous";
    }
  }
  EXPECT_EQ(layout.value_at_index(0), 0);
  EXPECT_GE(layout.highest_equivalent(layout.value_at_index(len - 1)), layout.highest);
}

TEST(HistogramLayout, IndexAndValueRoundTripForEveryBucket) {
  expect_round_trips(HistogramLayout{});
  expect_round_trips(HistogramLayout{1000, kDefaultHighest, 3});
  expect_round_trips(HistogramLayout{1, 1'000'000, 1});
  expect_round_trips(HistogramLayout{1, 1'000'000, 2});
  expect_round_trips(HistogramLayout{1, kDefaultHighest, 5});
  expect_round_trips(HistogramLayout{7, HistogramLayout::kMaxHighest, 3});
}

TEST(HistogramLayout, BucketsDoubleInWidthAtPowersOfTwo) {
  const HistogramLayout layout;  // sub_bucket_count 2048: unit resolution below 2048
  EXPECT_EQ(layout.highest_equivalent(2047), 2047);
  EXPECT_EQ(layout.lowest_equivalent(2047), 2047);
  EXPECT_EQ(layout.index_of(2047) + 1, layout.index_of(2048));
  EXPECT_EQ(layout.lowest_equivalent(2049), 2048);  // width 2 from 2048
  EXPECT_EQ(layout.highest_equivalent(2048), 2049);
  EXPECT_EQ(layout.lowest_equivalent(4095), 4094);
  EXPECT_EQ(layout.highest_equivalent(4096), 4099);  // width 4 from 4096
  EXPECT_EQ(layout.lowest_equivalent(4099), 4096);
  EXPECT_EQ(layout.index_of(4095) + 1, layout.index_of(4096));
  // 100,000,000 is in the bucket of width 2^16 starting at 1525 * 65536.
  EXPECT_EQ(layout.lowest_equivalent(100'000'000), 99'942'400);
  EXPECT_EQ(layout.highest_equivalent(100'000'000), 100'007'935);
}

TEST(HistogramLayout, LowestSetsTheUnitResolution) {
  const HistogramLayout layout{1000, kDefaultHighest, 3};  // unit 2^9 = 512
  EXPECT_EQ(layout.index_of(0), 0);
  EXPECT_EQ(layout.index_of(511), 0);
  EXPECT_EQ(layout.lowest_equivalent(1000), 512);
  EXPECT_EQ(layout.highest_equivalent(1000), 1023);
}

TEST(HistogramLayout, ValidateRejectsBadFieldsNamingFieldValueAndLimit) {
  EXPECT_NO_THROW(HistogramLayout{}.validate());
  expect_invalid(
      [] {
        HistogramLayout{0, 100, 3}.validate();
      },
      {"histogram.lowest", ">= 1", "got 0"});
  expect_invalid(
      [] {
        HistogramLayout{1, 100, 0}.validate();
      },
      {"histogram.significant_digits", "1..5", "got 0"});
  expect_invalid(
      [] {
        HistogramLayout{1, 100, 6}.validate();
      },
      {"histogram.significant_digits", "1..5", "got 6"});
  expect_invalid(
      [] {
        HistogramLayout{80, 110, 3}.validate();
      },
      {"histogram.highest", ">= 2 * lowest (160)", "got 110"});
  expect_invalid(
      [] {
        HistogramLayout{1, HistogramLayout::kMaxHighest + 1, 3}.validate();
      },
      {"histogram.highest", "<= 4611686018427387903", "got 4611686018427387904"});
  expect_invalid(
      [] {
        HistogramLayout{std::int64_t{1} << 55, std::int64_t{1} << 60, 3}.validate();
      },
      {"histogram.lowest", "2^52", "significant_digits 3"});
  // Every problem is reported at once.
  expect_invalid(
      [] {
        HistogramLayout{0, 100, 9}.validate();
      },
      {"histogram.lowest", "histogram.significant_digits"});
  expect_invalid([] { Histogram h(HistogramLayout{1, 1, 3}); }, {"histogram.highest"});
}

// ---- Percentiles ----------------------------------------------------------------------------

void expect_percentiles_within_bucket(std::vector<std::int64_t> values) {
  const Histogram h = histogram_of(values);
  const HistogramLayout& layout = h.layout();
  for (const double p : {0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const std::int64_t exact = exact_percentile(values, p);
    const std::int64_t got = h.value_at_percentile(p);
    EXPECT_GE(got, layout.lowest_equivalent(exact)) << "p" << p << " exact " << exact;
    EXPECT_LE(got, layout.highest_equivalent(exact)) << "p" << p << " exact " << exact;
    EXPECT_EQ(got, std::min(layout.highest_equivalent(exact), h.max()))
        << "p" << p << " (HDR convention, capped at the max)";
    EXPECT_LE(got, h.max()) << "p" << p;
    EXPECT_GE(got, h.min()) << "p" << p;
    EXPECT_LE(static_cast<double>(got - exact), 1e-3 * static_cast<double>(exact) + 1e-9)
        << "p" << p << ": relative error above 10^-3";
  }
}

// A report once showed p99.99 = 4.511 ms above its max of 4.51 ms: 4510 us sits in the bucket
// [4508, 4511] and the HDR convention reports the bucket's top. The max caps it.
TEST(Histogram, APercentileIsNeverAboveTheMaxNorBelowTheMin) {
  Histogram h;
  for (int i = 0; i < 99; ++i) h.record(1001 + i * 3);
  h.record(4510);
  ASSERT_EQ(h.layout().highest_equivalent(4510), 4511);  // the case the cap is for
  for (const double p : {0.0, 1.0, 50.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_LE(h.value_at_percentile(p), h.max()) << "p" << p;
    EXPECT_GE(h.value_at_percentile(p), h.min()) << "p" << p;
  }
  EXPECT_EQ(h.value_at_percentile(99.99), 4510);
}

TEST(Histogram, PercentilesOfUniformDataWithinBucketOfExact) {
  expect_percentiles_within_bucket(uniform_us(kMillion, 1));
}
TEST(Histogram, PercentilesOfExponentialDataWithinBucketOfExact) {
  expect_percentiles_within_bucket(exponential_us(kMillion, 2));
}
TEST(Histogram, PercentilesOfLognormalDataWithinBucketOfExact) {
  expect_percentiles_within_bucket(lognormal_us(kMillion, 3));
}
TEST(Histogram, PercentilesOfBimodalDataWithinBucketOfExact) {
  expect_percentiles_within_bucket(bimodal_us(kMillion, 4));
}

TEST(Histogram, PercentileIsClampedAndZeroWhenEmpty) {
  Histogram h;
  EXPECT_EQ(h.value_at_percentile(50), 0);
  h.record(10);
  h.record(3000);
  EXPECT_EQ(h.value_at_percentile(-5), h.value_at_percentile(0));
  EXPECT_EQ(h.value_at_percentile(250), h.value_at_percentile(100));
  EXPECT_EQ(h.value_at_percentile(std::nan("")), 10);
  EXPECT_EQ(h.value_at_percentile(0), 10);
  // The highest equivalent of 3000 is 3001 (width 2), capped at the exact max.
  EXPECT_EQ(h.value_at_percentile(100), 3000);
}

// ---- Golden values from the reference implementation ----------------------------------------

// HdrHistogram_c test/hdr_histogram_test.c load_histograms() / test_percentiles and HdrHistogram
// (Java) src/test/java/org/HdrHistogram/HistogramDataAccessTest.java: 10,000 values of 1000 us
// and one of 100,000,000 us, highest 3,600,000,000, 3 digits ("raw" histogram).
TEST(Histogram, MatchesHdrHistogramRawGoldenValues) {
  Histogram h(HistogramLayout{1, kDefaultHighest, 3});
  for (int i = 0; i < 10'000; ++i) h.record(1000);
  h.record(100'000'000);

  EXPECT_EQ(h.total_count(), 10'001);  // testGetTotalCount
  EXPECT_EQ(h.min(), 1000);            // test_get_min_value: hdr_min == 1000
  // hdr_max reports highest_equivalent_value(max) = 100,007,935; ours is the exact maximum.
  EXPECT_EQ(h.max(), 100'000'000);
  EXPECT_EQ(h.layout().highest_equivalent(h.max()), 100'007'935);
  // test_percentiles asserts 1000 and 1e8 +/- 0.1%; hdr_value_at_percentile returns the
  // highest equivalent value: 1000 (unit-width bucket) and 1525 * 2^16 + 2^16 - 1.
  EXPECT_EQ(h.value_at_percentile(30.0), 1000);
  EXPECT_EQ(h.value_at_percentile(99.0), 1000);
  EXPECT_EQ(h.value_at_percentile(99.99), 1000);
  // Ours caps it at the exact max, so that no report shows a percentile above its max.
  EXPECT_EQ(h.value_at_percentile(99.999), 100'000'000);
  EXPECT_EQ(h.value_at_percentile(100.0), 100'000'000);
  // hdr_mean sums count * median-equivalent value: (10000 * 1000 + (99,942,400 + 32,768)) / 10001
  // = 10996.4171582841...; Java's testGetMean expects 10998.9001 +/- 0.1%.
  EXPECT_NEAR(h.mean(), 10996.417158284172, 1e-9);
  EXPECT_NEAR(h.mean(), 10998.900109989001, 10998.900109989001 * 0.001);
  // hdr_stddev over the same median-equivalent values (population): 999641.7158284171;
  // Java's testGetStdDeviation expects 999890.0109989002 +/- 0.1%.
  EXPECT_NEAR(h.stddev(), 999641.7158284171, 1e-6);
  EXPECT_NEAR(h.stddev(), 999890.0109989002, 999890.0109989002 * 0.001);
}

// HdrHistogram_c test_create_with_large_values: hdr_init(20000000, 100000000, 5).
TEST(Histogram, MatchesHdrHistogramLargeValueGoldenPercentiles) {
  Histogram h(HistogramLayout{20'000'000, 100'000'000, 5});
  h.record(100'000'000);
  h.record(20'000'000);
  h.record(30'000'000);
  const HistogramLayout& l = h.layout();
  EXPECT_EQ(l.lowest_equivalent(h.value_at_percentile(50.0)), l.lowest_equivalent(20'000'000));
  EXPECT_EQ(l.lowest_equivalent(h.value_at_percentile(83.33)), l.lowest_equivalent(30'000'000));
  EXPECT_EQ(l.lowest_equivalent(h.value_at_percentile(83.34)), l.lowest_equivalent(100'000'000));
  EXPECT_EQ(l.lowest_equivalent(h.value_at_percentile(99.0)), l.lowest_equivalent(100'000'000));
}

// HdrHistogram Java testGetValueAtPercentileForLargeHistogram: highest 10^12, 5 digits.
TEST(Histogram, LargeFiveDigitHistogramReportsItsTopValue) {
  Histogram h(HistogramLayout{1, 1'000'000'000'000, 5});
  ASSERT_TRUE(h.record(1'000'000'000'000));
  EXPECT_GE(h.value_at_percentile(100.0), 1'000'000'000'000);
  EXPECT_LE(h.value_at_percentile(100.0), 1'000'000'000'000 + 1'000'000'000'000 / 100'000);
}

// ---- Summary statistics ---------------------------------------------------------------------

TEST(Histogram, MinMaxMeanStddevMatchExactStatisticsWithinPrecision) {
  for (const auto& values :
       {lognormal_us(200'000, 5), bimodal_us(200'000, 6), uniform_us(200'000, 7)}) {
    const Histogram h = histogram_of(values);
    double sum = 0;
    double sum_sq = 0;
    for (const std::int64_t v : values) {
      sum += static_cast<double>(v);
      sum_sq += static_cast<double>(v) * static_cast<double>(v);
    }
    const double n = static_cast<double>(values.size());
    const double mean = sum / n;
    double dev_sq = 0;
    for (const std::int64_t v : values) dev_sq += std::pow(static_cast<double>(v) - mean, 2);
    const double stddev = std::sqrt(dev_sq / n);
    EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
    // Each value moves by at most half a bucket, below v * 10^-3, so the mean moves by less
    // than 10^-3 of it and the stddev by less than 10^-3 of the root mean square.
    EXPECT_NEAR(h.mean(), mean, mean * 1e-3);
    EXPECT_NEAR(h.stddev(), stddev, std::sqrt(sum_sq / n) * 1e-3);
  }
}

TEST(Histogram, EmptyHistogramReportsZeros) {
  const Histogram h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0);
  EXPECT_EQ(h.stddev(), 0);
  EXPECT_EQ(h.total_count(), 0);
  EXPECT_EQ(h.layout(), HistogramLayout{});
}

TEST(Histogram, RecordWithCountAddsThatManyValues) {
  Histogram repeated;
  Histogram once;
  for (int i = 0; i < 5; ++i) repeated.record(1234);
  EXPECT_TRUE(once.record(1234, 5));
  EXPECT_EQ(repeated, once);
  EXPECT_FALSE(once.record(1234, 0));
  EXPECT_FALSE(once.record(1234, -3));
  EXPECT_EQ(repeated, once) << "counts < 1 record nothing";
}

TEST(Histogram, ResetForgetsEverything) {
  Histogram h = histogram_of(lognormal_us(10'000, 8));
  h.record(-1);
  ASSERT_FALSE(h.empty());
  h.reset();
  EXPECT_EQ(h, Histogram());
  EXPECT_EQ(h.out_of_range_count(), 0);
  EXPECT_EQ(h.value_at_percentile(99), 0);
  EXPECT_EQ(h.max(), 0);
  h.record(42);
  EXPECT_EQ(h.min(), 42);
  EXPECT_EQ(h.max(), 42);
}

TEST(Histogram, ForEachBucketVisitsNonEmptyBucketsAscending) {
  const Histogram h = histogram_of(bimodal_us(50'000, 9));
  std::int64_t total = 0;
  std::int64_t previous_high = -1;
  h.for_each_bucket([&](std::int64_t lo, std::int64_t hi, std::int64_t count) {
    EXPECT_GT(lo, previous_high);
    EXPECT_LE(lo, hi);
    EXPECT_GT(count, 0);
    previous_high = hi;
    total += count;
  });
  EXPECT_EQ(total, h.total_count());
}

// ---- Out of range ---------------------------------------------------------------------------

TEST(Histogram, OutOfRangeValuesAreCountedApartAndRejected) {
  Histogram h(HistogramLayout{1, 10'000, 3});
  EXPECT_TRUE(h.record(0));
  EXPECT_TRUE(h.record(10'000));
  EXPECT_FALSE(h.record(-1));
  EXPECT_FALSE(h.record(10'001));
  EXPECT_FALSE(h.record(std::numeric_limits<std::int64_t>::max()));
  EXPECT_FALSE(h.record(std::numeric_limits<std::int64_t>::min(), 4));
  EXPECT_EQ(h.total_count(), 2);
  EXPECT_EQ(h.out_of_range_count(), 7);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 10'000);
  EXPECT_EQ(h.value_at_percentile(100), 10'000);  // the exact max, not its bucket's top
}

TEST(Histogram, OnlyOutOfRangeValuesLeaveItEmpty) {
  Histogram h;
  h.record(-7);
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.out_of_range_count(), 1);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.value_at_percentile(50), 0);
}

// ---- Merge ----------------------------------------------------------------------------------

TEST(Histogram, MergeEqualsRecordingAll) {
  std::vector<std::int64_t> values = lognormal_us(200'000, 10);
  const std::vector<std::int64_t> extra = bimodal_us(50'000, 11);
  values.insert(values.end(), extra.begin(), extra.end());
  values.push_back(-3);  // out of range, must merge too
  values.push_back(kDefaultHighest + 1);

  Histogram all;
  std::vector<Histogram> parts(8);
  std::mt19937_64 rng(12);
  std::uniform_int_distribution<std::size_t> pick(0, parts.size() - 1);
  for (const std::int64_t v : values) {
    all.record(v);
    parts[pick(rng)].record(v);
  }
  Histogram merged;
  for (const Histogram& part : parts) merged.merge(part);
  EXPECT_EQ(merged, all);
  EXPECT_EQ(merged.out_of_range_count(), 2);
  EXPECT_EQ(merged.value_at_percentile(99.9), all.value_at_percentile(99.9));
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
}

TEST(Histogram, MergeWithEmptyChangesNothing) {
  Histogram h = histogram_of(exponential_us(1000, 13));
  const Histogram before = h;
  h.merge(Histogram());
  EXPECT_EQ(h, before);
}

TEST(Histogram, MergeOfDifferentLayoutsThrows) {
  Histogram a;
  const Histogram b(HistogramLayout{1, kDefaultHighest, 2});
  const Histogram c(HistogramLayout{1, 1'000'000, 3});
  expect_invalid([&] { a.merge(b); }, {"equal layouts", "significant_digits 2"});
  expect_invalid([&] { a.merge(c); }, {"equal layouts", "highest 1000000"});
}

// ---- JSON -----------------------------------------------------------------------------------

void expect_json_round_trip(const Histogram& h) {
  const Json doc = h.to_json();
  EXPECT_EQ(Histogram::from_json(doc), h);
  EXPECT_EQ(Histogram::from_json(Json::parse(doc.dump())), h) << "through text";
}

TEST(HistogramJson, RoundTripIsExact) {
  expect_json_round_trip(Histogram());
  Histogram single;
  single.record(777);
  expect_json_round_trip(single);
  Histogram zero;
  zero.record(0);
  expect_json_round_trip(zero);
  Histogram random = histogram_of(lognormal_us(100'000, 14));
  random.record(-1);
  random.record(kDefaultHighest);
  expect_json_round_trip(random);
  expect_json_round_trip(histogram_of(uniform_us(1000, 15), HistogramLayout{1000, 1 << 30, 2}));
}

TEST(HistogramJson, EncodesCountsAsZigzagVarintsInBase64) {
  Histogram h;
  for (int i = 0; i < 3; ++i) h.record(5);
  h.record(7);
  const Json doc = h.to_json();
  // [-5, 3, -1, 1] -> zigzag 9, 6, 1, 2 -> bytes 09 06 01 02 -> base64.
  EXPECT_EQ(doc.at("counts"), "CQYBAg==");
  EXPECT_EQ(encode_numbers({-5, 3, -1, 1}), "CQYBAg==");
  EXPECT_EQ(doc.at("counts_encoding"), "zigzag-leb128-base64");
  EXPECT_EQ(doc.at("total_count"), 4);
  EXPECT_EQ(doc.at("min"), 5);
  EXPECT_EQ(doc.at("max"), 7);
  EXPECT_EQ(Histogram().to_json().at("counts"), "");
  // Multi-byte varints: a count of 300 and a run of 2047 empty buckets.
  Histogram wide;
  wide.record(2047, 300);
  EXPECT_EQ(wide.to_json().at("counts"), encode_numbers({-2047, 300}));
}

TEST(HistogramJson, MillionLognormalSamplesStayCompact) {
  const Histogram h = histogram_of(lognormal_us(kMillion, 16));
  const std::string text = h.to_json().dump();
  std::cout << "[ info ] histogram JSON for 10^6 lognormal samples: " << text.size() << " bytes\n";
  ::testing::Test::RecordProperty("json_bytes", static_cast<int>(text.size()));
  EXPECT_LT(text.size(), 20'000u);
}

Json valid_doc() {
  Histogram h;
  h.record(1000, 10);
  h.record(5000);
  return h.to_json();
}

TEST(HistogramJson, RejectsMissingFieldsNamingThem) {
  for (const char* field : {"lowest", "highest", "significant_digits", "total_count",
                            "out_of_range", "min", "max", "counts_encoding", "counts"}) {
    Json doc = valid_doc();
    doc.erase(field);
    expect_invalid([&] { Histogram::from_json(doc); },
                   {std::string("'") + field + "'", "is missing"});
  }
  expect_invalid([] { Histogram::from_json(Json::array()); }, {"must be an object"});
}

TEST(HistogramJson, RejectsMistypedFieldsNamingThem) {
  const auto with = [](const char* field, Json value) {
    Json doc = valid_doc();
    doc[field] = std::move(value);
    return doc;
  };
  expect_invalid([&] { Histogram::from_json(with("lowest", "1")); },
                 {"'lowest'", "must be an integer", "\"1\""});
  expect_invalid([&] { Histogram::from_json(with("highest", 3.5e9)); },
                 {"'highest'", "must be an integer"});
  expect_invalid([&] { Histogram::from_json(with("significant_digits", 9)); },
                 {"'significant_digits'", "1..5", "got 9"});
  expect_invalid([&] { Histogram::from_json(with("total_count", -1)); },
                 {"'total_count'", "got -1"});
  expect_invalid([&] { Histogram::from_json(with("out_of_range", 18446744073709551615u)); },
                 {"'out_of_range'", "must be <= 9223372036854775807"});
  expect_invalid([&] { Histogram::from_json(with("counts", Json::array())); },
                 {"'counts'", "must be a string"});
  expect_invalid([&] { Histogram::from_json(with("counts_encoding", "deflate")); },
                 {"'counts_encoding'", "\"zigzag-leb128-base64\"", "got \"deflate\""});
  Json tiny = with("lowest", 10);
  tiny["highest"] = 15;
  expect_invalid([&] { Histogram::from_json(tiny); },
                 {"histogram.highest", ">= 2 * lowest (20)", "got 15"});
  // Several bad fields are reported together.
  Json doc = with("lowest", nullptr);
  doc["max"] = "big";
  expect_invalid([&] { Histogram::from_json(doc); }, {"'lowest'", "'max'"});
}

TEST(HistogramJson, RejectsCorruptCountsNamingTheEntry) {
  const auto with_counts = [](const std::string& counts) {
    Json doc = valid_doc();
    doc["counts"] = counts;
    return doc;
  };
  const auto with_numbers = [&](const std::vector<std::int64_t>& numbers) {
    return with_counts(encode_numbers(numbers));
  };
  // valid_doc(): ten 1000s (index 1000) and one 5000 (index 3298).
  ASSERT_EQ(valid_doc().at("counts"), encode_numbers({-1000, 10, -2297, 1}));
  ASSERT_NO_THROW(Histogram::from_json(with_numbers({-1000, 10, -2297, 1})));
  expect_invalid(
      [&] {
        Histogram::from_json(with_numbers({-1000, 10, 0, -2297, 1}));
      },
      {"'counts' entry 2", "got 0"});
  expect_invalid(
      [&] {
        Histogram::from_json(with_numbers({-1000, 9, -2297, 1}));
      },
      {"'counts' sums to 10", "'total_count' is 11"});
  expect_invalid(
      [&] {
        Histogram::from_json(with_numbers({-23552, 1}));
      },
      {"'counts' entry 1", "runs past the layout's 23552 buckets"});
  expect_invalid(
      [&] {
        Histogram::from_json(with_numbers({9223372036854775807, 1}));
      },
      {"'counts' entry 1", "overflows"});
  expect_invalid([&] { Histogram::from_json(with_counts("gA==")); },  // 0x80: truncated varint
                 {"'counts' entry 0 (byte 0)", "not a complete 64-bit varint"});
  expect_invalid([&] { Histogram::from_json(with_counts("CQYBAg=")); },
                 {"'counts'", "length divisible by 4", "got length 7"});
  expect_invalid([&] { Histogram::from_json(with_counts("CQ#BAg==")); },
                 {"'counts'", "invalid base64 character '#' at offset 2"});
  expect_invalid([&] { Histogram::from_json(with_counts("CQ=BAg==")); },
                 {"'counts'", "invalid base64 character '=' at offset 2"});
  Json doc = valid_doc();
  doc["min"] = 999;
  expect_invalid([&] { Histogram::from_json(doc); }, {"'min'", "[1000, 1000]", "got 999"});
  doc = valid_doc();
  doc["max"] = 5100;
  expect_invalid([&] { Histogram::from_json(doc); }, {"'max'", "[5000, 5003]", "got 5100"});
  doc = Histogram().to_json();
  doc["max"] = 3;
  expect_invalid([&] { Histogram::from_json(doc); }, {"'min' and 'max' must be 0"});
}

TEST(HistogramJson, IgnoresUnknownFields) {
  Json doc = valid_doc();
  doc["note"] = "added by a newer writer";
  EXPECT_EQ(Histogram::from_json(doc), Histogram::from_json(valid_doc()));
}

}  // namespace
}  // namespace gauntlet

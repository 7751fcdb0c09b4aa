#include "gauntlet/metrics/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gauntlet {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// The derived constants of a layout. Recomputed per call rather than cached: they cost a
// count-leading-zeros and a table lookup, and keeping them out of the struct keeps
// HistogramLayout plain data that compares and serialises by its three fields.
struct Shape {
  int unit_magnitude;            // floor(log2(lowest))
  int sub_half_magnitude;        // log2(sub_bucket_count) - 1
  std::int64_t sub_half_count;   // sub_bucket_count / 2
  std::int64_t sub_bucket_mask;  // (sub_bucket_count - 1) << unit_magnitude
};

// log2(sub_bucket_count) for 1..5 digits: bit_ceil(2 * 10^d) = 32, 256, 2048, 32768, 262144.
constexpr int kSubBucketMagnitude[6] = {0, 5, 8, 11, 15, 18};

Shape shape_of(const HistogramLayout& layout) noexcept {
  const int unit = std::bit_width(static_cast<std::uint64_t>(layout.lowest)) - 1;
  // Clamped only so that an unvalidated layout cannot index past the table.
  const int half = kSubBucketMagnitude[std::clamp(layout.significant_digits, 1, 5)] - 1;
  const std::int64_t sub_count = std::int64_t{1} << (half + 1);
  return Shape{unit, half, sub_count / 2, (sub_count - 1) << unit};
}

// Width exponent (log2 of the bucket width) of the bucket holding `index`.
int width_magnitude(const Shape& s, std::int32_t index) noexcept {
  const int bucket = (index >> s.sub_half_magnitude) - 1;
  return s.unit_magnitude + std::max(bucket, 0);
}

// lowest_equivalent + width / 2: the value HDR uses for mean and stddev.
double median_at(const HistogramLayout& layout, const Shape& s, std::int32_t index) noexcept {
  const int w = width_magnitude(s, index);
  return static_cast<double>(layout.value_at_index(index) + ((std::int64_t{1} << w) >> 1));
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

// ---- JSON helpers ----------------------------------------------------------------------------

std::string json_excerpt(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// Reads doc[name] as an int64 in [minimum, maximum]; on a problem appends a sentence naming the
// field and returns minimum.
std::int64_t int_field(const Json& doc, const char* name, std::int64_t minimum,
                       std::int64_t maximum, std::vector<std::string>& problems) {
  const std::string field = std::string("histogram JSON field '") + name + "'";
  const auto it = doc.find(name);
  if (it == doc.end()) {
    problems.push_back(field + " is missing.");
    return minimum;
  }
  if (!it->is_number_integer()) {
    problems.push_back(field + " must be an integer, got " + json_excerpt(*it) + ".");
    return minimum;
  }
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(kInt64Max)) {
    problems.push_back(field + " must be <= " + std::to_string(kInt64Max) + ", got " +
                       json_excerpt(*it) + ".");
    return minimum;
  }
  const auto value = it->get<std::int64_t>();
  if (value < minimum || value > maximum) {
    problems.push_back(field + " must be in " + std::to_string(minimum) + ".." +
                       std::to_string(maximum) + ", got " + std::to_string(value) + ".");
    return minimum;
  }
  return value;
}

// Finds doc[name] as a string; on a problem appends a sentence naming the field, returns null.
const std::string* string_field(const Json& doc, const char* name,
                                std::vector<std::string>& problems) {
  const std::string field = std::string("histogram JSON field '") + name + "'";
  const auto it = doc.find(name);
  if (it == doc.end()) {
    problems.push_back(field + " is missing.");
    return nullptr;
  }
  if (!it->is_string()) {
    problems.push_back(field + " must be a string, got " + json_excerpt(*it) + ".");
    return nullptr;
  }
  return it->get_ptr<const std::string*>();
}

// ---- Counts codec: HdrHistogram's V2 count encoding (zigzag LEB128 varints, a negative number
// -n standing for n empty buckets), then base64, without HDR's deflate step. -------------------

constexpr std::string_view kCountsEncoding = "zigzag-leb128-base64";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void put_varint(std::string& out, std::int64_t value) {
  auto z = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<char>(z));
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group = (group << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kBase64[(group >> (18 - 6 * k)) & 0x3f] : '=');
    }
  }
  return out;
}

[[noreturn]] void throw_counts(const std::string& what) {
  throw std::invalid_argument("histogram JSON field 'counts' " + what);
}

// Strict standard base64 with padding, as base64_encode writes it.
std::string base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    throw_counts("must be base64 with a length divisible by 4, got length " +
                 std::to_string(text.size()) + ".");
  }
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t pad = text.size() - i;  // '=' only in the last two places of the text
    const std::size_t digit = text[i] == '=' && pad <= 2 ? 0 : kBase64.find(text[i]);
    if (digit == std::string_view::npos || (pad == 2 && text[i] == '=' && text[i + 1] != '=')) {
      throw_counts("has an invalid base64 character '" + std::string(1, text[i]) + "' at offset " +
                   std::to_string(i) + ".");
    }
    group = (group << 6) | static_cast<std::uint32_t>(digit);
    if (i % 4 == 3) {
      for (int k = 2; k >= 0; --k) bytes.push_back(static_cast<char>((group >> (8 * k)) & 0xff));
    }
  }
  if (text.ends_with('=')) bytes.pop_back();
  if (text.ends_with("==")) bytes.pop_back();
  return bytes;
}

// Reads the varint starting at bytes[pos]; advances pos. nullopt when truncated or over 64 bits.
std::optional<std::int64_t> get_varint(std::string_view bytes, std::size_t& pos) {
  std::uint64_t z = 0;
  for (int shift = 0; shift < 64 && pos < bytes.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(bytes[pos++]);
    if (shift == 63 && byte > 1) return std::nullopt;
    z |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1);
    }
  }
  return std::nullopt;
}

std::string encode_counts(const std::vector<std::int64_t>& counts, std::int32_t end) {
  std::string bytes;
  std::int64_t zeros = 0;
  for (std::int32_t i = 0; i < end; ++i) {
    const std::int64_t c = counts[static_cast<std::size_t>(i)];
    if (c == 0) {
      ++zeros;
      continue;
    }
    if (zeros != 0) put_varint(bytes, -zeros);
    zeros = 0;
    put_varint(bytes, c);
  }
  return base64_encode(bytes);
}

// Expands the encoded counts into `counts` (all zeros on entry); returns their sum. Entries are
// numbered from 0 in the decoded sequence of numbers.
std::int64_t decode_counts(std::string_view text, std::vector<std::int64_t>& counts) {
  const std::string bytes = base64_decode(text);
  std::size_t pos = 0;
  std::size_t next = 0;
  std::int64_t sum = 0;
  for (std::size_t entry = 0; pos < bytes.size(); ++entry) {
    const std::size_t start = pos;
    const auto where = [&] {  // built only on error: decoding stays allocation-free per entry
      return "entry " + std::to_string(entry) + " (byte " + std::to_string(start) + ")";
    };
    const std::optional<std::int64_t> v = get_varint(bytes, pos);
    if (!v) throw_counts(where() + " is not a complete 64-bit varint.");
    if (*v == 0 || *v == std::numeric_limits<std::int64_t>::min()) {
      throw_counts(where() + " must be a count > 0 or a zero run < 0, got " + std::to_string(*v) +
                   ".");
    }
    const auto room = static_cast<std::int64_t>(counts.size() - next);
    const std::int64_t span = *v > 0 ? 1 : -*v;
    if (span > room) {
      throw_counts(where() + " runs past the layout's " + std::to_string(counts.size()) +
                   " buckets (" + std::to_string(room) + " left, needs " + std::to_string(span) +
                   ").");
    }
    if (*v > 0) {
      if (*v > kInt64Max - sum) throw_counts(where() + " overflows the total count.");
      counts[next] = *v;
      sum += *v;
    }
    next += static_cast<std::size_t>(span);
  }
  return sum;
}

// min and max must be 0 for an empty histogram, else lie in the first and last non-empty
// buckets, so that a document cannot claim extremes its counts contradict.
void check_extremes(const HistogramLayout& layout, const std::vector<std::int64_t>& counts,
                    std::int64_t min_value, std::int64_t max_value) {
  const auto first = std::find_if(counts.begin(), counts.end(), [](auto c) { return c != 0; });
  if (first == counts.end()) {
    if (min_value != 0 || max_value != 0) {
      throw std::invalid_argument(
          "histogram JSON fields 'min' and 'max' must be 0 when counts "
          "are empty, got " +
          std::to_string(min_value) + " and " + std::to_string(max_value) + ".");
    }
    return;
  }
  const auto last = std::find_if(counts.rbegin(), counts.rend(), [](auto c) { return c != 0; });
  const auto first_index = static_cast<std::int32_t>(first - counts.begin());
  const auto last_index = static_cast<std::int32_t>(counts.rend() - last - 1);
  if (min_value > layout.highest || layout.index_of(min_value) != first_index) {
    throw std::invalid_argument(
        "histogram JSON field 'min' must lie in the first non-empty bucket [" +
        std::to_string(layout.value_at_index(first_index)) + ", " +
        std::to_string(layout.highest_equivalent(layout.value_at_index(first_index))) + "], got " +
        std::to_string(min_value) + ".");
  }
  if (max_value > layout.highest || layout.index_of(max_value) != last_index ||
      max_value < min_value) {
    throw std::invalid_argument(
        "histogram JSON field 'max' must lie in the last non-empty bucket [" +
        std::to_string(layout.value_at_index(last_index)) + ", " +
        std::to_string(std::min(layout.highest,
                                layout.highest_equivalent(layout.value_at_index(last_index)))) +
        "] and be >= min, got " + std::to_string(max_value) + ".");
  }
}

}  // namespace

// ---- HistogramLayout -------------------------------------------------------------------------

void HistogramLayout::validate() const {
  std::vector<std::string> problems;
  const bool lowest_ok = lowest >= 1;
  const bool digits_ok = significant_digits >= 1 && significant_digits <= 5;
  if (!lowest_ok) {
    problems.push_back("histogram.lowest must be >= 1, got " + std::to_string(lowest));
  }
  if (!digits_ok) {
    problems.push_back("histogram.significant_digits must be in 1..5, got " +
                       std::to_string(significant_digits));
  }
  if (lowest_ok && (lowest > kMaxHighest / 2 || highest < 2 * lowest)) {
    problems.push_back(
        "histogram.highest must be >= 2 * lowest (" +
        (lowest > kMaxHighest / 2 ? std::string("over 2^62") : std::to_string(2 * lowest)) +
        "), got " + std::to_string(highest));
  }
  if (highest > kMaxHighest) {
    problems.push_back("histogram.highest must be <= " + std::to_string(kMaxHighest) +
                       " (2^62 - 1), got " + std::to_string(highest));
  }
  if (lowest_ok && digits_ok) {
    // The sub-bucket mask (sub_bucket_count << unit_magnitude) must stay inside 2^62.
    const int unit = std::bit_width(static_cast<std::uint64_t>(lowest)) - 1;
    const int sub = kSubBucketMagnitude[significant_digits];
    if (unit + sub > 62) {
      problems.push_back("histogram.lowest must be < 2^" + std::to_string(62 - sub + 1) +
                         " with significant_digits " + std::to_string(significant_digits) +
                         ", got " + std::to_string(lowest));
    }
  }
  if (!problems.empty()) throw std::invalid_argument(join_lines(problems));
}

std::int32_t HistogramLayout::counts_len() const {
  const Shape s = shape_of(*this);
  // Doubling the smallest untrackable value until it passes `highest`; highest < 2^62 keeps
  // the shift inside int64.
  std::int64_t smallest_untrackable = (s.sub_half_count * 2) << s.unit_magnitude;
  std::int32_t buckets = 1;
  while (smallest_untrackable <= highest) {
    smallest_untrackable <<= 1;
    ++buckets;
  }
  return static_cast<std::int32_t>((buckets + 1) * s.sub_half_count);
}

std::int32_t HistogramLayout::index_of(std::int64_t value) const {
  const Shape s = shape_of(*this);
  const int pow2_ceiling = std::bit_width(static_cast<std::uint64_t>(value | s.sub_bucket_mask));
  const int bucket = pow2_ceiling - s.unit_magnitude - (s.sub_half_magnitude + 1);
  const std::int64_t sub = value >> (bucket + s.unit_magnitude);
  return static_cast<std::int32_t>((std::int64_t{bucket + 1} << s.sub_half_magnitude) +
                                   (sub - s.sub_half_count));
}

std::int64_t HistogramLayout::value_at_index(std::int32_t index) const {
  const Shape s = shape_of(*this);
  int bucket = (index >> s.sub_half_magnitude) - 1;
  std::int64_t sub = (index & (s.sub_half_count - 1)) + s.sub_half_count;
  if (bucket < 0) {  // the first half of bucket 0 is stored below index sub_half_count
    sub -= s.sub_half_count;
    bucket = 0;
  }
  return sub << (bucket + s.unit_magnitude);
}

std::int64_t HistogramLayout::lowest_equivalent(std::int64_t value) const {
  return value_at_index(index_of(value));
}

std::int64_t HistogramLayout::highest_equivalent(std::int64_t value) const {
  const std::int32_t index = index_of(value);
  const int w = width_magnitude(shape_of(*this), index);
  return value_at_index(index) + (std::int64_t{1} << w) - 1;
}

// ---- Histogram: recording and queries --------------------------------------------------------

Histogram::Histogram() : Histogram(HistogramLayout{}) {}

Histogram::Histogram(const HistogramLayout& layout) : layout_(layout) {
  layout_.validate();
  counts_.assign(static_cast<std::size_t>(layout_.counts_len()), 0);
}

bool Histogram::record(std::int64_t value_us, std::int64_t count) noexcept {
  if (count < 1) return false;
  if (value_us < 0 || value_us > layout_.highest) {
    out_of_range_ += count;
    return false;
  }
  counts_[static_cast<std::size_t>(layout_.index_of(value_us))] += count;
  total_ += count;
  min_ = std::min(min_, value_us);
  max_ = std::max(max_, value_us);
  return true;
}

std::int32_t Histogram::first_index() const noexcept { return layout_.index_of(min_); }
std::int32_t Histogram::last_index() const noexcept { return layout_.index_of(max_); }

std::int64_t Histogram::value_at_percentile(double percentile) const noexcept {
  if (empty()) return 0;
  const double p = percentile > 0 ? std::min(percentile, 100.0) : 0.0;  // NaN -> 0
  const auto rank = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(p / 100.0 * static_cast<double>(total_) + 0.5));
  std::int64_t seen = 0;
  const std::int32_t last = last_index();
  for (std::int32_t i = first_index(); i <= last; ++i) {
    seen += counts_[static_cast<std::size_t>(i)];
    // The bucket's highest equivalent value (HDR convention), but never above the exact max:
    // a report must not show a p99.99 above its max. It is never below min(), since the bucket
    // holds a recorded value at least as large as the min.
    if (seen >= rank) return std::min(layout_.highest_equivalent(layout_.value_at_index(i)), max_);
  }
  return max_;  // unreachable while counts sum to total_
}

std::int64_t Histogram::min() const noexcept { return empty() ? 0 : min_; }
std::int64_t Histogram::max() const noexcept { return empty() ? 0 : max_; }

double Histogram::mean() const noexcept {
  if (empty()) return 0;
  const Shape s = shape_of(layout_);
  double sum = 0;
  const std::int32_t last = last_index();
  for (std::int32_t i = first_index(); i <= last; ++i) {
    const std::int64_t c = counts_[static_cast<std::size_t>(i)];
    if (c != 0) sum += static_cast<double>(c) * median_at(layout_, s, i);
  }
  return sum / static_cast<double>(total_);
}

double Histogram::stddev() const noexcept {
  if (empty()) return 0;
  // Two passes (mean first), as hdr_stddev: no cancellation between large sums of squares.
  const double m = mean();
  const Shape s = shape_of(layout_);
  double sum_sq = 0;
  const std::int32_t last = last_index();
  for (std::int32_t i = first_index(); i <= last; ++i) {
    const std::int64_t c = counts_[static_cast<std::size_t>(i)];
    if (c == 0) continue;
    const double dev = median_at(layout_, s, i) - m;
    sum_sq += dev * dev * static_cast<double>(c);
  }
  return std::sqrt(sum_sq / static_cast<double>(total_));
}

std::int64_t Histogram::total_count() const noexcept { return total_; }
std::int64_t Histogram::out_of_range_count() const noexcept { return out_of_range_; }

void Histogram::merge(const Histogram& other) {
  if (!(layout_ == other.layout_)) {
    const auto describe = [](const HistogramLayout& l) {
      return "{lowest " + std::to_string(l.lowest) + ", highest " + std::to_string(l.highest) +
             ", significant_digits " + std::to_string(l.significant_digits) + "}";
    };
    throw std::invalid_argument("Histogram::merge needs equal layouts, got " + describe(layout_) +
                                " and " + describe(other.layout_));
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  out_of_range_ += other.out_of_range_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  out_of_range_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = 0;
}

bool Histogram::operator==(const Histogram& other) const {
  return layout_ == other.layout_ && total_ == other.total_ &&
         out_of_range_ == other.out_of_range_ && min() == other.min() && max() == other.max() &&
         counts_ == other.counts_;
}

// ---- Histogram: JSON -------------------------------------------------------------------------

Json Histogram::to_json() const {
  const std::int32_t end = empty() ? 0 : last_index() + 1;
  return Json{{"lowest", layout_.lowest},
              {"highest", layout_.highest},
              {"significant_digits", layout_.significant_digits},
              {"total_count", total_},
              {"out_of_range", out_of_range_},
              {"min", min()},
              {"max", max()},
              {"counts_encoding", kCountsEncoding},
              {"counts", encode_counts(counts_, end)}};
}

Histogram Histogram::from_json(const Json& doc) {
  if (!doc.is_object()) {
    throw std::invalid_argument("histogram JSON must be an object, got " + json_excerpt(doc) + ".");
  }
  std::vector<std::string> problems;
  HistogramLayout layout;
  constexpr std::int64_t kMax = HistogramLayout::kMaxHighest;
  layout.lowest = int_field(doc, "lowest", 1, kMax, problems);
  layout.highest = int_field(doc, "highest", 2, kMax, problems);
  layout.significant_digits =
      static_cast<int>(int_field(doc, "significant_digits", 1, 5, problems));
  const std::int64_t total = int_field(doc, "total_count", 0, kInt64Max, problems);
  const std::int64_t out_of_range = int_field(doc, "out_of_range", 0, kInt64Max, problems);
  const std::int64_t min_value = int_field(doc, "min", 0, kMax, problems);
  const std::int64_t max_value = int_field(doc, "max", 0, kMax, problems);
  const std::string* counts = string_field(doc, "counts", problems);
  const std::string* encoding = string_field(doc, "counts_encoding", problems);
  if (encoding != nullptr && *encoding != kCountsEncoding) {
    problems.push_back("histogram JSON field 'counts_encoding' must be \"" +
                       std::string(kCountsEncoding) + "\", got " + json_excerpt(*encoding) + ".");
  }
  if (!problems.empty()) throw std::invalid_argument(join_lines(problems));

  Histogram h(layout);  // validates the layout
  const std::int64_t sum = decode_counts(*counts, h.counts_);
  if (sum != total) {
    throw std::invalid_argument("histogram JSON field 'counts' sums to " + std::to_string(sum) +
                                ", but field 'total_count' is " + std::to_string(total) + ".");
  }
  check_extremes(layout, h.counts_, min_value, max_value);
  h.total_ = total;
  h.out_of_range_ = out_of_range;
  if (total != 0) {
    h.min_ = min_value;
    h.max_ = max_value;
  }
  return h;
}

}  // namespace gauntlet

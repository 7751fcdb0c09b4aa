#include "gauntlet/load/rate_curve.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <utility>
#include <vector>

namespace gauntlet {
namespace {

using std::chrono::nanoseconds;

constexpr double kNsPerS = 1e9;

double seconds(std::int64_t ns) { return static_cast<double>(ns) / kNsPerS; }

// Expected arrivals in the first tau_s seconds of a linear piece from r0 to r1 over length_s.
double piece_area(double r0, double r1, double length_s, double tau_s) {
  if (length_s <= 0) return 0;
  return r0 * tau_s + (r1 - r0) * tau_s * tau_s / (2 * length_s);
}

// Smallest tau_s with piece_area(tau_s) = m, for 0 <= m <= the piece's area. The form
// 2m / (r0 + sqrt(r0^2 + 4am)) stays accurate when the slope a is tiny or negative.
double solve_piece(double r0, double r1, double length_s, double m) {
  if (m <= 0) return 0;
  if (r1 == r0) return m / r0;
  const double a = (r1 - r0) / (2 * length_s);
  const double disc = std::max(0.0, r0 * r0 + 4 * a * m);
  return 2 * m / (r0 + std::sqrt(disc));
}

// Uniform in [0, 1) from the top 53 bits: explicit, so that a seed gives the same walk with any
// standard library (std::uniform_real_distribution is not specified bit for bit).
double unit_interval(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double reflect_into(double rate, double lo, double hi) {
  if (rate > hi) rate = 2 * hi - rate;
  if (rate < lo) rate = 2 * lo - rate;
  return std::clamp(rate, lo, hi);  // a step wider than the band reflects past the other bound
}

// A linear stretch of a piecewise-linear shape, before integration.
struct Segment {
  std::int64_t start_ns = 0;
  std::int64_t length_ns = 0;
  double from_per_s = 0;
  double to_per_s = 0;
};

// Appends segments one after another.
class SegmentList {
 public:
  void add(std::int64_t length_ns, double from, double to) {
    out_.push_back(Segment{at_, length_ns, from, to});
    at_ += length_ns;
  }
  std::int64_t at() const noexcept { return at_; }
  std::vector<Segment> take() { return std::move(out_); }

 private:
  std::int64_t at_ = 0;
  std::vector<Segment> out_;
};

std::vector<Segment> segments_of(const ConstantRate& s) {
  return {Segment{0, s.duration.count(), s.rate_per_s, s.rate_per_s}};
}

std::vector<Segment> segments_of(const RampRate& s) {
  return {Segment{0, s.duration.count(), s.from_per_s, s.to_per_s}};
}

std::vector<Segment> segments_of(const StepsRate& s) {
  SegmentList list;
  for (const RateStep& step : s.steps)
    list.add(step.duration.count(), step.rate_per_s, step.rate_per_s);
  return list.take();
}

std::vector<Segment> segments_of(const BurstRate& s) {
  SegmentList list;
  const std::int64_t end = s.duration.count();
  const std::int64_t base_len = s.period.count() - s.burst_length.count();
  while (list.at() < end) {
    list.add(std::min(base_len, end - list.at()), s.base_per_s, s.base_per_s);
    if (list.at() < end) {
      list.add(std::min(s.burst_length.count(), end - list.at()), s.burst_per_s, s.burst_per_s);
    }
  }
  return list.take();
}

std::vector<Segment> segments_of(const WaveRate&) { return {}; }  // not piecewise linear

std::vector<Segment> segments_of(const SpikeRate& s) {
  SegmentList list;
  list.add(s.lead.count(), s.baseline_per_s, s.baseline_per_s);
  list.add(s.rise.count(), s.baseline_per_s, s.peak_per_s);
  list.add(s.hold.count(), s.peak_per_s, s.peak_per_s);
  list.add(s.fall.count(), s.peak_per_s, s.baseline_per_s);
  list.add(s.tail.count(), s.baseline_per_s, s.baseline_per_s);
  return list.take();
}

std::vector<Segment> segments_of(const ChaosRate& s) {
  SegmentList list;
  std::mt19937_64 rng(s.seed);
  double rate = (s.min_per_s + s.max_per_s) / 2;
  const std::int64_t end = s.duration.count();
  while (list.at() < end) {
    if (list.at() > 0) {
      rate += (2 * unit_interval(rng) - 1) * s.max_step_per_s;
      rate = reflect_into(rate, s.min_per_s, s.max_per_s);
    }
    list.add(std::min(s.interval.count(), end - list.at()), rate, rate);
  }
  return list.take();
}

}  // namespace

RateCurve::RateCurve(const RateProfile& profile) {
  Problems problems;
  profile.validate(problems);
  problems.throw_if_any();
  duration_ = profile.duration();
  build(profile);
  if (wave_) {
    total_ = wave_arrivals_by(seconds(duration_.count()));
  } else {
    total_ = pieces_.empty() ? 0 : pieces_.back().after;
  }
}

void RateCurve::add_piece(std::int64_t start_ns, std::int64_t length_ns, double from, double to) {
  if (length_ns <= 0) return;
  Piece piece{start_ns, length_ns, from, to, 0, 0};
  piece.before = pieces_.empty() ? 0 : pieces_.back().after;
  const double length_s = seconds(length_ns);
  piece.after = piece.before + piece_area(from, to, length_s, length_s);
  pieces_.push_back(piece);
}

void RateCurve::build(const RateProfile& profile) {
  if (const auto* w = std::get_if<WaveRate>(&profile.shape())) {
    wave_ = Wave{w->mean_per_s, w->amplitude_per_s, seconds(w->period.count())};
    return;
  }
  const std::vector<Segment> segments =
      std::visit([](const auto& shape) { return segments_of(shape); }, profile.shape());
  pieces_.reserve(segments.size());
  for (const Segment& s : segments) add_piece(s.start_ns, s.length_ns, s.from_per_s, s.to_per_s);
}

double RateCurve::mean_rate_per_s() const noexcept {
  const double d = seconds(duration_.count());
  return d > 0 ? total_ / d : 0;
}

double RateCurve::rate_at(nanoseconds t) const noexcept {
  if (t < nanoseconds::zero() || t >= duration_) return 0;
  if (wave_) {
    const double phase = 2 * std::numbers::pi * seconds(t.count()) / wave_->period_s;
    return wave_->mean_per_s + wave_->amplitude_per_s * std::sin(phase);
  }
  const auto it = std::partition_point(pieces_.begin(), pieces_.end(), [&](const Piece& p) {
    return p.start_ns + p.length_ns <= t.count();
  });
  if (it == pieces_.end()) return 0;
  const double f =
      static_cast<double>(t.count() - it->start_ns) / static_cast<double>(it->length_ns);
  return it->from_per_s + (it->to_per_s - it->from_per_s) * f;
}

double RateCurve::wave_arrivals_by(double t_s) const noexcept {
  const double two_pi = 2 * std::numbers::pi;
  return wave_->mean_per_s * t_s + wave_->amplitude_per_s * wave_->period_s / two_pi *
                                       (1 - std::cos(two_pi * t_s / wave_->period_s));
}

double RateCurve::arrivals_by(nanoseconds t) const noexcept {
  const nanoseconds clamped = std::clamp(t, nanoseconds::zero(), duration_);
  if (wave_) return wave_arrivals_by(seconds(clamped.count()));
  const auto it = std::partition_point(pieces_.begin(), pieces_.end(), [&](const Piece& p) {
    return p.start_ns + p.length_ns <= clamped.count();
  });
  if (it == pieces_.end()) return total_;
  const double tau = seconds(clamped.count() - it->start_ns);
  return it->before + piece_area(it->from_per_s, it->to_per_s, seconds(it->length_ns), tau);
}

std::optional<nanoseconds> RateCurve::arrival_time(std::int64_t n) const {
  if (n < 0) return std::nullopt;
  const double target = static_cast<double>(n);
  if (target >= total_) return std::nullopt;
  return wave_ ? wave_arrival_time(target) : piece_arrival_time(target);
}

std::optional<nanoseconds> RateCurve::piece_arrival_time(double n) const {
  // The first piece whose cumulative count at its end exceeds n holds the crossing.
  const auto it = std::partition_point(pieces_.begin(), pieces_.end(),
                                       [&](const Piece& p) { return p.after <= n; });
  if (it == pieces_.end()) return std::nullopt;
  const double tau_s =
      solve_piece(it->from_per_s, it->to_per_s, seconds(it->length_ns), n - it->before);
  const std::int64_t offset =
      std::clamp<std::int64_t>(std::llround(tau_s * kNsPerS), 0, it->length_ns);
  const std::int64_t t = it->start_ns + offset;
  if (t >= duration_.count()) return std::nullopt;
  return nanoseconds(t);
}

std::optional<nanoseconds> RateCurve::wave_arrival_time(double n) const {
  if (n <= 0) return nanoseconds::zero();
  // A(t) = mean t + amp P / (2 pi) (1 - cos(2 pi t / P)) lies in [mean t, mean t + amp P / pi],
  // which brackets the crossing; A is strictly increasing (amplitude <= mean), so bisect.
  const double mean = wave_->mean_per_s;
  double lo =
      std::max(0.0, (n - wave_->amplitude_per_s * wave_->period_s / std::numbers::pi) / mean);
  double hi = n / mean;
  for (int i = 0; i < 200 && hi - lo > 1e-10; ++i) {
    const double mid = lo + (hi - lo) / 2;
    (wave_arrivals_by(mid) < n ? lo : hi) = mid;
  }
  const std::int64_t t = std::llround(hi * kNsPerS);
  if (t >= duration_.count()) return std::nullopt;
  return nanoseconds(t);
}

}  // namespace gauntlet

#pragma once
// Simulated model work: a chain of 64-bit mixing rounds seeded by the input, so the cost grows
// with the input (a longer video, a longer prompt) and the result depends on every round (the
// optimiser cannot drop the loop). Deterministic: the same seed and rounds give the same digest.
#include <cstdint>
#include <string_view>

namespace gauntlet::mocks {

class StandInCompute {
 public:
  // `scale` multiplies every round count (--compute-scale): 1 in production-like runs, 0.01 in
  // unit tests. Throws ConfigError when scale is negative or above 1000.
  explicit StandInCompute(double scale = 1.0);

  // Runs max(1, rounds * scale) mixing rounds seeded by `seed_text` and returns the digest.
  std::uint64_t burn(std::string_view seed_text, std::uint64_t rounds) const;
  double scale() const noexcept { return scale_; }

  // FNV-1a 64 of `text`: the seed of a chain, also a cheap stable hash for choices.
  static std::uint64_t hash(std::string_view text) noexcept;
  // One splitmix64 step: a well-mixed successor of `x`.
  static std::uint64_t mix(std::uint64_t x) noexcept;

 private:
  double scale_;
};

}  // namespace gauntlet::mocks

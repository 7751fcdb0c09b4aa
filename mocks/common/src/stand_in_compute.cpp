#include "gauntlet/mocks/stand_in_compute.hpp"

#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

StandInCompute::StandInCompute(double scale) : scale_(scale) {
  if (!(scale >= 0.0 && scale <= 1000.0)) {
    throw ConfigError("compute scale must be in 0..1000, got " + std::to_string(scale));
  }
}

std::uint64_t StandInCompute::hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t StandInCompute::mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t StandInCompute::burn(std::string_view seed_text, std::uint64_t rounds) const {
  const auto scaled = static_cast<std::uint64_t>(static_cast<double>(rounds) * scale_);
  const std::uint64_t n = scaled == 0 ? 1 : scaled;
  std::uint64_t x = hash(seed_text);
  for (std::uint64_t i = 0; i < n; ++i) x = mix(x ^ i);
  return x;
}

}  // namespace gauntlet::mocks

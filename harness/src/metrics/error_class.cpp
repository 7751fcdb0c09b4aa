#include "gauntlet/metrics/error_class.hpp"

namespace gauntlet {

std::optional<ErrorClass> error_class_from_string(std::string_view name) noexcept {
  // A linear scan over 11 names: cheaper than building a map, and to_string stays the one
  // table of names.
  for (std::size_t i = 0; i < kErrorClassCount; ++i) {
    const auto c = static_cast<ErrorClass>(i);
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace gauntlet

#include "gauntlet/metrics/custom_metric.hpp"

#include <cctype>

namespace gauntlet {

bool is_metric_name(std::string_view name) noexcept {
  if (name.empty() || std::isalpha(static_cast<unsigned char>(name.front())) == 0) return false;
  for (char c : name) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace gauntlet

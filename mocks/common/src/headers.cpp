#include "gauntlet/mocks/headers.hpp"

#include <algorithm>

namespace gauntlet::mocks {

bool Headers::iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string name, std::string value) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
  fields_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  const auto it = std::find_if(fields_.begin(), fields_.end(),
                               [&](const Field& f) { return iequals(f.first, name); });
  if (it == fields_.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string Headers::get(std::string_view name, std::string_view fallback) const {
  const auto value = find(name);
  return std::string(value ? *value : fallback);
}

}  // namespace gauntlet::mocks

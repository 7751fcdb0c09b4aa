#pragma once
// HTTP header fields as plain data, so that handlers and services never include Beast.
// Names compare case-insensitively; order and repeats are kept.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gauntlet::mocks {

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  Headers() = default;
  Headers(std::initializer_list<Field> fields) : fields_(fields) {}

  // Appends a field (a repeated name keeps every value).
  void add(std::string name, std::string value);
  // Replaces every field called `name` with one field.
  void set(std::string name, std::string value);
  // The first value of `name`, if any.
  std::optional<std::string_view> find(std::string_view name) const;
  // The first value of `name`, or `fallback`.
  std::string get(std::string_view name, std::string_view fallback = {}) const;
  bool contains(std::string_view name) const { return find(name).has_value(); }

  std::size_t size() const noexcept { return fields_.size(); }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }

  static bool iequals(std::string_view a, std::string_view b) noexcept;

 private:
  std::vector<Field> fields_;
};

}  // namespace gauntlet::mocks

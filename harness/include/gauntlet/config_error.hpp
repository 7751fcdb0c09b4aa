#pragma once
// The one exception type for bad input (plans, thresholds, flags, environment). It carries every
// problem found, each a full sentence naming the field, the value and the limit, e.g.
// "ramp.duration must be > 0s, got 0s". Validation collects all problems before throwing.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gauntlet {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems)
      : std::runtime_error(join(problems)), problems_(std::move(problems)) {}
  explicit ConfigError(std::string problem)
      : ConfigError(std::vector<std::string>{std::move(problem)}) {}

  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  static std::string join(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems) {
      if (!out.empty()) out += '\n';
      out += p;
    }
    return out;
  }
  std::vector<std::string> problems_;
};

// Collects problems during validation; throw_if_any() throws one ConfigError with all of them.
class Problems {
 public:
  void add(std::string problem) { problems_.push_back(std::move(problem)); }
  bool empty() const noexcept { return problems_.empty(); }
  const std::vector<std::string>& list() const noexcept { return problems_; }
  void throw_if_any() const {
    if (!problems_.empty()) throw ConfigError(problems_);
  }

 private:
  std::vector<std::string> problems_;
};

}  // namespace gauntlet

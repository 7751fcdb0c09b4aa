#include "gauntlet/mocks/flag_parser.hpp"

#include <charconv>
#include <stdexcept>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

template <typename T>
T parse_number(std::string_view text, T min, T max, const char* kind) {
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    throw std::invalid_argument(std::string("must be ") + kind + " in " + std::to_string(min) +
                                ".." + std::to_string(max));
  }
  return value;
}

double parse_double(std::string_view text, double min, double max) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(std::string(text), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !(value >= min && value <= max)) {
    throw std::invalid_argument("must be a number in " + std::to_string(min) + ".." +
                                std::to_string(max));
  }
  return value;
}

}  // namespace

FlagParser::FlagParser(std::string program) : program_(std::move(program)) {}

void FlagParser::add(std::string name, std::string help, Setter set) {
  flags_.push_back({std::move(name), std::move(help), std::move(set)});
}

void FlagParser::add(std::string name, std::string* target, std::string help) {
  add(std::move(name), std::move(help), [target](std::string_view v) { *target = std::string(v); });
}

void FlagParser::add(std::string name, int* target, std::string help, int min, int max) {
  add(std::move(name), std::move(help),
      [=](std::string_view v) { *target = parse_number<int>(v, min, max, "an integer"); });
}

void FlagParser::add(std::string name, std::uint64_t* target, std::string help, std::uint64_t min,
                     std::uint64_t max) {
  add(std::move(name), std::move(help), [=](std::string_view v) {
    *target = parse_number<std::uint64_t>(v, min, max, "an integer");
  });
}

void FlagParser::add(std::string name, double* target, std::string help, double min, double max) {
  add(std::move(name), std::move(help),
      [=](std::string_view v) { *target = parse_double(v, min, max); });
}

const FlagParser::Flag* FlagParser::find(std::string_view name) const {
  for (const auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool FlagParser::parse(int argc, const char* const* argv, std::ostream& out) {
  Problems problems;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out << usage();
      return false;
    }
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const Flag* flag = find(name);
    if (flag == nullptr) {
      problems.add(std::string(name) + " is not a flag of " + program_ + " (see --help)");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        problems.add(std::string(name) + " needs a value, got none");
        continue;
      }
      value = argv[++i];
    }
    try {
      flag->set(value);
    } catch (const std::exception& e) {
      problems.add(std::string(name) + " " + e.what() + ", got \"" + std::string(value) + "\"");
    }
  }
  problems.throw_if_any();
  return true;
}

std::string FlagParser::usage() const {
  std::string out = "usage: " + program_ + " [flags]\n";
  for (const auto& f : flags_) out += "  " + f.name + " VALUE\n      " + f.help + "\n";
  return out;
}

}  // namespace gauntlet::mocks

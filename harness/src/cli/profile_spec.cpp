#include "gauntlet/cli/profile_spec.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "gauntlet/config_error.hpp"
#include "gauntlet/text/duration_parse.hpp"

namespace gauntlet {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t from = 0;
  for (;;) {
    const std::size_t at = text.find(sep, from);
    parts.push_back(
        text.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from));
    if (at == std::string_view::npos) return parts;
    from = at + 1;
  }
}

// Reads the fields of one spec, collecting a problem per unreadable field.
class FieldReader {
 public:
  FieldReader(std::string_view spec, std::vector<std::string_view> fields, Problems& problems)
      : spec_(spec), fields_(std::move(fields)), problems_(problems) {}

  double rate(std::size_t i, std::string_view name) {
    const std::optional<double> value = parse_rate_per_s(fields_[i]);
    if (!value || *value < 0) complain(i, name, "a rate like 500 or 500/s");
    return value.value_or(0);
  }

  std::chrono::nanoseconds duration(std::size_t i, std::string_view name) {
    const auto d = parse_duration(fields_[i]);
    if (!d) complain(i, name, "a duration like 30s or 1m30s");
    return d.value_or(std::chrono::nanoseconds(0));
  }

  std::uint64_t seed(std::size_t i) {
    std::uint64_t value = 0;
    const std::string_view text = fields_[i];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      complain(i, "seed", "a whole number");
    }
    return value;
  }

  std::size_t size() const noexcept { return fields_.size(); }

  void complain(std::size_t i, std::string_view name, std::string_view expected) {
    problems_.add("--profile \"" + std::string(spec_) + "\": field " + std::to_string(i) + " (" +
                  std::string(name) + ") must be " + std::string(expected) + ", got \"" +
                  std::string(fields_[i]) + "\".");
  }

 private:
  std::string_view spec_;
  std::vector<std::string_view> fields_;
  Problems& problems_;
};

RateProfile steps_profile(std::string_view spec, std::string_view list, Problems& problems) {
  StepsRate steps;
  for (std::string_view item : split(list, ',')) {
    const std::size_t at = item.find('@');
    if (at == std::string_view::npos) {
      problems.add("--profile \"" + std::string(spec) + "\": step \"" + std::string(item) +
                   "\" must read RATE@DURATION, e.g. 100@10s.");
      continue;
    }
    FieldReader step(spec, {item.substr(0, at), item.substr(at + 1)}, problems);
    steps.steps.push_back(RateStep{step.rate(0, "step rate"), step.duration(1, "step duration")});
  }
  return steps;
}

struct Kind {
  std::string_view name;
  std::size_t fields;  // after the kind
  std::string_view form;
};

constexpr Kind kKinds[] = {
    {"constant", 2, "constant:RATE:DURATION"},
    {"ramp", 3, "ramp:FROM:TO:DURATION"},
    {"steps", 1, "steps:RATE@DURATION,..."},
    {"burst", 5, "burst:BASE:PEAK:BURST_LENGTH:PERIOD:DURATION"},
    {"wave", 4, "wave:MEAN:AMPLITUDE:PERIOD:DURATION"},
    {"spike", 7, "spike:BASELINE:PEAK:LEAD:RISE:HOLD:FALL:TAIL"},
    {"chaos", 5, "chaos:MIN:MAX:MAX_STEP:INTERVAL:DURATION[:SEED]"},
};

RateProfile build(std::string_view kind, FieldReader& f) {
  if (kind == "constant") return ConstantRate{f.rate(1, "rate"), f.duration(2, "duration")};
  if (kind == "ramp")
    return RampRate{f.rate(1, "from"), f.rate(2, "to"), f.duration(3, "duration")};
  if (kind == "burst") {
    return BurstRate{f.rate(1, "base"), f.rate(2, "peak"), f.duration(3, "burst_length"),
                     f.duration(4, "period"), f.duration(5, "duration")};
  }
  if (kind == "wave") {
    return WaveRate{f.rate(1, "mean"), f.rate(2, "amplitude"), f.duration(3, "period"),
                    f.duration(4, "duration")};
  }
  if (kind == "spike") {
    return SpikeRate{f.rate(1, "baseline"), f.rate(2, "peak"),     f.duration(3, "lead"),
                     f.duration(4, "rise"), f.duration(5, "hold"), f.duration(6, "fall"),
                     f.duration(7, "tail")};
  }
  const std::uint64_t seed = f.size() > 6 ? f.seed(6) : 0;
  return ChaosRate{f.rate(1, "min"),          f.rate(2, "max"),          f.rate(3, "max_step"),
                   f.duration(4, "interval"), f.duration(5, "duration"), seed};
}

}  // namespace

std::optional<double> parse_rate_per_s(std::string_view text) {
  if (text.ends_with("/s")) text.remove_suffix(2);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

RateProfile parse_profile_spec(std::string_view spec) {
  const std::vector<std::string_view> fields = split(spec, ':');
  const Kind* kind = nullptr;
  for (const Kind& k : kKinds) {
    if (fields[0] == k.name) kind = &k;
  }
  if (kind == nullptr) {
    throw ConfigError("--profile \"" + std::string(spec) + "\": unknown kind \"" +
                      std::string(fields[0]) +
                      "\"; expected constant, ramp, steps, burst, wave, spike or chaos.");
  }
  const std::size_t given = fields.size() - 1;
  const bool seeded_chaos = kind->name == "chaos" && given == kind->fields + 1;
  if (given != kind->fields && !seeded_chaos) {
    throw ConfigError("--profile \"" + std::string(spec) + "\": " + std::string(kind->name) +
                      " takes " + std::to_string(kind->fields) + " fields (" +
                      std::string(kind->form) + "), got " + std::to_string(given) + ".");
  }
  Problems problems;
  RateProfile profile;
  if (kind->name == "steps") {
    profile = steps_profile(spec, fields[1], problems);
  } else {
    FieldReader reader(spec, fields, problems);
    profile = build(kind->name, reader);
  }
  problems.throw_if_any();
  profile.validate(problems);
  problems.throw_if_any();
  return profile;
}

}  // namespace gauntlet

#pragma once
// The text form of a rate profile on the command line (`gauntlet http --profile SPEC`): a kind
// and its fields separated by ':'. Rates are arrivals per second ("500" or "500/s"), durations
// carry units ("30s", "1m30s").
//
//   constant:RATE:DURATION                         constant:500:30s
//   ramp:FROM:TO:DURATION                          ramp:0:1000:1m
//   steps:RATE@DURATION,RATE@DURATION,...          steps:100@10s,500@10s,0@5s
//   burst:BASE:PEAK:BURST_LENGTH:PERIOD:DURATION   burst:100:1000:2s:10s:1m
//   wave:MEAN:AMPLITUDE:PERIOD:DURATION            wave:500:200:20s:2m
//   spike:BASELINE:PEAK:LEAD:RISE:HOLD:FALL:TAIL   spike:100:2000:10s:1s:5s:1s:10s
//   chaos:MIN:MAX:MAX_STEP:INTERVAL:DURATION[:SEED]  chaos:100:1000:200:1s:1m:42
//
// Only syntax lives here; the meaning (rate curves, validation of values) is gauntlet::load's.
#include <optional>
#include <string_view>

#include "gauntlet/load/rate_profile.hpp"

namespace gauntlet {

// Parses and validates a profile. Throws ConfigError listing every problem, each naming the
// field and quoting the text, e.g.
//   --profile "ramp:0:x:10s": field 3 (to) must be a rate like 500 or 500/s, got "x".
RateProfile parse_profile_spec(std::string_view spec);

// A rate as written on the command line, "500" or "500/s" (requests per second); nullopt unless
// the whole text is such a number. The range is the caller's to check.
std::optional<double> parse_rate_per_s(std::string_view text);

}  // namespace gauntlet

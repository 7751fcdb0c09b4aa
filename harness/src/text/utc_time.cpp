#include "gauntlet/text/utc_time.hpp"

#include <cstdio>

namespace gauntlet {
namespace {

using SystemTime = std::chrono::system_clock::time_point;

// system_clock counts nanoseconds in 64 bits: it spans 1678..2262. Years outside
// [kMinYear, kMaxYear] would overflow the conversion, so they are rejected, not wrapped.
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2261;

}  // namespace

std::optional<SystemTime> parse_utc(std::string_view text) {
  using namespace std::chrono;
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kPattern.size()) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kPattern[i] == 'd' ? !digit : text[i] != kPattern[i]) return std::nullopt;
  }
  const auto num = [text](std::size_t pos, std::size_t len) {
    int value = 0;
    for (std::size_t i = pos; i < pos + len; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const year_month_day ymd{year{num(0, 4)}, month{static_cast<unsigned>(num(5, 2))},
                           day{static_cast<unsigned>(num(8, 2))}};
  if (num(0, 4) < kMinYear || num(0, 4) > kMaxYear) return std::nullopt;
  if (!ymd.ok() || num(11, 2) > 23 || num(14, 2) > 59 || num(17, 2) > 59) return std::nullopt;
  return sys_days{ymd} + hours{num(11, 2)} + minutes{num(14, 2)} + seconds{num(17, 2)} +
         milliseconds{num(20, 3)};
}

std::string format_utc(SystemTime t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{ms - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return text;
}

}  // namespace gauntlet

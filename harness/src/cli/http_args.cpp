#include "gauntlet/cli/http_args.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

#include "gauntlet/cli/profile_spec.hpp"
#include "gauntlet/config_error.hpp"
#include "gauntlet/http/engine_options.hpp"
#include "gauntlet/text/duration_parse.hpp"

namespace gauntlet {

std::string HttpArgs::effective_method() const {
  if (method) return *method;
  return body || bodies_file ? "POST" : "GET";
}

namespace {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::optional<std::int64_t> whole_number(std::string_view shown, std::string_view text,
                                         std::int64_t min, std::int64_t max, Problems& problems) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    problems.add(std::string(shown) + " must be a whole number in " + std::to_string(min) + ".." +
                 std::to_string(max) + ", got " + in_quotes(text) + ".");
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::nanoseconds> positive_duration(std::string_view shown,
                                                          std::string_view text,
                                                          Problems& problems) {
  const auto d = parse_duration(text);
  if (!d || d->count() <= 0) {
    problems.add(std::string(shown) +
                 " must be a duration above 0 with a unit (e.g. 10s, 500ms, 1m30s), got " +
                 in_quotes(text) + ".");
    return std::nullopt;
  }
  return d;
}

std::optional<std::chrono::milliseconds> timeout_ms(std::string_view shown, std::string_view text,
                                                    Problems& problems) {
  const auto d = positive_duration(shown, text, problems);
  if (!d) return std::nullopt;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*d);
  if (ms > std::chrono::hours(1)) {
    problems.add(std::string(shown) + " must be at most 1h, got " + in_quotes(text) + ".");
    return std::nullopt;
  }
  return ms;
}

std::string read_file(const std::filesystem::path& path, std::string_view shown,
                      Problems& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.add(std::string(shown) + " file " + in_quotes(path.string()) + " cannot be read.");
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "100..2000" (each a rate as --rate takes it): the breaking-point search's range.
void set_breaking_point(HttpArgs& a, std::string_view v, std::string_view shown, Problems& p) {
  const std::size_t dots = v.find("..");
  const auto from =
      dots == std::string_view::npos ? std::nullopt : parse_rate_per_s(v.substr(0, dots));
  const auto to =
      dots == std::string_view::npos ? std::nullopt : parse_rate_per_s(v.substr(dots + 2));
  if (!from || !to || !(*from > 0) || !(*to > *from) || *to > 10'000'000) {
    p.add(std::string(shown) +
          " must read FROM..TO, two rates per second with 0 < FROM < TO <= 10000000 (e.g. "
          "100..2000), got " +
          in_quotes(v) + ".");
    return;
  }
  a.breaking_point = std::pair{*from, *to};
}

using Apply = void (*)(HttpArgs&, std::string_view value, std::string_view shown, Problems&);

struct Flag {
  std::string_view short_name;  // "" when none
  std::string_view long_name;
  bool takes_value;
  Apply apply;
};

void set_header(HttpArgs& a, std::string_view v, std::string_view shown, Problems& p) {
  const std::size_t colon = v.find(':');
  const std::string_view name = v.substr(0, colon);
  if (colon == std::string_view::npos || !is_http_token(name)) {
    p.add(std::string(shown) + " must read \"Name: value\", got " + in_quotes(v) + ".");
    return;
  }
  std::string_view value = v.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  a.headers.push_back(Header{std::string(name), std::string(value)});
}

void set_rate(HttpArgs& a, std::string_view v, std::string_view shown, Problems& p) {
  const std::optional<double> rate = parse_rate_per_s(v);
  if (!rate || !(*rate > 0) || *rate > 10'000'000) {
    p.add(std::string(shown) +
          " must be a rate in requests per second above 0 and at most 10000000, got " +
          in_quotes(v) + ".");
    return;
  }
  a.rate_per_s = *rate;
}

void set_profile(HttpArgs& a, std::string_view v, std::string_view, Problems& p) {
  try {
    a.profile = parse_profile_spec(v);
    a.profile_spec = std::string(v);
  } catch (const ConfigError& e) {
    for (const std::string& problem : e.problems()) p.add(problem);
  }
}

void set_body(HttpArgs& a, std::string_view v, std::string_view shown, Problems& p) {
  if (v.starts_with('@')) {
    a.body_file = std::filesystem::path(std::string(v.substr(1)));
    a.body = read_file(*a.body_file, shown, p);
  } else {
    a.body = std::string(v);
  }
}

void set_method(HttpArgs& a, std::string_view v, std::string_view shown, Problems& p) {
  if (!is_http_token(v)) {
    p.add(std::string(shown) + " must be a method name such as GET or POST, got " + in_quotes(v) +
          ".");
    return;
  }
  std::string method(v);
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  a.method = method;
}

constexpr Flag kFlags[] = {
    {"-c", "--connections", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto n = whole_number(s, v, 1, kMaxEngineConnections, p))
         a.connections = static_cast<int>(*n);
     }},
    {"-t", "--threads", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto n = whole_number(s, v, 1, kMaxEngineThreads, p)) a.threads = static_cast<int>(*n);
     }},
    {"-d", "--duration", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto d = positive_duration(s, v, p)) a.duration = *d;
     }},
    {"-n", "--requests", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto n = whole_number(s, v, 1, 1'000'000'000'000, p)) a.requests = *n;
     }},
    {"", "--rate", true, &set_rate},
    {"", "--profile", true, &set_profile},
    {"", "--max-wait", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto d = positive_duration(s, v, p)) a.max_wait = *d;
     }},
    {"-H", "--header", true, &set_header},
    {"-m", "--method", true, &set_method},
    {"", "--body", true, &set_body},
    {"", "--bodies", true,
     [](HttpArgs& a, std::string_view v, std::string_view, Problems&) {
       a.bodies_file = std::filesystem::path(std::string(v));
     }},
    {"", "--timeout", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto ms = timeout_ms(s, v, p)) a.timeout = *ms;
     }},
    {"", "--connect-timeout", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto ms = timeout_ms(s, v, p)) a.connect_timeout = *ms;
     }},
    {"", "--http2", false,
     [](HttpArgs& a, std::string_view, std::string_view, Problems&) { a.http2 = true; }},
    {"", "--engine", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto kind = parse_engine_kind(v)) {
         a.engine = *kind;
       } else {
         p.add(std::string(s) + " must be auto, native or curl, got " + in_quotes(v) + ".");
       }
     }},
    {"-k", "--insecure", false,
     [](HttpArgs& a, std::string_view, std::string_view, Problems&) { a.insecure = true; }},
    {"", "--threshold", true,
     [](HttpArgs& a, std::string_view v, std::string_view, Problems&) {
       a.thresholds.emplace_back(v);
     }},
    {"", "--breaking-point", true, &set_breaking_point},
    {"", "--steps", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto n = whole_number(s, v, 2, 100, p)) a.steps = static_cast<int>(*n);
     }},
    {"", "--level-duration", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto d = positive_duration(s, v, p)) a.level_duration = *d;
     }},
    {"", "--search-budget", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (auto d = positive_duration(s, v, p)) a.search_budget = *d;
     }},
    {"", "--json", true,
     [](HttpArgs& a, std::string_view v, std::string_view, Problems&) {
       a.json_path = std::filesystem::path(std::string(v));
     }},
    {"", "--csv", true,
     [](HttpArgs& a, std::string_view v, std::string_view, Problems&) {
       a.csv_prefix = std::string(v);
     }},
    {"", "--name", true,
     [](HttpArgs& a, std::string_view v, std::string_view s, Problems& p) {
       if (v.empty()) p.add(std::string(s) + " must not be empty.");
       a.name = std::string(v);
     }},
    {"", "--allow-remote", false,
     [](HttpArgs& a, std::string_view, std::string_view, Problems&) { a.allow_remote = true; }},
    {"-q", "--quiet", false,
     [](HttpArgs& a, std::string_view, std::string_view, Problems&) { a.quiet = true; }},
    {"-h", "--help", false,
     [](HttpArgs& a, std::string_view, std::string_view, Problems&) { a.help = true; }},
};

std::string shown_name(const Flag& f) {
  return f.short_name.empty() ? std::string(f.long_name)
                              : std::string(f.short_name) + "/" + std::string(f.long_name);
}

// The flag `arg` names, with an inline value ("--c=1", "-c10") split off.
const Flag* match(std::string_view arg, std::optional<std::string_view>& inline_value) {
  for (const Flag& f : kFlags) {
    if (arg == f.long_name || (!f.short_name.empty() && arg == f.short_name)) return &f;
    if (arg.starts_with(f.long_name) && arg.size() > f.long_name.size() &&
        arg[f.long_name.size()] == '=') {
      inline_value = arg.substr(f.long_name.size() + 1);
      return &f;
    }
    if (!f.short_name.empty() && f.takes_value && arg.starts_with(f.short_name) &&
        !arg.starts_with("--")) {
      inline_value = arg.substr(f.short_name.size());
      return &f;
    }
  }
  return nullptr;
}

void check_combinations(HttpArgs& a, const std::vector<std::string>& urls, Problems& p) {
  if (a.help) return;
  if (urls.empty()) p.add("a target URL is required, e.g. gauntlet http http://127.0.0.1:8080/.");
  if (urls.size() > 1) {
    p.add("exactly one target URL is accepted, got " + std::to_string(urls.size()) + ": " +
          in_quotes(urls[0]) + ", " + in_quotes(urls[1]) + (urls.size() > 2 ? ", ..." : "") + ".");
  }
  if (!urls.empty()) a.url = urls.front();
  if (a.rate_per_s && a.profile)
    p.add("--rate and --profile cannot be combined; give one of them.");
  if (a.body && a.bodies_file) p.add("--body and --bodies cannot be combined; give one of them.");
  if (a.engine == EngineKind::kNative && a.http2) {
    p.add(
        "--engine native speaks HTTP/1.1 only and cannot be combined with --http2; use "
        "--engine curl or auto.");
  } else if (a.engine == EngineKind::kNative && !a.url.empty() &&
             !native_engine_supports(a.url, HttpVersion::kHttp1_1)) {
    p.add("--engine native speaks plain-text http:// only, got " + in_quotes(a.url) +
          "; use --engine curl or auto.");
  }
  if (a.breaking_point) {
    if (a.rate_per_s || a.profile || a.requests || a.duration) {
      p.add(
          "--breaking-point chooses each level's rate and length itself; it cannot be combined "
          "with --rate, --profile, -n/--requests or -d/--duration (use --level-duration).");
    }
    if (a.thresholds.empty()) {
      p.add(
          "--breaking-point needs at least one --threshold (what a sustainable rate is, e.g. "
          "--threshold 'p(99)<200ms'), got none.");
    }
  }
  if (a.threads > a.connections) {
    p.add("-t/--threads (" + std::to_string(a.threads) + ") must be <= -c/--connections (" +
          std::to_string(a.connections) + "): every thread needs a connection.");
  }
}

}  // namespace

HttpArgs parse_http_args(std::span<const std::string> args) {
  HttpArgs out;
  Problems problems;
  std::vector<std::string> urls;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_ended || !arg.starts_with('-') || arg == "-") {
      urls.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::optional<std::string_view> value;
    const Flag* flag = match(arg, value);
    if (flag == nullptr) {
      problems.add("unknown option " + in_quotes(arg) + "; see gauntlet http --help.");
      continue;
    }
    const std::string shown = shown_name(*flag);
    if (!flag->takes_value && value) {
      problems.add(shown + " takes no value, got " + in_quotes(*value) + ".");
      continue;
    }
    if (flag->takes_value && !value) {
      if (i + 1 >= args.size()) {
        problems.add(shown + " needs a value.");
        continue;
      }
      value = args[++i];
    }
    flag->apply(out, value.value_or(""), shown, problems);
  }
  check_combinations(out, urls, problems);
  problems.throw_if_any();
  return out;
}

}  // namespace gauntlet

#include "gauntlet/cli/http_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "gauntlet/cli/http_args.hpp"
#include "gauntlet/cli/http_summary.hpp"
#include "gauntlet/config_error.hpp"
#include "gauntlet/http/engine.hpp"
#include "gauntlet/http/redact.hpp"
#include "gauntlet/http/target_check.hpp"
#include "gauntlet/load/breaking_point.hpp"
#include "gauntlet/load/limits.hpp"
#include "gauntlet/load/progress.hpp"
#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/metrics/threshold.hpp"
#include "gauntlet/report/csv_reporter.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/report/result_file.hpp"
#include "gauntlet/report/run_status.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

constexpr auto kDefaultDuration = std::chrono::seconds(10);

void print_problems(std::ostream& err, const ConfigError& e) {
  for (const std::string& problem : e.problems()) err << "gauntlet http: " << problem << '\n';
  err << "see gauntlet http --help\n";
}

Request base_request(const HttpArgs& args) {
  return Request{args.effective_method(), args.url, args.headers, args.body.value_or("")};
}

RequestSource make_source(const HttpArgs& args) {
  if (args.bodies_file) {
    return RequestSource::rotating_bodies(base_request(args),
                                          load_request_bodies(*args.bodies_file));
  }
  return RequestSource::fixed(base_request(args));
}

EngineOptions engine_options(const HttpArgs& args) {
  EngineOptions o;
  o.threads = args.threads;
  o.connections = args.connections;
  o.requests = args.requests.value_or(0);
  o.timeout = args.timeout;
  o.connect_timeout = args.connect_timeout.value_or(args.timeout);
  o.http_version = args.http2 ? HttpVersion::kHttp2 : HttpVersion::kHttp1_1;
  o.verify_tls = !args.insecure;
  o.kind = args.engine;
  o.max_wait = args.max_wait;
  o.drain_timeout = args.timeout;  // every in-flight request ends by its own timeout anyway
  const bool bounded = args.duration || args.requests;
  if (args.duration) {
    o.duration = *args.duration;
  } else if (!bounded && !args.profile) {
    o.duration = kDefaultDuration;
  }
  if (args.profile) {
    o.profile = *args.profile;
  } else if (args.rate_per_s) {
    // A constant rate over the run's duration; with only -n, long enough for n requests (the
    // count ends it), within the profile's 24 h limit.
    const std::chrono::nanoseconds length = o.duration.count() > 0 ? o.duration : kMaxDuration;
    o.profile = RateProfile(ConstantRate{*args.rate_per_s, length});
  }
  return o;
}

nlohmann::json plan_json(const HttpArgs& args, const EngineOptions& o) {
  nlohmann::json headers = nlohmann::json::array();
  for (const Header& h : args.headers) headers.push_back(redacted_header_line(h));
  nlohmann::json plan = {
      {"tool", "gauntlet http"},
      {"method", args.effective_method()},
      {"url", redact_url(args.url)},
      {"headers", headers},
      {"model", o.profile ? "open" : "closed"},
      {"threads", o.threads},
      {"connections", o.connections},
      {"duration_s", std::chrono::duration<double>(o.duration).count()},
      {"requests", o.requests},
      {"timeout_ms", o.timeout.count()},
      {"http_version", std::string(to_string(o.http_version))},
      {"engine", std::string(to_string(resolve_engine_kind(o.kind, args.url, o.http_version)))},
  };
  if (args.rate_per_s) plan["rate_per_s"] = *args.rate_per_s;
  if (args.profile) {
    plan["profile"] = args.profile->to_json();
    plan["profile_spec"] = args.profile_spec;
  }
  if (args.bodies_file) plan["bodies_file"] = args.bodies_file->string();
  return plan;
}

// Every request failed before any response began, for want of a connection: the run never
// really started, whatever the engine counted.
bool never_connected(const EngineStats& stats, const RunMetrics& metrics) {
  if (stats.completed == 0 || stats.status_counts[0] != stats.completed) return false;
  const auto count = [&](ErrorClass c) {
    return metrics.iteration.errors[static_cast<std::size_t>(c)].count;
  };
  return count(ErrorClass::kConnect) + count(ErrorClass::kDns) + count(ErrorClass::kTls) ==
         stats.completed;
}

std::string first_connect_sample(const RunMetrics& metrics) {
  for (ErrorClass c : {ErrorClass::kConnect, ErrorClass::kDns, ErrorClass::kTls}) {
    const auto& samples = metrics.iteration.errors[static_cast<std::size_t>(c)].samples;
    if (!samples.empty()) return samples.front();
  }
  return "no connection could be made";
}

// Writes the JSON result and the CSV files; false (after saying why) when one cannot be written.
bool write_outputs(const HttpArgs& args, const RunResult& result, const EngineStats& stats,
                   std::ostream& err) {
  try {
    if (args.json_path) {
      std::ostringstream text;
      JsonReporter(text).report(result);
      write_file_atomically(*args.json_path, text.str());
    }
    if (args.csv_prefix) {
      CsvOptions csv;
      csv.iteration_type = args.effective_method();
      csv.iteration_name = url_path_and_query(redact_url(args.url));  // Locust's Name column
      csv.average_content_bytes = stats.completed > 0 ? static_cast<double>(stats.bytes_received) /
                                                            static_cast<double>(stats.completed)
                                                      : 0;
      write_csv_files(*args.csv_prefix, result, csv);
    }
  } catch (const std::exception& e) {
    err << "gauntlet http: " << e.what() << '\n';
    return false;
  }
  return true;
}

// ---- --breaking-point: one open-model run per level, each a normal result ----

BreakingPointOptions search_options(const HttpArgs& args) {
  BreakingPointOptions o;
  o.from = args.breaking_point->first;
  o.to = args.breaking_point->second;
  o.steps = args.steps;
  o.time_budget = args.search_budget;
  o.unit = "requests/s";
  o.thresholds = args.thresholds;
  return o;
}

// The arguments of one level's run: a constant rate for the level's duration.
HttpArgs level_args(const HttpArgs& args, double rate) {
  HttpArgs level = args;
  level.breaking_point.reset();
  level.rate_per_s = rate;
  level.duration = args.level_duration;
  level.name = args.name + ".level-" + format_3_digits(rate);
  return level;
}

// An output file is written only after the whole load: its directory must exist and be writable
// now, or the run would be spent for nothing. `flag` and `given` name it in the problem.
void check_output_path(std::string_view flag, const std::string& given,
                       const std::filesystem::path& file, Problems& problems) {
  namespace fs = std::filesystem;
  const std::string head = std::string(flag) + " \"" + given + "\" cannot be written: ";
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    problems.add(head + "it is a directory.");
    return;
  }
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (!fs::exists(dir, ec)) {
    problems.add(head + "the directory \"" + dir.string() + "\" does not exist.");
  } else if (!fs::is_directory(dir, ec)) {
    problems.add(head + "\"" + dir.string() + "\" is not a directory.");
  } else if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    problems.add(head + "the directory \"" + dir.string() + "\" is not writable.");
  }
}

struct Prepared {
  HttpArgs args;
  std::vector<Threshold> thresholds;
  std::optional<Engine> engine;
};

// Everything that can be checked before any load is sent; ConfigError on bad input.
void prepare(Prepared& p, const HttpCommandContext& context) {
  const bool env_allows = context.env && context.env("GAUNTLET_ALLOW_REMOTE").value_or("") == "1";
  check_target(p.args.url, p.args.allow_remote || env_allows);
  Problems problems;
  if (p.args.json_path) {
    check_output_path("--json", p.args.json_path->string(), *p.args.json_path, problems);
  }
  if (p.args.csv_prefix) {
    check_output_path("--csv", *p.args.csv_prefix,
                      *p.args.csv_prefix + std::string(csv_file_suffix(CsvTable::kStats)),
                      problems);
  }
  try {
    p.thresholds = parse_thresholds(p.args.thresholds);
  } catch (const ConfigError& e) {
    for (const std::string& problem : e.problems()) problems.add(problem);
  }
  if (p.args.breaking_point) {
    for (std::string& problem : search_options(p.args).validate()) problems.add(std::move(problem));
  }
  try {
    const HttpArgs& first =
        p.args.breaking_point ? level_args(p.args, p.args.breaking_point->first) : p.args;
    p.engine.emplace(engine_options(first), make_source(first));
  } catch (const ConfigError& e) {
    for (const std::string& problem : e.problems()) problems.add(problem);
  } catch (const std::invalid_argument& e) {
    problems.add(e.what());
  }
  problems.throw_if_any();
}

RunResult build_result(const Prepared& p, EngineRun run,
                       std::chrono::system_clock::time_point started_at,
                       const HttpCommandContext& context) {
  FinishedRun facts;
  facts.name = p.args.name;
  facts.plan = plan_json(p.args, p.engine->options());
  facts.started_at = started_at;
  facts.ended_at = std::chrono::system_clock::now();
  facts.load_duration = run.stats.elapsed;
  facts.metrics = std::move(run.metrics);
  facts.incomplete = run.stats.stopped;
  if (run.stats.stopped && context.stop_reason) facts.stop_reason = context.stop_reason();
  facts.requested_rate_per_s = run.stats.requested_rate_per_s;
  facts.achieved_rate_per_s = run.stats.achieved_rate_per_s;
  facts.extra["http"] = run.stats.to_json();
  facts.extra["latency_view"] = run.stats.open_model
                                    ? "corrected: from each request's intended start"
                                    : "from the actual send (closed model)";
  return assemble_result(std::move(facts), p.thresholds);
}

int run_prepared(Prepared& p, std::ostream& out, std::ostream& err,
                 const HttpCommandContext& context) {
  const EngineOptions& o = p.engine->options();
  if (auto why = probe_target(p.args.url, o.connect_timeout, o.verify_tls)) {
    err << "gauntlet http: the run could not start: " << *why << '\n';
    return kHttpExitCannotStart;
  }
  // The live line goes to stderr: redrawn in place on a terminal; elsewhere only with
  // GAUNTLET_PROGRESS=1 (a plain line every 5 s), so that CI logs stay clean.
  const std::optional<std::string> progress_env =
      context.env ? context.env("GAUNTLET_PROGRESS") : std::nullopt;
  const bool show_progress =
      progress_wanted(progress_env ? progress_env->c_str() : nullptr, context.terminal);
  HttpProgressPrinter progress(err, context.terminal, p.args.quiet || !show_progress);
  const auto started_at = std::chrono::system_clock::now();
  EngineRun run = p.engine->run(context.stop, std::ref(progress));
  progress.finish();
  if (never_connected(run.stats, run.metrics)) {
    err << "gauntlet http: the run could not start: every request failed to connect ("
        << first_connect_sample(run.metrics) << ")\n";
    return kHttpExitCannotStart;
  }
  const EngineStats stats = run.stats;
  const RunResult result = build_result(p, std::move(run), started_at, context);
  print_http_summary(out, result, stats);
  if (!write_outputs(p.args, result, stats, err)) return kHttpExitUsage;
  return is_success(run_status(result)) ? kHttpExitPass : kHttpExitFailed;
}

LevelOutcome level_outcome(const RunResult& r, const EngineStats& stats) {
  const Histogram& h = r.metrics.iteration.latency;
  LevelOutcome out;
  out.p50_ms = static_cast<double>(h.value_at_percentile(50)) / 1000.0;
  out.p95_ms = static_cast<double>(h.value_at_percentile(95)) / 1000.0;
  out.p99_ms = static_cast<double>(h.value_at_percentile(99)) / 1000.0;
  out.error_rate = r.metrics.iteration.error_rate();
  out.achieved_rate = r.achieved_rate_per_s;
  out.generator_limited = stats.generator_bottleneck;
  out.passed = is_success(run_status(r)) && !stats.generator_bottleneck;
  for (const ThresholdOutcome& t : r.thresholds) {
    if (t.verdict == Verdict::kFail)
      out.note += (out.note.empty() ? "" : "; ") + t.expression + " " + t.detail;
  }
  if (stats.generator_bottleneck)
    out.note += (out.note.empty() ? "" : "; ") + stats.bottleneck_reason;
  if (r.incomplete) out.note += (out.note.empty() ? "" : "; ") + r.stop_reason;
  return out;
}

// "  level 400/s  p50 1.2ms  p95 3.4ms  p99 5.6ms  errors 0%  achieved 399.8/s  PASS"
void print_level(std::ostream& out, const LevelOutcome& l) {
  out << "  level " << format_rate_per_s(l.level) << "  p50 " << format_duration_us(l.p50_ms * 1000)
      << "  p95 " << format_duration_us(l.p95_ms * 1000) << "  p99 "
      << format_duration_us(l.p99_ms * 1000) << "  errors " << format_percent(l.error_rate)
      << "  achieved " << format_rate_per_s(l.achieved_rate) << "  " << (l.passed ? "PASS" : "FAIL")
      << '\n';
}

void print_curve(std::ostream& out, const CapacityCurve& c) {
  out << "breaking point (" << c.levels.size() << " levels):\n";
  for (const LevelOutcome& l : c.levels) print_level(out, l);
  out << "highest sustainable rate: "
      << (c.highest_sustainable ? format_rate_per_s(*c.highest_sustainable) : "none")
      << "; knee: " << (c.knee ? format_rate_per_s(*c.knee) : "none") << "\n"
      << c.note << '\n';
}

int run_breaking_point(Prepared& p, std::ostream& out, std::ostream& err,
                       const HttpCommandContext& context) {
  if (auto why = probe_target(p.args.url, p.engine->options().connect_timeout,
                              p.engine->options().verify_tls)) {
    err << "gauntlet http: the run could not start: " << *why << '\n';
    return kHttpExitCannotStart;
  }
  std::vector<RunResult> results;
  const LevelRunner run_level = [&](double rate) {
    Prepared level;
    level.args = level_args(p.args, rate);
    level.thresholds = p.thresholds;
    level.engine.emplace(engine_options(level.args), make_source(level.args));
    const auto started_at = std::chrono::system_clock::now();
    EngineRun run = level.engine->run(context.stop);
    const EngineStats stats = run.stats;
    results.push_back(build_result(level, std::move(run), started_at, context));
    LevelOutcome outcome = level_outcome(results.back(), stats);
    outcome.level = rate;
    if (!p.args.quiet) print_level(out, outcome);
    return outcome;
  };
  SteadyClock clock;
  const CapacityCurve curve = find_breaking_point(search_options(p.args), run_level, clock);
  print_curve(out, curve);
  if (results.empty()) return kHttpExitFailed;
  // The result: the last level run, carrying the whole curve and every level's own result.
  RunResult result = results.back();
  result.name = p.args.name;
  result.breaking_point = curve;
  result.extra["levels"] = nlohmann::json::array();
  for (const RunResult& r : results) result.extra["levels"].push_back(to_json(r));
  try {
    if (p.args.json_path) {
      std::ostringstream text;
      JsonReporter(text).report(result);
      write_file_atomically(*p.args.json_path, text.str());
    }
  } catch (const std::exception& e) {
    err << "gauntlet http: " << e.what() << '\n';
    return kHttpExitUsage;
  }
  return curve.highest_sustainable ? kHttpExitPass : kHttpExitFailed;
}

}  // namespace

int run_http_command(std::span<const std::string> args, std::ostream& out, std::ostream& err,
                     const HttpCommandContext& context) {
  Prepared p;
  try {
    p.args = parse_http_args(args);
    if (p.args.help) {
      out << kHttpUsage;
      return kHttpExitPass;
    }
    prepare(p, context);
  } catch (const ConfigError& e) {
    print_problems(err, e);
    return kHttpExitUsage;
  }
  try {
    if (p.args.breaking_point) return run_breaking_point(p, out, err, context);
    return run_prepared(p, out, err, context);
  } catch (const std::exception& e) {  // epoll or libcurl could not be set up
    err << "gauntlet http: the run could not start: " << e.what() << '\n';
    return kHttpExitCannotStart;
  }
}

}  // namespace gauntlet

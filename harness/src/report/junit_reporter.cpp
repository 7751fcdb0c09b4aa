#include "gauntlet/report/junit_reporter.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gauntlet/report/run_status.hpp"
#include "gauntlet/text/markup_escape.hpp"
#include "gauntlet/text/measured_format.hpp"
#include "gauntlet/text/utc_time.hpp"

namespace gauntlet {
namespace {

using format_detail::trimmed_fixed;

std::string attr(std::string_view text) { return "\"" + escape_markup(text) + "\""; }

std::string ms(std::int64_t us) { return trimmed_fixed(static_cast<double>(us) / 1000.0, 3); }

struct Suite {
  std::string name;
  std::vector<const RunResult*> runs;
  std::size_t tests() const {
    std::size_t n = 0;
    for (const RunResult* r : runs) n += 1 + r->thresholds.size();
    return n;
  }
  std::size_t failures() const {
    std::size_t n = 0;
    for (const RunResult* r : runs) {
      if (is_probe(*r)) continue;  // judged by its test (run_status.hpp), never a failure here
      n += r->incomplete ? 1 : 0;
      n += static_cast<std::size_t>(
          std::count_if(r->thresholds.begin(), r->thresholds.end(),
                        [](const ThresholdOutcome& t) { return t.verdict == Verdict::kFail; }));
    }
    return n;
  }
  double seconds() const {
    double s = 0;
    for (const RunResult* r : runs) s += r->duration_s;
    return s;
  }
};

// Suites in order of first appearance, each with its runs in the given order.
std::vector<Suite> group(std::span<const RunResult> results) {
  std::vector<Suite> suites;
  for (const RunResult& r : results) {
    const std::string name = junit_suite_of(r);
    auto it =
        std::find_if(suites.begin(), suites.end(), [&](const Suite& s) { return s.name == name; });
    if (it == suites.end()) it = suites.insert(suites.end(), Suite{name, {}});
    it->runs.push_back(&r);
  }
  return suites;
}

void property(std::ostream& out, std::string_view name, std::string_view value) {
  out << "        <property name=" << attr(name) << " value=" << attr(value) << "/>\n";
}

// "<value> <unit>" as a threshold measured it: latencies in ms, ratios in %, others as they are.
std::string measured_text(double value, const std::string& unit) {
  if (value != value) return "nothing measured";  // NaN
  if (unit == "us") return trimmed_fixed(value / 1000.0, 3) + " ms";
  if (unit == "ratio") return trimmed_fixed(value * 100.0, 4) + " %";
  if (unit == "per_s") return trimmed_fixed(value, 3) + " /s";
  return trimmed_fixed(value, 6) + (unit.empty() || unit == "count" ? "" : " " + unit);
}

void run_case(std::ostream& out, const std::string& suite, const RunResult& r) {
  const StepStats& it = r.metrics.iteration;
  const Histogram& h = it.latency;
  out << "    <testcase classname=" << attr(suite) << " name=" << attr(r.name)
      << " time=" << attr(trimmed_fixed(r.duration_s, 3)) << ">\n      <properties>\n";
  property(out, "verdict", to_string(run_status(r)));
  if (is_probe(r)) property(out, "probe", "true");
  property(out, "scale", r.scale);
  property(out, "iterations", std::to_string(it.total()));
  property(out, "errors", std::to_string(it.failed));
  property(out, "error_rate", trimmed_fixed(it.error_rate(), 6));
  property(out, "dropped", std::to_string(r.metrics.dropped));
  property(out, "rate_per_s", trimmed_fixed(r.achieved_rate_per_s, 3));
  for (const auto& [label, p] : {std::pair{"p50_ms", 50.0}, {"p95_ms", 95.0}, {"p99_ms", 99.0}}) {
    property(out, label, h.empty() ? "" : ms(h.value_at_percentile(p)));
  }
  property(out, "max_ms", h.empty() ? "" : ms(h.max()));
  out << "      </properties>\n";
  if (r.incomplete && !is_probe(r)) {
    out << "      <failure type=\"incomplete\" message="
        << attr("the run stopped before its plan ended: " + r.stop_reason) << "/>\n";
  }
  out << "    </testcase>\n";
}

void threshold_case(std::ostream& out, const std::string& suite, const RunResult& r,
                    const ThresholdOutcome& t) {
  out << "    <testcase classname=" << attr(suite + "." + r.name)
      << " name=" << attr("threshold " + t.expression) << " time=\"0\">\n      <properties>\n";
  property(out, "verdict", to_string(t.verdict));
  property(out, "target", t.expression);
  property(out, "measured", measured_text(t.measured, t.unit));
  out << "      </properties>\n";
  if (t.verdict == Verdict::kFail && !is_probe(r)) {
    out << "      <failure type=\"threshold\" message=" << attr(t.detail) << ">"
        << escape_markup("target: " + t.expression +
                         "\nmeasured: " + measured_text(t.measured, t.unit) + "\n" + t.detail)
        << "</failure>\n";
  }
  out << "    </testcase>\n";
}

}  // namespace

std::string junit_suite_of(const RunResult& result) {
  const auto it = result.extra.find("executable");
  if (it != result.extra.end() && it->is_string() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  return result.name.substr(0, result.name.find('.'));
}

void JunitReporter::report(std::span<const RunResult> results) {
  const std::vector<Suite> suites = group(results);
  std::size_t tests = 0;
  std::size_t failures = 0;
  double seconds = 0;
  for (const Suite& s : suites) {
    tests += s.tests();
    failures += s.failures();
    seconds += s.seconds();
  }
  out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
       << "<testsuites name=\"gauntlet\" tests=\"" << tests << "\" failures=\"" << failures
       << "\" errors=\"0\" time=" << attr(trimmed_fixed(seconds, 3)) << ">\n";
  for (const Suite& s : suites) {
    out_ << "  <testsuite name=" << attr(s.name) << " tests=\"" << s.tests() << "\" failures=\""
         << s.failures()
         << "\" errors=\"0\" skipped=\"0\" time=" << attr(trimmed_fixed(s.seconds(), 3))
         << " timestamp=" << attr(format_utc(s.runs.front()->started_at)) << ">\n";
    for (const RunResult* r : s.runs) {
      run_case(out_, s.name, *r);
      for (const ThresholdOutcome& t : r->thresholds) threshold_case(out_, s.name, *r, t);
    }
    out_ << "  </testsuite>\n";
  }
  out_ << "</testsuites>\n";
}

}  // namespace gauntlet

#include "gauntlet/report/result_compare.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "gauntlet/text/markup_escape.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

using format_detail::trimmed_fixed;

double step_rate(const StepStats& s, const RunResult& r) {
  return r.duration_s > 0 ? static_cast<double>(s.total()) / r.duration_s : 0.0;
}

MetricChange latency_change(const char* name, const Histogram& base, const Histogram& now, double p,
                            double tolerance, const CompareTolerances& t) {
  MetricChange c{name, static_cast<double>(base.value_at_percentile(p)),
                 static_cast<double>(now.value_at_percentile(p)), 0, false};
  c.change = c.base > 0 ? c.now / c.base - 1 : 0;
  c.regression = !base.empty() && !now.empty() && c.change > tolerance &&
                 c.now - c.base >= t.min_latency_change_us;
  return c;
}

StepComparison compare_step(const std::string& test, const StepStats& base, const RunResult& rb,
                            const StepStats& now, const RunResult& rn, const CompareTolerances& t) {
  StepComparison out{test, base.name, {}};
  out.changes.push_back(latency_change("p50", base.latency, now.latency, 50, t.p50, t));
  out.changes.push_back(latency_change("p95", base.latency, now.latency, 95, t.p95, t));
  out.changes.push_back(latency_change("p99", base.latency, now.latency, 99, t.p99, t));
  MetricChange rate{"rate", step_rate(base, rb), step_rate(now, rn), 0, false};
  rate.change = rate.base > 0 ? rate.now / rate.base - 1 : 0;
  rate.regression = rate.base > 0 && rate.change < -t.rate;
  out.changes.push_back(rate);
  MetricChange errors{"error_rate", base.error_rate(), now.error_rate(), 0, false};
  errors.change = errors.now - errors.base;
  errors.regression = errors.change > t.error_rate;
  out.changes.push_back(errors);
  return out;
}

const RunResult* find_test(std::span<const RunResult> results, const std::string& name) {
  const auto it = std::find_if(results.begin(), results.end(),
                               [&](const RunResult& r) { return r.name == name; });
  return it == results.end() ? nullptr : &*it;
}

std::string figure(const MetricChange& c, double v) {
  if (c.metric == "rate") return format_rate_per_s(v);
  if (c.metric == "error_rate") return format_percent(v);
  return format_duration_us(v);
}

std::string change_text(const MetricChange& c) {
  if (c.metric == "error_rate") {
    return (c.change >= 0 ? "+" : "") + trimmed_fixed(c.change * 100, 2) + " pt";
  }
  if (c.base <= 0) return "-";
  return (c.change >= 0 ? "+" : "") + trimmed_fixed(c.change * 100, 1) + "%";
}

}  // namespace

void set_tolerance(CompareTolerances& t, std::string_view kv) {
  const std::size_t eq = kv.find('=');
  const std::string key(kv.substr(0, eq));
  const std::string value(eq == std::string_view::npos ? "" : kv.substr(eq + 1));
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (eq == std::string_view::npos || value.empty() || *end != '\0' || !(v >= 0)) {
    throw std::invalid_argument("--tolerance \"" + std::string(kv) +
                                "\" must be KEY=VALUE with a number >= 0, e.g. p95=0.25");
  }
  if (key == "p50") {
    t.p50 = v;
  } else if (key == "p95") {
    t.p95 = v;
  } else if (key == "p99") {
    t.p99 = v;
  } else if (key == "rate") {
    t.rate = v;
  } else if (key == "error_rate") {
    t.error_rate = v;
  } else if (key == "min_latency_ms") {
    t.min_latency_change_us = v * 1000;
  } else {
    throw std::invalid_argument("--tolerance key \"" + key +
                                "\" is unknown; expected p50, p95, p99, rate, error_rate or "
                                "min_latency_ms");
  }
}

bool StepComparison::regression() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const MetricChange& c) { return c.regression; });
}

bool Comparison::regression() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const StepComparison& s) { return s.regression(); });
}

Comparison compare_results(std::span<const RunResult> base, std::span<const RunResult> now,
                           const CompareTolerances& t) {
  Comparison out;
  out.tolerances = t;
  for (const RunResult& b : base) {
    const RunResult* n = find_test(now, b.name);
    if (n == nullptr) {
      out.only_in_base.push_back(b.name);
      continue;
    }
    out.steps.push_back(compare_step(b.name, b.metrics.iteration, b, n->metrics.iteration, *n, t));
    for (const StepStats& s : b.metrics.steps) {
      const StepStats* ns = n->metrics.find(s.name);
      if (ns != nullptr) out.steps.push_back(compare_step(b.name, s, b, *ns, *n, t));
    }
  }
  for (const RunResult& n : now) {
    if (find_test(base, n.name) == nullptr) out.only_in_new.push_back(n.name);
  }
  return out;
}

void write_comparison_table(std::ostream& out, const Comparison& c) {
  for (const StepComparison& s : c.steps) {
    out << (s.regression() ? "REGRESSION  " : "ok          ") << s.test;
    if (s.step != "iteration") out << " / " << s.step;
    out << '\n';
    for (const MetricChange& m : s.changes) {
      out << "    " << m.metric << std::string(12 - std::min<std::size_t>(m.metric.size(), 11), ' ')
          << figure(m, m.base) << " -> " << figure(m, m.now) << "  (" << change_text(m) << ")"
          << (m.regression ? "  beyond the tolerance" : "") << '\n';
    }
  }
  for (const std::string& n : c.only_in_base)
    out << "missing     " << n << " (only in the baseline)\n";
  for (const std::string& n : c.only_in_new) out << "new         " << n << " (no baseline)\n";
  std::size_t regressions = 0;
  for (const StepComparison& s : c.steps) regressions += s.regression() ? 1 : 0;
  out << "compare: " << c.steps.size() << " compared, " << regressions << " regressed, "
      << c.only_in_base.size() << " missing, " << c.only_in_new.size() << " new\n";
}

nlohmann::json comparison_json(const Comparison& c) {
  nlohmann::json doc{{"regression", c.regression()},
                     {"tolerances",
                      {{"p50", c.tolerances.p50},
                       {"p95", c.tolerances.p95},
                       {"p99", c.tolerances.p99},
                       {"rate", c.tolerances.rate},
                       {"error_rate", c.tolerances.error_rate},
                       {"min_latency_ms", c.tolerances.min_latency_change_us / 1000}}},
                     {"steps", nlohmann::json::array()},
                     {"only_in_base", c.only_in_base},
                     {"only_in_new", c.only_in_new}};
  for (const StepComparison& s : c.steps) {
    nlohmann::json changes = nlohmann::json::array();
    for (const MetricChange& m : s.changes) {
      changes.push_back({{"metric", m.metric},
                         {"base", m.base},
                         {"new", m.now},
                         {"change", m.change},
                         {"regression", m.regression}});
    }
    doc["steps"].push_back(
        {{"test", s.test}, {"step", s.step}, {"regression", s.regression()}, {"changes", changes}});
  }
  return doc;
}

void write_comparison_html(std::ostream& out, const Comparison& c) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gauntlet "
         "compare</title><style>body{font:14px system-ui,sans-serif;max-width:1200px;margin:16px "
         "auto;padding:0 16px}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px "
         "solid #ddd;padding:4px 8px;text-align:left}td.num{text-align:right}"
         "tr.regression{background:#fdecea}</style></head><body>\n<h1>gauntlet compare: "
      << (c.regression() ? "REGRESSION" : "no regression") << "</h1>\n<table><thead><tr>"
      << "<th>test</th><th>step</th><th>metric</th><th>base</th><th>new</th><th>change</th>"
         "</tr></thead><tbody>\n";
  for (const StepComparison& s : c.steps) {
    for (const MetricChange& m : s.changes) {
      out << "<tr" << (m.regression ? " class=\"regression\"" : "") << "><td>"
          << escape_markup(s.test) << "</td><td>" << escape_markup(s.step) << "</td><td>"
          << m.metric << "</td><td class=\"num\">" << figure(m, m.base) << "</td><td class=\"num\">"
          << figure(m, m.now) << "</td><td class=\"num\">" << change_text(m) << "</td></tr>\n";
    }
  }
  out << "</tbody></table>\n";
  for (const std::string& n : c.only_in_base) {
    out << "<p>missing: " << escape_markup(n) << " (only in the baseline)</p>\n";
  }
  for (const std::string& n : c.only_in_new) {
    out << "<p>new: " << escape_markup(n) << " (no baseline)</p>\n";
  }
  out << "</body></html>\n";
}

}  // namespace gauntlet

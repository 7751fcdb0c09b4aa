#include "gauntlet/report/html_reporter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "gauntlet/build_paths.hpp"
#include "gauntlet/report/result_sections.hpp"
#include "gauntlet/report/run_status.hpp"
#include "gauntlet/report/summary_reporter.hpp"
#include "gauntlet/text/ascii_case.hpp"
#include "gauntlet/text/markup_escape.hpp"
#include "gauntlet/text/measured_format.hpp"
#include "gauntlet/text/utc_time.hpp"

namespace gauntlet {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr int kDistributionBins = 48;  // log-spaced bins of the latency distribution chart

std::string esc(std::string_view s) { return escape_markup(s); }
std::string us(std::int64_t v) { return format_duration_us(static_cast<double>(v)); }
double ms(std::int64_t v) { return static_cast<double>(v) / 1000.0; }

std::string read_asset(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read the report asset " + path.string() +
                             "; run scripts/setup (it installs the chart library with npm ci)");
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// JSON inside a <script> element: every '<' becomes the equivalent \u003c, so that no string
// in it can end the element or open a comment in it.
std::string json_in_script(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// Script text inlined verbatim; only "</script" (which can occur in a string or a regular
// expression, never in code) would end the element, and "<\/script" means the same there.
std::string script_in_script(std::string text) {
  for (std::size_t at = 0; (at = text.find("</", at)) != std::string::npos; at += 3) {
    if (ascii_lower(text.substr(at + 2, 6)) == "script") text.replace(at, 2, "<\\/");
  }
  return text;
}

// Latency counts in log-spaced bins between the min and the max, in ms.
Json distribution(const Histogram& h) {
  Json out{{"ms", Json::array()}, {"count", Json::array()}};
  if (h.empty()) return out;
  const double lo = static_cast<double>(std::max<std::int64_t>(h.min(), 1));
  const double hi = std::max(static_cast<double>(h.max()), lo * 1.01);
  const double step = std::log(hi / lo) / kDistributionBins;
  std::vector<std::int64_t> counts(kDistributionBins, 0);
  h.for_each_bucket([&](std::int64_t low, std::int64_t, std::int64_t count) {
    const double v = std::clamp(static_cast<double>(low), lo, hi);
    const int bin = std::min(kDistributionBins - 1, static_cast<int>(std::log(v / lo) / step));
    counts[static_cast<std::size_t>(bin)] += count;
  });
  for (int i = 0; i < kDistributionBins; ++i) {
    out["ms"].push_back(lo * std::exp(step * (i + 0.5)) / 1000.0);
    out["count"].push_back(counts[static_cast<std::size_t>(i)]);
  }
  return out;
}

// Failing runs first, then incomplete, warned, passed; the given order within each.
int status_rank(RunStatus s) {
  switch (s) {
    case RunStatus::kFail:
      return 0;
    case RunStatus::kIncomplete:
      return 1;
    case RunStatus::kWarn:
      return 2;
    case RunStatus::kPass:
      return 3;
  }
  return 4;
}

std::string status_badge(const RunResult& r) {
  const std::string text(to_string(run_status(r)));
  const std::string cls = ascii_lower(text);
  if (is_probe(r)) {  // judged by its test: shown as measured, never in the failure colours
    return "<span class=\"badge probe\" title=\"a probe: its test judges this outcome\">" + text +
           " \u00b7 probe</span>";
  }
  return "<span class=\"badge " + cls + "\">" + text + "</span>";
}

std::string percentile_cell(const Histogram& h, double p) {
  return "<td class=\"num\">" + (h.empty() ? std::string("-") : us(h.value_at_percentile(p))) +
         "</td>";
}

// The figures a test attached (checkers' findings), "lost 0, duplicated 1".
std::string integrity_text(const RunMetrics& m) {
  std::string out;
  for (const Figure& f : m.figures) {
    out += (out.empty() ? "" : ", ") + esc(f.name) + " " + format_3_digits(f.value);
  }
  return out.empty() ? "-" : out;
}

std::string failing_thresholds(const RunResult& r) {
  std::string out;
  for (const ThresholdOutcome& t : r.thresholds) {
    if (t.verdict == Verdict::kFail) out += (out.empty() ? "" : "<br>") + esc(t.expression);
  }
  return out;
}

// The runs' indexes, failing runs first (then incomplete, warned, passed, probes), else as given.
std::vector<std::size_t> display_order(std::span<const RunResult> results) {
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto rank = [](const RunResult& r) {
      return is_probe(r) ? status_rank(RunStatus::kPass) + 1 : status_rank(run_status(r));
    };
    return rank(results[a]) < rank(results[b]);
  });
  return order;
}

void overview(std::ostream& out, std::span<const RunResult> results,
              const std::vector<std::size_t>& order) {
  out << "<table class=\"overview\"><thead><tr><th>verdict</th><th>test</th><th>rate</th>"
         "<th>p50</th><th>p95</th><th>p99</th><th>errors</th><th>dropped</th>"
         "<th>integrity</th><th>failing thresholds</th></tr></thead><tbody>\n";
  for (const std::size_t i : order) {
    const RunResult& r = results[i];
    const StepStats& it = r.metrics.iteration;
    out << "<tr><td>" << status_badge(r) << "</td><td><a href=\"#run-" << i << "\">" << esc(r.name)
        << "</a></td><td class=\"num\">" << format_rate_per_s(r.achieved_rate_per_s) << "</td>"
        << percentile_cell(it.latency, 50) << percentile_cell(it.latency, 95)
        << percentile_cell(it.latency, 99) << "<td class=\"num\">" << it.failed << " ("
        << format_percent(it.error_rate()) << ")</td><td class=\"num\">" << r.metrics.dropped
        << "</td><td>" << integrity_text(r.metrics) << "</td><td>" << failing_thresholds(r)
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void chart(std::ostream& out, std::size_t i, std::string_view kind, std::string_view title,
           std::string_view series) {
  out << "<figure class=\"chart-box\"><figcaption>" << title
      << "</figcaption><div class=\"chart\" id=\"run-" << i << "-" << kind << "\" data-run=\"" << i
      << "\" data-chart=\"" << kind << "\" data-series=\"" << series << "\"></div></figure>\n";
}

void thresholds_table(std::ostream& out, const RunResult& r) {
  out << "<h3>Thresholds</h3>";
  if (r.thresholds.empty()) {
    out << "<p class=\"none\">none</p>\n";
    return;
  }
  out << "<table><thead><tr><th>verdict</th><th>threshold</th><th>measured</th></tr></thead>"
         "<tbody>\n";
  for (const ThresholdOutcome& t : r.thresholds) {
    const std::string cls = ascii_lower(to_string(t.verdict));
    out << "<tr><td><span class=\"badge " << cls << "\">" << to_string(t.verdict)
        << "</span></td><td><code>" << esc(t.expression) << "</code></td><td>" << esc(t.detail)
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void step_row(std::ostream& out, const StepStats& s) {
  const Histogram& h = s.latency;
  out << "<tr><td>" << esc(s.name) << "</td><td class=\"num\">" << s.ok << "</td><td class=\"num\">"
      << s.failed << "</td><td class=\"num\">"
      << (s.total() == 0 ? "-" : format_percent(s.error_rate())) << "</td>"
      << percentile_cell(h, 50) << percentile_cell(h, 95) << percentile_cell(h, 99)
      << "<td class=\"num\">" << (h.empty() ? "-" : us(h.max())) << "</td></tr>\n";
}

void steps_table(std::ostream& out, const RunResult& r) {
  out << "<h3>Steps</h3><table><thead><tr><th>step</th><th>ok</th><th>failed</th><th>errors</th>"
         "<th>p50</th><th>p95</th><th>p99</th><th>max</th></tr></thead><tbody>\n";
  step_row(out, r.metrics.iteration);
  for (const StepStats& s : r.metrics.steps) step_row(out, s);
  out << "</tbody></table>\n";
}

void errors_table(std::ostream& out, const RunResult& r) {
  out << "<h3>Errors</h3>";
  std::ostringstream rows;
  const auto add = [&rows](const StepStats& s, const std::string& where) {
    for (std::size_t c = 0; c < kErrorClassCount; ++c) {
      const ErrorStats& e = s.errors[c];
      if (e.count == 0) continue;
      rows << "<tr><td>" << esc(where) << "</td><td>" << to_string(static_cast<ErrorClass>(c))
           << "</td><td class=\"num\">" << e.count << "</td><td><ul class=\"samples\">";
      for (const std::string& m : e.samples) rows << "<li><code>" << esc(m) << "</code></li>";
      rows << "</ul></td></tr>\n";
    }
  };
  add(r.metrics.iteration, "iteration");
  for (const StepStats& s : r.metrics.steps) add(s, s.name);
  if (rows.str().empty()) {
    out << "<p class=\"none\">none</p>\n";
    return;
  }
  out << "<table><thead><tr><th>where</th><th>class</th><th>count</th><th>sample messages</th>"
         "</tr></thead><tbody>\n"
      << rows.str() << "</tbody></table>\n";
}

void custom_table(std::ostream& out, const RunMetrics& m) {
  if (m.counters.empty() && m.gauges.empty() && m.trends.empty() && m.figures.empty()) return;
  out << "<h3>Metrics and integrity</h3><table><thead><tr><th>name</th><th>kind</th>"
         "<th>value</th><th>details</th></tr></thead><tbody>\n";
  for (const Figure& f : m.figures) {
    std::string examples;
    for (const std::string& e : f.examples) examples += (examples.empty() ? "" : ", ") + esc(e);
    out << "<tr><td>" << esc(f.name) << "</td><td>figure</td><td class=\"num\">"
        << format_3_digits(f.value) << "</td><td>" << examples << "</td></tr>\n";
  }
  for (const CounterStats& c : m.counters) {
    out << "<tr><td>" << esc(c.name) << "</td><td>counter</td><td class=\"num\">" << c.value
        << "</td><td></td></tr>\n";
  }
  for (const GaugeStats& g : m.gauges) {
    out << "<tr><td>" << esc(g.name) << "</td><td>gauge</td><td class=\"num\">"
        << format_3_digits(g.last) << "</td><td>min " << format_3_digits(g.min) << ", max "
        << format_3_digits(g.max) << "</td></tr>\n";
  }
  for (const TrendStats& t : m.trends) {
    const Histogram& h = t.values;
    out << "<tr><td>" << esc(t.name) << "</td><td>trend</td><td class=\"num\">" << h.total_count()
        << " values</td><td>"
        << (h.empty() ? std::string("-")
                      : "p50 " + us(h.value_at_percentile(50)) + ", p95 " +
                            us(h.value_at_percentile(95)) + ", max " + us(h.max()))
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void monitor_table(std::ostream& out, const Json& monitor) {
  const auto procs = monitor.find("processes");
  if (procs == monitor.end() || !procs->is_array()) return;
  out << "<h3>Resource monitor</h3><table><thead><tr><th>process</th><th>pid</th>"
         "<th>peak RSS (MB)</th><th>peak CPU (%)</th><th>peak fds</th><th>peak threads</th>"
         "<th>RSS slope (MB/min)</th></tr></thead><tbody>\n";
  for (const Json& p : *procs) {
    out << "<tr><td>" << esc(section_text(p, "name")) << "</td><td class=\"num\">"
        << section_number(p, "pid", 0) << "</td><td class=\"num\">"
        << section_number(p, "peak_rss_mb") << "</td><td class=\"num\">"
        << section_number(p, "peak_cpu_percent") << "</td><td class=\"num\">"
        << section_number(p, "peak_fds", 0) << "</td><td class=\"num\">"
        << section_number(p, "peak_threads", 0) << "</td><td class=\"num\">"
        << section_number(p, "rss_slope_mb_per_min", 2) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  const auto stopped = monitor.find("stopped");
  if (stopped != monitor.end() && stopped->is_object()) {
    out << "<p class=\"alert\">The monitor stopped the run: "
        << esc(section_text(*stopped, "message")) << " (" << esc(section_text(*stopped, "process"))
        << ", " << esc(section_text(*stopped, "limit")) << ", at "
        << section_number(*stopped, "at_s") << " s)</p>\n";
  }
}

void timeline_table(std::ostream& out, const Json& timeline) {
  if (!timeline.is_array() || timeline.empty()) return;
  out << "<h3>Fault timeline</h3><table><thead><tr><th>at (s)</th><th>until (s)</th>"
         "<th>action</th><th>outcome</th></tr></thead><tbody>\n";
  for (const Json& e : timeline) {
    out << "<tr><td class=\"num\">" << section_number(e, "at_s") << "</td><td class=\"num\">"
        << section_number(e, "until_s") << "</td><td>" << esc(section_text(e, "action"))
        << "</td><td>" << esc(section_text(e, "outcome")) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void breaking_point_table(std::ostream& out, const Json& bp) {
  const auto levels = bp.find("levels");
  if (!bp.is_object() || levels == bp.end() || !levels->is_array()) return;
  const std::string unit = esc(section_text(bp, "unit"));
  out << "<h3>Breaking point</h3><p>highest sustainable: <b>"
      << section_number(bp, "highest_sustainable") << " " << unit
      << "</b>, knee: " << section_number(bp, "knee") << " " << unit << "</p>\n"
      << "<table><thead><tr><th>level</th><th>p50 (ms)</th><th>p95 (ms)</th><th>p99 (ms)</th>"
         "<th>error rate</th><th>achieved rate</th><th>passed</th></tr></thead><tbody>\n";
  for (const Json& l : *levels) {
    const bool passed = l.is_object() && l.value("passed", false);
    out << "<tr><td class=\"num\">" << section_number(l, "level") << "</td><td class=\"num\">"
        << section_number(l, "p50_ms", 2) << "</td><td class=\"num\">"
        << section_number(l, "p95_ms", 2) << "</td><td class=\"num\">"
        << section_number(l, "p99_ms", 2) << "</td><td class=\"num\">"
        << section_number(l, "error_rate", 4) << "</td><td class=\"num\">"
        << section_number(l, "achieved_rate") << "</td><td>"
        << (passed ? "<span class=\"badge pass\">yes</span>"
                   : "<span class=\"badge fail\">no</span>")
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void run_section(std::ostream& out, const RunResult& r, const Json& doc, std::size_t i) {
  const StepStats& it = r.metrics.iteration;
  out << "<section class=\"run\" id=\"run-" << i << "\"><h2>" << status_badge(r) << " "
      << esc(r.name) << "</h2>\n<p class=\"facts\">scale " << esc(r.scale.empty() ? "-" : r.scale)
      << " · ran " << format_duration_us(r.duration_s * 1e6) << " from " << format_utc(r.started_at)
      << " · " << it.ok << " ok, " << it.failed << " failed, " << r.metrics.dropped << " dropped · "
      << format_rate_per_s(r.achieved_rate_per_s) << " achieved";
  if (r.requested_rate_per_s > 0) out << " of " << format_rate_per_s(r.requested_rate_per_s);
  out << "</p>\n";
  if (r.incomplete) {
    out << "<p class=\"alert\">Stopped early: " << esc(r.stop_reason) << "</p>\n";
  }
  out << "<div class=\"charts\">\n";
  chart(out, i, "latency", "Latency per second (ms)", "p50,p95,p99");
  chart(out, i, "throughput", "Throughput per second", "completed,failed,dropped");
  chart(out, i, "users", "Active users", "users");
  chart(out, i, "distribution", "Latency distribution (ms, log axis)", "count");
  const Json* monitor = result_section(doc, "monitor");
  if (monitor != nullptr && monitor->is_object() && monitor->contains("series")) {
    chart(out, i, "cpu", "CPU per process (%)", "");
    chart(out, i, "rss", "RSS per process (MB)", "");
  }
  out << "</div>\n";
  thresholds_table(out, r);
  steps_table(out, r);
  errors_table(out, r);
  custom_table(out, r.metrics);
  if (monitor != nullptr && monitor->is_object()) monitor_table(out, *monitor);
  if (const Json* t = result_section(doc, "timeline")) timeline_table(out, *t);
  if (const Json* bp = result_section(doc, "breaking_point")) breaking_point_table(out, *bp);
  out << "</section>\n";
}

}  // namespace

HtmlAssets load_html_assets(const fs::path& dir) {
  const fs::path uplot = dir / "node_modules" / "uplot" / "dist";
  return {read_asset(uplot / "uPlot.iife.min.js"), read_asset(uplot / "uPlot.min.css"),
          read_asset(dir / "report.js"), read_asset(dir / "report.css")};
}

fs::path default_html_assets_dir() {
  const char* env = std::getenv("GAUNTLET_REPORT_ASSETS");
  if (env != nullptr && *env != '\0') return fs::path(env);
  return build_paths::source_dir() / "harness" / "report-assets";
}

Json html_chart_data(const RunResult& r, const Json& doc, std::size_t index) {
  Json d{{"id", "run-" + std::to_string(index)}, {"name", r.name}};
  for (const char* key :
       {"t", "p50_ms", "p95_ms", "p99_ms", "completed", "failed", "dropped", "users"}) {
    d[key] = Json::array();
  }
  for (const SeriesPoint& p : r.metrics.series) {
    const bool measured = p.completed > 0;
    d["t"].push_back(p.second);
    d["p50_ms"].push_back(measured ? Json(ms(p.p50_us)) : Json(nullptr));
    d["p95_ms"].push_back(measured ? Json(ms(p.p95_us)) : Json(nullptr));
    d["p99_ms"].push_back(measured ? Json(ms(p.p99_us)) : Json(nullptr));
    d["completed"].push_back(p.completed);
    d["failed"].push_back(p.failed);
    d["dropped"].push_back(p.dropped);
    d["users"].push_back(p.active_vus);
  }
  d["dist"] = distribution(r.metrics.iteration.latency);
  const Json* timeline = result_section(doc, "timeline");
  d["timeline"] = timeline != nullptr && timeline->is_array() ? *timeline : Json::array();
  const Json* monitor = result_section(doc, "monitor");
  d["monitor"] = monitor != nullptr && monitor->is_object() ? *monitor : Json(nullptr);
  return d;
}

void HtmlReporter::report(std::span<const RunResult> results) {
  static const Json kNone;
  const auto doc_of = [&](std::size_t i) -> const Json& {
    return i < documents_.size() ? documents_[i] : kNone;
  };
  Json data = Json::array();
  for (std::size_t i = 0; i < results.size(); ++i) {
    data.push_back(html_chart_data(results[i], doc_of(i), i));
  }
  out_ << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>gauntlet report</title>\n<style>"
       << assets_.uplot_css << "\n"
       << assets_.report_css << "</style></head>\n<body>\n"
       << "<header><h1>gauntlet report</h1><p class=\"totals\">"
       << esc(summary_totals_line(summary_totals(results))) << "</p></header>\n<main>\n";
  const std::vector<std::size_t> order = display_order(results);
  overview(out_, results, order);
  for (const std::size_t i : order) run_section(out_, results[i], doc_of(i), i);
  out_ << "</main>\n<script type=\"application/json\" id=\"gauntlet-data\">"
       << json_in_script(data.dump(-1, ' ', false, Json::error_handler_t::replace))
       << "</script>\n<script>" << script_in_script(assets_.uplot_js) << "</script>\n<script>"
       << script_in_script(assets_.report_js) << "</script>\n</body></html>\n";
}

}  // namespace gauntlet

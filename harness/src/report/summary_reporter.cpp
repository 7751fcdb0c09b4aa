#include "gauntlet/report/summary_reporter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string_view>
#include <vector>

#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

constexpr std::size_t kLabelWidth = 13;  // "  <label>" column, values start after it
constexpr std::size_t kCellWidth = 8;    // right-aligned figures in the steps table ("12.3ms")

struct Percentile {
  std::string_view label;
  double value;
};
constexpr std::array<Percentile, 5> kPercentiles = {
    {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p99.9", 99.9}}};

std::string pad_right(std::string_view s, std::size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string pad_left(std::string_view s, std::size_t width) {
  std::string out;
  if (s.size() < width) out.append(width - s.size(), ' ');
  out += s;
  return out;
}

// One right-aligned cell of the steps table, always preceded by a space.
std::string cell(std::string_view s) { return " " + pad_left(s, kCellWidth); }

// "  label        " — the first line of a section; continuation lines pass "".
std::string label(std::string_view text) { return "  " + pad_right(text, kLabelWidth); }

// A figure's first examples, for the summary: `  e.g. "change-42", "change-43"` (at most 3).
std::string examples_text(const Figure& f) {
  std::string out;
  for (std::size_t i = 0; i < f.examples.size() && i < 3; ++i) {
    out += (i == 0 ? "  e.g. \"" : ", \"") + f.examples[i] + "\"";
  }
  if (f.examples.size() > 3) out += ", ...";
  return out;
}

std::string us(std::int64_t value_us) { return format_duration_us(static_cast<double>(value_us)); }

// An error message on one line, cut to `max_chars`, quoted.
std::string sample_text(std::string_view message, std::size_t max_chars) {
  std::string out;
  for (const char c : message) {
    out += std::iscntrl(static_cast<unsigned char>(c)) != 0 ? ' ' : c;
  }
  if (out.size() > max_chars) out = out.substr(0, max_chars > 3 ? max_chars - 3 : 0) + "...";
  return "\"" + out + "\"";
}

// One error class of one step (or of the iteration, step == nullptr means no prefix).
struct ErrorRow {
  std::string where;  // "http_5xx" or "upload: http_5xx"
  const ErrorStats* stats;
};

std::vector<ErrorRow> error_rows(const RunResult& result) {
  std::vector<ErrorRow> rows;
  const auto add = [&rows](const StepStats& step, std::string_view prefix) {
    for (std::size_t c = 0; c < kErrorClassCount; ++c) {
      if (step.errors[c].count == 0) continue;
      rows.push_back({std::string(prefix) + std::string(to_string(static_cast<ErrorClass>(c))),
                      &step.errors[c]});
    }
  };
  add(result.metrics.iteration, "");
  for (const StepStats& step : result.metrics.steps) add(step, step.name + ": ");
  return rows;
}

std::string steps_header(std::size_t name_width) {
  std::string line = pad_right("step", name_width) + cell("ok") + cell("failed") + cell("errors");
  for (const Percentile& p : kPercentiles) line += cell(p.label);
  return line + cell("max");
}

std::string step_row(const StepStats& step, std::size_t name_width) {
  std::string line = pad_right(step.name, name_width) + cell(std::to_string(step.ok)) +
                     cell(std::to_string(step.failed)) +
                     cell(step.total() == 0 ? "-" : format_percent(step.error_rate()));
  const Histogram& h = step.latency;
  for (const Percentile& p : kPercentiles) {
    line += cell(h.empty() ? "-" : us(h.value_at_percentile(p.value)));
  }
  return line + cell(h.empty() ? "-" : us(h.max()));
}

}  // namespace

SummaryTotals summary_totals(std::span<const RunResult> results) noexcept {
  SummaryTotals totals;
  for (const RunResult& r : results) {
    if (is_probe(r)) {
      ++totals.probes;
      continue;
    }
    switch (run_status(r)) {
      case RunStatus::kPass:
        ++totals.pass;
        break;
      case RunStatus::kWarn:
        ++totals.warn;
        break;
      case RunStatus::kFail:
        ++totals.fail;
        break;
      case RunStatus::kIncomplete:
        ++totals.incomplete;
        break;
    }
  }
  return totals;
}

std::string summary_totals_line(const SummaryTotals& t) {
  const std::size_t n = t.tests();
  return "summary: " + std::to_string(n) + (n == 1 ? " test" : " tests") + " \u2014 " +
         std::to_string(t.pass) + " PASS, " + std::to_string(t.warn) + " WARN, " +
         std::to_string(t.fail) + " FAIL, " + std::to_string(t.incomplete) + " incomplete" +
         (t.probes == 0 ? std::string()
                        : ", " + std::to_string(t.probes) + (t.probes == 1 ? " probe" : " probes") +
                              " judged by their tests");
}

void SummaryReporter::report(std::span<const RunResult> results) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    report_run(results[i]);
    out_ << '\n';
  }
  out_ << summary_totals_line(summary_totals(results)) << '\n';
}

void SummaryReporter::report_run(const RunResult& result) const {
  out_ << '[' << to_string(run_status(result)) << (is_probe(result) ? " \u00b7 probe" : "") << "] "
       << result.name << '\n';
  write_overview(result);
  write_latency(result.metrics.iteration);
  write_errors(result);
  write_thresholds(result);
  write_steps(result);
  write_custom(result.metrics);
  write_instruments(result);
}

void SummaryReporter::write_overview(const RunResult& result) const {
  const RunMetrics& m = result.metrics;
  out_ << label("run") << "scale " << (result.scale.empty() ? "-" : result.scale) << ", ran "
       << format_duration_us(result.duration_s * 1e6) << '\n';
  if (result.incomplete) {
    out_ << label("stopped")
         << "early: " << (result.stop_reason.empty() ? "no reason recorded" : result.stop_reason)
         << '\n';
  }
  out_ << label("iterations") << m.iteration.ok << " ok, " << m.iteration.failed << " failed ("
       << format_percent(m.iteration.error_rate()) << " errors), " << m.dropped << " dropped\n";
  out_ << label("rate") << format_rate_per_s(result.achieved_rate_per_s) << " achieved";
  if (result.requested_rate_per_s > 0) {
    out_ << ", " << format_rate_per_s(result.requested_rate_per_s) << " requested\n";
  } else {
    out_ << " (closed model, no target rate)\n";
  }
}

void SummaryReporter::write_latency(const StepStats& iteration) const {
  const Histogram& h = iteration.latency;
  out_ << label("latency");
  if (h.empty()) {
    out_ << "nothing was measured\n";
    return;
  }
  for (const Percentile& p : kPercentiles) {
    out_ << p.label << ' ' << us(h.value_at_percentile(p.value)) << "  ";
  }
  out_ << "max " << us(h.max()) << '\n';
}

void SummaryReporter::write_errors(const RunResult& result) const {
  const std::vector<ErrorRow> rows = error_rows(result);
  if (rows.empty()) {
    out_ << label("errors") << "none\n";
    return;
  }
  std::size_t width = 0;
  for (const ErrorRow& row : rows) width = std::max(width, row.where.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ErrorStats& e = *rows[i].stats;
    out_ << label(i == 0 ? "errors" : "") << pad_right(rows[i].where, width) << "  " << e.count
         << '\n';
    const std::size_t shown = std::min(e.samples.size(), options_.max_error_samples);
    for (std::size_t s = 0; s < shown; ++s) {
      out_ << label("") << "  " << sample_text(e.samples[s], options_.max_sample_chars) << '\n';
    }
    if (e.samples.size() > shown) {
      out_ << label("") << "  (" << e.samples.size() - shown << " more in the result file)\n";
    }
  }
}

void SummaryReporter::write_thresholds(const RunResult& result) const {
  if (result.thresholds.empty()) {
    out_ << label("thresholds") << "none\n";
    return;
  }
  std::size_t width = 0;
  for (const ThresholdOutcome& t : result.thresholds) width = std::max(width, t.expression.size());
  for (std::size_t i = 0; i < result.thresholds.size(); ++i) {
    const ThresholdOutcome& t = result.thresholds[i];
    out_ << label(i == 0 ? "thresholds" : "") << to_string(t.verdict) << "  "
         << pad_right(t.expression, width) << "  " << t.detail << '\n';
  }
}

// Counters, gauges and trends, then the figures a test attached with their first examples:
//   metrics      rows_written      1200
//                queue_wait        trend  p50 2.1ms  p95 8ms  p99 12ms  max 40ms  (900 values)
//                lost              0
//                duplicated        1      e.g. "change-42"
void SummaryReporter::write_custom(const RunMetrics& m) const {
  std::size_t width = 0;
  const auto widen = [&width](const auto& list) {
    for (const auto& item : list) width = std::max(width, item.name.size());
  };
  widen(m.counters);
  widen(m.gauges);
  widen(m.trends);
  widen(m.figures);
  if (width == 0) return;
  const char* first = "metrics";
  const auto row = [&](const std::string& name, const std::string& text) {
    out_ << label(first) << pad_right(name, width) << "  " << text << '\n';
    first = "";
  };
  for (const CounterStats& c : m.counters) row(c.name, std::to_string(c.value));
  for (const GaugeStats& g : m.gauges) {
    row(g.name, "gauge  last " + format_3_digits(g.last) + "  min " + format_3_digits(g.min) +
                    "  max " + format_3_digits(g.max));
  }
  for (const TrendStats& t : m.trends) {
    const Histogram& h = t.values;
    row(t.name, h.empty() ? "trend  nothing recorded"
                          : "trend  p50 " + us(h.value_at_percentile(50)) + "  p95 " +
                                us(h.value_at_percentile(95)) + "  p99 " +
                                us(h.value_at_percentile(99)) + "  max " + us(h.max()) + "  (" +
                                std::to_string(h.total_count()) + " values)");
  }
  for (const Figure& f : m.figures) {
    row(f.name, (std::isnan(f.value) ? "no value" : format_3_digits(f.value)) + examples_text(f));
  }
}

// The heavy-load instruments, when the run used them:
//   monitor      mock-gateway  peak RSS 130MB  CPU 85%  fds 40  threads 12  RSS slope 0.3MB/min
//   safety stop  stopped: mock-gateway RSS 1,130 MB > max_memory_mb 1,024 at 00:41
//   timeline     at 1s  kill video-agent: ok: pid 4242 killed
//   capacity     highest sustainable 432 requests/s, knee 400 (7 levels; bisection converged ...)
void SummaryReporter::write_instruments(const RunResult& result) const {
  if (result.monitor) {
    std::size_t width = 0;
    for (const ProcessPeaks& p : result.monitor->processes) width = std::max(width, p.name.size());
    const char* first = "monitor";
    for (const ProcessPeaks& p : result.monitor->processes) {
      out_ << label(first) << pad_right(p.name, width) << "  peak RSS "
           << format_3_digits(p.peak_rss_mb) << "MB  CPU " << format_3_digits(p.peak_cpu_percent)
           << "%  fds " << p.peak_fds << "  threads " << p.peak_threads << "  RSS slope "
           << format_3_digits(p.rss_slope_mb_per_min) << "MB/min\n";
      first = "";
    }
    if (result.monitor->stopped)
      out_ << label("safety stop") << result.monitor->stopped->message << '\n';
  }
  for (std::size_t i = 0; i < result.timeline.size(); ++i) {
    const TimelineEntry& e = result.timeline[i];
    out_ << label(i == 0 ? "timeline" : "") << "at " << format_3_digits(e.at_s) << "s";
    if (e.until_s) out_ << " to " << format_3_digits(*e.until_s) << "s";
    out_ << "  " << e.action << ": " << e.outcome << '\n';
  }
  if (const auto& c = result.breaking_point) {
    out_ << label("capacity") << "highest sustainable "
         << (c->highest_sustainable ? format_3_digits(*c->highest_sustainable) + " " + c->unit
                                    : std::string("none"))
         << ", knee " << (c->knee ? format_3_digits(*c->knee) : std::string("none")) << " ("
         << c->levels.size() << " levels" << (c->note.empty() ? "" : "; " + c->note) << ")\n";
  }
}

void SummaryReporter::write_steps(const RunResult& result) const {
  const std::vector<StepStats>& steps = result.metrics.steps;
  if (steps.empty()) return;
  std::size_t width = std::string_view("step").size();
  for (const StepStats& s : steps) width = std::max(width, s.name.size());
  out_ << label("steps") << steps_header(width) << '\n';
  for (const StepStats& s : steps) out_ << label("") << step_row(s, width) << '\n';
}

}  // namespace gauntlet

#include "gauntlet/report/csv_reporter.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

#include "gauntlet/report/result_file.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

// Python's csv module with the default dialect: quote only when needed, lines end in CRLF.
class CsvRow {
 public:
  explicit CsvRow(std::ostream& out) : out_(out) {}
  ~CsvRow() { out_ << "\r\n"; }
  CsvRow(const CsvRow&) = delete;
  CsvRow& operator=(const CsvRow&) = delete;

  CsvRow& operator<<(std::string_view field) {
    if (!first_) out_ << ',';
    first_ = false;
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
      out_ << field;
      return *this;
    }
    out_ << '"';
    for (char c : field) out_ << (c == '"' ? "\"\"" : std::string_view(&c, 1));
    out_ << '"';
    return *this;
  }
  CsvRow& operator<<(std::int64_t n) { return *this << std::string_view(std::to_string(n)); }

 private:
  std::ostream& out_;
  bool first_ = true;
};

// Fixed decimals without trailing zeros, as every report writes them.
using format_detail::trimmed_fixed;

std::string ms(double us) { return trimmed_fixed(us / 1000.0, 3); }

double per_s(std::int64_t count, double duration_s) {
  return duration_s > 0 ? static_cast<double>(count) / duration_s : 0.0;
}

void stats_row(std::ostream& out, std::string_view type, std::string_view name, const StepStats& s,
               double duration_s, double content_bytes) {
  const Histogram& h = s.latency;
  CsvRow row(out);
  row << type << name << s.total() << s.failed;
  row << ms(static_cast<double>(h.value_at_percentile(50))) << ms(h.mean())
      << ms(static_cast<double>(h.min())) << ms(static_cast<double>(h.max()));
  row << trimmed_fixed(content_bytes, 2) << trimmed_fixed(per_s(s.total(), duration_s), 6)
      << trimmed_fixed(per_s(s.failed, duration_s), 6);
  for (double p : kLocustPercentiles) {
    if (h.empty()) {
      row << "N/A";
    } else {
      row << ms(static_cast<double>(p >= 100 ? h.max() : h.value_at_percentile(p)));
    }
  }
}

std::string error_text(ErrorClass c, const ErrorStats& e) {
  std::string text(to_string(c));
  for (std::size_t i = 0; i < e.samples.size(); ++i) text += (i == 0 ? ": " : "; ") + e.samples[i];
  return text;
}

void failure_rows(std::ostream& out, std::string_view method, std::string_view name,
                  const StepStats& s) {
  for (std::size_t c = 0; c < kErrorClassCount; ++c) {
    const ErrorStats& e = s.errors[c];
    if (e.count == 0) continue;
    CsvRow row(out);
    row << method << name << error_text(static_cast<ErrorClass>(c), e) << e.count;
  }
}

void stats_header(std::ostream& out) {
  CsvRow header(out);
  header << "Type"
         << "Name"
         << "Request Count"
         << "Failure Count"
         << "Median Response Time"
         << "Average Response Time"
         << "Min Response Time"
         << "Max Response Time"
         << "Average Content Size"
         << "Requests/s"
         << "Failures/s";
  for (std::string_view h : kLocustPercentileHeaders) header << h;
}

void history_header(std::ostream& out) {
  CsvRow header(out);
  header << "Timestamp"
         << "User Count"
         << "Type"
         << "Name"
         << "Requests/s"
         << "Failures/s";
  for (std::string_view h : kLocustPercentileHeaders) header << h;
  header << "Total Request Count"
         << "Total Failure Count"
         << "Total Median Response Time"
         << "Total Average Response Time"
         << "Total Min Response Time"
         << "Total Max Response Time"
         << "Total Average Content Size";
}

void failures_header(std::ostream& out) {
  CsvRow(out) << "Method"
              << "Name"
              << "Error"
              << "Occurrences";
}

}  // namespace

std::string_view csv_file_suffix(CsvTable table) noexcept {
  constexpr std::array<std::string_view, 3> kSuffixes = {"_stats.csv", "_stats_history.csv",
                                                         "_failures.csv"};
  return kSuffixes[static_cast<std::size_t>(table)];
}

void CsvReporter::report(std::span<const RunResult> results) {
  switch (table_) {
    case CsvTable::kStats:
      stats_header(out_);
      for (const RunResult& r : results) stats_rows(r);
      return;
    case CsvTable::kStatsHistory:
      history_header(out_);
      for (const RunResult& r : results) history_rows(r);
      return;
    case CsvTable::kFailures:
      failures_header(out_);
      for (const RunResult& r : results) failure_rows_of(r);
      return;
  }
}

void CsvReporter::stats_rows(const RunResult& result) {
  std::ostream& out = out_;
  const RunMetrics& m = result.metrics;
  for (const StepStats& step : m.steps) stats_row(out, "", step.name, step, result.duration_s, 0);
  if (m.steps.empty() && !options_.iteration_name.empty()) {
    stats_row(out, options_.iteration_type, options_.iteration_name, m.iteration, result.duration_s,
              options_.average_content_bytes);
  }
  stats_row(out, "", "Aggregated", m.iteration, result.duration_s, options_.average_content_bytes);
}

namespace {

// One second's percentile columns: from its histogram when the result keeps one (any
// percentile; 100% is its max), else only the p50/p95/p99 older results carried.
void history_percentiles(CsvRow& row, const SeriesPoint& p) {
  for (double q : kLocustPercentiles) {
    if (p.latency && !p.latency->empty()) {
      const Histogram& h = *p.latency;
      row << ms(static_cast<double>(q >= 100 ? h.max() : h.value_at_percentile(q)));
      continue;
    }
    const bool known = !p.latency && p.completed > 0 && (q == 50 || q == 95 || q == 99);
    row << (known ? ms(static_cast<double>(q == 50   ? p.p50_us
                                           : q == 95 ? p.p95_us
                                                     : p.p99_us))
                  : "N/A");
  }
}

// Locust's "Total ..." latency columns: the run so far, from the seconds' histograms merged
// (N/A when the result keeps none, or nothing has completed yet).
void history_totals(CsvRow& row, const std::optional<Histogram>& so_far) {
  if (!so_far || so_far->empty()) {
    row << "N/A"
        << "N/A"
        << "N/A"
        << "N/A";
    return;
  }
  row << ms(static_cast<double>(so_far->value_at_percentile(50))) << ms(so_far->mean())
      << ms(static_cast<double>(so_far->min())) << ms(static_cast<double>(so_far->max()));
}

}  // namespace

void CsvReporter::history_rows(const RunResult& result) {
  std::ostream& out = out_;
  const auto start_s =
      std::chrono::duration_cast<std::chrono::seconds>(result.started_at.time_since_epoch())
          .count();
  std::int64_t total = 0;
  std::int64_t failed = 0;
  std::optional<Histogram> so_far;
  for (const SeriesPoint& p : result.metrics.series) {
    total += p.completed;
    failed += p.failed;
    if (p.latency) {
      if (!so_far) so_far.emplace(p.latency->layout());
      so_far->merge(*p.latency);
    }
    CsvRow row(out);
    row << start_s + p.second << p.active_vus << ""
        << "Aggregated" << trimmed_fixed(p.rps, 6)
        << trimmed_fixed(static_cast<double>(p.failed), 6);
    history_percentiles(row, p);
    row << total << failed;
    history_totals(row, so_far);
    row << trimmed_fixed(options_.average_content_bytes, 2);
  }
}

void CsvReporter::failure_rows_of(const RunResult& result) {
  std::ostream& out = out_;
  const RunMetrics& m = result.metrics;
  for (const StepStats& step : m.steps) failure_rows(out, "", step.name, step);
  if (m.steps.empty()) {
    const std::string name =
        options_.iteration_name.empty() ? "Aggregated" : options_.iteration_name;
    failure_rows(out, options_.iteration_type, name, m.iteration);
  }
}

void write_csv_files(const std::string& prefix, const RunResult& result,
                     const CsvOptions& options) {
  for (CsvTable table : {CsvTable::kStats, CsvTable::kStatsHistory, CsvTable::kFailures}) {
    std::ostringstream text;
    CsvReporter(text, table, options).report(result);
    write_file_atomically(prefix + std::string(csv_file_suffix(table)), text.str());
  }
}

}  // namespace gauntlet

#include "gauntlet/cli/http_summary.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "gauntlet/report/run_status.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

std::string seconds_label(std::chrono::nanoseconds elapsed) {
  char buf[32];
  std::snprintf(
      buf, sizeof buf, "[%3llds]",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count()));
  return buf;
}

std::string us(std::int64_t value) { return format_duration_us(static_cast<double>(value)); }

// "p50 1.2ms  p75 1.4ms ... max 9.8ms"
std::string spectrum(const Histogram& h) {
  if (h.empty()) return "no requests";
  std::string line;
  for (double p : kReportPercentiles) {
    char label[16];
    std::snprintf(label, sizeof label, "p%g ", p);
    line += label + us(h.value_at_percentile(p)) + "  ";
  }
  return line + "max " + us(h.max());
}

void write_label(std::ostream& out, std::string_view label) {
  out << "  " << label << std::string(label.size() < 13 ? 13 - label.size() : 1, ' ');
}

void write_errors(std::ostream& out, const StepStats& it) {
  write_label(out, "errors");
  if (it.failed == 0) {
    out << "none\n";
    return;
  }
  out << it.failed << " (" << format_percent(it.error_rate()) << ")\n";
  for (std::size_t c = 0; c < kErrorClassCount; ++c) {
    const ErrorStats& e = it.errors[c];
    if (e.count == 0) continue;
    out << "    " << to_string(static_cast<ErrorClass>(c)) << ": " << e.count << '\n';
    for (std::size_t i = 0; i < std::min<std::size_t>(e.samples.size(), 3); ++i) {
      out << "      \"" << e.samples[i] << "\"\n";
    }
  }
}

void write_rate(std::ostream& out, const RunResult& r, const EngineStats& s) {
  write_label(out, "throughput");
  const double completed_per_s =
      r.duration_s > 0 ? static_cast<double>(r.metrics.iteration.total()) / r.duration_s : 0;
  out << format_rate_per_s(completed_per_s) << " completed\n";
  if (!s.open_model) return;
  write_label(out, "rate");
  const double deviation =
      s.requested_rate_per_s > 0 ? s.achieved_rate_per_s / s.requested_rate_per_s - 1 : 0;
  out << format_rate_per_s(s.achieved_rate_per_s) << " achieved of "
      << format_rate_per_s(s.requested_rate_per_s) << " requested (" << (deviation >= 0 ? "+" : "")
      << format_percent(deviation) << ")\n";
}

void write_generator(std::ostream& out, const EngineStats& s) {
  write_label(out, "generator");
  const double busiest =
      s.thread_busy.empty() ? 0 : *std::max_element(s.thread_busy.begin(), s.thread_busy.end());
  out << "busiest loop thread " << format_percent(busiest) << " busy";
  if (s.open_model && !s.scheduling_lag.empty()) {
    out << ", scheduling lag p99 " << us(s.scheduling_lag.value_at_percentile(99)) << " max "
        << us(s.scheduling_lag.max());
  }
  out << '\n';
  if (s.generator_bottleneck) out << "    WARNING: " << s.bottleneck_reason << '\n';
}

void write_thresholds(std::ostream& out, const RunResult& r) {
  if (r.thresholds.empty()) return;
  write_label(out, "thresholds");
  out << '\n';
  for (const ThresholdOutcome& t : r.thresholds) {
    out << "    " << to_string(t.verdict) << "  " << t.expression << "  (" << t.detail << ")\n";
  }
}

}  // namespace

std::string progress_line(const EngineProgress& progress, const SeriesPoint* last) {
  std::ostringstream line;
  line << seconds_label(progress.elapsed) << ' ';
  if (last != nullptr) {
    line << format_3_digits(last->rps) << " req/s  p50 " << us(last->p50_us) << "  p99 "
         << us(last->p99_us);
  } else {
    line << "warming up";
  }
  line << "  errors " << progress.failed;
  if (progress.dropped > 0) line << "  dropped " << progress.dropped;
  line << "  active " << progress.active_connections;
  return line.str();
}

void HttpProgressPrinter::operator()(const EngineProgress& progress) {
  if (quiet_) return;
  ++ticks_;
  if (!terminal_ && ticks_ % plain_every_ != 0) return;
  const std::string line =
      progress_line(progress, progress.last_second ? &*progress.last_second : nullptr);
  if (terminal_) {
    out_ << "\r\033[K" << line << std::flush;  // redraw in place
    line_open_ = true;
  } else {
    out_ << line << '\n' << std::flush;
  }
}

void HttpProgressPrinter::finish() {
  if (line_open_) out_ << '\n';
  line_open_ = false;
}

void print_http_summary(std::ostream& out, const RunResult& r, const EngineStats& s) {
  const nlohmann::json& plan = r.plan;
  out << "gauntlet http " << plan.value("method", "") << ' ' << plan.value("url", "") << '\n';
  write_label(out, "plan");
  out << plan.value("model", "") << " model, " << plan.value("threads", 0) << " threads, "
      << plan.value("connections", 0) << " connections, " << s.engine << " engine, ran "
      << format_duration_us(r.duration_s * 1e6) << '\n';
  const StepStats& it = r.metrics.iteration;
  write_label(out, "requests");
  out << it.total() << " completed, " << it.ok << " ok, " << it.failed << " failed";
  if (s.open_model) out << ", " << s.dropped << " dropped";
  if (s.abandoned > 0) out << ", " << s.abandoned << " abandoned in flight";
  out << '\n';
  write_rate(out, r, s);
  write_label(out, "latency");
  out << spectrum(it.latency) << (s.open_model ? "  (from the intended start)" : "") << '\n';
  if (s.open_model) {
    write_label(out, "uncorrected");
    out << spectrum(s.uncorrected) << "  (from the actual send)\n";
  }
  write_label(out, "status");
  bool any = false;
  for (std::size_t code = 0; code < s.status_counts.size(); ++code) {
    if (s.status_counts[code] == 0) continue;
    out << (any ? ", " : "") << (code == 0 ? std::string("none") : std::to_string(code)) << " x"
        << s.status_counts[code];
    any = true;
  }
  out << (any ? "\n" : "-\n");
  write_errors(out, it);
  write_label(out, "transfer");
  out << format_3_digits(static_cast<double>(s.bytes_received) / 1e6) << " MB received, "
      << s.connections_opened << " connections opened\n";
  write_generator(out, s);
  write_thresholds(out, r);
  write_label(out, "result");
  out << to_string(run_status(r));
  if (r.incomplete) out << " (" << r.stop_reason << ")";
  out << '\n';
}

}  // namespace gauntlet

#pragma once
// report.html: one self-contained page (opened from disk or a CI artifact, no network) with an
// overview table of every run (failing thresholds first), then per run: latency percentiles,
// throughput with errors and dropped iterations, and active users over time (with the fault
// timeline's markers when the result has one), the latency distribution on a log axis, the
// per-step table, thresholds, error classes with sample messages, and the resource monitor's
// series when present. Tables are rendered here; the charts are drawn in the browser by uPlot
// (inlined from HtmlAssets) from a JSON block of the runs' data. Formats finished data only,
// into an injected stream.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "gauntlet/report/reporter.hpp"

namespace gauntlet {

// The page's scripts and styles, inlined verbatim: uPlot's (installed by scripts/setup from the
// npm registry) and the report's own (harness/report-assets/report.js, report.css).
struct HtmlAssets {
  std::string uplot_js;
  std::string uplot_css;
  std::string report_js;
  std::string report_css;
};

// Reads the four files from `dir` (uplot from node_modules/uplot/dist/). Throws
// std::runtime_error naming the missing file and saying to run scripts/setup.
HtmlAssets load_html_assets(const std::filesystem::path& dir);

// $GAUNTLET_REPORT_ASSETS when set, else <source>/harness/report-assets.
std::filesystem::path default_html_assets_dir();

// The JSON the page's charts draw for one run: {"id","name","t":[s...],"p50_ms","p95_ms",
// "p99_ms","completed","failed","dropped","users","dist":{"ms":[...],"count":[...]},
// "timeline":[...],"monitor":{...}}. `document` is the result file as read (may be null): its
// optional "monitor", "timeline" and "breaking_point" sections are passed through when they have
// the expected shape and ignored otherwise.
nlohmann::json html_chart_data(const RunResult& result, const nlohmann::json& document,
                               std::size_t index);

class HtmlReporter : public Reporter {
 public:
  // documents: each result's file as read, parallel to the results, or empty.
  HtmlReporter(std::ostream& out, const HtmlAssets& assets,
               std::span<const nlohmann::json> documents = {})
      : Reporter(out), assets_(assets), documents_(documents) {}

  using Reporter::report;
  void report(std::span<const RunResult> results) override;

 private:
  const HtmlAssets& assets_;
  std::span<const nlohmann::json> documents_;
};

}  // namespace gauntlet

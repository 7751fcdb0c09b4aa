#include "gauntlet/report/html_reporter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "gauntlet/metrics/threshold.hpp"
#include "support/percentile_invariant.hpp"
#include "support/temp_dir.hpp"

namespace gauntlet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

const HtmlAssets kAssets{"/*uplot-js*/", "/*uplot-css*/", "/*report-js*/", "/*report-css*/"};

std::string render(const std::vector<RunResult>& results, const std::vector<Json>& docs = {}) {
  std::ostringstream out;
  HtmlReporter(out, kAssets, docs).report(results);
  return out.str();
}

RunResult failing(std::string name) {
  RunResult r = testing::overshooting_result(std::move(name));
  for (const Threshold& t : parse_thresholds({"max<2ms"})) {
    r.thresholds.push_back(evaluate(t, r.metrics, r.duration_s));
  }
  return r;
}

TEST(HtmlReporter, IsOneSelfContainedPageWithTheAssetsInlined) {
  const std::string html = render({testing::overshooting_result()});
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  for (const char* asset : {"/*uplot-js*/", "/*uplot-css*/", "/*report-js*/", "/*report-css*/"}) {
    EXPECT_THAT(html, HasSubstr(asset));
  }
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
}

TEST(HtmlReporter, ListsFailingRunsFirstInTheOverview) {
  const std::string html = render({testing::overshooting_result("A.Passes"), failing("B.Fails")});
  const std::string overview = html.substr(0, html.find("</table>"));
  EXPECT_LT(overview.find("B.Fails"), overview.find("A.Passes"));
  EXPECT_THAT(overview, HasSubstr("max&lt;2ms"));  // the failing threshold, named
}

TEST(HtmlReporter, EveryRunHasItsChartsWithTheirSeries) {
  const std::string html = render({testing::overshooting_result()});
  for (const char* chart :
       {R"(id="run-0-latency" data-run="0" data-chart="latency" data-series="p50,p95,p99")",
        R"(data-chart="throughput" data-series="completed,failed,dropped")",
        R"(data-chart="users" data-series="users")", R"(data-chart="distribution")"}) {
    EXPECT_THAT(html, HasSubstr(chart));
  }
  EXPECT_THAT(html, Not(HasSubstr("data-chart=\"cpu\"")));  // no monitor in this result
}

TEST(HtmlReporter, EscapesEveryFreeTextField) {
  RunResult r = testing::overshooting_result("Flow.<script>alert(1)</script>");
  r.metrics.iteration.failed = 1;
  r.metrics.iteration.errors[0] = ErrorStats{1, {"</script><b>boom</b>"}};
  const std::string html = render({r});
  EXPECT_THAT(html, Not(HasSubstr("<script>alert(1)")));
  EXPECT_THAT(html, Not(HasSubstr("<b>boom</b>")));
  // In the JSON data block too: no "</" can end the <script> element early.
  const std::size_t data = html.find("id=\"gauntlet-data\">");
  const std::string block = html.substr(data, html.find("</script>", data) - data);
  EXPECT_THAT(block, Not(HasSubstr("</")));
}

// The optional sections another part of the suite writes: drawn when present, whatever else the
// result holds, and ignored when absent or malformed.
TEST(HtmlReporter, DrawsTheMonitorTimelineAndBreakingPointWhenPresent) {
  const Json doc = Json::parse(R"({
    "monitor": {"interval_s": 1,
      "processes": [{"name": "ad-api", "pid": 42, "peak_rss_mb": 81.5, "peak_cpu_percent": 63.2,
                     "peak_fds": 40, "peak_threads": 9, "rss_slope_mb_per_min": 0.25}],
      "series": [{"t_s": 0, "process": "ad-api", "cpu_percent": 10, "rss_mb": 80, "fds": 40,
                  "threads": 9}],
      "stopped": {"limit": "rss_mb<2000", "process": "ad-api", "value": 2100, "at_s": 7,
                  "message": "RSS above its limit"}},
    "timeline": [{"at_s": 3, "until_s": 5, "action": "stop postgres", "outcome": "recovered"}],
    "breaking_point": {"highest_sustainable": 400, "knee": 450, "unit": "req/s",
      "levels": [{"level": 400, "p50_ms": 2, "p95_ms": 9, "p99_ms": 14, "error_rate": 0,
                  "achieved_rate": 399, "passed": true}]}
  })");
  const std::string html = render({testing::overshooting_result()}, {doc});
  EXPECT_THAT(html, HasSubstr("data-chart=\"cpu\""));
  EXPECT_THAT(html, HasSubstr("data-chart=\"rss\""));
  EXPECT_THAT(html, HasSubstr("<td>ad-api</td><td class=\"num\">42</td><td class=\"num\">81.5"));
  EXPECT_THAT(html, HasSubstr("The monitor stopped the run: RSS above its limit"));
  EXPECT_THAT(html, HasSubstr("<td>stop postgres</td><td>recovered</td>"));
  EXPECT_THAT(html, HasSubstr("highest sustainable: <b>400 req/s</b>"));
  const Json data = html_chart_data(testing::overshooting_result(), doc, 0);
  EXPECT_EQ(data["timeline"][0]["action"], "stop postgres");
  EXPECT_EQ(data["monitor"]["series"][0]["rss_mb"], 80);

  const Json malformed = Json::parse(R"({"monitor": 7, "timeline": "x", "breaking_point": []})");
  const std::string plain = render({testing::overshooting_result()}, {malformed});
  EXPECT_THAT(plain, Not(HasSubstr("Resource monitor")));
  EXPECT_THAT(plain, Not(HasSubstr("Fault timeline")));
  EXPECT_THAT(plain, Not(HasSubstr("Breaking point")));
}

// The tables' percentiles (p50, p95, p99 then max of each step row) never exceed the max, and
// the distribution chart's bins lie between the min and the max.
TEST(HtmlReporter, NoPercentileIsAboveTheMaxOrBelowTheMin) {
  const RunResult r = testing::overshooting_result();
  const std::string html = render({r});
  const std::regex row(R"re(<tr><td>(iteration|call)</td>(.*?)</tr>)re");
  const std::regex cell(R"re(<td class="num">([0-9.]+)(us|ms|s)</td>)re");
  int rows = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), row), end; it != end; ++it) {
    const std::string cells = (*it)[2].str();
    std::vector<double> ms;
    for (std::sregex_iterator c(cells.begin(), cells.end(), cell); c != end; ++c) {
      const double v = std::stod((*c)[1].str());
      const std::string unit = (*c)[2].str();
      ms.push_back(unit == "us" ? v / 1000 : unit == "s" ? v * 1000 : v);
    }
    ASSERT_EQ(ms.size(), 4u) << cells;
    const double max_ms = ms.back();
    ms.pop_back();
    testing::expect_within_min_max(ms, 1.001, max_ms, "report.html steps: " + cells);
    ++rows;
  }
  EXPECT_EQ(rows, 2);
  const Json data = html_chart_data(r, Json(), 0);
  std::vector<double> bins = data["dist"]["ms"].get<std::vector<double>>();
  testing::expect_within_min_max(bins, 1.001, 4.51, "report.html distribution");
}

TEST(HtmlAssets, AMissingAssetNamesTheFileAndTheFix) {
  const gauntlet::testing::TempDir tmp;
  try {
    load_html_assets(tmp.path());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("uPlot.iife.min.js"));
    EXPECT_THAT(e.what(), HasSubstr("run scripts/setup"));
  }
}

}  // namespace
}  // namespace gauntlet

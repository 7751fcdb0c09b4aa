#include "gauntlet/report/json_reporter.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "gauntlet/text/utc_time.hpp"

namespace gauntlet {
namespace {

using Json = nlohmann::json;
using SystemTime = std::chrono::system_clock::time_point;

// ---- Writing ----

// A non-finite double has no JSON form: it is written as null and read back as NaN.
Json number_or_null(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

Json latency_summary(const Histogram& h) {
  return Json{{"min", h.min()},
              {"max", h.max()},
              {"mean", h.mean()},
              {"stddev", h.stddev()},
              {"p50", h.value_at_percentile(50.0)},
              {"p75", h.value_at_percentile(75.0)},
              {"p90", h.value_at_percentile(90.0)},
              {"p95", h.value_at_percentile(95.0)},
              {"p99", h.value_at_percentile(99.0)},
              {"p99.9", h.value_at_percentile(99.9)},
              {"p99.99", h.value_at_percentile(99.99)}};
}

// Only the classes that occurred (or kept a message).
Json errors_to_json(const StepStats& step) {
  Json out = Json::object();
  for (std::size_t c = 0; c < kErrorClassCount; ++c) {
    const ErrorStats& e = step.errors[c];
    if (e.count == 0 && e.samples.empty()) continue;
    out[std::string(to_string(static_cast<ErrorClass>(c)))] =
        Json{{"count", e.count}, {"samples", e.samples}};
  }
  return out;
}

Json step_to_json(const StepStats& step) {
  return Json{{"name", step.name},
              {"ok", step.ok},
              {"failed", step.failed},
              {"error_rate", step.error_rate()},
              {"latency_us", latency_summary(step.latency)},
              {"histogram", step.latency.to_json()},
              {"errors", errors_to_json(step)}};
}

Json counter_to_json(const CounterStats& c) { return Json{{"name", c.name}, {"value", c.value}}; }

Json gauge_to_json(const GaugeStats& g) {
  return Json{{"name", g.name},
              {"last", number_or_null(g.last)},
              {"min", number_or_null(g.min)},
              {"max", number_or_null(g.max)},
              {"sets", g.sets}};
}

Json trend_to_json(const TrendStats& t) {
  return Json{{"name", t.name},
              {"count", t.values.total_count()},
              {"values_us", latency_summary(t.values)},
              {"histogram", t.values.to_json()}};
}

Json figure_to_json(const Figure& f) {
  return Json{{"name", f.name}, {"value", number_or_null(f.value)}, {"examples", f.examples}};
}

// Each list in its own array, in the order the metrics hold them.
template <class T, class ToJson>
Json list_to_json(const std::vector<T>& items, ToJson to_json_one) {
  Json out = Json::array();
  for (const T& item : items) out.push_back(to_json_one(item));
  return out;
}

Json point_to_json(const SeriesPoint& p) {
  Json out{{"second", p.second},
           {"completed", p.completed},
           {"failed", p.failed},
           {"dropped", p.dropped},
           {"rps", p.rps},
           {"p50_us", p.p50_us},
           {"p95_us", p.p95_us},
           {"p99_us", p.p99_us},
           {"active_vus", p.active_vus}};
  if (p.latency) out["histogram"] = p.latency->to_json();
  return out;
}

Json threshold_to_json(const ThresholdOutcome& t) {
  return Json{{"expression", t.expression},
              {"step", t.step},
              {"metric", t.metric},
              {"unit", t.unit},
              {"measured", number_or_null(t.measured)},
              {"limit", number_or_null(t.limit)},
              {"verdict", std::string(to_string(t.verdict))},
              {"detail", t.detail}};
}

// ---- Reading: every failure names the field by its path, e.g. "steps[1].histogram" ----

std::string excerpt(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

[[noreturn]] void bad_field(const std::string& field, const std::string& problem) {
  throw std::invalid_argument("result field '" + field + "' " + problem + ".");
}

// One JSON object of the document and its path, with typed accessors that throw bad_field.
class ObjectReader {
 public:
  ObjectReader(const Json& doc, std::string path) : doc_(doc), path_(std::move(path)) {
    if (!doc_.is_object()) {
      if (path_.empty()) {
        throw std::invalid_argument("a result document must be a JSON object, got " +
                                    excerpt(doc_) + ".");
      }
      bad_field(path_, "must be an object, got " + excerpt(doc_));
    }
  }

  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const Json* find(std::string_view key) const {
    const auto it = doc_.find(key);
    return it == doc_.end() ? nullptr : &*it;
  }
  const Json& at(std::string_view key) const {
    const Json* value = find(key);
    if (value == nullptr) bad_field(field(key), "is missing");
    return *value;
  }
  std::int64_t integer(std::string_view key) const {
    const Json& v = at(key);
    const bool too_big =
        v.is_number_unsigned() && v.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max();
    if (!v.is_number_integer() || too_big) {
      bad_field(field(key), "must be an integer, got " + excerpt(v));
    }
    return v.get<std::int64_t>();
  }
  std::int64_t count(std::string_view key) const {
    const std::int64_t value = integer(key);
    if (value < 0) bad_field(field(key), "must be >= 0, got " + std::to_string(value));
    return value;
  }
  double number(std::string_view key) const {
    const Json& v = at(key);
    if (!v.is_number()) bad_field(field(key), "must be a number, got " + excerpt(v));
    return v.get<double>();
  }
  double number_or_nan(std::string_view key) const {
    return at(key).is_null() ? std::numeric_limits<double>::quiet_NaN() : number(key);
  }
  std::string string(std::string_view key) const {
    const Json& v = at(key);
    if (!v.is_string()) bad_field(field(key), "must be a string, got " + excerpt(v));
    return v.get<std::string>();
  }
  bool boolean(std::string_view key) const {
    const Json& v = at(key);
    if (!v.is_boolean()) bad_field(field(key), "must be true or false, got " + excerpt(v));
    return v.get<bool>();
  }
  const Json& array(std::string_view key) const {
    const Json& v = at(key);
    if (!v.is_array()) bad_field(field(key), "must be an array, got " + excerpt(v));
    return v;
  }
  ObjectReader object(std::string_view key) const { return ObjectReader(at(key), field(key)); }
  const Json& json() const noexcept { return doc_; }

 private:
  const Json& doc_;
  std::string path_;
};

std::string element(const std::string& array_field, std::size_t i) {
  return array_field + "[" + std::to_string(i) + "]";
}

SystemTime read_time(const ObjectReader& r, std::string_view key) {
  const std::optional<SystemTime> t = parse_utc(r.string(key));
  if (!t) {
    bad_field(r.field(key), "must be an ISO-8601 UTC time like 2024-05-01T12:00:00.000Z, got " +
                                excerpt(r.at(key)));
  }
  return *t;
}

std::vector<std::string> read_strings(const ObjectReader& r, std::string_view key) {
  std::vector<std::string> out;
  const Json& items = r.array(key);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      bad_field(element(r.field(key), i), "must be a string, got " + excerpt(items[i]));
    }
    out.push_back(items[i].get<std::string>());
  }
  return out;
}

void read_errors(const ObjectReader& r, StepStats& step) {
  for (const auto& [name, value] : r.json().items()) {
    const std::optional<ErrorClass> c = error_class_from_string(name);
    if (!c) bad_field(r.field(name), "is not a known error class (e.g. connect, http_5xx)");
    const ObjectReader e(value, r.field(name));
    ErrorStats& stats = step.errors[static_cast<std::size_t>(*c)];
    stats.count = e.count("count");
    stats.samples = read_strings(e, "samples");
  }
}

Histogram read_histogram(const ObjectReader& r) {
  try {
    return Histogram::from_json(r.at("histogram"));
  } catch (const std::invalid_argument& e) {
    bad_field(r.field("histogram"), std::string("is not a valid histogram: ") + e.what());
  }
}

// The derived figures (error_rate, latency_us) are not read: the histogram is the truth.
StepStats read_step(const ObjectReader& r) {
  StepStats step;
  step.name = r.string("name");
  step.ok = r.count("ok");
  step.failed = r.count("failed");
  step.latency = read_histogram(r);
  read_errors(r.object("errors"), step);
  return step;
}

SeriesPoint read_point(const ObjectReader& r) {
  SeriesPoint p;
  p.second = r.count("second");
  p.completed = r.count("completed");
  p.failed = r.count("failed");
  p.dropped = r.count("dropped");
  p.rps = r.number("rps");
  p.p50_us = r.integer("p50_us");
  p.p95_us = r.integer("p95_us");
  p.p99_us = r.integer("p99_us");
  p.active_vus = r.integer("active_vus");
  if (r.find("histogram") != nullptr) p.latency = read_histogram(r);  // absent in older results
  return p;
}

Verdict read_verdict(const ObjectReader& r) {
  const std::string text = r.string("verdict");
  for (const Verdict v : {Verdict::kPass, Verdict::kWarn, Verdict::kFail}) {
    if (to_string(v) == text) return v;
  }
  bad_field(r.field("verdict"), "must be PASS, WARN or FAIL, got " + excerpt(r.at("verdict")));
}

ThresholdOutcome read_threshold(const ObjectReader& r) {
  ThresholdOutcome t;
  t.expression = r.string("expression");
  t.step = r.string("step");
  t.metric = r.string("metric");
  t.unit = r.string("unit");
  t.measured = r.number_or_nan("measured");
  t.limit = r.number_or_nan("limit");
  t.verdict = read_verdict(r);
  t.detail = r.string("detail");
  return t;
}

// Reads every element of the array `key` with read_one(ObjectReader).
template <class ReadOne>
auto read_list(const ObjectReader& r, std::string_view key, ReadOne read_one) {
  std::vector<decltype(read_one(r))> out;
  const Json& items = r.array(key);
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    out.push_back(read_one(ObjectReader(items[i], element(r.field(key), i))));
  }
  return out;
}

CounterStats read_counter(const ObjectReader& r) { return {r.string("name"), r.integer("value")}; }

GaugeStats read_gauge(const ObjectReader& r) {
  return {r.string("name"), r.number_or_nan("last"), r.number_or_nan("min"), r.number_or_nan("max"),
          r.count("sets")};
}

TrendStats read_trend(const ObjectReader& r) { return {r.string("name"), read_histogram(r)}; }

Figure read_figure(const ObjectReader& r) {
  return {r.string("name"), r.number_or_nan("value"), read_strings(r, "examples")};
}

// Custom metrics came after the first results of schema 1: a file without them has none.
template <class ReadOne>
auto read_optional_list(const ObjectReader& r, std::string_view key, ReadOne read_one) {
  using Item = decltype(read_one(r));
  return r.find(key) == nullptr ? std::vector<Item>{} : read_list(r, key, read_one);
}

RunMetrics read_metrics(const ObjectReader& root) {
  RunMetrics m;
  m.iteration = read_step(root.object("iteration"));
  m.steps = read_list(root, "steps", read_step);
  m.series = read_list(root, "series", read_point);
  m.dropped = root.count("dropped");
  m.counters = read_optional_list(root, "counters", read_counter);
  m.gauges = read_optional_list(root, "gauges", read_gauge);
  m.trends = read_optional_list(root, "trends", read_trend);
  m.figures = read_optional_list(root, "figures", read_figure);
  return m;
}

// The optional heavy-load instruments; a malformed one names its field.
void read_instruments(const ObjectReader& root, RunResult& r) {
  const auto read = [&](std::string_view key, auto& into) {
    const Json* value = root.find(key);
    if (value == nullptr || value->is_null()) return;
    try {
      value->get_to(into);
    } catch (const Json::exception& e) {
      bad_field(std::string(key), std::string("is malformed: ") + e.what());
    }
  };
  std::optional<MonitorReport> monitor;
  if (root.find("monitor") != nullptr && !root.at("monitor").is_null()) {
    read("monitor", monitor.emplace());
  }
  r.monitor = std::move(monitor);
  read("timeline", r.timeline);
  if (root.find("breaking_point") != nullptr && !root.at("breaking_point").is_null()) {
    read("breaking_point", r.breaking_point.emplace());
  }
}

void check_schema_version(const ObjectReader& root) {
  const std::int64_t version = root.integer("schema_version");
  if (version > kResultSchemaVersion) {
    bad_field("schema_version", "is " + std::to_string(version) +
                                    ", newer than this build reads (" +
                                    std::to_string(kResultSchemaVersion) +
                                    "): the result was written by a newer gauntlet; report it with "
                                    "that version or update this one");
  }
  if (version != kResultSchemaVersion) {
    bad_field("schema_version", "is " + std::to_string(version) + ", but this build reads only " +
                                    std::to_string(kResultSchemaVersion));
  }
}

}  // namespace

Json to_json(const RunResult& result) {
  Json doc{{"schema_version", kResultSchemaVersion},
           {"name", result.name},
           {"scale", result.scale},
           {"started_at", format_utc(result.started_at)},
           {"ended_at", format_utc(result.ended_at)},
           {"duration_s", result.duration_s},
           {"incomplete", result.incomplete},
           {"stop_reason", result.stop_reason},
           {"plan", result.plan},
           {"achieved_rate_per_s", result.achieved_rate_per_s},
           {"iteration", step_to_json(result.metrics.iteration)},
           {"steps", Json::array()},
           {"series", Json::array()},
           {"dropped", result.metrics.dropped},
           {"counters", list_to_json(result.metrics.counters, counter_to_json)},
           {"gauges", list_to_json(result.metrics.gauges, gauge_to_json)},
           {"trends", list_to_json(result.metrics.trends, trend_to_json)},
           {"figures", list_to_json(result.metrics.figures, figure_to_json)},
           {"thresholds", Json::array()},
           {"extra", result.extra}};
  // Only the open model has a requested rate; its absence says "closed model".
  if (result.requested_rate_per_s > 0) doc["requested_rate_per_s"] = result.requested_rate_per_s;
  for (const StepStats& s : result.metrics.steps) doc["steps"].push_back(step_to_json(s));
  for (const SeriesPoint& p : result.metrics.series) doc["series"].push_back(point_to_json(p));
  for (const ThresholdOutcome& t : result.thresholds) {
    doc["thresholds"].push_back(threshold_to_json(t));
  }
  // The heavy-load instruments, each only when the run used it (metrics/*.hpp hold the shapes).
  if (result.monitor) doc["monitor"] = *result.monitor;
  if (!result.timeline.empty()) doc["timeline"] = result.timeline;
  if (result.breaking_point) doc["breaking_point"] = *result.breaking_point;
  return doc;
}

RunResult run_result_from_json(const Json& doc) {
  const ObjectReader root(doc, "");
  check_schema_version(root);
  RunResult r;
  r.name = root.string("name");
  if (r.name.empty()) bad_field("name", "must not be empty; expected <Suite>.<Test>");
  r.scale = root.string("scale");
  r.started_at = read_time(root, "started_at");
  r.ended_at = read_time(root, "ended_at");
  r.duration_s = root.number("duration_s");
  r.incomplete = root.boolean("incomplete");
  r.stop_reason = root.string("stop_reason");
  r.plan = root.at("plan");
  r.requested_rate_per_s =
      root.find("requested_rate_per_s") == nullptr ? 0.0 : root.number("requested_rate_per_s");
  r.achieved_rate_per_s = root.number("achieved_rate_per_s");
  r.metrics = read_metrics(root);
  r.thresholds = read_list(root, "thresholds", read_threshold);
  r.extra = root.object("extra").json();
  read_instruments(root, r);
  return r;
}

void JsonReporter::report(std::span<const RunResult> results) {
  // Invalid UTF-8 in a free-form field must not lose the whole report: it becomes U+FFFD.
  const auto dump = [](const Json& doc) {
    return doc.dump(2, ' ', false, Json::error_handler_t::replace);
  };
  if (results.size() == 1) {
    out_ << dump(to_json(results.front())) << '\n';
    return;
  }
  Json all = Json::array();
  for (const RunResult& r : results) all.push_back(to_json(r));
  out_ << dump(all) << '\n';
}

}  // namespace gauntlet

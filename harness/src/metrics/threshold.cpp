#include "gauntlet/metrics/threshold.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>

#include "gauntlet/config_error.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

constexpr std::string_view kMetricList =
    "p(N), min, max, mean, stddev, med, count, error_rate, success_rate, rps or dropped";
constexpr std::string_view kOpList = "<, <=, >, >=, == or !=";
constexpr std::string_view kDurationUnits = "us, ms, s or m";

// A problem at a byte offset of the expression; parse_threshold() turns it into a ConfigError
// with the quoted expression and a caret. `tail` follows "at column N" (e.g. " (expected ...)").
struct SyntaxError {
  std::size_t pos;
  std::string what;
  std::string tail;
};

// The expression split into tokens, with the offset of each for error messages. Syntax only:
// whether the value suits the metric is checked afterwards, in validate().
struct RawThreshold {
  std::string step;
  std::string metric;  // "p" for a percentile
  double percentile = 0;
  std::string percentile_text;
  std::size_t metric_pos = 0;
  std::size_t percentile_pos = 0;
  ThresholdOp op = ThresholdOp::kLess;
  double number = 0;
  std::string number_text;
  std::size_t number_pos = 0;
  std::string unit;
  std::size_t unit_pos = 0;
};

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

class Lexer {
 public:
  explicit Lexer(std::string_view text, std::size_t pos) : text_(text), pos_(pos) {}

  std::size_t pos() const noexcept { return pos_; }
  bool at_end() const noexcept { return pos_ >= text_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
  }
  // The longest run of characters satisfying pred, consumed.
  template <class Pred>
  std::string_view take_while(Pred pred) {
    const std::size_t start = pos_;
    while (!at_end() && pred(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  std::string_view rest() const { return text_.substr(pos_); }
  void advance() noexcept {
    if (!at_end()) ++pos_;
  }

 private:
  std::string_view text_;
  std::size_t pos_;
};

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
// A metric token: a built-in name, "p", or a custom metric's name (custom_metric.hpp).
bool is_metric_char(char c) { return is_word_char(c) || c == '.' || c == '-'; }
bool is_number_char(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.'; }
bool is_unit_char(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '%'; }
bool is_op_char(char c) { return c == '<' || c == '>' || c == '=' || c == '!'; }

// An unsigned decimal number ("95", "99.9") into `value`; returns its source text (for messages,
// which quote what the user wrote). Throws SyntaxError naming `what` when there is none.
std::string read_number(Lexer& lex, std::string_view what, double& value) {
  const std::size_t start = lex.pos();
  const std::string_view digits = lex.take_while(is_number_char);
  if (digits.empty()) {
    throw SyntaxError{start, "expected " + std::string(what), ""};
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.front() == '.' ||
      digits.back() == '.') {
    throw SyntaxError{start, "malformed number " + in_quotes(digits), ""};
  }
  return std::string(digits);
}

void read_metric(Lexer& lex, RawThreshold& raw) {
  lex.skip_space();
  raw.metric_pos = lex.pos();
  raw.metric = std::string(lex.take_while(is_metric_char));
  if (raw.metric.empty()) {
    throw SyntaxError{raw.metric_pos, "expected a metric",
                      " (one of " + std::string(kMetricList) + ")"};
  }
  if (raw.metric != "p") return;
  lex.skip_space();
  if (lex.peek() != '(') {
    throw SyntaxError{lex.pos(), "expected \"(\" after \"p\"", " (a percentile is written p(95))"};
  }
  lex.advance();
  lex.skip_space();
  raw.percentile_pos = lex.pos();
  raw.percentile_text = read_number(lex, "a percentile number after \"p(\"", raw.percentile);
  lex.skip_space();
  if (lex.peek() != ')') {
    throw SyntaxError{lex.pos(), "expected \")\" to close \"p(\"", ""};
  }
  lex.advance();
}

void read_op(Lexer& lex, RawThreshold& raw) {
  lex.skip_space();
  const std::size_t start = lex.pos();
  const std::string_view op = lex.take_while(is_op_char);
  static constexpr std::array<std::pair<std::string_view, ThresholdOp>, 6> kOps = {{
      {"<", ThresholdOp::kLess},
      {"<=", ThresholdOp::kLessEqual},
      {">", ThresholdOp::kGreater},
      {">=", ThresholdOp::kGreaterEqual},
      {"==", ThresholdOp::kEqual},
      {"!=", ThresholdOp::kNotEqual},
  }};
  for (const auto& [text, value] : kOps) {
    if (op == text) {
      raw.op = value;
      return;
    }
  }
  if (op.empty()) {
    throw SyntaxError{start, "expected an operator", " (" + std::string(kOpList) + ")"};
  }
  throw SyntaxError{start, "unknown operator " + in_quotes(op),
                    " (expected " + std::string(kOpList) + ")"};
}

void read_value(Lexer& lex, RawThreshold& raw) {
  lex.skip_space();
  raw.number_pos = lex.pos();
  raw.number_text = read_number(lex, "a number", raw.number);
  lex.skip_space();  // "500 ms" reads as well as "500ms"
  raw.unit_pos = lex.pos();
  raw.unit = std::string(lex.take_while(is_unit_char));
  lex.skip_space();
  if (!lex.at_end()) {
    throw SyntaxError{lex.pos(), "unexpected " + in_quotes(lex.rest()),
                      " (expected the end of the expression)"};
  }
}

RawThreshold read_syntax(std::string_view text) {
  RawThreshold raw;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw SyntaxError{0, "the expression is empty",
                      " (expected [step:] metric op value, e.g. p(95)<500ms)"};
  }
  std::size_t start = 0;
  if (const std::size_t colon = text.find(':'); colon != std::string_view::npos) {
    Lexer step_lex(text.substr(0, colon), 0);
    step_lex.skip_space();
    std::string_view step = step_lex.rest();
    while (!step.empty() && std::isspace(static_cast<unsigned char>(step.back())) != 0) {
      step.remove_suffix(1);
    }
    if (step.empty()) {
      throw SyntaxError{colon, "empty step name before \":\"", " (write upload: p(95)<2s)"};
    }
    raw.step = std::string(step);
    start = colon + 1;
  }
  Lexer lex(text, start);
  read_metric(lex, raw);
  read_op(lex, raw);
  read_value(lex, raw);
  return raw;
}

struct MetricInfo {
  std::string_view name;
  ThresholdMetric metric;
};

constexpr std::array<MetricInfo, 11> kMetrics = {{
    {"p", ThresholdMetric::kPercentile},
    {"med", ThresholdMetric::kPercentile},
    {"min", ThresholdMetric::kMin},
    {"max", ThresholdMetric::kMax},
    {"mean", ThresholdMetric::kMean},
    {"stddev", ThresholdMetric::kStddev},
    {"count", ThresholdMetric::kCount},
    {"error_rate", ThresholdMetric::kErrorRate},
    {"success_rate", ThresholdMetric::kSuccessRate},
    {"rps", ThresholdMetric::kRps},
    {"dropped", ThresholdMetric::kDropped},
}};

bool is_latency(ThresholdMetric m) {
  return m == ThresholdMetric::kPercentile || m == ThresholdMetric::kMin ||
         m == ThresholdMetric::kMax || m == ThresholdMetric::kMean || m == ThresholdMetric::kStddev;
}
bool is_rate(ThresholdMetric m) {
  return m == ThresholdMetric::kErrorRate || m == ThresholdMetric::kSuccessRate;
}

std::optional<double> duration_factor_us(std::string_view unit) {
  if (unit == "us") return 1.0;
  if (unit == "ms") return 1e3;
  if (unit == "s") return 1e6;
  if (unit == "m") return 60e6;
  return std::nullopt;
}

// The value in microseconds; a duration needs its unit.
double duration_limit(const RawThreshold& raw) {
  if (raw.unit.empty()) {
    throw SyntaxError{raw.number_pos, "the value " + raw.number_text + " has no unit",
                      "; units are required for durations (us, ms, s or m, e.g. 500ms)"};
  }
  const auto factor = duration_factor_us(raw.unit);
  if (!factor) {
    throw SyntaxError{raw.unit_pos, "unknown unit " + in_quotes(raw.unit),
                      " (expected " + std::string(kDurationUnits) + ")"};
  }
  return raw.number * *factor;
}

// The value as a ratio 0..1: "1%" or "0.01".
double rate_limit(const RawThreshold& raw) {
  if (raw.unit == "%") {
    if (raw.number > 100) {
      throw SyntaxError{raw.number_pos, raw.metric + " " + raw.number_text + "% is out of range",
                        " (expected 0% to 100%)"};
    }
    return raw.number / 100.0;
  }
  if (!raw.unit.empty()) {
    throw SyntaxError{raw.unit_pos, "unit " + in_quotes(raw.unit) + " does not suit " + raw.metric,
                      " (expected a percentage such as 1% or a ratio 0..1)"};
  }
  if (raw.number > 1) {
    throw SyntaxError{raw.number_pos, "ratio " + raw.number_text + " is out of range",
                      " (expected 0..1, or write " + raw.number_text + "% for a percentage)"};
  }
  return raw.number;
}

double plain_limit(const RawThreshold& raw, std::string_view meaning) {
  if (!raw.unit.empty()) {
    throw SyntaxError{raw.unit_pos, "unexpected unit " + in_quotes(raw.unit),
                      "; " + raw.metric + " takes a plain number (" + std::string(meaning) + ")"};
  }
  return raw.number;
}

// The declared names, for a message: "lost (figure), rows_written (counter)".
std::string declared_list(std::span<const MetricDeclaration> declared) {
  std::string out;
  for (const MetricDeclaration& d : declared) {
    out += (out.empty() ? "" : ", ") + d.name + " (" + std::string(to_string(d.kind)) + ")";
  }
  return out;
}

// A name that is not built in: a declared counter, gauge or figure.
Threshold validate_custom(Threshold t, const RawThreshold& raw,
                          std::span<const MetricDeclaration> declared) {
  const MetricDeclaration* found = nullptr;
  for (const MetricDeclaration& d : declared) {
    if (d.name == raw.metric) found = &d;
  }
  if (found == nullptr) {
    const std::string custom =
        declared.empty() ? "" : "; or a metric of plan.metrics: " + declared_list(declared);
    throw SyntaxError{raw.metric_pos, "unknown metric " + in_quotes(raw.metric),
                      " (expected " + std::string(kMetricList) + custom + ")"};
  }
  if (found->kind == MetricKind::kTrend) {
    throw SyntaxError{raw.metric_pos, raw.metric + " is a trend",
                      "; name one of its figures, e.g. " + in_quotes(raw.metric + ": p(95)<2s")};
  }
  if (!t.step.empty()) {
    throw SyntaxError{raw.metric_pos, raw.metric + " is counted for the whole run, not per step",
                      "; remove " + in_quotes(t.step + ":")};
  }
  t.metric = ThresholdMetric::kCustom;
  t.custom = found->name;
  t.custom_kind = found->kind;
  t.limit = plain_limit(raw, "a number");
  return t;
}

// Semantic checks: the metric exists, the percentile is in range, the value suits the metric.
Threshold validate(std::string_view expression, const RawThreshold& raw,
                   std::span<const MetricDeclaration> declared) {
  Threshold t;
  t.expression = std::string(expression);
  t.step = raw.step;
  t.op = raw.op;
  const MetricInfo* info = nullptr;
  for (const auto& m : kMetrics) {
    if (m.name == raw.metric) info = &m;
  }
  if (info == nullptr) return validate_custom(std::move(t), raw, declared);
  t.metric = info->metric;
  if (raw.metric == "med") t.percentile = 50;
  if (raw.metric == "p") {
    if (raw.percentile <= 0 || raw.percentile > 100) {
      throw SyntaxError{raw.percentile_pos,
                        "percentile " + raw.percentile_text + " is out of range",
                        " (expected 0 < N <= 100)"};
    }
    t.percentile = raw.percentile;
  }
  if (t.metric == ThresholdMetric::kDropped && !t.step.empty()) {
    throw SyntaxError{raw.metric_pos, "dropped is counted for the whole run, not per step",
                      "; remove " + in_quotes(t.step + ":")};
  }
  if (is_latency(t.metric)) {
    t.limit = duration_limit(raw);
  } else if (is_rate(t.metric)) {
    t.limit = rate_limit(raw);
  } else if (t.metric == ThresholdMetric::kRps) {
    t.limit = plain_limit(raw, "iterations per second");
  } else {
    t.limit = plain_limit(raw, "a count");
  }
  return t;
}

// Characters (not bytes) before byte offset `pos`, so the column and the caret stay right when a
// step name is not ASCII: UTF-8 continuation bytes (10xxxxxx) do not start a character.
std::size_t chars_before(std::string_view text, std::size_t pos) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) ++n;
  }
  return n + (pos > text.size() ? pos - text.size() : 0);
}

std::string caret_message(std::string_view expression, const SyntaxError& e) {
  std::string echoed(expression);
  for (char& c : echoed) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) c = ' ';  // keep the caret aligned
  }
  const std::size_t column = chars_before(expression, e.pos);
  return "threshold " + in_quotes(expression) + ": " + e.what + " at column " +
         std::to_string(column + 1) + e.tail + "\n  " + echoed + "\n  " + std::string(column, ' ') +
         "^";
}

bool holds(ThresholdOp op, double measured, double limit) {
  switch (op) {
    case ThresholdOp::kLess:
      return measured < limit;
    case ThresholdOp::kLessEqual:
      return measured <= limit;
    case ThresholdOp::kGreater:
      return measured > limit;
    case ThresholdOp::kGreaterEqual:
      return measured >= limit;
    case ThresholdOp::kEqual:
      return measured == limit;
    case ThresholdOp::kNotEqual:
      return measured != limit;
  }
  return false;
}

// Relative slack so that a value exactly on the band's edge (9 failures in 1000 against 1%) is
// inside it despite binary rounding of 0.9 * 0.01.
constexpr double kBandSlack = 1e-9;

// The 10% band next to the limit (see evaluate() in the header).
bool within_warning_band(const Threshold& t, double measured) {
  const bool upper = t.op == ThresholdOp::kLess || t.op == ThresholdOp::kLessEqual;
  const bool lower = t.op == ThresholdOp::kGreater || t.op == ThresholdOp::kGreaterEqual;
  if (t.metric == ThresholdMetric::kSuccessRate && lower) {
    // A success rate cannot exceed 100%, so measure the margin on the failure share instead.
    const double failure_limit = 1.0 - t.limit;
    return failure_limit > 0 &&
           1.0 - measured >= (1 - kWarningBand) * failure_limit * (1 - kBandSlack);
  }
  if (t.limit == 0) return false;
  if (upper) return measured >= (1 - kWarningBand) * t.limit * (1 - kBandSlack);
  if (lower) return measured <= (1 + kWarningBand) * t.limit * (1 + kBandSlack);
  return false;
}

std::string format_value(const Threshold& t, double value) {
  if (is_latency(t.metric)) return format_duration_us(value);
  if (is_rate(t.metric)) return format_percent(value);
  if (t.metric == ThresholdMetric::kRps) return format_rate_per_s(value);
  return format_3_digits(value);
}

// "p(95) of upload" or, for the whole iteration, "p(95)".
std::string subject(const Threshold& t) {
  return t.step.empty() ? t.metric_name() : t.metric_name() + " of " + t.step;
}

double latency_value(const Threshold& t, const Histogram& h) {
  switch (t.metric) {
    case ThresholdMetric::kPercentile:
      return static_cast<double>(h.value_at_percentile(t.percentile));
    case ThresholdMetric::kMin:
      return static_cast<double>(h.min());
    case ThresholdMetric::kMax:
      return static_cast<double>(h.max());
    case ThresholdMetric::kMean:
      return h.mean();
    default:
      return h.stddev();
  }
}

// The measured value, or nullopt with `why` set when it cannot be measured.
// A counter, gauge or figure. A declared counter that was never counted is 0; a gauge never set
// or a figure never attached was not measured (its check did not run: that must not pass).
std::optional<double> measure_custom(const Threshold& t, const RunMetrics& metrics,
                                     std::string& why) {
  switch (t.custom_kind) {
    case MetricKind::kCounter: {
      const CounterStats* c = metrics.find_counter(t.custom);
      return c == nullptr ? 0.0 : static_cast<double>(c->value);
    }
    case MetricKind::kGauge:
      if (const GaugeStats* g = metrics.find_gauge(t.custom)) return g->last;
      why = "gauge " + in_quotes(t.custom) + " was never set";
      return std::nullopt;
    case MetricKind::kFigure:
      if (const Figure* f = metrics.find_figure(t.custom)) {
        if (!std::isnan(f->value)) return f->value;
        // A figure with no value (a recovery that never came): not measured, and why.
        why = "figure " + in_quotes(t.custom) + " has no value" +
              (f->examples.empty() ? std::string() : ": " + f->examples.front());
        return std::nullopt;
      }
      why = "figure " + in_quotes(t.custom) +
            " was not attached (the check that reports it did not run)";
      return std::nullopt;
    case MetricKind::kTrend:
      break;
  }
  why = in_quotes(t.custom) + " is a trend";
  return std::nullopt;
}

// A step prefix that names a trend reads the trend: its count and latency figures.
std::optional<double> measure_trend(const Threshold& t, const TrendStats& trend, std::string& why) {
  if (trend.values.empty()) {
    why = subject(t) + ": nothing was measured";
    return std::nullopt;
  }
  if (t.metric == ThresholdMetric::kCount) return static_cast<double>(trend.values.total_count());
  if (is_latency(t.metric)) return latency_value(t, trend.values);
  why = t.metric_name() + " does not apply to trend " + in_quotes(trend.name) +
        " (use p(N), min, max, mean, stddev or count)";
  return std::nullopt;
}

std::optional<double> measure(const Threshold& t, const RunMetrics& metrics, double duration_s,
                              std::string& why) {
  if (t.metric == ThresholdMetric::kDropped) return static_cast<double>(metrics.dropped);
  if (t.metric == ThresholdMetric::kCustom) return measure_custom(t, metrics, why);
  if (!t.step.empty()) {
    if (const TrendStats* trend = metrics.find_trend(t.step)) return measure_trend(t, *trend, why);
  }
  const StepStats* stats = t.step.empty() ? &metrics.iteration : metrics.find(t.step);
  if (stats == nullptr) {
    why = "no step named " + in_quotes(t.step) + " ran";
    return std::nullopt;
  }
  const bool empty = is_latency(t.metric) ? stats->latency.empty() : stats->total() == 0;
  if (empty) {
    why = subject(t) + ": nothing was measured";
    return std::nullopt;
  }
  const auto total = static_cast<double>(stats->total());
  switch (t.metric) {
    case ThresholdMetric::kCount:
      return total;
    case ThresholdMetric::kErrorRate:
      return stats->error_rate();
    case ThresholdMetric::kSuccessRate:
      return 1.0 - stats->error_rate();
    case ThresholdMetric::kRps:
      if (duration_s <= 0) {
        why = subject(t) + ": cannot be measured, the run's duration is " +
              format_3_digits(duration_s) + "s";
        return std::nullopt;
      }
      return total / duration_s;
    default:
      return latency_value(t, stats->latency);
  }
}

}  // namespace

std::string Threshold::metric_name() const {
  switch (metric) {
    case ThresholdMetric::kPercentile: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "p(%.10g)", percentile);
      return buf;
    }
    case ThresholdMetric::kMin:
      return "min";
    case ThresholdMetric::kMax:
      return "max";
    case ThresholdMetric::kMean:
      return "mean";
    case ThresholdMetric::kStddev:
      return "stddev";
    case ThresholdMetric::kCount:
      return "count";
    case ThresholdMetric::kErrorRate:
      return "error_rate";
    case ThresholdMetric::kSuccessRate:
      return "success_rate";
    case ThresholdMetric::kRps:
      return "rps";
    case ThresholdMetric::kDropped:
      return "dropped";
    case ThresholdMetric::kCustom:
      return custom;
  }
  return "?";
}

std::string_view Threshold::unit() const noexcept {
  if (is_latency(metric)) return "us";
  if (is_rate(metric)) return "ratio";
  if (metric == ThresholdMetric::kRps) return "per_s";
  return "count";
}

Threshold parse_threshold(std::string_view expression,
                          std::span<const MetricDeclaration> declared) {
  try {
    return validate(expression, read_syntax(expression), declared);
  } catch (const SyntaxError& e) {
    throw ConfigError(caret_message(expression, e));
  }
}

std::vector<Threshold> parse_thresholds(const std::vector<std::string>& expressions,
                                        std::span<const MetricDeclaration> declared) {
  std::vector<Threshold> out;
  Problems problems;
  for (const auto& expression : expressions) {
    try {
      out.push_back(parse_threshold(expression, declared));
    } catch (const ConfigError& e) {
      for (const auto& p : e.problems()) problems.add(p);
    }
  }
  problems.throw_if_any();
  return out;
}

ThresholdOutcome evaluate(const Threshold& threshold, const RunMetrics& metrics,
                          double duration_s) {
  ThresholdOutcome out;
  out.expression = threshold.expression;
  out.step = threshold.step;
  out.metric = threshold.metric_name();
  out.unit = std::string(threshold.unit());
  out.limit = threshold.limit;
  std::string why;
  const std::optional<double> measured = measure(threshold, metrics, duration_s, why);
  if (!measured) {
    out.verdict = Verdict::kFail;
    out.detail = why;
    return out;
  }
  out.measured = *measured;
  const std::string limit_text = "limit " + std::string(to_string(threshold.op)) + " " +
                                 format_value(threshold, threshold.limit);
  out.detail =
      subject(threshold) + " was " + format_value(threshold, *measured) + ", " + limit_text;
  if (!holds(threshold.op, *measured, threshold.limit)) {
    out.verdict = Verdict::kFail;
  } else if (within_warning_band(threshold, *measured)) {
    out.verdict = Verdict::kWarn;
    out.detail += " (within 10% of the limit)";
  } else {
    out.verdict = Verdict::kPass;
  }
  return out;
}

}  // namespace gauntlet

#include "gauntlet/mocks/metrics_registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

bool valid_name(const std::string& name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Label values escape backslash, double quote and newline; HELP text escapes backslash and newline.
std::string escape(const std::string& text, bool quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_labels(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ',';
    out += k + "=\"" + escape(v, true) + "\"";
  }
  if (!extra.empty()) out += (out.size() > 1 ? "," : "") + extra;
  return out + "}";
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back as the same double: 0.1, not 0.10000000000000001.
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

const char* type_name(int type) {
  static const char* kNames[] = {"counter", "gauge", "histogram"};
  return kNames[type];
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds_s)
    : bounds_(std::move(upper_bounds_s)),
      buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  if (bounds_.empty() || !std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw ConfigError("histogram upper bounds must be non-empty and strictly increasing, got " +
                      std::to_string(bounds_.size()) + " bounds");
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double seconds) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(seconds, std::memory_order_relaxed);
}

std::uint64_t Histogram::cumulative_count(std::size_t i) const noexcept {
  std::uint64_t total = 0;
  for (std::size_t b = 0; b <= std::min(i, bounds_.size()); ++b) {
    total += buckets_[b].load(std::memory_order_relaxed);
  }
  return total;
}

std::vector<double> MetricsRegistry::default_latency_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
}

MetricsRegistry::Series& MetricsRegistry::series_for(const std::string& name,
                                                     const std::string& help, Type type,
                                                     const Labels& labels) {
  Problems problems;
  if (!valid_name(name, true))
    problems.add("metric name \"" + name + "\" is not a valid Prometheus name");
  for (const auto& [k, v] : labels) {
    if (!valid_name(k, false) || k.rfind("__", 0) == 0) {
      problems.add("label name \"" + k + "\" of metric " + name +
                   " is not a valid Prometheus label");
    }
  }
  problems.throw_if_any();
  Family& family = families_.try_emplace(name, Family{type, help, {}}).first->second;
  if (family.type != type) {
    throw ConfigError("metric " + name + " is already registered as a " +
                      type_name(static_cast<int>(family.type)) + ", not a " +
                      type_name(static_cast<int>(type)));
  }
  Series& series = family.series[render_labels(labels)];
  series.labels = labels;
  return series;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series_for(name, help, Type::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series_for(name, help, Type::kGauge, labels);
  if (!s.gauge && !s.callback) s.gauge = std::make_unique<Gauge>();
  if (!s.gauge) throw ConfigError("metric " + name + " with these labels is a callback gauge");
  return *s.gauge;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      const Labels& labels, std::vector<double> upper_bounds_s) {
  std::lock_guard lock(mutex_);
  Series& s = series_for(name, help, Type::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(upper_bounds_s));
  return *s.histogram;
}

void MetricsRegistry::gauge_callback(const std::string& name, const std::string& help,
                                     const Labels& labels, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  Series& s = series_for(name, help, Type::kGauge, labels);
  s.gauge.reset();
  s.callback = std::move(read);
}

void MetricsRegistry::render_family(std::string& out, const std::string& name,
                                    const Family& family) {
  out += "# HELP " + name + " " + escape(family.help, false) + "\n";
  out += "# TYPE " + name + " " + type_name(static_cast<int>(family.type)) + "\n";
  for (const auto& [key, s] : family.series) {
    if (s.counter) out += name + key + " " + std::to_string(s.counter->value()) + "\n";
    if (s.gauge) out += name + key + " " + number(s.gauge->value()) + "\n";
    if (s.callback) out += name + key + " " + number(s.callback()) + "\n";
    if (s.histogram) {
      const Histogram& h = *s.histogram;
      for (std::size_t i = 0; i <= h.upper_bounds().size(); ++i) {
        const std::string le = i < h.upper_bounds().size() ? number(h.upper_bounds()[i]) : "+Inf";
        out += name + "_bucket" + render_labels(s.labels, "le=\"" + le + "\"") + " " +
               std::to_string(h.cumulative_count(i)) + "\n";
      }
      out += name + "_sum" + key + " " + number(h.sum()) + "\n";
      out += name + "_count" + key + " " + std::to_string(h.count()) + "\n";
    }
  }
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) render_family(out, name, family);
  return out;
}

}  // namespace gauntlet::mocks

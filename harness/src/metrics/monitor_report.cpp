#include "gauntlet/metrics/monitor_report.hpp"

namespace gauntlet {

const ProcessPeaks* MonitorReport::find(std::string_view name) const noexcept {
  for (const ProcessPeaks& p : processes) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

void to_json(nlohmann::json& j, const MonitorReport& m) {
  nlohmann::json processes = nlohmann::json::array();
  for (const ProcessPeaks& p : m.processes) {
    processes.push_back({{"name", p.name},
                         {"pid", p.pid},
                         {"peak_rss_mb", p.peak_rss_mb},
                         {"peak_cpu_percent", p.peak_cpu_percent},
                         {"peak_fds", p.peak_fds},
                         {"peak_threads", p.peak_threads},
                         {"rss_slope_mb_per_min", p.rss_slope_mb_per_min}});
  }
  nlohmann::json series = nlohmann::json::array();
  for (const ResourceSample& s : m.series) {
    series.push_back({{"t_s", s.t_s},
                      {"process", s.process},
                      {"cpu_percent", s.cpu_percent},
                      {"rss_mb", s.rss_mb},
                      {"fds", s.fds},
                      {"threads", s.threads}});
  }
  nlohmann::json machine = nlohmann::json::array();
  for (const MachineSample& s : m.machine) {
    machine.push_back(
        {{"t_s", s.t_s}, {"mem_available_mb", s.mem_available_mb}, {"load1", s.load1}});
  }
  nlohmann::json stopped = nullptr;
  if (m.stopped) {
    stopped = {{"limit", m.stopped->limit},
               {"process", m.stopped->process},
               {"value", m.stopped->value},
               {"at_s", m.stopped->at_s},
               {"message", m.stopped->message}};
  }
  j = {{"interval_s", m.interval_s},
       {"processes", std::move(processes)},
       {"series", std::move(series)},
       {"machine", std::move(machine)},
       {"stopped", std::move(stopped)}};
}

void from_json(const nlohmann::json& j, MonitorReport& m) {
  m = MonitorReport{};
  m.interval_s = j.at("interval_s").get<double>();
  for (const auto& p : j.at("processes")) {
    m.processes.push_back(
        {p.at("name").get<std::string>(), p.at("pid").get<std::int64_t>(),
         p.at("peak_rss_mb").get<double>(), p.at("peak_cpu_percent").get<double>(),
         p.at("peak_fds").get<std::int64_t>(), p.at("peak_threads").get<std::int64_t>(),
         p.at("rss_slope_mb_per_min").get<double>()});
  }
  for (const auto& s : j.at("series")) {
    m.series.push_back({s.at("t_s").get<double>(), s.at("process").get<std::string>(),
                        s.at("cpu_percent").get<double>(), s.at("rss_mb").get<double>(),
                        s.at("fds").get<std::int64_t>(), s.at("threads").get<std::int64_t>()});
  }
  // "machine" is ours, beside the fixed shape: a document without it has no machine samples.
  if (const auto it = j.find("machine"); it != j.end()) {
    for (const auto& s : *it) {
      m.machine.push_back({s.at("t_s").get<double>(), s.at("mem_available_mb").get<double>(),
                           s.at("load1").get<double>()});
    }
  }
  const nlohmann::json& stopped = j.at("stopped");
  if (!stopped.is_null()) {
    m.stopped =
        SafetyStop{stopped.at("limit").get<std::string>(), stopped.at("process").get<std::string>(),
                   stopped.at("value").get<double>(), stopped.at("at_s").get<double>(),
                   stopped.at("message").get<std::string>()};
  }
}

}  // namespace gauntlet

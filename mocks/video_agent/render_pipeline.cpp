#include "render_pipeline.hpp"

#include <cmath>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

constexpr double kReferencePixels = 1080.0 * 1920.0;

void read_int(const nlohmann::json& body, const char* field, int min, int max, int& out,
              Problems& problems) {
  if (!body.contains(field)) return;
  const nlohmann::json& v = body.at(field);
  if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
    problems.add(std::string(field) + " must be an integer in " + std::to_string(min) + ".." +
                 std::to_string(max) + ", got " + v.dump());
    return;
  }
  out = v.get<int>();
}

}  // namespace

RenderSpec RenderSpec::from_json(const nlohmann::json& body) {
  RenderSpec spec;
  if (!body.is_object())
    throw ConfigError("the render spec must be a JSON object, got " + body.dump());
  Problems problems;
  read_int(body, "duration_s", 1, 600, spec.duration_s, problems);
  read_int(body, "width", 16, 7680, spec.width, problems);
  read_int(body, "height", 16, 7680, spec.height, problems);
  read_int(body, "fail_attempts", 0, 100, spec.fail_attempts, problems);
  problems.throw_if_any();
  return spec;
}

nlohmann::json RenderSpec::to_json() const {
  return {{"duration_s", duration_s},
          {"width", width},
          {"height", height},
          {"fail_attempts", fail_attempts}};
}

const std::vector<RenderStage>& render_stages() {
  static const std::vector<RenderStage> kStages = {{"script", 2.0},          {"voiceover", 5.0},
                                                   {"scene_assembly", 10.0}, {"color_grade", 8.0},
                                                   {"captions", 3.0},        {"encode", 12.0}};
  return kStages;
}

std::chrono::microseconds stage_duration(const RenderStage& stage, const RenderSpec& spec,
                                         double cost_scale) {
  const double pixels = static_cast<double>(spec.width) * static_cast<double>(spec.height);
  const double us = stage.cost_ms_per_video_s * 1000.0 * spec.duration_s *
                    (pixels / kReferencePixels) * cost_scale;
  return std::chrono::microseconds(std::llround(us));
}

std::chrono::microseconds render_duration(const RenderSpec& spec, double cost_scale) {
  std::chrono::microseconds total{0};
  for (const RenderStage& stage : render_stages()) total += stage_duration(stage, spec, cost_scale);
  return total;
}

}  // namespace gauntlet::mocks

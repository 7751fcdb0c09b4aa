#pragma once
// The render pipeline of video-agent as pure data: which "pro-module" stages a render runs and how
// long each takes for a given video. Rendering is simulated by waiting; the wait is
// deterministic and proportional to the video's duration, so load on video-agent scales with
// what was asked for, reproducibly.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet::mocks {

// What one render job produces; stored in render_jobs.spec.
struct RenderSpec {
  int duration_s = 15;    // 1..600
  int width = 1080;       // 16..7680
  int height = 1920;      // 16..7680
  int fail_attempts = 0;  // the first N attempts fail in the "encode" stage (tests, chaos), 0..100

  // Reads the optional fields duration_s, width, height, fail_attempts from `body` (other fields
  // are ignored). Throws ConfigError listing every field that is not an integer in its range.
  static RenderSpec from_json(const nlohmann::json& body);
  nlohmann::json to_json() const;
};

struct RenderStage {
  std::string_view name;
  // Simulated cost in milliseconds per second of output video, at 1080x1920. Larger frames cost
  // proportionally more (by pixel count).
  double cost_ms_per_video_s;
};

// The stages, in order: script, voiceover, scene_assembly, color_grade, captions, encode.
const std::vector<RenderStage>& render_stages();

// How long `stage` takes for `spec`: cost_ms_per_video_s * duration_s * pixels / (1080*1920) *
// cost_scale, rounded to the microsecond. `cost_scale` >= 0 (0 renders instantly).
std::chrono::microseconds stage_duration(const RenderStage& stage, const RenderSpec& spec,
                                         double cost_scale);
// The sum of stage_duration over every stage.
std::chrono::microseconds render_duration(const RenderSpec& spec, double cost_scale);

}  // namespace gauntlet::mocks

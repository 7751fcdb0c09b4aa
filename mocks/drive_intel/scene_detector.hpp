#pragma once
// drive-intel's analysis of a video, as deterministic stand-in work: scene detection splits the
// video into 1.5..6 s scenes (boundaries derived from the video's identity, so re-analysing gives
// the same scenes), and three extractors (objects, OCR, speech) describe each scene. Each costs
// CPU in proportion to the footage it covers: detection duration_ms * kDetectRoundsPerMs rounds,
// each extractor its scene's length times its own rate, all times --compute-scale.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gauntlet/mocks/stand_in_compute.hpp"

namespace gauntlet::mocks {

struct VideoInput {
  std::string source_ref;  // the identity that seeds the analysis
  std::int64_t duration_ms = 0;
};

struct SceneSpan {
  int index = 0;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};

class SceneDetector {
 public:
  static constexpr std::uint64_t kDetectRoundsPerMs = 200;
  static constexpr std::uint64_t kObjectRoundsPerMs = 100;
  static constexpr std::uint64_t kOcrRoundsPerMs = 50;
  static constexpr std::uint64_t kSpeechRoundsPerMs = 80;
  static constexpr std::int64_t kMinSceneMs = 1500;
  static constexpr std::int64_t kMaxSceneMs = 6000;

  // `compute` must outlive the detector.
  explicit SceneDetector(const StandInCompute& compute) : compute_(compute) {}

  // Contiguous scenes covering [0, duration_ms) exactly; a tail shorter than 500 ms joins the
  // scene before it. Throws std::invalid_argument when duration_ms <= 0.
  std::vector<SceneSpan> detect(const VideoInput& video) const;

  // {"objects":[..]} labels seen in the scene.
  nlohmann::json detect_objects(const VideoInput& video, const SceneSpan& scene) const;
  // {"ocr_text":".."} on-screen text, "" when there is none.
  nlohmann::json read_text(const VideoInput& video, const SceneSpan& scene) const;
  // {"speech":".."} transcript, "" when nobody speaks.
  nlohmann::json transcribe(const VideoInput& video, const SceneSpan& scene) const;
  // {"motion":0..1,"brightness":0..1,"faces":0..3}: visual statistics, cheap.
  nlohmann::json visual_stats(const VideoInput& video, const SceneSpan& scene) const;

 private:
  std::uint64_t scene_seed(const VideoInput& video, const SceneSpan& scene,
                           std::string_view extractor, std::uint64_t rounds_per_ms) const;

  const StandInCompute& compute_;
};

}  // namespace gauntlet::mocks

#include "scene_detector.hpp"

#include <algorithm>
#include <stdexcept>

namespace gauntlet::mocks {
namespace {

constexpr const char* kObjects[] = {"person", "product", "logo",   "car",    "phone",  "shoe",
                                    "dog",    "food",    "bottle", "laptop", "street", "tree"};
constexpr const char* kOcrWords[] = {"sale",    "new",   "free", "shipping", "today",
                                     "limited", "offer", "shop", "now",      "only"};
constexpr const char* kSpeechWords[] = {"discover", "our", "new",  "collection", "try",  "it",
                                        "today",    "you", "will", "love",       "this", "now"};

template <std::size_t N>
std::string words(const char* const (&vocabulary)[N], std::uint64_t h, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    h = StandInCompute::mix(h);
    if (!out.empty()) out.push_back(' ');
    out += vocabulary[h % N];
  }
  return out;
}

double unit(std::uint64_t h) { return static_cast<double>(h % 1000) / 1000.0; }

}  // namespace

std::vector<SceneSpan> SceneDetector::detect(const VideoInput& video) const {
  if (video.duration_ms <= 0) {
    throw std::invalid_argument("duration_ms must be > 0, got " +
                                std::to_string(video.duration_ms));
  }
  const std::string identity = video.source_ref + "/" + std::to_string(video.duration_ms);
  // The cost of detection. The boundaries come from the identity alone, not from this
  // (scale-dependent) digest, so that the scenes do not depend on --compute-scale.
  compute_.burn(identity, kDetectRoundsPerMs * std::uint64_t(video.duration_ms));
  std::uint64_t h = StandInCompute::hash(identity);
  std::vector<SceneSpan> scenes;
  std::int64_t pos = 0;
  while (pos < video.duration_ms) {
    h = StandInCompute::mix(h);
    const auto length = kMinSceneMs + std::int64_t(h % std::uint64_t(kMaxSceneMs - kMinSceneMs));
    std::int64_t end = std::min(video.duration_ms, pos + length);
    if (video.duration_ms - end < 500) end = video.duration_ms;
    scenes.push_back({static_cast<int>(scenes.size()), pos, end});
    pos = end;
  }
  return scenes;
}

std::uint64_t SceneDetector::scene_seed(const VideoInput& video, const SceneSpan& scene,
                                        std::string_view extractor,
                                        std::uint64_t rounds_per_ms) const {
  const std::string key =
      video.source_ref + "/" + std::to_string(scene.index) + "/" + std::string(extractor);
  compute_.burn(key, rounds_per_ms * std::uint64_t(scene.end_ms - scene.start_ms));
  return StandInCompute::mix(StandInCompute::hash(key));
}

nlohmann::json SceneDetector::detect_objects(const VideoInput& video,
                                             const SceneSpan& scene) const {
  const std::uint64_t h = scene_seed(video, scene, "objects", kObjectRoundsPerMs);
  nlohmann::json objects = nlohmann::json::array();
  const std::size_t count = 1 + h % 3;
  for (std::size_t i = 0; i < count; ++i) {
    const char* label = kObjects[StandInCompute::mix(h + i) % std::size(kObjects)];
    if (std::find(objects.begin(), objects.end(), label) == objects.end()) objects.push_back(label);
  }
  return {{"objects", objects}};
}

nlohmann::json SceneDetector::read_text(const VideoInput& video, const SceneSpan& scene) const {
  const std::uint64_t h = scene_seed(video, scene, "ocr", kOcrRoundsPerMs);
  return {{"ocr_text", h % 2 == 0 ? std::string() : words(kOcrWords, h, 2 + (h >> 8) % 3)}};
}

nlohmann::json SceneDetector::transcribe(const VideoInput& video, const SceneSpan& scene) const {
  const std::uint64_t h = scene_seed(video, scene, "speech", kSpeechRoundsPerMs);
  return {{"speech", h % 5 < 2 ? std::string() : words(kSpeechWords, h, 3 + (h >> 8) % 6)}};
}

nlohmann::json SceneDetector::visual_stats(const VideoInput& video, const SceneSpan& scene) const {
  const std::uint64_t h = scene_seed(video, scene, "visual", 0);
  return {{"motion", unit(h)},
          {"brightness", unit(StandInCompute::mix(h))},
          {"faces", static_cast<int>((h >> 16) % 4)}};
}

}  // namespace gauntlet::mocks

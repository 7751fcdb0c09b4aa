#pragma once
// Creative DNA: what makes a video what it is, read from drive-intel's scene features — hook
// type, pacing, motion, brightness, faces, voice, captions, the objects it shows, its aspect —
// plus a descriptor text and its embedding (for similarity search over the GiST index).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gauntlet/mocks/text_embedding.hpp"

namespace gauntlet::mocks {

struct DnaVideo {
  std::int64_t duration_ms = 0;
  int width = 0;
  int height = 0;
  std::vector<nlohmann::json> scene_features;  // video_scenes.features, in scene order
};

struct CreativeDna {
  nlohmann::json dna;
  std::string descriptor;  // the words the embedding is made of
  Embedding embedding;
};

class CreativeDnaExtractor {
 public:
  static constexpr const char* kVersion = "dna-v1";

  // Pure. Throws std::invalid_argument when the video has no scenes or no duration.
  static CreativeDna extract(const DnaVideo& video);
};

}  // namespace gauntlet::mocks

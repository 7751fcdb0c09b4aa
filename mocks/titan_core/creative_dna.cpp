#include "creative_dna.hpp"

#include <map>
#include <stdexcept>

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

std::string hook_type(const json& first) {
  const bool speaks = !first.value("speech", "").empty();
  if (first.value("faces", 0) > 0 && speaks) return "testimonial";
  if (first.value("motion", 0.0) > 0.7) return "action";
  if (!first.value("ocr_text", "").empty()) return "text_hook";
  return "visual";
}

std::string aspect(int width, int height) {
  if (height > width) return "vertical";
  if (width > height) return "horizontal";
  return "square";
}

}  // namespace

CreativeDna CreativeDnaExtractor::extract(const DnaVideo& video) {
  if (video.scene_features.empty() || video.duration_ms <= 0) {
    throw std::invalid_argument("a video needs scenes and a duration for DNA extraction, got " +
                                std::to_string(video.scene_features.size()) + " scenes and " +
                                std::to_string(video.duration_ms) + " ms");
  }
  const double n = static_cast<double>(video.scene_features.size());
  double motion = 0, brightness = 0, faces = 0, voiced = 0, captioned = 0;
  std::map<std::string, int> objects;
  for (const auto& f : video.scene_features) {
    motion += f.value("motion", 0.0);
    brightness += f.value("brightness", 0.0);
    faces += f.value("faces", 0) > 0 ? 1 : 0;
    voiced += f.value("speech", "").empty() ? 0 : 1;
    captioned += f.value("ocr_text", "").empty() ? 0 : 1;
    if (f.contains("objects") && f["objects"].is_array()) {
      for (const auto& o : f["objects"]) {
        if (o.is_string()) ++objects[o.get<std::string>()];
      }
    }
  }
  const double per_minute = n * 60'000.0 / static_cast<double>(video.duration_ms);
  const std::string pacing = per_minute >= 20 ? "fast" : per_minute >= 10 ? "medium" : "slow";
  const std::string light = brightness / n > 0.6   ? "bright"
                            : brightness / n < 0.4 ? "dark"
                                                   : "balanced";
  CreativeDna out;
  out.dna = {{"hook_type", hook_type(video.scene_features.front())},
             {"pacing", pacing},
             {"scenes_per_minute", per_minute},
             {"mean_motion", motion / n},
             {"lighting", light},
             {"face_ratio", faces / n},
             {"voice_ratio", voiced / n},
             {"caption_ratio", captioned / n},
             {"aspect", aspect(video.width, video.height)},
             {"objects", objects}};
  out.descriptor = "hook " + out.dna["hook_type"].get<std::string>() + " pacing " + pacing +
                   " lighting " + light + " aspect " + aspect(video.width, video.height) +
                   (voiced > 0 ? " voiceover" : "") + (captioned > 0 ? " captions" : "");
  for (const auto& [object, count] : objects) out.descriptor += " " + object;
  out.dna["descriptor"] = out.descriptor;
  out.embedding = embed_text(out.descriptor);
  return out;
}

}  // namespace gauntlet::mocks

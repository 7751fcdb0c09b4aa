#include "gauntlet/mocks/ctr_model.hpp"

#include <algorithm>
#include <cmath>

namespace gauntlet::mocks {
namespace {

struct Weight {
  const char* name;
  double ctr_weight;   // on the logit
  double roas_weight;  // linear
  double min, max;     // clamp range
};

// Short, fast-cut videos with a strong hook, captions and faces do better; long ones worse.
constexpr Weight kWeights[] = {
    {"duration_s", -0.015, -0.004, 0.0, 600.0}, {"scene_count", 0.04, 0.02, 0.0, 200.0},
    {"mean_motion", 0.6, 0.3, 0.0, 1.0},        {"mean_brightness", 0.25, 0.1, 0.0, 1.0},
    {"face_ratio", 0.5, 0.4, 0.0, 1.0},         {"has_captions", 0.3, 0.15, 0.0, 1.0},
    {"has_voiceover", 0.2, 0.25, 0.0, 1.0},     {"hook_strength", 0.9, 0.6, 0.0, 1.0},
};
constexpr double kCtrBias = -4.0;  // sigmoid(-4) ~ 1.8%: a plain video's CTR
constexpr double kRoasBias = 0.8;
constexpr double kRoasPerCtr = 25.0;  // ROAS rises with CTR (more clicks, more sales)

}  // namespace

const std::vector<std::string>& CtrModel::feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& w : kWeights) v.emplace_back(w.name);
    return v;
  }();
  return names;
}

CtrPrediction CtrModel::predict(const std::map<std::string, double>& features) {
  CtrPrediction out;
  double logit = kCtrBias;
  double roas = kRoasBias;
  int known = 0;
  for (const auto& w : kWeights) {
    const auto it = features.find(w.name);
    if (it == features.end()) continue;
    const double x = std::clamp(it->second, w.min, w.max);
    logit += w.ctr_weight * x;
    roas += w.roas_weight * x;
    ++known;
  }
  for (const auto& [name, value] : features) {
    const bool is_known = std::any_of(std::begin(kWeights), std::end(kWeights),
                                      [&](const Weight& w) { return name == w.name; });
    if (!is_known) out.ignored_features.push_back(name);
  }
  out.ctr = 1.0 / (1.0 + std::exp(-logit));
  out.roas = std::max(0.0, roas + kRoasPerCtr * out.ctr);
  out.confidence = static_cast<double>(known) / static_cast<double>(std::size(kWeights));
  return out;
}

}  // namespace gauntlet::mocks

#pragma once
// The prediction model: a fixed logistic regression for CTR and a linear model for ROAS over
// named numeric features. Fixed weights make predictions reproducible, so a test (or a checker)
// can recompute what the service stored. Unknown features are ignored and reported.
#include <map>
#include <string>
#include <vector>

namespace gauntlet::mocks {

struct CtrPrediction {
  double ctr = 0.0;         // 0..1
  double roas = 0.0;        // >= 0
  double confidence = 0.0;  // 0..1: the fraction of the model's features that were given
  std::vector<std::string> ignored_features;  // names the model does not know, sorted
};

class CtrModel {
 public:
  static constexpr const char* kVersion = "ctr-logit-v1";

  // The features the model knows, in order: duration_s, scene_count, mean_motion,
  // mean_brightness, face_ratio, has_captions, has_voiceover, hook_strength.
  static const std::vector<std::string>& feature_names();

  // Pure: same features, same prediction. Values are clamped to each feature's range first.
  static CtrPrediction predict(const std::map<std::string, double>& features);
};

}  // namespace gauntlet::mocks

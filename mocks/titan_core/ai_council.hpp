#pragma once
// The AI Council turns a creative brief into a production-ready script through five stages, each
// timed and each a small deterministic computation sized by the prompt:
//   director           reads the brief: tone, audience, keywords and one hook per variant
//   oracle             predicts each variant's CTR/ROAS with the fixed CtrModel
//   council_of_titans  three titans (strategist, copywriter, analyst) score the variants; the
//                      weighted vote picks the winner
//   veo_director       a shot list for the winner (camera, duration, description)
//   pipeline           assembles the script and the render spec
// The same brief always yields the same result; only the stage timings vary.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gauntlet/mocks/stand_in_compute.hpp"

namespace gauntlet::mocks {

struct CouncilBrief {
  std::string prompt;
  int variants = 3;  // 1..kMaxVariants
};

struct StageTiming {
  std::string name;
  double duration_ms = 0.0;
};

struct CouncilResult {
  nlohmann::json direction;    // director
  nlohmann::json predictions;  // oracle, one per variant
  nlohmann::json votes;        // council of titans
  nlohmann::json shots;        // Veo director
  nlohmann::json script;       // pipeline: hook, tone, shots, voiceover, captions, cta, render
  std::string hook;            // the winning hook type
  std::vector<StageTiming> stages;
};

class AiCouncil {
 public:
  static constexpr int kMaxVariants = 6;
  static constexpr std::uint64_t kRoundsPerPromptChar = 4'000;

  // `compute` must outlive the council.
  explicit AiCouncil(const StandInCompute& compute) : compute_(compute) {}

  // Throws std::invalid_argument for an empty prompt or variants outside 1..kMaxVariants.
  CouncilResult convene(const CouncilBrief& brief) const;

  // The stage names, in order.
  static const std::vector<std::string>& stage_names();

 private:
  nlohmann::json director(const CouncilBrief& brief) const;
  nlohmann::json oracle(const nlohmann::json& direction) const;
  nlohmann::json council_of_titans(const nlohmann::json& direction,
                                   const nlohmann::json& predictions) const;
  nlohmann::json veo_director(const nlohmann::json& direction, const std::string& hook) const;
  nlohmann::json pipeline(const nlohmann::json& direction, const std::string& hook,
                          const nlohmann::json& shots) const;

  const StandInCompute& compute_;
};

}  // namespace gauntlet::mocks

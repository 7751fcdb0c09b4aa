#include "ai_council.hpp"

#include <chrono>
#include <stdexcept>

#include "gauntlet/mocks/ctr_model.hpp"
#include "gauntlet/mocks/text_embedding.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

struct Hook {
  const char* name;
  double strength;  // the CtrModel's hook_strength
};
constexpr Hook kHooks[] = {{"question", 0.7},    {"bold_claim", 0.8}, {"problem_solution", 0.75},
                           {"testimonial", 0.6}, {"countdown", 0.65}, {"before_after", 0.85}};
constexpr const char* kCameras[] = {"close-up", "wide", "pan", "tracking", "overhead", "handheld"};

std::string tone_of(const std::vector<std::string>& words) {
  for (const auto& w : words) {
    if (w == "fun" || w == "playful" || w == "funny") return "playful";
    if (w == "luxury" || w == "premium" || w == "elegant") return "premium";
    if (w == "urgent" || w == "sale" || w == "now") return "urgent";
  }
  return "confident";
}

const Hook& hook_named(const std::string& name) {
  for (const auto& h : kHooks) {
    if (name == h.name) return h;
  }
  return kHooks[0];
}

}  // namespace

const std::vector<std::string>& AiCouncil::stage_names() {
  static const std::vector<std::string> names = {"director", "oracle", "council_of_titans",
                                                 "veo_director", "pipeline"};
  return names;
}

CouncilResult AiCouncil::convene(const CouncilBrief& brief) const {
  if (normalise_text(brief.prompt).empty()) {
    throw std::invalid_argument("prompt must contain at least one word, got \"" +
                                brief.prompt.substr(0, 80) + "\"");
  }
  if (brief.variants < 1 || brief.variants > kMaxVariants) {
    throw std::invalid_argument("variants must be in 1.." + std::to_string(kMaxVariants) +
                                ", got " + std::to_string(brief.variants));
  }
  CouncilResult r;
  const auto timed = [&](const std::string& stage, auto&& fn) {
    const auto start = std::chrono::steady_clock::now();
    compute_.burn(brief.prompt + "/" + stage, kRoundsPerPromptChar * brief.prompt.size());
    auto out = fn();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    r.stages.push_back({stage, took.count()});
    return out;
  };
  r.direction = timed("director", [&] { return director(brief); });
  r.predictions = timed("oracle", [&] { return oracle(r.direction); });
  r.votes =
      timed("council_of_titans", [&] { return council_of_titans(r.direction, r.predictions); });
  r.hook = r.votes["winner"].get<std::string>();
  r.shots = timed("veo_director", [&] { return veo_director(r.direction, r.hook); });
  r.script = timed("pipeline", [&] { return pipeline(r.direction, r.hook, r.shots); });
  return r;
}

json AiCouncil::director(const CouncilBrief& brief) const {
  const auto words = tokenize(brief.prompt);
  std::uint64_t h = StandInCompute::hash(normalise_text(brief.prompt));
  json hooks = json::array();
  // Distinct hooks, chosen by the brief: a walk over the hook table from a hashed start.
  const std::size_t first = h % std::size(kHooks);
  for (int i = 0; i < brief.variants; ++i) {
    hooks.push_back(kHooks[(first + std::size_t(i) * 5) % std::size(kHooks)].name);
  }
  json keywords = json::array();
  for (const auto& w : words) {
    if (w.size() > 3 && keywords.size() < 5 &&
        std::find(keywords.begin(), keywords.end(), w) == keywords.end()) {
      keywords.push_back(w);
    }
  }
  h = StandInCompute::mix(h);
  const bool short_form = h % 3 != 0;
  return {{"tone", tone_of(words)},
          {"audience", keywords.empty() ? "general" : keywords[0].get<std::string>() + " buyers"},
          {"keywords", keywords},
          {"hooks", hooks},
          {"duration_ms", short_form ? 15'000 : 30'000}};
}

json AiCouncil::oracle(const json& direction) const {
  json out = json::array();
  for (const auto& hook : direction["hooks"]) {
    const Hook& h = hook_named(hook.get<std::string>());
    const double duration_s = direction["duration_ms"].get<double>() / 1000.0;
    const CtrPrediction p = CtrModel::predict({{"duration_s", duration_s},
                                               {"hook_strength", h.strength},
                                               {"has_captions", 1.0},
                                               {"scene_count", duration_s / 3.0}});
    out.push_back({{"hook", h.name}, {"predicted_ctr", p.ctr}, {"predicted_roas", p.roas}});
  }
  return out;
}

json AiCouncil::council_of_titans(const json& direction, const json& predictions) const {
  // Weights: the strategist trusts the oracle, the copywriter taste, the analyst brevity.
  constexpr double kStrategist = 0.5, kCopywriter = 0.3, kAnalyst = 0.2;
  json votes = json::array();
  std::string winner;
  double best = -1.0;
  for (const auto& p : predictions) {
    const std::string hook = p["hook"];
    const double strategist = std::min(1.0, p["predicted_ctr"].get<double>() * 20.0);
    const double copywriter =
        double(StandInCompute::mix(StandInCompute::hash(hook + direction["tone"].dump())) % 1000) /
        1000.0;
    const double analyst = direction["duration_ms"].get<int>() <= 15'000 ? 0.8 : 0.5;
    const double score = kStrategist * strategist + kCopywriter * copywriter + kAnalyst * analyst;
    votes.push_back({{"hook", hook},
                     {"strategist", strategist},
                     {"copywriter", copywriter},
                     {"analyst", analyst},
                     {"score", score}});
    if (score > best) {
      best = score;
      winner = hook;
    }
  }
  return {
      {"titans", {"strategist", "copywriter", "analyst"}}, {"scores", votes}, {"winner", winner}};
}

json AiCouncil::veo_director(const json& direction, const std::string& hook) const {
  const auto total = direction["duration_ms"].get<std::int64_t>();
  std::uint64_t h = StandInCompute::hash(hook + direction.dump());
  const std::int64_t count = 3 + std::int64_t(h % 4);
  json shots = json::array();
  const auto& keywords = direction["keywords"];
  for (std::int64_t i = 0; i < count; ++i) {
    h = StandInCompute::mix(h);
    // Equal shares with the remainder on the last shot: the shots fill the duration exactly.
    const std::int64_t length =
        i + 1 < count ? total / count : total - (count - 1) * (total / count);
    const std::string subject = keywords.empty()
                                    ? "the product"
                                    : keywords[std::size_t(i) % keywords.size()].get<std::string>();
    shots.push_back({{"index", i},
                     {"duration_ms", length},
                     {"camera", kCameras[h % std::size(kCameras)]},
                     {"description", (i == 0 ? hook + " opening on " : "shot of ") + subject}});
  }
  return shots;
}

json AiCouncil::pipeline(const json& direction, const std::string& hook, const json& shots) const {
  json voiceover = json::array();
  json captions = json::array();
  for (const auto& shot : shots) {
    voiceover.push_back("Line for " + shot["description"].get<std::string>());
    captions.push_back(shot["description"]);
  }
  return {{"hook", hook},
          {"tone", direction["tone"]},
          {"audience", direction["audience"]},
          {"shots", shots},
          {"voiceover", voiceover},
          {"captions", captions},
          {"cta", direction["tone"] == "urgent" ? "Shop now" : "Learn more"},
          {"render",
           {{"aspect", "9:16"},
            {"width", 1080},
            {"height", 1920},
            {"duration_ms", direction["duration_ms"]}}}};
}

}  // namespace gauntlet::mocks

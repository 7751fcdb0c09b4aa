// The AI Council's five stages and creative DNA, as pure computations.
#include <gtest/gtest.h>

#include <set>

#include "ai_council.hpp"
#include "creative_dna.hpp"

namespace gauntlet::mocks {
namespace {

TEST(AiCouncil, TheSameBriefGivesTheSameScript) {
  const StandInCompute compute(0.001);
  const AiCouncil council(compute);
  const CouncilBrief brief{"A fun ad for trail running shoes aimed at weekend runners", 4};
  const CouncilResult a = council.convene(brief);
  const CouncilResult b = council.convene(brief);
  EXPECT_EQ(a.script, b.script);
  EXPECT_EQ(a.hook, b.hook);
  EXPECT_EQ(a.direction["tone"], "playful");
  EXPECT_NE(council.convene({"Luxury watches for collectors", 4}).script, a.script);
}

TEST(AiCouncil, RunsTheFiveStagesInOrderAndPicksTheTopScoredVariant) {
  const StandInCompute compute(0.001);
  const CouncilResult r = AiCouncil(compute).convene({"Urgent sale on headphones", 5});
  ASSERT_EQ(r.stages.size(), AiCouncil::stage_names().size());
  for (std::size_t i = 0; i < r.stages.size(); ++i) {
    EXPECT_EQ(r.stages[i].name, AiCouncil::stage_names()[i]);
  }
  std::set<std::string> hooks;
  for (const auto& h : r.direction["hooks"]) hooks.insert(h.get<std::string>());
  EXPECT_EQ(hooks.size(), 5u) << "each variant gets its own hook";
  double best = -1;
  std::string best_hook;
  for (const auto& v : r.votes["scores"]) {
    if (v["score"].get<double>() > best) {
      best = v["score"].get<double>();
      best_hook = v["hook"].get<std::string>();
    }
  }
  EXPECT_EQ(r.hook, best_hook);
  EXPECT_EQ(r.script["cta"], "Shop now");
}

TEST(AiCouncil, ShotsFillTheVideoExactly) {
  const StandInCompute compute(0.001);
  for (const char* prompt : {"a", "coffee for night owls", "gym membership new year deal"}) {
    const CouncilResult r = AiCouncil(compute).convene({prompt, 2});
    std::int64_t total = 0;
    for (const auto& s : r.shots) total += s["duration_ms"].get<std::int64_t>();
    EXPECT_EQ(total, r.direction["duration_ms"].get<std::int64_t>()) << prompt;
    EXPECT_GE(r.shots.size(), 3u);
  }
}

TEST(AiCouncil, RejectsAnEmptyBrief) {
  const StandInCompute compute(0.001);
  EXPECT_THROW(AiCouncil(compute).convene({"  ?! ", 3}), std::invalid_argument);
  EXPECT_THROW(AiCouncil(compute).convene({"shoes", 0}), std::invalid_argument);
  EXPECT_THROW(AiCouncil(compute).convene({"shoes", AiCouncil::kMaxVariants + 1}),
               std::invalid_argument);
}

TEST(CreativeDna, DescribesPacingVoiceAndCaptionsFromScenes) {
  DnaVideo video{20'000, 1080, 1920, {}};
  for (int i = 0; i < 10; ++i) {
    video.scene_features.push_back({{"motion", 0.9},
                                    {"brightness", 0.8},
                                    {"faces", 0},
                                    {"speech", i % 2 == 0 ? "hello there" : ""},
                                    {"ocr_text", ""},
                                    {"objects", {"shoe"}}});
  }
  const CreativeDna dna = CreativeDnaExtractor::extract(video);
  EXPECT_EQ(dna.dna["pacing"], "fast");  // 30 scenes a minute
  EXPECT_EQ(dna.dna["hook_type"], "action");
  EXPECT_EQ(dna.dna["lighting"], "bright");
  EXPECT_EQ(dna.dna["aspect"], "vertical");
  EXPECT_DOUBLE_EQ(dna.dna["voice_ratio"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(dna.dna["caption_ratio"].get<double>(), 0.0);
  EXPECT_EQ(dna.dna["objects"]["shoe"], 10);
  EXPECT_EQ(dna.embedding, CreativeDnaExtractor::extract(video).embedding);
  EXPECT_THROW(CreativeDnaExtractor::extract({1000, 1, 1, {}}), std::invalid_argument);
}

}  // namespace
}  // namespace gauntlet::mocks

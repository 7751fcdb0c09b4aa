// video-agent's simulated render cost: deterministic, proportional to duration and frame size.
#include "render_pipeline.hpp"

#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"
#include "render_job_store.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;

TEST(RenderPipeline, StagesRunInTheDocumentedOrder) {
  std::vector<std::string> names;
  for (const auto& s : render_stages()) names.emplace_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"script", "voiceover", "scene_assembly", "color_grade",
                                             "captions", "encode"}));
}

TEST(RenderPipeline, DurationScalesWithVideoLengthPixelsAndCostScale) {
  RenderSpec spec;                               // 15 s at 1080x1920
  EXPECT_EQ(render_duration(spec, 1.0), 600ms);  // 40 ms per video second
  spec.duration_s = 30;
  EXPECT_EQ(render_duration(spec, 1.0), 1200ms);
  spec.width = 540;
  spec.height = 960;  // a quarter of the pixels
  EXPECT_EQ(render_duration(spec, 1.0), 300ms);
  EXPECT_EQ(render_duration(spec, 0.5), 150ms);
  EXPECT_EQ(render_duration(spec, 0.0), 0ms);
  EXPECT_EQ(stage_duration(render_stages().back(), RenderSpec{}, 1.0), 180ms);  // encode: 12 ms/s
}

TEST(RenderPipeline, SpecValidationListsEveryBadField) {
  try {
    RenderSpec::from_json({{"duration_s", 0}, {"width", "wide"}, {"fail_attempts", 101}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 3U);
    EXPECT_NE(std::string(e.what()).find("duration_s must be an integer in 1..600, got 0"),
              std::string::npos);
  }
  EXPECT_EQ(RenderSpec::from_json({{"duration_s", 7}}).duration_s, 7);
}

TEST(RenderJobRequest, NeedsABlueprintOrACampaignWithAPrompt) {
  EXPECT_THROW(RenderJobRequest::from_json({{"duration_s", 5}}, ""), ConfigError);
  EXPECT_THROW(RenderJobRequest::from_json({{"campaign_id", 1}}, ""), ConfigError);
  const auto r = RenderJobRequest::from_json({{"campaign_id", 1}, {"prompt", "an ad"}}, "key-1");
  EXPECT_EQ(r.idempotency_key, "key-1");
  EXPECT_EQ(*r.campaign_id, 1);
  const auto body_key =
      RenderJobRequest::from_json({{"blueprint_id", 2}, {"idempotency_key", "k2"}}, "key-1");
  EXPECT_EQ(body_key.idempotency_key, "k2");
}

}  // namespace
}  // namespace gauntlet::mocks

// drive-intel's stand-in analysis: scenes tile the video exactly, and the same video always
// gives the same scenes and features, whatever the compute scale.
#include "scene_detector.hpp"

#include <gtest/gtest.h>

namespace gauntlet::mocks {
namespace {

TEST(SceneDetector, ScenesTileTheVideoWithinTheLengthBounds) {
  const StandInCompute compute(0.001);
  const SceneDetector detector(compute);
  for (std::int64_t duration : {1LL, 499LL, 1500LL, 7'001LL, 30'000LL, 61'234LL, 600'000LL}) {
    const auto scenes = detector.detect({"file-" + std::to_string(duration), duration});
    ASSERT_FALSE(scenes.empty());
    std::int64_t pos = 0;
    for (std::size_t i = 0; i < scenes.size(); ++i) {
      EXPECT_EQ(scenes[i].index, static_cast<int>(i));
      EXPECT_EQ(scenes[i].start_ms, pos);
      EXPECT_GT(scenes[i].end_ms, scenes[i].start_ms);
      EXPECT_LE(scenes[i].end_ms - scenes[i].start_ms, SceneDetector::kMaxSceneMs + 500);
      if (i + 1 < scenes.size()) {
        EXPECT_GE(scenes[i].end_ms - scenes[i].start_ms, SceneDetector::kMinSceneMs);
      }
      pos = scenes[i].end_ms;
    }
    EXPECT_EQ(pos, duration);
  }
  EXPECT_THROW(detector.detect({"x", 0}), std::invalid_argument);
}

TEST(SceneDetector, TheSameVideoGivesTheSameAnalysisAtAnyComputeScale) {
  const StandInCompute small(0.001), larger(0.01);
  const SceneDetector a(small), b(larger);
  const VideoInput video{"drive:abc", 45'000};
  const auto sa = a.detect(video);
  const auto sb = b.detect(video);
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].end_ms, sb[i].end_ms);
    EXPECT_EQ(a.detect_objects(video, sa[i]), b.detect_objects(video, sb[i]));
    EXPECT_EQ(a.read_text(video, sa[i]), b.read_text(video, sb[i]));
    EXPECT_EQ(a.transcribe(video, sa[i]), b.transcribe(video, sb[i]));
    EXPECT_EQ(a.visual_stats(video, sa[i]), b.visual_stats(video, sb[i]));
  }
  const auto other = a.detect({"drive:other", 45'000});
  EXPECT_TRUE(other.size() != sa.size() || other[0].end_ms != sa[0].end_ms)
      << "another video should be cut differently";
}

TEST(SceneDetector, FeaturesHaveTheirDocumentedShapes) {
  const StandInCompute compute(0.001);
  const SceneDetector detector(compute);
  const VideoInput video{"drive:shape", 20'000};
  for (const auto& scene : detector.detect(video)) {
    const auto objects = detector.detect_objects(video, scene)["objects"];
    EXPECT_TRUE(objects.is_array());
    EXPECT_GE(objects.size(), 1u);
    EXPECT_LE(objects.size(), 3u);
    EXPECT_TRUE(detector.read_text(video, scene)["ocr_text"].is_string());
    EXPECT_TRUE(detector.transcribe(video, scene)["speech"].is_string());
    const auto v = detector.visual_stats(video, scene);
    EXPECT_GE(v["motion"].get<double>(), 0.0);
    EXPECT_LT(v["motion"].get<double>(), 1.0);
    EXPECT_GE(v["faces"].get<int>(), 0);
    EXPECT_LE(v["faces"].get<int>(), 3);
  }
}

}  // namespace
}  // namespace gauntlet::mocks

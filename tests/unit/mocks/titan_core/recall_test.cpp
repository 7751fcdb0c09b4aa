// Brute-force nearest neighbours and recall@k, the yardstick for the GiST index.
#include <gtest/gtest.h>

#include "nearest_neighbours.hpp"

namespace gauntlet::mocks {
namespace {

TEST(BruteForceTopK, ReturnsTheNearestFirstWithTiesByLowerId) {
  const std::vector<std::pair<std::int64_t, Embedding>> corpus = {
      {1, {0, 0}}, {2, {1, 0}}, {3, {0, 1}}, {4, {5, 5}}, {5, {0.1, 0}}};
  const auto top = brute_force_top_k(corpus, {0, 0}, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].id, 1);
  EXPECT_EQ(top[1].id, 5);
  EXPECT_EQ(top[2].id, 2);  // 2 and 3 tie at distance 1; the lower id wins
  EXPECT_DOUBLE_EQ(top[2].distance, 1.0);
  EXPECT_EQ(brute_force_top_k(corpus, {0, 0}, 10).size(), 5u);
}

TEST(BruteForceTopK, PadsShorterVectorsWithZerosAsCubeDoes) {
  const auto top = brute_force_top_k({{1, {3}}, {2, {0, 1}}}, {0, 0}, 1);
  EXPECT_EQ(top[0].id, 2);
  EXPECT_DOUBLE_EQ(top[0].distance, 1.0);
}

TEST(RecallAtK, CountsTheTrueNeighboursFound) {
  const std::vector<Neighbour> truth = {{1, 0.1}, {2, 0.2}, {3, 0.3}, {4, 0.4}};
  EXPECT_DOUBLE_EQ(recall_at_k(truth, truth), 1.0);
  EXPECT_DOUBLE_EQ(recall_at_k({{1, 0.1}, {2, 0.2}, {8, 0.5}, {9, 0.6}}, truth), 0.5);
  EXPECT_DOUBLE_EQ(recall_at_k({}, truth), 0.0);
  EXPECT_DOUBLE_EQ(recall_at_k({{1, 0.1}}, {}), 1.0);
}

TEST(RecallAtK, AnEquidistantSubstituteCountsAsCorrect) {
  const std::vector<Neighbour> truth = {{1, 0.1}, {2, 0.4}};
  EXPECT_DOUBLE_EQ(recall_at_k({{1, 0.1}, {7, 0.4}}, truth), 1.0);
  EXPECT_DOUBLE_EQ(recall_at_k({{1, 0.1}, {7, 0.41}}, truth), 0.5);
  EXPECT_DOUBLE_EQ(recall_at_k({{1, 0.1}, {1, 0.1}}, truth), 0.5);  // a duplicate counts once
}

}  // namespace
}  // namespace gauntlet::mocks

// The fixed prediction model: reproducible, monotone in the features it rewards, honest about
// features it does not know.
#include "gauntlet/mocks/ctr_model.hpp"

#include <gtest/gtest.h>

namespace gauntlet::mocks {
namespace {

TEST(CtrModel, SameFeaturesGiveTheSamePrediction) {
  const std::map<std::string, double> f = {{"duration_s", 20}, {"hook_strength", 0.5}};
  const auto a = CtrModel::predict(f);
  const auto b = CtrModel::predict(f);
  EXPECT_EQ(a.ctr, b.ctr);
  EXPECT_EQ(a.roas, b.roas);
  EXPECT_GT(a.ctr, 0.0);
  EXPECT_LT(a.ctr, 1.0);
  EXPECT_GE(a.roas, 0.0);
}

TEST(CtrModel, AStrongerHookAndAShorterVideoRaiseCtr) {
  const auto weak = CtrModel::predict({{"hook_strength", 0.1}, {"duration_s", 30}});
  const auto strong = CtrModel::predict({{"hook_strength", 0.9}, {"duration_s", 30}});
  const auto shorter = CtrModel::predict({{"hook_strength", 0.1}, {"duration_s", 10}});
  EXPECT_GT(strong.ctr, weak.ctr);
  EXPECT_GT(strong.roas, weak.roas);
  EXPECT_GT(shorter.ctr, weak.ctr);
}

TEST(CtrModel, ClampsValuesAndReportsUnknownFeatures) {
  EXPECT_EQ(CtrModel::predict({{"hook_strength", 50}}).ctr,
            CtrModel::predict({{"hook_strength", 1}}).ctr);
  const auto p = CtrModel::predict({{"zeta", 1}, {"alpha", 2}, {"mean_motion", 0.5}});
  EXPECT_EQ(p.ignored_features, (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_DOUBLE_EQ(p.confidence, 1.0 / double(CtrModel::feature_names().size()));
  EXPECT_DOUBLE_EQ(CtrModel::predict({}).confidence, 0.0);
}

}  // namespace
}  // namespace gauntlet::mocks

// Deterministic text embeddings, their cube literals, SHA-256 and the simulated compute.
#include <gtest/gtest.h>

#include <cmath>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/cube_literal.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"
#include "gauntlet/mocks/stand_in_compute.hpp"
#include "gauntlet/mocks/text_embedding.hpp"

namespace gauntlet::mocks {
namespace {

double norm(const Embedding& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

TEST(TextEmbedding, IsDeterministicUnitLengthAndWithinTheCubeLimit) {
  static_assert(kEmbeddingDims <= 100, "cube supports at most 100 dimensions");
  const Embedding a = embed_text("A fast-paced ad for trail running shoes");
  EXPECT_EQ(a, embed_text("A fast-paced ad for trail running shoes"));
  EXPECT_EQ(a.size(), kEmbeddingDims);
  EXPECT_NEAR(norm(a), 1.0, 1e-12);
  EXPECT_EQ(norm(embed_text("?!")), 0.0);
}

TEST(TextEmbedding, IgnoresCaseAndPunctuation) {
  EXPECT_EQ(normalise_text("  Make an AD,   now! "), "make an ad now");
  EXPECT_EQ(embed_text("Make an AD, now!"), embed_text("make an ad now"));
}

TEST(TextEmbedding, SharedWordsAreCloserThanUnrelatedText) {
  const Embedding base = embed_text("summer sale on running shoes");
  const double near = euclidean_distance(base, embed_text("summer sale on trail running shoes"));
  const double far = euclidean_distance(base, embed_text("quarterly tax filing deadline reminder"));
  EXPECT_LT(near, far);
  EXPECT_THROW(euclidean_distance(base, Embedding(3)), std::invalid_argument);
}

TEST(CubeLiteral, RoundTripsExactly) {
  const Embedding v = embed_text("round trip through postgres");
  EXPECT_EQ(parse_cube_literal(to_cube_literal(v)), v);
  EXPECT_EQ(parse_cube_literal("(0.5, -1, 2e-3)"), (Embedding{0.5, -1, 0.002}));
  EXPECT_THROW(parse_cube_literal("nope"), std::invalid_argument);
}

TEST(Sha256Hex, MatchesTheStandardTestVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(StandInCompute, SameSeedAndRoundsGiveTheSameDigest) {
  const StandInCompute compute(1.0);
  EXPECT_EQ(compute.burn("video-1", 10'000), compute.burn("video-1", 10'000));
  EXPECT_NE(compute.burn("video-1", 10'000), compute.burn("video-2", 10'000));
  EXPECT_NE(compute.burn("video-1", 10'000), compute.burn("video-1", 10'001));
  EXPECT_EQ(StandInCompute(0.0).burn("x", 1'000'000), StandInCompute(1.0).burn("x", 1));
  EXPECT_THROW(StandInCompute(-1.0), ConfigError);
}

}  // namespace
}  // namespace gauntlet::mocks

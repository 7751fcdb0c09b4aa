#pragma once
// Deterministic text embeddings for the semantic cache and RAG: a hashed bag of words (feature
// hashing with a sign bit) into kEmbeddingDims dimensions, L2-normalised. Texts sharing words
// are close; the same text always gives the same vector on every machine. kEmbeddingDims stays
// under the cube extension's 100-dimension limit.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet::mocks {

inline constexpr std::size_t kEmbeddingDims = 64;

using Embedding = std::vector<double>;

// Lower-case alphanumeric words of `text`, in order ("Make an AD!" -> make, an, ad).
std::vector<std::string> tokenize(std::string_view text);
// The words of `text` joined by single spaces: the cache key of a prompt.
std::string normalise_text(std::string_view text);
// kEmbeddingDims values with L2 norm 1; all zeros when `text` has no words.
Embedding embed_text(std::string_view text);
// Euclidean distance (what cube's <-> computes). Throws std::invalid_argument on a size mismatch.
double euclidean_distance(const Embedding& a, const Embedding& b);

}  // namespace gauntlet::mocks

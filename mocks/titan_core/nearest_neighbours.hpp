#pragma once
// Exact k-nearest-neighbour search by brute force, and recall@k: how many of the k neighbours an
// index returned are true neighbours. Used to check the GiST index of rag_documents against the
// exhaustive answer.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "gauntlet/mocks/text_embedding.hpp"

namespace gauntlet::mocks {

struct Neighbour {
  std::int64_t id = 0;
  double distance = 0.0;
};

// The k closest items to `query` by Euclidean distance, nearest first (ties: lower id first).
// Vectors of different dimension are compared as if padded with zeros (what cube's <-> does).
std::vector<Neighbour> brute_force_top_k(
    const std::vector<std::pair<std::int64_t, Embedding>>& corpus, const Embedding& query,
    std::size_t k);

// |found ∩ truth| / |truth|, where a found item also counts when its distance is within
// `tie_epsilon` of the truth's k-th distance (equidistant items are equally correct answers).
// 1 when truth is empty. Each found item counts at most once; the result is at most 1.
double recall_at_k(const std::vector<Neighbour>& found, const std::vector<Neighbour>& truth,
                   double tie_epsilon = 1e-9);

}  // namespace gauntlet::mocks

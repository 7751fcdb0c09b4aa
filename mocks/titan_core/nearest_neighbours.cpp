#include "nearest_neighbours.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace gauntlet::mocks {
namespace {

double padded_distance(const Embedding& a, const Embedding& b) {
  const std::size_t n = std::max(a.size(), b.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = (i < a.size() ? a[i] : 0.0) - (i < b.size() ? b[i] : 0.0);
    sum += d * d;
  }
  return std::sqrt(sum);
}

}  // namespace

std::vector<Neighbour> brute_force_top_k(
    const std::vector<std::pair<std::int64_t, Embedding>>& corpus, const Embedding& query,
    std::size_t k) {
  std::vector<Neighbour> all;
  all.reserve(corpus.size());
  for (const auto& [id, v] : corpus) all.push_back({id, padded_distance(v, query)});
  const auto closer = [](const Neighbour& a, const Neighbour& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  };
  const std::size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), closer);
  all.resize(n);
  return all;
}

double recall_at_k(const std::vector<Neighbour>& found, const std::vector<Neighbour>& truth,
                   double tie_epsilon) {
  if (truth.empty()) return 1.0;
  std::set<std::int64_t> truth_ids;
  for (const auto& t : truth) truth_ids.insert(t.id);
  const double kth = truth.back().distance;
  std::set<std::int64_t> counted;
  for (const auto& f : found) {
    const bool relevant = truth_ids.count(f.id) > 0 || f.distance <= kth + tie_epsilon;
    if (relevant) counted.insert(f.id);
  }
  const std::size_t hits = std::min(counted.size(), truth.size());
  return static_cast<double>(hits) / static_cast<double>(truth.size());
}

}  // namespace gauntlet::mocks

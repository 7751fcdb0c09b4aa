#include "largest_remainder.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace gauntlet::mocks {
namespace {

std::vector<long double> quotas(std::int64_t total, const std::vector<double>& weights) {
  long double sum = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0.0) || !std::isfinite(weights[i])) {
      throw std::invalid_argument("weight " + std::to_string(i) + " must be finite and >= 0, got " +
                                  std::to_string(weights[i]));
    }
    sum += weights[i];
  }
  std::vector<long double> q(weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) {
    q[i] = sum > 0 ? static_cast<long double>(total) * weights[i] / sum
                   : static_cast<long double>(total) / static_cast<long double>(weights.size());
  }
  return q;
}

}  // namespace

std::vector<std::int64_t> split_by_largest_remainder(std::int64_t total,
                                                     const std::vector<double>& weights) {
  if (total < 0) throw std::invalid_argument("total must be >= 0, got " + std::to_string(total));
  if (weights.empty()) throw std::invalid_argument("at least one weight is needed, got none");
  const std::vector<long double> q = quotas(total, weights);
  std::vector<std::int64_t> parts(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    parts[i] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(q[i])), 0, total);
  }
  std::vector<std::size_t> order(q.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return q[a] - std::floor(q[a]) > q[b] - std::floor(q[b]);
  });
  // Floating-point error can leave the floors a unit or two off in either direction; walking
  // the remainder order (forwards to add, backwards to take) keeps the sum exact.
  std::int64_t left = total - std::accumulate(parts.begin(), parts.end(), std::int64_t{0});
  for (std::size_t k = 0; left > 0; k = (k + 1) % order.size(), --left) ++parts[order[k]];
  for (std::size_t k = order.size(); left < 0;) {
    k = k == 0 ? order.size() - 1 : k - 1;
    if (parts[order[k]] > 0) {
      --parts[order[k]];
      ++left;
    }
  }
  return parts;
}

}  // namespace gauntlet::mocks

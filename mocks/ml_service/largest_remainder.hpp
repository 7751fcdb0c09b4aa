#pragma once
// Splitting an integer amount (a budget in minor currency units) by weights so that the parts
// are integers and add up to the amount exactly (the largest-remainder, or Hamilton, method).
#include <cstdint>
#include <vector>

namespace gauntlet::mocks {

// Each part gets floor(total * w_i / sum w); the units left over go one each to the largest
// fractional remainders (ties: the lower index). All-zero weights split equally. Throws
// std::invalid_argument for total < 0, no weights, or a negative or non-finite weight.
std::vector<std::int64_t> split_by_largest_remainder(std::int64_t total,
                                                     const std::vector<double>& weights);

}  // namespace gauntlet::mocks

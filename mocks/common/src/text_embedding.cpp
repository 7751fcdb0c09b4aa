#include "gauntlet/mocks/text_embedding.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include "gauntlet/mocks/stand_in_compute.hpp"

namespace gauntlet::mocks {

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string normalise_text(std::string_view text) {
  std::string out;
  for (const auto& word : tokenize(text)) {
    if (!out.empty()) out.push_back(' ');
    out += word;
  }
  return out;
}

Embedding embed_text(std::string_view text) {
  Embedding v(kEmbeddingDims, 0.0);
  for (const auto& word : tokenize(text)) {
    const std::uint64_t h = StandInCompute::mix(StandInCompute::hash(word));
    // The low bits pick the dimension, one high bit the sign: collisions cancel instead of
    // piling up, so unrelated words stay roughly orthogonal.
    const double sign = (h >> 63) != 0 ? -1.0 : 1.0;
    v[h % kEmbeddingDims] += sign;
  }
  double norm = 0.0;
  for (const double x : v) norm += x * x;
  if (norm == 0.0) return v;
  norm = std::sqrt(norm);
  for (double& x : v) x /= norm;
  return v;
}

double euclidean_distance(const Embedding& a, const Embedding& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("embeddings must have the same dimension, got " +
                                std::to_string(a.size()) + " and " + std::to_string(b.size()));
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum);
}

}  // namespace gauntlet::mocks

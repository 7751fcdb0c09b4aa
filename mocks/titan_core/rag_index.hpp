#pragma once
// RAG over rag_documents: documents are embedded (text_embedding) and upserted by (source,
// source_ref); search asks PostgreSQL for the k nearest by cube distance, which the GiST index
// answers (ORDER BY embedding <-> q LIMIT k), and can check itself against a brute-force scan
// of the whole table (recall@k).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gauntlet/mocks/stand_in_compute.hpp"
#include "gauntlet/pg/connection_pool.hpp"
#include "nearest_neighbours.hpp"

namespace gauntlet::mocks {

struct RagDocument {
  std::string source;
  std::string source_ref;
  std::string content;
  nlohmann::json metadata = nlohmann::json::object();
};

struct RagSearch {
  std::string query;
  std::size_t k = 10;
  bool measure_recall = false;
};

class RagIndex {
 public:
  static constexpr std::uint64_t kEmbedRoundsPerChar = 500;

  // `pool` and `compute` must outlive the index.
  RagIndex(ConnectionPool& pool, const StandInCompute& compute) : pool_(pool), compute_(compute) {}

  // Upserts all documents in one transaction; returns [{"id","source","source_ref","inserted"}].
  nlohmann::json index(const std::vector<RagDocument>& documents);

  // {"results":[{"id","source","source_ref","content","distance"}], "k":k} and, when asked,
  // "recall_at_k", "brute_force":{"ids":[..],"scanned":n}, "index_ms", "brute_force_ms".
  nlohmann::json search(const RagSearch& request);

  // Every stored embedding (the brute-force side of a recall measurement).
  std::vector<std::pair<std::int64_t, Embedding>> all_embeddings();
  // The k nearest by the database's cube distance, nearest first.
  std::vector<Neighbour> nearest(const Embedding& query, std::size_t k);

 private:
  ConnectionPool& pool_;
  const StandInCompute& compute_;
};

}  // namespace gauntlet::mocks

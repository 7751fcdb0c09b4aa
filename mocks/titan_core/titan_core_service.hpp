#pragma once
// titan-core: the AI Council (POST /v1/council), creative DNA extraction (POST /v1/dna/extract)
// and RAG (POST /v1/rag/documents, POST /v1/rag/search), backed by PostgreSQL. See
// docs/platform-api/titan-core.md.
#include <nlohmann/json.hpp>

#include "ai_council.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "gauntlet/mocks/stand_in_compute.hpp"
#include "gauntlet/pg/connection_pool.hpp"
#include "rag_index.hpp"

namespace gauntlet::mocks {

struct TitanCoreOptions {
  double compute_scale = 1.0;  // --compute-scale
};

class TitanCoreService {
 public:
  static constexpr std::size_t kMaxDocumentsPerRequest = 500;

  // `router`, `metrics` and `pool` must outlive the service.
  TitanCoreService(TitanCoreOptions options, Router& router, MetricsRegistry& metrics,
                   ConnectionPool& pool);

  // The "titan_core" section of /__admin/stats.
  nlohmann::json stats() const;

 private:
  Response council(const Request& req);
  Response extract_dna(const Request& req);
  Response add_documents(const Request& req);
  Response search(const Request& req);

  ConnectionPool& pool_;
  MetricsRegistry& metrics_;
  StandInCompute compute_;
  AiCouncil council_;
  RagIndex rag_;
  Counter& councils_;
  Counter& dna_extracted_;
  Counter& searches_;
};

}  // namespace gauntlet::mocks

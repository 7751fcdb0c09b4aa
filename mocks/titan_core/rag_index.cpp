#include "rag_index.hpp"

#include <chrono>
#include <map>

#include "gauntlet/mocks/cube_literal.hpp"
#include "gauntlet/mocks/db_access.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

json RagIndex::index(const std::vector<RagDocument>& documents) {
  std::vector<std::string> cubes;
  for (const auto& d : documents) {
    compute_.burn(d.content, kEmbedRoundsPerChar * d.content.size());
    cubes.push_back(to_cube_literal(embed_text(d.content)));
  }
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    json out = json::array();
    for (std::size_t i = 0; i < documents.size(); ++i) {
      const RagDocument& d = documents[i];
      // xmax = 0 only on a freshly inserted row version: tells insert from update.
      const pqxx::row r = tx.exec_params1(
          "INSERT INTO rag_documents (source, source_ref, content, content_hash, embedding, "
          "  metadata) VALUES ($1, $2, $3, $4, $5::cube, $6::jsonb) "
          "ON CONFLICT (source, source_ref) DO UPDATE SET content = EXCLUDED.content, "
          "  content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding, "
          "  metadata = EXCLUDED.metadata "
          "RETURNING id, (xmax = 0)",
          d.source, d.source_ref, d.content, sha256_hex(d.content), cubes[i], d.metadata.dump());
      out.push_back({{"id", r[0].as<std::int64_t>()},
                     {"source", d.source},
                     {"source_ref", d.source_ref},
                     {"inserted", r[1].as<bool>()}});
    }
    return out;
  });
}

std::vector<Neighbour> RagIndex::nearest(const Embedding& query, std::size_t k) {
  const std::string cube = to_cube_literal(query);
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    std::vector<Neighbour> out;
    for (const auto& r : tx.exec_params("SELECT id, embedding <-> $1::cube FROM rag_documents "
                                        "ORDER BY embedding <-> $1::cube, id LIMIT $2",
                                        cube, static_cast<std::int64_t>(k))) {
      out.push_back({r[0].as<std::int64_t>(), r[1].as<double>()});
    }
    return out;
  });
}

std::vector<std::pair<std::int64_t, Embedding>> RagIndex::all_embeddings() {
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    std::vector<std::pair<std::int64_t, Embedding>> out;
    for (const auto& r : tx.exec("SELECT id, embedding::text FROM rag_documents")) {
      out.emplace_back(r[0].as<std::int64_t>(), parse_cube_literal(r[1].as<std::string>()));
    }
    return out;
  });
}

json RagIndex::search(const RagSearch& request) {
  const Embedding query = embed_text(request.query);
  compute_.burn(request.query, kEmbedRoundsPerChar * request.query.size());
  auto started = std::chrono::steady_clock::now();
  const std::vector<Neighbour> found = nearest(query, request.k);
  json out = {{"k", request.k}, {"index_ms", ms_since(started)}, {"results", json::array()}};
  std::string id_array = "{";
  for (const auto& n : found) id_array += (id_array.size() > 1 ? "," : "") + std::to_string(n.id);
  id_array += "}";
  const auto rows = in_http_transaction(pool_, [&](pqxx::work& tx) {
    std::map<std::int64_t, json> by_id;
    for (const auto& r : tx.exec_params("SELECT id, source, source_ref, content FROM rag_documents "
                                        "WHERE id = ANY($1::bigint[])",
                                        id_array)) {
      by_id[r[0].as<std::int64_t>()] = {{"id", r[0].as<std::int64_t>()},
                                        {"source", r[1].as<std::string>()},
                                        {"source_ref", r[2].as<std::string>()},
                                        {"content", r[3].as<std::string>()}};
    }
    return by_id;
  });
  for (const auto& n : found) {
    const auto it = rows.find(n.id);
    if (it == rows.end()) continue;  // deleted since the search
    json result = it->second;
    result["distance"] = n.distance;
    out["results"].push_back(std::move(result));
  }
  if (request.measure_recall) {
    started = std::chrono::steady_clock::now();
    const auto corpus = all_embeddings();
    const std::vector<Neighbour> truth = brute_force_top_k(corpus, query, request.k);
    out["brute_force_ms"] = ms_since(started);
    json truth_ids = json::array();
    for (const auto& t : truth) truth_ids.push_back(t.id);
    out["brute_force"] = {{"ids", truth_ids}, {"scanned", corpus.size()}};
    out["recall_at_k"] = recall_at_k(found, truth);
  }
  return out;
}

}  // namespace gauntlet::mocks

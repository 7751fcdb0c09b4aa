#include "titan_core_service.hpp"

#include "creative_dna.hpp"
#include "gauntlet/mocks/body_reader.hpp"
#include "gauntlet/mocks/cube_literal.hpp"
#include "gauntlet/mocks/db_access.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

json stages_json(const std::vector<StageTiming>& stages) {
  json out = json::array();
  for (const auto& s : stages) out.push_back({{"name", s.name}, {"duration_ms", s.duration_ms}});
  return out;
}

RagDocument read_document(BodyReader& in) {
  RagDocument d;
  d.source = in.string("source", 100);
  d.source_ref = in.string("source_ref", 512);
  d.content = in.string("content", 100'000);
  if (in.has("metadata")) {
    if (in.body()["metadata"].is_object()) {
      d.metadata = in.body()["metadata"];
    } else {
      in.problem("metadata must be a JSON object, got " +
                 in.body()["metadata"].dump().substr(0, 80) + ".");
    }
  }
  return d;
}

}  // namespace

TitanCoreService::TitanCoreService(TitanCoreOptions options, Router& router,
                                   MetricsRegistry& metrics, ConnectionPool& pool)
    : pool_(pool),
      metrics_(metrics),
      compute_(options.compute_scale),
      council_(compute_),
      rag_(pool, compute_),
      councils_(metrics.counter("titan_core_councils_total", "AI Council sessions run.")),
      dna_extracted_(
          metrics.counter("titan_core_dna_extractions_total", "Creative DNA extractions stored.")),
      searches_(metrics.counter("titan_core_rag_searches_total", "RAG searches answered.")) {
  register_pool_metrics(metrics, "titan_core", pool_);
  router.post("/v1/council", [this](const Request& r) { return council(r); });
  router.post("/v1/dna/extract", [this](const Request& r) { return extract_dna(r); });
  router.post("/v1/rag/documents", [this](const Request& r) { return add_documents(r); });
  router.post("/v1/rag/search", [this](const Request& r) { return search(r); });
}

json TitanCoreService::stats() const {
  return {{"db_pool", pool_stats_json(pool_)},
          {"councils", councils_.value()},
          {"dna_extractions", dna_extracted_.value()},
          {"rag_searches", searches_.value()}};
}

Response TitanCoreService::council(const Request& req) {
  const json body = req.json_body();
  BodyReader in(body);
  CouncilBrief brief;
  brief.prompt = in.string("prompt", 4000);
  brief.variants =
      static_cast<int>(in.optional_integer("variants", 1, AiCouncil::kMaxVariants).value_or(3));
  const auto campaign = in.optional_integer("campaign_id", 1, INT64_MAX);
  if (!brief.prompt.empty() && tokenize(brief.prompt).empty()) {
    in.problem("prompt must contain at least one word, got \"" + brief.prompt.substr(0, 80) +
               "\".");
  }
  in.finish();
  const CouncilResult r = council_.convene(brief);
  for (const auto& s : r.stages) {
    metrics_
        .histogram("titan_core_council_stage_seconds", "Duration of each AI Council stage.",
                   {{"stage", s.name}})
        .observe(s.duration_ms / 1000.0);
  }
  json out = {{"hook", r.hook},
              {"direction", r.direction},
              {"predictions", r.predictions},
              {"votes", r.votes},
              {"shots", r.shots},
              {"script", r.script},
              {"stages", stages_json(r.stages)},
              {"blueprint_id", nullptr}};
  if (campaign) {
    // The council's script becomes the campaign's blueprint, ready for video-agent to render.
    out["blueprint_id"] = in_http_transaction(pool_, [&](pqxx::work& tx) {
      return tx
          .exec_params1(
              "INSERT INTO blueprints (campaign_id, prompt, hook, script) "
              "VALUES ($1, $2, $3, $4::jsonb) RETURNING id",
              *campaign, brief.prompt, r.hook, r.script.dump())[0]
          .as<std::int64_t>();
    });
  }
  councils_.inc();
  return Response::json(campaign ? 201 : 200, out);
}

namespace {

constexpr std::uint64_t kDnaRoundsPerScene = 50'000;

json dna_row_json(const pqxx::row& r) {
  return {{"id", r[0].as<std::int64_t>()},
          {"video_id", r[1].as<std::int64_t>()},
          {"extractor_version", r[2].as<std::string>()},
          {"dna", json::parse(r[3].as<std::string>())},
          {"created_at", r[4].as<std::string>()}};
}

constexpr const char* kSelectDna =
    "SELECT id, video_id, extractor_version, dna::text, created_at FROM creative_dna_extractions "
    "WHERE video_id = $1 AND extractor_version = $2";

// The video and its scene features; HttpError 404 (no video) or 409 (not analysed yet).
DnaVideo load_video(pqxx::work& tx, std::int64_t video_id) {
  const pqxx::result v =
      tx.exec_params("SELECT duration_ms, width, height FROM videos WHERE id = $1", video_id);
  if (v.empty()) throw HttpError(404, "Video " + std::to_string(video_id) + " does not exist.");
  DnaVideo video{v[0][0].as<std::int64_t>(), v[0][1].as<int>(), v[0][2].as<int>(), {}};
  for (const auto& s : tx.exec_params(
           "SELECT features::text FROM video_scenes WHERE video_id = $1 ORDER BY scene_index",
           video_id)) {
    video.scene_features.push_back(json::parse(s[0].as<std::string>()));
  }
  if (video.scene_features.empty()) {
    throw HttpError(409, "Video " + std::to_string(video_id) +
                             " has no scenes yet: drive-intel has not analysed it.");
  }
  return video;
}

}  // namespace

Response TitanCoreService::extract_dna(const Request& req) {
  const json body = req.json_body();
  BodyReader in(body);
  const std::int64_t video_id = in.integer("video_id", 1, INT64_MAX);
  in.finish();
  const std::string version = CreativeDnaExtractor::kVersion;
  const auto [existing, video] = in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result found = tx.exec_params(kSelectDna, video_id, version);
    return found.empty() ? std::pair{json(nullptr), load_video(tx, video_id)}
                         : std::pair{dna_row_json(found[0]), DnaVideo{}};
  });
  if (!existing.is_null()) {
    json out = existing;
    out["created"] = false;
    return Response::json(200, out);
  }
  compute_.burn("dna/" + std::to_string(video_id),
                kDnaRoundsPerScene * video.scene_features.size());
  const CreativeDna dna = CreativeDnaExtractor::extract(video);
  json out = in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result inserted = tx.exec_params(
        "INSERT INTO creative_dna_extractions (video_id, extractor_version, dna, embedding) "
        "VALUES ($1, $2, $3::jsonb, $4::cube) ON CONFLICT (video_id, extractor_version) DO NOTHING "
        "RETURNING id, video_id, extractor_version, dna::text, created_at",
        video_id, version, dna.dna.dump(), to_cube_literal(dna.embedding));
    // An empty RETURNING means a concurrent extraction won: answer with its row.
    json row = inserted.empty() ? dna_row_json(tx.exec_params1(kSelectDna, video_id, version))
                                : dna_row_json(inserted[0]);
    row["created"] = !inserted.empty();
    return row;
  });
  if (out["created"].get<bool>()) dna_extracted_.inc();
  return Response::json(out["created"].get<bool>() ? 201 : 200, out);
}

Response TitanCoreService::add_documents(const Request& req) {
  const json body = req.json_body();
  BodyReader outer(body);
  std::vector<RagDocument> documents;
  if (outer.has("documents")) {
    const json& list = body["documents"];
    if (!list.is_array() || list.empty() || list.size() > kMaxDocumentsPerRequest) {
      outer.problem("documents must be an array of 1.." + std::to_string(kMaxDocumentsPerRequest) +
                    " documents, got " + list.dump().substr(0, 80) + ".");
    } else {
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_object()) {
          outer.problem("documents[" + std::to_string(i) + "] must be a JSON object.");
          continue;
        }
        BodyReader in(list[i]);
        documents.push_back(read_document(in));
        try {
          in.finish();
        } catch (const ConfigError& e) {
          for (const auto& p : e.problems())
            outer.problem("documents[" + std::to_string(i) + "]." + p);
        }
      }
    }
  } else {
    documents.push_back(read_document(outer));
  }
  outer.finish();
  const json indexed = rag_.index(documents);
  return Response::json(201, {{"documents", indexed}, {"indexed", indexed.size()}});
}

Response TitanCoreService::search(const Request& req) {
  const json body = req.json_body();
  BodyReader in(body);
  RagSearch s;
  s.query = in.string("query", 4000);
  s.k = static_cast<std::size_t>(in.optional_integer("k", 1, 100).value_or(10));
  if (in.has("measure_recall")) {
    if (body["measure_recall"].is_boolean()) {
      s.measure_recall = body["measure_recall"].get<bool>();
    } else {
      in.problem("measure_recall must be true or false, got " +
                 body["measure_recall"].dump().substr(0, 40) + ".");
    }
  }
  in.finish();
  json out = rag_.search(s);
  searches_.inc();
  if (out.contains("recall_at_k")) {
    metrics_.gauge("titan_core_rag_last_recall", "recall@k of the last measured RAG search.")
        .set(out["recall_at_k"].get<double>());
  }
  return Response::json(200, out);
}

}  // namespace gauntlet::mocks

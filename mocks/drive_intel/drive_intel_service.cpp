#include "drive_intel_service.hpp"

#include <chrono>

#include "gauntlet/mocks/body_reader.hpp"
#include "gauntlet/mocks/db_access.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;
constexpr const char* kStages = "drive_intel_stage_seconds";
constexpr const char* kStagesHelp = "Time spent per analysis stage, per video.";
constexpr const char* kVideos = "drive_intel_videos_total";
constexpr const char* kVideosHelp = "Videos by ingest outcome.";

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

}  // namespace

DriveIntelService::DriveIntelService(DriveIntelOptions options, Router& router,
                                     MetricsRegistry& metrics, ConnectionPool& pool)
    : pool_(pool),
      metrics_(metrics),
      compute_(options.compute_scale),
      detector_(compute_),
      ingested_(metrics.counter(kVideos, kVideosHelp, {{"result", "created"}})),
      reingested_(metrics.counter(kVideos, kVideosHelp, {{"result", "existing"}})),
      analysed_(metrics.counter(kVideos, kVideosHelp, {{"result", "analyzed"}})),
      failed_(metrics.counter(kVideos, kVideosHelp, {{"result", "failed"}})) {
  register_pool_metrics(metrics, "drive_intel", pool_);
  router.post("/v1/videos", [this](const Request& r) { return ingest(r); });
  router.get("/v1/videos/{id}", [this](const Request& r) { return get_video(r); });
  router.get("/v1/videos/{id}/scenes", [this](const Request& r) { return get_scenes(r); });
}

json DriveIntelService::stats() const {
  return {{"db_pool", pool_stats_json(pool_)},
          {"videos_created", ingested_.value()},
          {"videos_existing", reingested_.value()},
          {"videos_analyzed", analysed_.value()},
          {"videos_failed", failed_.value()}};
}

Response DriveIntelService::ingest(const Request& req) {
  const json body = req.json_body();
  const Stored video = store(body);
  (video.created ? ingested_ : reingested_).inc();
  if (video.status != "analyzed") {
    try {
      save_analysis(video.id, analyse(video.input));
      analysed_.inc();
    } catch (const std::exception&) {
      failed_.inc();
      mark_failed(video.id);
      throw;
    }
  }
  json out = video_json(video.id);
  out["created"] = video.created;
  return Response::json(video.created ? 201 : 200, out);
}

DriveIntelService::Stored DriveIntelService::store(const json& body) {
  BodyReader in(body);
  const std::string source = in.optional_string("source", 10).value_or("drive");
  if (source != "drive" && source != "render") {
    in.problem("source must be \"drive\" or \"render\", got \"" + source + "\".");
  }
  const std::string ref = in.string("source_ref", 512);
  const std::string uri = in.optional_string("storage_uri", 2048).value_or(source + "://" + ref);
  const std::int64_t duration = in.integer("duration_ms", 1, kMaxDurationMs);
  const auto width = in.optional_integer("width", 1, 16384).value_or(1080);
  const auto height = in.optional_integer("height", 1, 16384).value_or(1920);
  const auto campaign = text_of(in.optional_integer("campaign_id", 1, INT64_MAX));
  const auto blueprint = text_of(in.optional_integer("blueprint_id", 1, INT64_MAX));
  in.finish();
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    Stored s;
    const pqxx::result inserted = tx.exec_params(
        "INSERT INTO videos (campaign_id, blueprint_id, source, source_ref, storage_uri, "
        "  duration_ms, width, height) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (source, source_ref) DO NOTHING RETURNING id, status",
        nullable(campaign), nullable(blueprint), source, ref, uri, duration, width, height);
    s.created = !inserted.empty();
    // An existing video keeps its stored duration: the analysis must match what was stored.
    const pqxx::row row = s.created ? inserted[0]
                                    : tx.exec_params1(
                                          "SELECT id, status, duration_ms FROM videos "
                                          "WHERE source = $1 AND source_ref = $2",
                                          source, ref);
    s.id = row[0].as<std::int64_t>();
    s.status = row[1].as<std::string>();
    s.input = {source + ":" + ref, s.created ? duration : row[2].as<std::int64_t>()};
    return s;
  });
}

json DriveIntelService::analyse(const VideoInput& input) {
  auto started = Steady::now();
  const std::vector<SceneSpan> spans = detector_.detect(input);
  metrics_.histogram(kStages, kStagesHelp, {{"stage", "scene_detection"}})
      .observe(seconds_since(started));
  json scenes = json::array();
  for (const auto& span : spans) {
    scenes.push_back({{"scene_index", span.index},
                      {"start_ms", span.start_ms},
                      {"end_ms", span.end_ms},
                      {"features", detector_.visual_stats(input, span)}});
  }
  using Extractor = json (SceneDetector::*)(const VideoInput&, const SceneSpan&) const;
  const std::pair<const char*, Extractor> extractors[] = {
      {"objects", &SceneDetector::detect_objects},
      {"ocr", &SceneDetector::read_text},
      {"speech", &SceneDetector::transcribe}};
  for (const auto& [stage, extract] : extractors) {
    started = Steady::now();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      scenes[i]["features"].update((detector_.*extract)(input, spans[i]));
    }
    metrics_.histogram(kStages, kStagesHelp, {{"stage", stage}}).observe(seconds_since(started));
  }
  return scenes;
}

void DriveIntelService::save_analysis(std::int64_t video_id, const json& scenes) {
  in_http_transaction(pool_, [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO video_scenes (video_id, scene_index, start_ms, end_ms, features) "
        "SELECT $1, (s->>'scene_index')::int, (s->>'start_ms')::int, (s->>'end_ms')::int, "
        "  s->'features' FROM jsonb_array_elements($2::jsonb) AS s "
        "ON CONFLICT (video_id, scene_index) DO NOTHING",
        video_id, scenes.dump());
    return tx.exec_params(
        "UPDATE videos SET status = 'analyzed' WHERE id = $1 AND status <> 'analyzed'", video_id);
  });
}

void DriveIntelService::mark_failed(std::int64_t video_id) {
  try {
    in_http_transaction(pool_, [&](pqxx::work& tx) {
      return tx.exec_params(
          "UPDATE videos SET status = 'failed' WHERE id = $1 AND status = 'ingested'", video_id);
    });
  } catch (const std::exception&) {
    // The database is what failed; the video stays 'ingested' and a re-ingest retries it.
  }
}

json DriveIntelService::video_json(std::int64_t video_id) {
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_params(
        "SELECT v.id, v.campaign_id, v.blueprint_id, v.source, v.source_ref, v.storage_uri, "
        "  v.duration_ms, v.width, v.height, v.status, v.created_at, "
        "  (SELECT count(*) FROM video_scenes s WHERE s.video_id = v.id) "
        "FROM videos v WHERE v.id = $1",
        video_id);
    if (r.empty()) throw HttpError(404, "Video " + std::to_string(video_id) + " does not exist.");
    const pqxx::row& v = r[0];
    const auto opt_id = [](const pqxx::field& f) {
      return f.is_null() ? json(nullptr) : json(f.as<std::int64_t>());
    };
    return json{{"id", v[0].as<std::int64_t>()},
                {"campaign_id", opt_id(v[1])},
                {"blueprint_id", opt_id(v[2])},
                {"source", v[3].as<std::string>()},
                {"source_ref", v[4].as<std::string>()},
                {"storage_uri", v[5].as<std::string>()},
                {"duration_ms", v[6].as<std::int64_t>()},
                {"width", v[7].as<int>()},
                {"height", v[8].as<int>()},
                {"status", v[9].as<std::string>()},
                {"created_at", v[10].as<std::string>()},
                {"scene_count", v[11].as<std::int64_t>()}};
  });
}

Response DriveIntelService::get_video(const Request& req) {
  return Response::json(200, video_json(path_id(req, "id")));
}

Response DriveIntelService::get_scenes(const Request& req) {
  const std::int64_t id = path_id(req, "id");
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    if (tx.exec_params("SELECT 1 FROM videos WHERE id = $1", id).empty()) {
      throw HttpError(404, "Video " + std::to_string(id) + " does not exist.");
    }
    json scenes = json::array();
    for (const auto& s :
         tx.exec_params("SELECT scene_index, start_ms, end_ms, features::text FROM video_scenes "
                        "WHERE video_id = $1 ORDER BY scene_index",
                        id)) {
      scenes.push_back({{"scene_index", s[0].as<int>()},
                        {"start_ms", s[1].as<std::int64_t>()},
                        {"end_ms", s[2].as<std::int64_t>()},
                        {"features", json::parse(s[3].as<std::string>())}});
    }
    return Response::json(200, {{"video_id", id}, {"scenes", scenes}});
  });
}

}  // namespace gauntlet::mocks

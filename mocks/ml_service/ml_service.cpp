#include "ml_service.hpp"

#include <cmath>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/body_reader.hpp"
#include "gauntlet/mocks/ctr_model.hpp"
#include "gauntlet/mocks/db_access.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
constexpr std::uint64_t kInferenceRoundsPerFeature = 5'000;
constexpr std::size_t kMaxFeatures = 64;
constexpr std::size_t kMaxArms = 100;
constexpr std::int64_t kMaxBudgetMinor = 1'000'000'000'000'000;  // 10^15 minor units
constexpr std::int64_t kMaxId = INT64_MAX;

// An empty body reads as {} (POST /v1/learning/cycles needs no fields).
json body_or_empty(const Request& req) {
  return req.body.empty() ? json::object() : req.json_body();
}

json nullable_id(const std::optional<std::int64_t>& id) { return id ? json(*id) : json(nullptr); }

std::map<std::string, double> read_features(BodyReader& in) {
  std::map<std::string, double> features;
  if (!in.has("features")) return features;
  const json& f = in.body()["features"];
  if (!f.is_object() || f.size() > kMaxFeatures) {
    in.problem("features must be an object of at most " + std::to_string(kMaxFeatures) +
               " numbers, got " + f.dump().substr(0, 80) + ".");
    return features;
  }
  for (const auto& [name, value] : f.items()) {
    if (name.empty() || name.size() > 64 || !value.is_number() ||
        !std::isfinite(value.get<double>())) {
      in.problem("features." + name.substr(0, 64) + " must be a finite number, got " +
                 value.dump().substr(0, 80) + ".");
      continue;
    }
    features[name] = value.get<double>();
  }
  return features;
}

std::vector<std::string> read_arms(BodyReader& in) {
  std::vector<std::string> arms;
  const json& a = in.has("arms") ? in.body()["arms"] : json();
  const bool ok = a.is_array() && !a.empty() && a.size() <= kMaxArms &&
                  std::all_of(a.begin(), a.end(), [](const json& x) {
                    return x.is_string() && !x.get_ref<const std::string&>().empty() &&
                           x.get_ref<const std::string&>().size() <= 100;
                  });
  if (!ok) {
    in.problem("arms must be an array of 1.." + std::to_string(kMaxArms) +
               " arm ids (strings of 1..100 characters), got " + a.dump().substr(0, 80) + ".");
    return arms;
  }
  for (const auto& x : a) arms.push_back(x.get<std::string>());
  std::vector<std::string> sorted = arms;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    in.problem("arms must be distinct, got " + a.dump().substr(0, 80) + ".");
  }
  return arms;
}

}  // namespace

void MlServiceOptions::validate() const {
  Problems problems;
  if (!(compute_scale >= 0.0 && compute_scale <= 1000.0)) {
    problems.add("--compute-scale must be in 0..1000, got " + std::to_string(compute_scale) + ".");
  }
  if (sampler_samples < 1 || sampler_samples > 100'000) {
    problems.add("--sampler-samples must be in 1..100000, got " + std::to_string(sampler_samples) +
                 ".");
  }
  if (!(cache_max_distance >= 0.0 && cache_max_distance <= 2.0)) {
    problems.add("--cache-max-distance must be in 0..2, got " + std::to_string(cache_max_distance) +
                 ".");
  }
  if (cache_ttl.count() < 1) {
    problems.add("--cache-ttl-s must be >= 1, got " + std::to_string(cache_ttl.count()) + ".");
  }
  if (stale_cycle_after.count() < 1) {
    problems.add("--stale-cycle-s must be >= 1, got " + std::to_string(stale_cycle_after.count()) +
                 ".");
  }
  problems.throw_if_any();
}

MlService::MlService(MlServiceOptions options, Router& router, MetricsRegistry& metrics,
                     ConnectionPool& pool)
    : options_((options.validate(), std::move(options))),
      pool_(pool),
      compute_(options_.compute_scale),
      bandit_(pool, options_.seed, options_.sampler_samples),
      cache_(pool, metrics, compute_),
      cycles_(pool, metrics, compute_, options_.stale_cycle_after),
      predictions_(metrics.counter("ml_service_predictions_total", "Predictions stored.")),
      feedback_applied_(metrics.counter("ml_service_feedback_total", "Feedback events by outcome.",
                                        {{"result", "applied"}})),
      feedback_duplicate_(metrics.counter(
          "ml_service_feedback_total", "Feedback events by outcome.", {{"result", "duplicate"}})),
      allocations_(metrics.counter("ml_service_allocations_total", "Budget allocations made.")) {
  register_pool_metrics(metrics, "ml_service", pool_);
  router.post("/v1/predictions", [this](const Request& r) { return predict(r); });
  router.get("/v1/predictions/{id}", [this](const Request& r) { return get_prediction(r); });
  router.post("/v1/budget/allocate", [this](const Request& r) { return allocate(r); });
  router.post("/v1/feedback", [this](const Request& r) { return feedback(r); });
  router.post("/v1/learning/cycles", [this](const Request& r) { return start_cycle(r); });
  router.get("/v1/learning/cycles/{id}", [this](const Request& r) {
    return Response::json(200, cycles_.get(path_id(r, "id")));
  });
  router.post("/v1/cache/lookup", [this](const Request& r) { return cache_lookup(r); });
}

json MlService::stats() const {
  return {{"db_pool", pool_stats_json(pool_)},
          {"predictions", predictions_.value()},
          {"feedback_applied", feedback_applied_.value()},
          {"feedback_duplicate", feedback_duplicate_.value()},
          {"allocations", allocations_.value()}};
}

std::map<std::string, double> MlService::video_features(std::int64_t video_id) {
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_params(
        "SELECT v.duration_ms / 1000.0, count(s.scene_index), "
        "  coalesce(avg((s.features->>'motion')::float8), 0), "
        "  coalesce(avg((s.features->>'brightness')::float8), 0), "
        "  coalesce(avg(CASE WHEN (s.features->>'faces')::int > 0 THEN 1.0 ELSE 0.0 END), 0), "
        "  coalesce(bool_or(coalesce(s.features->>'ocr_text', '') <> ''), false)::int, "
        "  coalesce(bool_or(coalesce(s.features->>'speech', '') <> ''), false)::int, "
        "  coalesce((array_agg((s.features->>'motion')::float8 ORDER BY s.scene_index))[1], 0) "
        "FROM videos v LEFT JOIN video_scenes s ON s.video_id = v.id WHERE v.id = $1 "
        "GROUP BY v.id",
        video_id);
    if (r.empty()) {
      throw HttpError(422, "video_id " + std::to_string(video_id) + " does not exist.");
    }
    std::map<std::string, double> f;
    const auto& names = CtrModel::feature_names();
    for (std::size_t i = 0; i < names.size(); ++i)
      f[names[i]] = r[0][static_cast<int>(i)].as<double>();
    return f;
  });
}

Response MlService::predict(const Request& req) {
  const json body = req.json_body();
  BodyReader in(body);
  const auto campaign_id = in.optional_integer("campaign_id", 1, kMaxId);
  const auto video_id = in.optional_integer("video_id", 1, kMaxId);
  const auto explicit_features = read_features(in);
  if (!in.has("features") && !in.has("video_id")) {
    in.problem("features or video_id is required: the model needs something to score.");
  }
  in.finish();
  std::map<std::string, double> features =
      video_id ? video_features(*video_id) : std::map<std::string, double>{};
  for (const auto& [name, value] : explicit_features) features[name] = value;
  const std::string hash = sha256_hex(json(features).dump());
  compute_.burn(hash, kInferenceRoundsPerFeature * (features.size() + 1));
  const CtrPrediction p = CtrModel::predict(features);
  const auto cid = text_of(campaign_id);
  const auto vid = text_of(video_id);
  const pqxx::row row = in_http_transaction(pool_, [&](pqxx::work& tx) {
    return tx.exec_params1(
        "INSERT INTO predictions (campaign_id, video_id, model_version, features_hash, "
        "  predicted_ctr, predicted_roas, confidence) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "RETURNING id, created_at",
        nullable(cid), nullable(vid), CtrModel::kVersion, hash, p.ctr, p.roas, p.confidence);
  });
  predictions_.inc();
  return Response::json(201, {{"id", row[0].as<std::int64_t>()},
                              {"campaign_id", nullable_id(campaign_id)},
                              {"video_id", nullable_id(video_id)},
                              {"model_version", CtrModel::kVersion},
                              {"features", features},
                              {"features_hash", hash},
                              {"predicted_ctr", p.ctr},
                              {"predicted_roas", p.roas},
                              {"confidence", p.confidence},
                              {"ignored_features", p.ignored_features},
                              {"created_at", row[1].as<std::string>()}});
}

Response MlService::get_prediction(const Request& req) {
  const std::int64_t id = path_id(req, "id");
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_params(
        "SELECT id, campaign_id, video_id, model_version, features_hash, predicted_ctr, "
        "  predicted_roas, confidence, created_at FROM predictions WHERE id = $1",
        id);
    if (r.empty()) throw HttpError(404, "Prediction " + std::to_string(id) + " does not exist.");
    const auto& row = r[0];
    const auto opt_id = [](const pqxx::field& f) {
      return f.is_null() ? json(nullptr) : json(f.as<std::int64_t>());
    };
    return Response::json(
        200, {{"id", row[0].as<std::int64_t>()},
              {"campaign_id", opt_id(row[1])},
              {"video_id", opt_id(row[2])},
              {"model_version", row[3].as<std::string>()},
              {"features_hash", row[4].as<std::string>()},
              {"predicted_ctr", row[5].as<double>()},
              {"predicted_roas", row[6].as<double>()},
              {"confidence", row[7].is_null() ? json(nullptr) : json(row[7].as<double>())},
              {"created_at", row[8].as<std::string>()}});
  });
}

Response MlService::allocate(const Request& req) {
  const json body = req.json_body();
  BodyReader in(body);
  AllocationRequest a;
  a.campaign_id = in.integer("campaign_id", 1, kMaxId);
  a.budget_minor = in.integer("budget_minor", 0, kMaxBudgetMinor);
  a.arm_ids = read_arms(in);
  in.finish();
  json out = bandit_.allocate(a);
  allocations_.inc();
  return Response::json(200, out);
}

Response MlService::feedback(const Request& req) {
  const json body = req.json_body();
  BodyReader in(body);
  FeedbackEvent e;
  e.event_id = in.string("event_id", 200);
  e.campaign_id = in.integer("campaign_id", 1, kMaxId);
  e.arm_id = in.string("arm_id", 100);
  e.reward = in.number("reward", 0.0, 1.0);
  e.prediction_id = in.optional_integer("prediction_id", 1, kMaxId);
  e.observed_ctr = in.optional_number("observed_ctr", 0.0, 1.0);
  e.observed_roas = in.optional_number("observed_roas", 0.0, 1e6);
  in.finish();
  const bool applied = bandit_.apply_feedback(e);
  (applied ? feedback_applied_ : feedback_duplicate_).inc();
  return Response::json(applied ? 201 : 200,
                        {{"event_id", e.event_id}, {"applied", applied}, {"duplicate", !applied}});
}

Response MlService::start_cycle(const Request& req) {
  const json body = body_or_empty(req);
  BodyReader in(body);
  CycleStart start;
  start.trigger = in.optional_string("trigger", 40).value_or("manual");
  if (start.trigger != "manual" && start.trigger != "schedule" &&
      start.trigger != "feedback_threshold") {
    in.problem("trigger must be one of manual, schedule, feedback_threshold, got \"" +
               start.trigger + "\".");
  }
  start.cycle_key = in.optional_string("cycle_key", 200);
  in.finish();
  json out = cycles_.run(start);
  const bool created = out["created"].get<bool>();
  json cycle = std::move(out["cycle"]);
  cycle["created"] = created;
  return Response::json(created ? 201 : 200, cycle);
}

Response MlService::cache_lookup(const Request& req) {
  const json body = req.json_body();
  BodyReader in(body);
  CacheLookup lookup;
  lookup.prompt = in.string("prompt", 10'000);
  if (in.has("response")) lookup.response = body["response"];
  lookup.max_distance =
      in.optional_number("max_distance", 0.0, 2.0).value_or(options_.cache_max_distance);
  lookup.ttl = std::chrono::seconds(
      in.optional_integer("ttl_s", 1, 30 * 86'400).value_or(options_.cache_ttl.count()));
  in.finish();
  return Response::json(200, cache_.lookup(lookup));
}

}  // namespace gauntlet::mocks

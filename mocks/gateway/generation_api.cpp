#include "generation_api.hpp"

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <set>

#include "api_key_auth.hpp"
#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/db.hpp"
#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"
#include "gauntlet/mocks/uuid.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

// The fields a generation passes on to video-agent; anything else in the body is refused so a
// typo does not silently render the defaults.
json validated_generation(const json& body) {
  if (!body.is_object())
    throw ConfigError("a generation must be a JSON object, got " + body.dump().substr(0, 200));
  static const std::set<std::string> kFields = {
      "campaign_id", "blueprint_id", "prompt", "duration_s", "width", "height", "priority"};
  Problems problems;
  for (const auto& [k, v] : body.items()) {
    if (!kFields.contains(k))
      problems.add("generation field " + k +
                   " is not known (allowed: campaign_id, blueprint_id, prompt, duration_s, width, "
                   "height, priority)");
  }
  const bool has_blueprint = body.contains("blueprint_id");
  const bool has_campaign_prompt = body.contains("campaign_id") && body.contains("prompt");
  if (!has_blueprint && !has_campaign_prompt)
    problems.add("a generation needs blueprint_id, or campaign_id and prompt");
  if (body.contains("prompt") &&
      (!body["prompt"].is_string() || body["prompt"].get<std::string>().size() > 4000)) {
    problems.add("prompt must be a string of at most 4000 characters");
  }
  problems.throw_if_any();
  return body;
}

std::string public_status(const std::string& generation_status, const std::string& job_status) {
  if (generation_status != "submitted") return generation_status;  // submitting | rejected
  return job_status;  // queued | running | succeeded | failed
}

}  // namespace

GenerationApi::GenerationApi(ConnectionPool& pool, Downstream* video_agent, std::string assets_dir)
    : pool_(pool), video_agent_(video_agent), assets_dir_(std::move(assets_dir)) {}

Response GenerationApi::create(const Request& req, const std::string& owner,
                               const std::string& request_id) {
  const json request = validated_generation(req.json_body());
  const std::string id = in_transaction(pool_, [&](pqxx::work& tx) {
    return tx
        .exec_params1(
            "INSERT INTO generations (owner, request) VALUES ($1, $2::jsonb) RETURNING id::text",
            owner, request.dump())[0]
        .as<std::string>();
  });
  if (const int refused = submit(id, request, request_id); refused != 0) {
    const json g = load(id, owner).value_or(json::object());
    return Response::json(
        refused,
        {{"error", {{"status", refused}, {"message", g.value("error", "refused")}}}, {"id", id}});
  }
  Response res = Response::json(202, load(id, owner).value_or(json{{"id", id}}));
  res.headers.set("Location", "/api/v1/generations/" + id);
  return res;
}

int GenerationApi::submit(const std::string& id, const json& request,
                          const std::string& request_id) {
  if (!video_agent_) return 0;
  json job = request;
  job["idempotency_key"] = "generation:" + id;
  const DownstreamResult r = video_agent_->call("POST", "/v1/render-jobs", job.dump(),
                                                {{"Content-Type", "application/json"},
                                                 {"Idempotency-Key", "generation:" + id},
                                                 {"X-Request-Id", request_id}},
                                                true);
  if (r.kind != DownstreamResult::Kind::kResponse || r.response.status >= 500)
    return 0;  // stays submitting
  const int status = r.response.status;
  const json body = json::parse(r.response.body, nullptr, false);
  in_transaction(pool_, [&](pqxx::work& tx) {
    if (status < 300 && body.is_object() && body.contains("id") && body["id"].is_number_integer()) {
      tx.exec_params(
          "UPDATE generations SET status = 'submitted', render_job_id = $2, updated_at = now() "
          "WHERE id = $1::uuid AND status = 'submitting'",
          id, body["id"].get<std::int64_t>());
    } else {
      tx.exec_params(
          "UPDATE generations SET status = 'rejected', error = $2, updated_at = now() "
          "WHERE id = $1::uuid AND status = 'submitting'",
          id,
          "video-agent answered " + std::to_string(status) + ": " + r.response.body.substr(0, 500));
    }
    return 0;
  });
  return status < 300 ? 0 : (status == 404 ? 422 : status);
}

std::optional<json> GenerationApi::load(const std::string& id, const std::string& owner) {
  return in_transaction(pool_, [&](pqxx::work& tx) -> std::optional<json> {
    const pqxx::result r = tx.exec_params(
        "SELECT json_build_object('id', g.id, 'generation_status', g.status, 'render_job_id', "
        "g.render_job_id, "
        "  'error', g.error, 'request', g.request, 'created_at', g.created_at, 'job_status', "
        "j.status, "
        "  'stage', j.stage, 'stages_done', j.stages_done, 'attempts', j.attempts, "
        "  'video', CASE WHEN v.id IS NULL THEN NULL ELSE json_build_object('id', v.id, "
        "'storage_uri', "
        "    v.storage_uri, 'duration_ms', v.duration_ms, 'width', v.width, 'height', v.height) "
        "END)::text "
        "FROM generations g LEFT JOIN render_jobs j ON j.id = g.render_job_id "
        "LEFT JOIN videos v ON v.id = j.output_video_id WHERE g.id = $1::uuid AND g.owner = $2",
        id, owner);
    if (r.empty()) return std::nullopt;
    json g = json::parse(r[0][0].as<std::string>());
    const std::string job = g["job_status"].is_string() ? g["job_status"].get<std::string>() : "";
    g["status"] = public_status(g["generation_status"].get<std::string>(), job);
    g.erase("job_status");
    return g;
  });
}

Response GenerationApi::get(const Request& req, const std::string& owner,
                            const std::string& request_id) {
  const std::string& id = req.param("id");
  if (!is_uuid(id)) throw HttpError(404, "generation " + id + " does not exist");
  auto g = load(id, owner);
  if (!g) throw HttpError(404, "generation " + id + " does not exist");
  if ((*g)["generation_status"] == "submitting") {
    submit(id, (*g)["request"], request_id);
    g = load(id, owner);
  }
  return Response::json(200, *g);
}

Response GenerationApi::upload_asset(const Request& req, const std::string& owner) {
  if (req.body.empty())
    throw HttpError(400, "an asset upload needs a non-empty body (the raw bytes)");
  if (req.body.size() > kMaxAssetBytes) {
    throw HttpError(413, "an asset may be at most " + std::to_string(kMaxAssetBytes) +
                             " bytes, got " + std::to_string(req.body.size()));
  }
  const std::string sha = sha256_hex(req.body);
  std::string uri = "sha256:" + sha;
  if (!assets_dir_.empty()) {
    const std::filesystem::path path = std::filesystem::path(assets_dir_) / sha;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
    if (!out) throw HttpError(507, "the asset could not be written to " + path.string());
    uri = "file://" + path.string();
  }
  const std::string filename =
      req.query_value("filename").value_or(req.headers.get("X-Filename")).substr(0, 255);
  const std::string type =
      req.headers.get("Content-Type", "application/octet-stream").substr(0, 255);
  const std::int64_t asset_id = in_transaction(pool_, [&](pqxx::work& tx) {
    return tx
        .exec_params1(
            "INSERT INTO assets (owner, sha256, size_bytes, content_type, filename, storage_uri) "
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            owner, sha, static_cast<std::int64_t>(req.body.size()), type, filename, uri)[0]
        .as<std::int64_t>();
  });
  return Response::json(201, {{"id", asset_id},
                              {"sha256", sha},
                              {"size_bytes", req.body.size()},
                              {"content_type", type},
                              {"filename", filename},
                              {"storage_uri", uri}});
}

}  // namespace gauntlet::mocks

#include "render_job_store.hpp"

#include <pqxx/pqxx>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/db.hpp"
#include "gauntlet/mocks/http_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

std::optional<std::int64_t> optional_id(const json& body, const char* field, Problems& problems) {
  if (!body.contains(field) || body.at(field).is_null()) return std::nullopt;
  const json& v = body.at(field);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 1) {
    problems.add(std::string(field) + " must be a positive integer, got " + v.dump());
    return std::nullopt;
  }
  return v.get<std::int64_t>();
}

void read_range(const json& body, const char* field, int min, int max, int& out,
                Problems& problems) {
  if (!body.contains(field)) return;
  const json& v = body.at(field);
  if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
    problems.add(std::string(field) + " must be an integer in " + std::to_string(min) + ".." +
                 std::to_string(max) + ", got " + v.dump());
    return;
  }
  out = v.get<int>();
}

std::int64_t existing_job(pqxx::work& tx, const std::string& key) {
  const pqxx::result r =
      tx.exec_params("SELECT id FROM render_jobs WHERE idempotency_key = $1", key);
  return r.empty() ? 0 : r[0][0].as<std::int64_t>();
}

std::int64_t blueprint_for(pqxx::work& tx, const RenderJobRequest& request) {
  if (request.blueprint_id) {
    const pqxx::result r =
        tx.exec_params("SELECT id FROM blueprints WHERE id = $1", *request.blueprint_id);
    if (r.empty())
      throw HttpError(404,
                      "blueprint " + std::to_string(*request.blueprint_id) + " does not exist");
    return *request.blueprint_id;
  }
  const pqxx::result c =
      tx.exec_params("SELECT id FROM campaigns WHERE id = $1", *request.campaign_id);
  if (c.empty())
    throw HttpError(404, "campaign " + std::to_string(*request.campaign_id) + " does not exist");
  return tx
      .exec_params1("INSERT INTO blueprints (campaign_id, prompt) VALUES ($1, $2) RETURNING id",
                    *request.campaign_id, request.prompt)[0]
      .as<std::int64_t>();
}

}  // namespace

RenderJobRequest RenderJobRequest::from_json(const json& body, std::string_view header_key) {
  if (!body.is_object())
    throw ConfigError("the render job must be a JSON object, got " + body.dump());
  RenderJobRequest r;
  Problems problems;
  r.blueprint_id = optional_id(body, "blueprint_id", problems);
  r.campaign_id = optional_id(body, "campaign_id", problems);
  if (body.contains("prompt")) {
    if (!body["prompt"].is_string() || body["prompt"].get<std::string>().empty()) {
      problems.add("prompt must be a non-empty string, got " + body["prompt"].dump());
    } else {
      r.prompt = body["prompt"].get<std::string>();
    }
  }
  if (!r.blueprint_id && !(r.campaign_id && !r.prompt.empty())) {
    problems.add("a render job needs blueprint_id, or campaign_id and prompt");
  }
  r.idempotency_key = std::string(header_key);
  if (body.contains("idempotency_key")) {
    const json& k = body["idempotency_key"];
    if (!k.is_string() || k.get<std::string>().empty() || k.get<std::string>().size() > 200) {
      problems.add("idempotency_key must be a string of 1..200 characters, got " + k.dump());
    } else {
      r.idempotency_key = k.get<std::string>();
    }
  }
  read_range(body, "priority", -100, 100, r.priority, problems);
  read_range(body, "max_attempts", 1, 20, r.max_attempts, problems);
  try {
    r.spec = RenderSpec::from_json(body);
  } catch (const ConfigError& e) {
    for (const auto& p : e.problems()) problems.add(p);
  }
  problems.throw_if_any();
  return r;
}

EnqueueResult RenderJobStore::enqueue(const RenderJobRequest& request) {
  const EnqueueResult result = in_transaction(pool_, [&](pqxx::work& tx) {
    if (!request.idempotency_key.empty()) {
      if (const std::int64_t id = existing_job(tx, request.idempotency_key))
        return EnqueueResult{id, false};
    }
    const std::int64_t blueprint = blueprint_for(tx, request);
    const pqxx::result r = tx.exec_params(
        "INSERT INTO render_jobs (blueprint_id, idempotency_key, priority, max_attempts, spec) "
        "VALUES ($1, COALESCE(NULLIF($2, ''), 'auto:' || gen_random_uuid()), $3, $4, $5::jsonb) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        blueprint, request.idempotency_key, request.priority, request.max_attempts,
        request.spec.to_json().dump());
    return r.empty() ? EnqueueResult{} : EnqueueResult{r[0][0].as<std::int64_t>(), true};
  });
  if (result.id != 0) return result;
  // A concurrent enqueue with the same key committed first (ON CONFLICT waited for it): that job
  // is the answer. The blueprint this call may have made was committed unused; harmless.
  return in_transaction(pool_, [&](pqxx::work& tx) {
    return EnqueueResult{existing_job(tx, request.idempotency_key), false};
  });
}

std::optional<ClaimedJob> RenderJobStore::claim(const std::string& worker) {
  return in_transaction(pool_, [&](pqxx::work& tx) -> std::optional<ClaimedJob> {
    const pqxx::result r = tx.exec_params(
        "UPDATE render_jobs SET status = 'running', locked_by = $1, heartbeat_at = now(), "
        "  attempts = attempts + 1, stage = NULL, stages_done = 0, updated_at = now() "
        "WHERE id = (SELECT id FROM render_jobs WHERE status = 'queued' AND run_after <= now() "
        "            ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED LIMIT 1) "
        "RETURNING id, blueprint_id, attempts, max_attempts, spec::text",
        worker);
    if (r.empty()) return std::nullopt;
    ClaimedJob job;
    job.id = r[0][0].as<std::int64_t>();
    job.blueprint_id = r[0][1].as<std::int64_t>();
    job.attempts = r[0][2].as<int>();
    job.max_attempts = r[0][3].as<int>();
    job.spec = RenderSpec::from_json(json::parse(r[0][4].as<std::string>()));
    return job;
  });
}

bool RenderJobStore::heartbeat(std::int64_t id, const std::string& worker, std::string_view stage,
                               int stages_done) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    return tx.exec_params(
                 "UPDATE render_jobs SET heartbeat_at = now(), stage = $3, stages_done = $4, "
                 "  updated_at = now() WHERE id = $1 AND locked_by = $2 AND status = 'running'",
                 id, worker, std::string(stage), stages_done)
               .affected_rows() == 1;
  });
}

std::optional<std::int64_t> RenderJobStore::complete(const ClaimedJob& job,
                                                     const std::string& worker) {
  return in_transaction(pool_, [&](pqxx::work& tx) -> std::optional<std::int64_t> {
    // Lock our row first: the reaper cannot requeue it between the check and the update.
    if (tx.exec_params(
              "SELECT 1 FROM render_jobs WHERE id = $1 AND locked_by = $2 AND status = 'running' "
              "FOR UPDATE",
              job.id, worker)
            .empty()) {
      return std::nullopt;
    }
    const std::int64_t video =
        tx.exec_params1(
              "INSERT INTO videos (campaign_id, blueprint_id, source, source_ref, storage_uri, "
              "duration_ms, width, height) "
              "SELECT b.campaign_id, b.id, 'render', $2::text, 'render://jobs/' || $2::text || "
              "'/attempt-' || $3::text || '.mp4', "
              "  $4, $5, $6 FROM blueprints b WHERE b.id = $1 "
              "ON CONFLICT (source, source_ref) DO UPDATE SET storage_uri = EXCLUDED.storage_uri "
              "RETURNING id",
              job.blueprint_id, job.id, job.attempts, job.spec.duration_s * 1000, job.spec.width,
              job.spec.height)[0]
            .as<std::int64_t>();
    tx.exec_params(
        "UPDATE render_jobs SET status = 'succeeded', output_video_id = $2, stage = NULL, "
        "  stages_done = $3, finished_at = now(), updated_at = now(), last_error = NULL WHERE id = "
        "$1",
        job.id, video, static_cast<int>(render_stages().size()));
    return video;
  });
}

bool RenderJobStore::fail(const ClaimedJob& job, const std::string& worker,
                          const std::string& error, std::chrono::milliseconds retry_delay) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    return tx.exec_params(
                 "UPDATE render_jobs SET "
                 "  status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
                 "  finished_at = CASE WHEN attempts >= max_attempts THEN now() END, "
                 "  run_after = now() + $4 * interval '1 millisecond', last_error = $3, "
                 "  locked_by = NULL, heartbeat_at = NULL, updated_at = now() "
                 "WHERE id = $1 AND locked_by = $2 AND status = 'running'",
                 job.id, worker, error, retry_delay.count())
               .affected_rows() == 1;
  });
}

bool RenderJobStore::release(const ClaimedJob& job, const std::string& worker) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    return tx.exec_params(
                 "UPDATE render_jobs SET status = 'queued', attempts = attempts - 1, "
                 "  locked_by = NULL, heartbeat_at = NULL, run_after = now(), updated_at = now() "
                 "WHERE id = $1 AND locked_by = $2 AND status = 'running'",
                 job.id, worker)
               .affected_rows() == 1;
  });
}

int RenderJobStore::reap(std::chrono::milliseconds stale_after) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    return static_cast<int>(
        tx.exec_params(
              "UPDATE render_jobs SET "
              "  status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
              "  finished_at = CASE WHEN attempts >= max_attempts THEN now() END, "
              "  last_error = 'worker ' || locked_by || ' stopped heartbeating', run_after = "
              "now(), "
              "  locked_by = NULL, heartbeat_at = NULL, updated_at = now() "
              "WHERE id IN (SELECT id FROM render_jobs WHERE status = 'running' "
              "             AND heartbeat_at < now() - $1 * interval '1 millisecond' FOR UPDATE "
              "SKIP LOCKED)",
              stale_after.count())
            .affected_rows());
  });
}

std::optional<json> RenderJobStore::status(std::int64_t id) {
  return in_transaction(pool_, [&](pqxx::work& tx) -> std::optional<json> {
    const pqxx::result r = tx.exec_params(
        "SELECT json_build_object('id', j.id, 'blueprint_id', j.blueprint_id, 'status', j.status, "
        "  'stage', j.stage, 'stages_done', j.stages_done, 'attempts', j.attempts, "
        "  'max_attempts', j.max_attempts, 'priority', j.priority, 'idempotency_key', "
        "j.idempotency_key, "
        "  'spec', j.spec, 'output_video_id', j.output_video_id, 'last_error', j.last_error, "
        "  'locked_by', j.locked_by, 'created_at', j.created_at, 'finished_at', j.finished_at, "
        "  'video', CASE WHEN v.id IS NULL THEN NULL ELSE json_build_object('id', v.id, "
        "    'storage_uri', v.storage_uri, 'duration_ms', v.duration_ms, 'width', v.width, "
        "    'height', v.height) END)::text "
        "FROM render_jobs j LEFT JOIN videos v ON v.id = j.output_video_id WHERE j.id = $1",
        id);
    if (r.empty()) return std::nullopt;
    json out = json::parse(r[0][0].as<std::string>());
    out["stages_total"] = render_stages().size();
    return out;
  });
}

json RenderJobStore::counts() {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    json out = {{"queued", 0}, {"running", 0}, {"succeeded", 0}, {"failed", 0}};
    for (const auto& row : tx.exec("SELECT status, count(*) FROM render_jobs GROUP BY status")) {
      out[row[0].as<std::string>()] = row[1].as<std::int64_t>();
    }
    return out;
  });
}

}  // namespace gauntlet::mocks

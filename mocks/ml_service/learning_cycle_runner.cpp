#include "learning_cycle_runner.hpp"

#include <chrono>
#include <thread>
#include <tuple>

#include "gauntlet/mocks/ctr_model.hpp"
#include "gauntlet/mocks/cube_literal.hpp"
#include "gauntlet/mocks/db_access.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"
#include "gauntlet/mocks/text_embedding.hpp"

namespace gauntlet::mocks {

using nlohmann::json;

struct LearningCycleRunner::Context {
  std::int64_t cycle_id = 0;
  std::int64_t accuracy_pairs = 0;
  std::int64_t training_rows = 0;
  std::string candidate_version;
};

namespace {

using Context = LearningCycleRunner::Context;
using StepFn = json (*)(pqxx::work&, Context&, const StandInCompute&);
constexpr std::uint64_t kRetrainRoundsPerRow = 20'000;

json actuals_fetcher(pqxx::work& tx, Context&, const StandInCompute&) {
  const pqxx::row r = tx.exec1(
      "SELECT count(*), count(DISTINCT campaign_id), coalesce(sum(clicks), 0), "
      "  coalesce(sum(impressions), 0) FROM performance_metrics");
  const auto impressions = r[3].as<std::int64_t>();
  return {{"rows", r[0].as<std::int64_t>()},
          {"campaigns", r[1].as<std::int64_t>()},
          {"actual_ctr",
           impressions > 0 ? double(r[2].as<std::int64_t>()) / double(impressions) : 0.0}};
}

json accuracy_tracker(pqxx::work& tx, Context& ctx, const StandInCompute&) {
  const pqxx::row r = tx.exec1(
      "WITH actual AS (SELECT campaign_id, sum(clicks)::float8 / nullif(sum(impressions), 0) AS "
      "ctr "
      "                FROM performance_metrics GROUP BY campaign_id) "
      "SELECT count(*), coalesce(avg(abs(p.predicted_ctr - a.ctr)), 0) "
      "FROM predictions p JOIN actual a USING (campaign_id) WHERE a.ctr IS NOT NULL");
  ctx.accuracy_pairs = r[0].as<std::int64_t>();
  return {{"pairs", ctx.accuracy_pairs}, {"mae_ctr", r[1].as<double>()}};
}

json auto_retrain(pqxx::work& tx, Context& ctx, const StandInCompute& compute) {
  const auto feedback = tx.exec1("SELECT count(*) FROM feedback_events")[0].as<std::int64_t>();
  ctx.training_rows = ctx.accuracy_pairs + feedback;
  ctx.candidate_version = std::string(CtrModel::kVersion) + "+c" + std::to_string(ctx.cycle_id);
  const std::uint64_t digest =
      compute.burn(ctx.candidate_version, kRetrainRoundsPerRow * std::uint64_t(ctx.training_rows));
  return {{"training_rows", ctx.training_rows},
          {"candidate_version", ctx.candidate_version},
          {"digest", std::to_string(digest)}};
}

json compound_learning(pqxx::work& tx, Context& ctx, const StandInCompute&) {
  const pqxx::result r = tx.exec_params(
      "WITH arm AS (SELECT c.ad_account_id, s.arm_id, s.alpha / (s.alpha + s.beta) AS mean, "
      "                    s.alpha + s.beta - 2 AS n "
      "             FROM sampler_arms s JOIN campaigns c ON c.id = s.campaign_id), "
      "     base AS (SELECT ad_account_id, avg(mean) AS baseline FROM arm GROUP BY ad_account_id), "
      "     win AS (SELECT a.ad_account_id, 'arm=' || a.arm_id AS pattern_key, "
      "                    greatest(1, round(sum(a.n)))::int AS support, "
      "                    avg(a.mean / b.baseline - 1) AS lift, "
      "                    least(1.0, sum(a.n) / 100.0) AS confidence "
      "             FROM arm a JOIN base b USING (ad_account_id) "
      "             WHERE a.mean > b.baseline AND a.n >= 1 GROUP BY a.ad_account_id, a.arm_id) "
      "INSERT INTO winning_patterns (ad_account_id, pattern_key, description, support, lift, "
      "  confidence, learning_cycle_id) "
      "SELECT ad_account_id, pattern_key, 'Variant ' || pattern_key || ' beats its account', "
      "  support, lift, confidence, $1 FROM win "
      "ON CONFLICT (ad_account_id, pattern_key) DO UPDATE SET support = EXCLUDED.support, "
      "  lift = EXCLUDED.lift, confidence = EXCLUDED.confidence, "
      "  learning_cycle_id = EXCLUDED.learning_cycle_id, updated_at = now()",
      ctx.cycle_id);
  return {{"patterns_upserted", r.affected_rows()}};
}

json auto_promote(pqxx::work& tx, Context& ctx, const StandInCompute&) {
  if (ctx.training_rows < LearningCycleRunner::kMinTrainingRowsToPromote) {
    return {{"promoted", false},
            {"reason", "the candidate was trained on " + std::to_string(ctx.training_rows) +
                           " rows, fewer than " +
                           std::to_string(LearningCycleRunner::kMinTrainingRowsToPromote)}};
  }
  tx.exec_params("UPDATE learning_cycles SET promoted_model_version = $2 WHERE id = $1",
                 ctx.cycle_id, ctx.candidate_version);
  return {{"promoted", true}, {"model_version", ctx.candidate_version}};
}

json cross_learning(pqxx::work& tx, Context& ctx, const StandInCompute&) {
  const pqxx::result r = tx.exec_params(
      "INSERT INTO cross_account_patterns (pattern_key, account_count, mean_lift, confidence, "
      "  learning_cycle_id) "
      "SELECT pattern_key, count(DISTINCT ad_account_id), avg(lift), least(1.0, avg(confidence)), "
      "$1 "
      "FROM winning_patterns GROUP BY pattern_key HAVING count(DISTINCT ad_account_id) >= 2 "
      "ON CONFLICT (pattern_key) DO UPDATE SET account_count = EXCLUDED.account_count, "
      "  mean_lift = EXCLUDED.mean_lift, confidence = EXCLUDED.confidence, "
      "  learning_cycle_id = EXCLUDED.learning_cycle_id, updated_at = now()",
      ctx.cycle_id);
  return {{"patterns_upserted", r.affected_rows()}};
}

json rag_indexing(pqxx::work& tx, Context&, const StandInCompute&) {
  std::int64_t indexed = 0;
  for (const auto& row :
       tx.exec("SELECT id, ad_account_id, pattern_key, description, lift FROM winning_patterns")) {
    const std::string content = row[2].as<std::string>() + ": " + row[3].as<std::string>() +
                                " in account " + row[1].as<std::string>() + " (lift " +
                                row[4].as<std::string>() + ")";
    const pqxx::result r = tx.exec_params(
        "INSERT INTO rag_documents (source, source_ref, content, content_hash, embedding) "
        "VALUES ('winning_pattern', $1, $2, $3, $4::cube) "
        "ON CONFLICT (source, source_ref) DO UPDATE SET content = EXCLUDED.content, "
        "  content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding "
        "WHERE rag_documents.content_hash <> EXCLUDED.content_hash",
        row[0].as<std::string>(), content, sha256_hex(content),
        to_cube_literal(embed_text(content)));
    indexed += static_cast<std::int64_t>(r.affected_rows());
  }
  return {{"documents_indexed", indexed}};
}

constexpr StepFn kSteps[] = {actuals_fetcher, accuracy_tracker, auto_retrain, compound_learning,
                             auto_promote,    cross_learning,   rag_indexing};

}  // namespace

const std::vector<std::string>& LearningCycleRunner::step_names() {
  static const std::vector<std::string> names = {
      "actuals_fetcher", "accuracy_tracker", "auto_retrain", "compound_learning",
      "auto_promote",    "cross_learning",   "rag_indexing"};
  return names;
}

LearningCycleRunner::LearningCycleRunner(ConnectionPool& pool, MetricsRegistry& metrics,
                                         const StandInCompute& compute,
                                         std::chrono::seconds stale_after)
    : pool_(pool), metrics_(metrics), compute_(compute), stale_after_(stale_after) {}

json LearningCycleRunner::run(const CycleStart& start) {
  if (start.cycle_key) {
    if (const auto existing = find_by_key(*start.cycle_key)) {
      return {{"created", false}, {"cycle", get(*existing)}};
    }
  }
  Context ctx;
  bool created = false;
  std::tie(ctx.cycle_id, created) = create(start);
  if (!created) return {{"created", false}, {"cycle", get(ctx.cycle_id)}};
  std::optional<std::string> error;
  for (std::size_t i = 0; i < std::size(kSteps) && !error; ++i) {
    try {
      run_step(i, ctx);
    } catch (const std::exception& e) {
      error = step_names()[i] + " failed: " + e.what();
    }
  }
  finish(ctx.cycle_id, error);
  return {{"created", true}, {"cycle", get(ctx.cycle_id)}};
}

std::optional<std::int64_t> LearningCycleRunner::find_by_key(const std::string& key) {
  return in_http_transaction(pool_, [&](pqxx::work& tx) -> std::optional<std::int64_t> {
    const pqxx::result r =
        tx.exec_params("SELECT id FROM learning_cycles WHERE cycle_key = $1", key);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  });
}

std::pair<std::int64_t, bool> LearningCycleRunner::create(const CycleStart& start) {
  const auto key = start.cycle_key;
  try {
    return in_http_transaction(pool_, [&](pqxx::work& tx) {
      // A runner that died left its cycle 'running', which would block every later cycle.
      tx.exec_params(
          "WITH abandoned AS ("
          "  UPDATE learning_cycles SET status = 'failed', finished_at = now(), "
          "    error = 'abandoned: still running after ' || $1 || ' s' "
          "  WHERE status = 'running' AND started_at < now() - make_interval(secs => $1::float8) "
          "  RETURNING id) "
          "UPDATE learning_cycle_steps SET status = CASE status WHEN 'running' THEN 'failed' "
          "  ELSE 'skipped' END "
          "WHERE cycle_id IN (SELECT id FROM abandoned) AND status IN ('pending', 'running')",
          std::to_string(stale_after_.count()));
      const auto id = tx.exec_params1(
                            "INSERT INTO learning_cycles (trigger, cycle_key) VALUES ($1, $2) "
                            "RETURNING id",
                            start.trigger, nullable(key))[0]
                          .as<std::int64_t>();
      for (std::size_t i = 0; i < step_names().size(); ++i) {
        tx.exec_params(
            "INSERT INTO learning_cycle_steps (cycle_id, step_index, step_name) VALUES ($1, $2, "
            "$3)",
            id, static_cast<int>(i), step_names()[i]);
      }
      return std::pair{id, true};
    });
  } catch (const pqxx::unique_violation&) {
    // Either a concurrent start took the same key first (then that cycle is the answer), or
    // another cycle is running.
    if (key) {
      if (const auto existing = find_by_key(*key)) return {*existing, false};
    }
    throw HttpError(409, "Another learning cycle is running; at most one runs at a time.");
  }
}

bool LearningCycleRunner::run_step(std::size_t index, Context& ctx) {
  const std::string& name = step_names()[index];
  in_http_transaction(pool_, [&](pqxx::work& tx) {
    return tx.exec_params(
        "UPDATE learning_cycle_steps SET status = 'running', started_at = now() "
        "WHERE cycle_id = $1 AND step_index = $2",
        ctx.cycle_id, static_cast<int>(index));
  });
  const auto started = std::chrono::steady_clock::now();
  try {
    in_http_transaction(pool_, [&](pqxx::work& tx) {
      json detail = kSteps[index](tx, ctx, compute_);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      detail["duration_ms"] = took.count() * 1000.0;
      const std::string status =
          detail.contains("promoted") && !detail["promoted"].get<bool>() ? "skipped" : "succeeded";
      return tx.exec_params(
          "UPDATE learning_cycle_steps SET status = $3, finished_at = now(), detail = $4::jsonb "
          "WHERE cycle_id = $1 AND step_index = $2",
          ctx.cycle_id, static_cast<int>(index), status, detail.dump());
    });
  } catch (const std::exception& e) {
    in_http_transaction(pool_, [&](pqxx::work& tx) {
      return tx.exec_params(
          "UPDATE learning_cycle_steps SET status = 'failed', finished_at = now(), "
          "  detail = $3::jsonb WHERE cycle_id = $1 AND step_index = $2",
          ctx.cycle_id, static_cast<int>(index), json{{"error", e.what()}}.dump());
    });
    throw;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  metrics_
      .histogram("ml_service_learning_step_seconds", "Duration of each learning-cycle step.",
                 {{"step", name}})
      .observe(took.count());
  return true;
}

void LearningCycleRunner::finish(std::int64_t cycle_id, const std::optional<std::string>& error) {
  // Under pg_terminate_backend every connection of the pool dies at once, and the pool lends its
  // idle ones as live until they are used: each failed attempt drops one, so within the pool's
  // size plus one a fresh connection records the end. A cycle left 'running' would make every
  // later start a 409 until the stale sweep (found by the learning-cycle stress test at ci).
  const std::size_t attempts = pool_.stats().size + 1;
  for (std::size_t attempt = 1;; ++attempt) {
    try {
      record_finish(cycle_id, error);
      break;
    } catch (const HttpError& e) {
      if (e.status() != 503 || attempt >= attempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20) * attempt);
    }
  }
  metrics_
      .counter("ml_service_learning_cycles_total", "Learning cycles finished, by status.",
               {{"status", error ? "failed" : "succeeded"}})
      .inc();
}

void LearningCycleRunner::record_finish(std::int64_t cycle_id,
                                        const std::optional<std::string>& error) {
  in_http_transaction(pool_, [&](pqxx::work& tx) {
    if (error) {
      // The step that failed may not have been marked so: when the database connection dies,
      // the step's own "failed" update fails too. The first step that did not finish is then the
      // one that failed; found by the learning-cycle stress test under pg_terminate_backend. If
      // even its "running" mark was lost, it starts and fails now (finished needs started).
      tx.exec_params(
          "UPDATE learning_cycle_steps SET status = 'failed', "
          "  started_at = COALESCE(started_at, now()), finished_at = now(), "
          "  detail = jsonb_build_object('error', $2::text) "
          "WHERE cycle_id = $1 AND NOT EXISTS (SELECT 1 FROM learning_cycle_steps "
          "    WHERE cycle_id = $1 AND status = 'failed') "
          "  AND step_index = (SELECT min(step_index) FROM learning_cycle_steps "
          "    WHERE cycle_id = $1 AND status IN ('pending', 'running'))",
          cycle_id, *error);
    }
    tx.exec_params(
        "UPDATE learning_cycle_steps SET status = 'skipped' "
        "WHERE cycle_id = $1 AND status = 'pending'",
        cycle_id);
    return tx.exec_params(
        "UPDATE learning_cycles SET status = $2, finished_at = now(), error = $3 WHERE id = $1",
        cycle_id, error ? "failed" : "succeeded", nullable(error));
  });
}

json LearningCycleRunner::get(std::int64_t cycle_id) {
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result c = tx.exec_params(
        "SELECT id, trigger, status, started_at, finished_at, error, cycle_key, "
        "  promoted_model_version FROM learning_cycles WHERE id = $1",
        cycle_id);
    if (c.empty()) {
      throw HttpError(404, "Learning cycle " + std::to_string(cycle_id) + " does not exist.");
    }
    json cycle = {
        {"id", c[0][0].as<std::int64_t>()},
        {"trigger", c[0][1].as<std::string>()},
        {"status", c[0][2].as<std::string>()},
        {"started_at", timestamp_or_null(c[0][3])},
        {"finished_at", timestamp_or_null(c[0][4])},
        {"error", c[0][5].is_null() ? json(nullptr) : json(c[0][5].as<std::string>())},
        {"cycle_key", c[0][6].is_null() ? json(nullptr) : json(c[0][6].as<std::string>())},
        {"promoted_model_version",
         c[0][7].is_null() ? json(nullptr) : json(c[0][7].as<std::string>())},
        {"steps", json::array()}};
    for (const auto& s : tx.exec_params(
             "SELECT step_index, step_name, status, started_at, finished_at, detail::text "
             "FROM learning_cycle_steps WHERE cycle_id = $1 ORDER BY step_index",
             cycle_id)) {
      cycle["steps"].push_back({{"index", s[0].as<int>()},
                                {"name", s[1].as<std::string>()},
                                {"status", s[2].as<std::string>()},
                                {"started_at", timestamp_or_null(s[3])},
                                {"finished_at", timestamp_or_null(s[4])},
                                {"detail", json::parse(s[5].as<std::string>())}});
    }
    return cycle;
  });
}

}  // namespace gauntlet::mocks

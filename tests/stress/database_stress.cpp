// Database operations under load, through libpqxx straight against the platform's PostgreSQL:
// the platform's main tables under concurrent insert/update/read (every acknowledged commit found
// once, failed transactions leave nothing), the render-job queue's SKIP LOCKED claim with many
// competing workers (every job delivered exactly once), a connection pool smaller than its users
// (the overflow is pool_timeout, and the pool recovers), lock contention in a consistent order
// (no deadlock), and PostgreSQL stopped immediately and restarted mid-run (nothing acknowledged
// is lost; the recovery time is a figure). Every row belongs to the test: its own campaign, its
// own blueprint, keys starting with its run tag. Labels: infrastructure, db.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/wrong_state.hpp"
#include "fixtures/database_fault.hpp"
#include "fixtures/flow_run.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/run_tag.hpp"
#include "fixtures/server_gates.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"
#include "gauntlet/pg/connection_pool.hpp"
#include "gauntlet/pg/pool_timeout.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

constexpr std::size_t kExamples = 5;

void add_example(std::vector<std::string>& examples, std::string example) {
  if (examples.size() < kExamples) examples.push_back(std::move(example));
}

// Declares the figures of ServerGates and the default server thresholds.
void add_server_gates(Plan& p) {
  for (const std::string& t : kDefaultServerThresholds) p.thresholds.push_back(t);
  for (const std::string& n : server_figure_names(PlatformEnvironment::platform())) {
    p.metrics.push_back({n, MetricKind::kFigure});
  }
}

// Acknowledged keys, per table, appended by any virtual user once its commit returned.
class KeyLedger {
 public:
  void append(std::size_t table, std::string key) {
    std::lock_guard lock(mutex_);
    keys_[table].push_back(std::move(key));
  }
  std::map<std::size_t, std::vector<std::string>> snapshot() const {
    std::lock_guard lock(mutex_);
    return keys_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::size_t, std::vector<std::string>> keys_;
};

// lost: acknowledged, no row; duplicated: one key in two rows (or acknowledged twice);
// unexpected: a row of the test's with a key nobody acknowledged. Examples are "<table>:<key>".
struct KeyFindings {
  Figure lost{"lost", 0, {}};
  Figure duplicated{"duplicated", 0, {}};
  Figure unexpected{"unexpected", 0, {}};

  void compare(const std::string& table, const std::vector<std::string>& acknowledged,
               const std::vector<std::string>& found) {
    std::map<std::string, int> acked;
    for (const std::string& k : acknowledged) ++acked[k];
    std::map<std::string, int> rows;
    for (const std::string& k : found) ++rows[k];
    for (const auto& [k, n] : acked) {
      const auto it = rows.find(k);
      if (it == rows.end()) {
        lost.value += 1;
        add_example(lost.examples, table + ":" + k);
      } else if (it->second > 1 || n > 1) {
        duplicated.value += 1;
        add_example(duplicated.examples, table + ":" + k + " x" + std::to_string(it->second));
      }
    }
    for (const auto& [k, n] : rows) {
      if (acked.count(k) == 0) {
        unexpected.value += 1;
        add_example(unexpected.examples, table + ":" + k);
      }
    }
  }
  std::vector<Figure> figures() const { return {lost, duplicated, unexpected}; }
};

// A connection of the pool for one iteration, taken in step "connect": PoolTimeout passes
// through (pool_timeout), a server that cannot be reached is `connect`.
PooledConnection connect(IterationContext& ctx, ConnectionPool& pool) {
  return ctx.step("connect", [&] {
    try {
      return pool.acquire();
    } catch (const pqxx::broken_connection& e) {
      throw StepFailure(ErrorClass::kConnect, std::string("cannot connect: ") + e.what());
    }
  });
}

// Runs fn() as step `name` on `conn`; a lost connection is `connect`, and the pool drops it.
template <typename Fn>
auto db_step(IterationContext& ctx, std::string_view name, PooledConnection& conn, Fn&& fn) {
  return ctx.step(name, [&] {
    try {
      return fn(conn.get());
    } catch (const pqxx::broken_connection& e) {
      conn.mark_broken();
      throw StepFailure(ErrorClass::kConnect, std::string("connection lost: ") + e.what());
    }
  });
}

// The test's own rows, for a self-test's wrong state: its campaign, and the blueprint that owns
// its render jobs (the queue's, or the tables' render_jobs rows).
struct OwnRows {
  std::int64_t campaign = 0;
  std::int64_t blueprint = 0;
};
using WrongState = std::function<void(const OwnRows&)>;

class DatabaseStress : public StressFixture {
 protected:
  // The tables run (1.) and the queue run (2.), with the test's options; `wrong_state`, when
  // set, is written into the test's own rows after the load and before the checks (self-tests).
  RunResult run_tables(std::int64_t vus, std::chrono::nanoseconds duration, RunOptions options = {},
                       const WrongState& wrong_state = {});
  RunResult run_queue(std::int64_t workers, std::int64_t jobs, RunOptions options = {},
                      const WrongState& wrong_state = {});

  Platform& platform() { return PlatformEnvironment::platform(); }
  const std::string& url() { return platform().database_url(); }

  std::int64_t insert_blueprint(std::int64_t campaign_id, const std::string& tag) {
    pqxx::connection conn(url());
    pqxx::work tx(conn);
    const auto id = tx.exec_params1(
                          "INSERT INTO blueprints (campaign_id, prompt) VALUES ($1, $2) "
                          "RETURNING id",
                          campaign_id, "gauntlet " + tag)[0]
                        .as<std::int64_t>();
    tx.commit();
    return id;
  }
};

// ---------------------------------------------------------------------------------------------
// 1. The platform's main tables under concurrent insert, update and read.

// One table of the platform as the test writes it: $1 of insert is the owner (campaign or
// blueprint id), $2 the key; the insert returns the row's reference, which update ($1 ref, $2
// version) and read ($1 ref) use; `bad` inserts a row that violates a CHECK constraint; `keys`
// ($1 owner) lists the keys of the test's rows.
struct TableOps {
  const char* name;
  bool owned_by_blueprint;
  const char* insert;
  const char* update;
  const char* read;
  const char* bad;
  const char* keys;
};

const std::vector<TableOps>& table_ops() {
  // Rows are kept out of the platform's own workers' reach: render jobs and pending ad changes
  // are due at 'infinity', so video-agent and meta-publisher never claim them.
  static const std::vector<TableOps> ops = {
      {"campaigns", false,
       "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
       "SELECT user_id, ad_account_id, $2, 'traffic', 0 FROM campaigns WHERE id = $1 "
       "RETURNING id::text",
       "UPDATE campaigns SET daily_budget_cents = $2, updated_at = now() WHERE id = $1::bigint",
       "SELECT daily_budget_cents FROM campaigns WHERE id = $1::bigint",
       "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
       "SELECT user_id, ad_account_id, $2, 'traffic', -1 FROM campaigns WHERE id = $1",
       // Names are "<tag>-..."; campaigns have no owner column: the tag is the scope.
       "SELECT name FROM campaigns WHERE user_id = (SELECT user_id FROM campaigns WHERE id = $1) "
       "AND left(name, length($2)) = $2"},
      {"predictions", false,
       "INSERT INTO predictions (campaign_id, model_version, features_hash, predicted_ctr, "
       "predicted_roas, confidence) VALUES ($1, 'gauntlet-db', $2, 0.01, 0, 0.5) "
       "RETURNING id::text",
       "UPDATE predictions SET predicted_roas = $2 WHERE id = $1::bigint",
       "SELECT predicted_roas::bigint FROM predictions WHERE id = $1::bigint",
       "INSERT INTO predictions (campaign_id, model_version, features_hash, predicted_ctr, "
       "predicted_roas) VALUES ($1, 'gauntlet-db', $2, 2, 0)",
       "SELECT features_hash FROM predictions WHERE campaign_id = $1 "
       "AND left(features_hash, length($2)) = $2"},
      {"feedback_events", false,
       "INSERT INTO feedback_events (event_id, campaign_id, arm_id, reward) "
       "VALUES ($2, $1, 'gauntlet-db', 0.5) RETURNING event_id",
       "UPDATE feedback_events SET observed_roas = $2 WHERE event_id = $1",
       "SELECT observed_roas::bigint FROM feedback_events WHERE event_id = $1",
       "INSERT INTO feedback_events (event_id, campaign_id, arm_id, reward) "
       "VALUES ($2 || '-bad', $1, 'gauntlet-db', 2)",
       "SELECT event_id FROM feedback_events WHERE campaign_id = $1 "
       "AND left(event_id, length($2)) = $2"},
      {"render_jobs", true,
       "INSERT INTO render_jobs (blueprint_id, idempotency_key, run_after) "
       "VALUES ($1, $2, 'infinity') RETURNING id::text",
       "UPDATE render_jobs SET priority = $2, updated_at = now() WHERE id = $1::bigint",
       "SELECT priority FROM render_jobs WHERE id = $1::bigint",
       "INSERT INTO render_jobs (blueprint_id, idempotency_key, max_attempts, run_after) "
       "VALUES ($1, $2 || '-bad', 0, 'infinity')",
       "SELECT idempotency_key FROM render_jobs WHERE blueprint_id = $1 "
       "AND left(idempotency_key, length($2)) = $2"},
      {"pending_ad_changes", false,
       "INSERT INTO pending_ad_changes (id, campaign_id, ad_account_id, change_type, payload, "
       "next_attempt_at) SELECT gen_random_uuid(), id, ad_account_id, 'status', "
       "jsonb_build_object('key', $2::text), 'infinity' FROM campaigns WHERE id = $1 "
       "RETURNING id::text",
       "UPDATE pending_ad_changes SET attempts = $2 WHERE id = $1::uuid",
       "SELECT attempts FROM pending_ad_changes WHERE id = $1::uuid",
       "INSERT INTO pending_ad_changes (id, campaign_id, ad_account_id, change_type, payload, "
       "next_attempt_at) SELECT gen_random_uuid(), id, ad_account_id, 'bogus', "
       "jsonb_build_object('key', $2::text), 'infinity' FROM campaigns WHERE id = $1",
       "SELECT payload->>'key' FROM pending_ad_changes WHERE campaign_id = $1 "
       "AND left(payload->>'key', length($2)) = $2"},
  };
  return ops;
}

RunResult DatabaseStress::run_tables(std::int64_t vus, std::chrono::nanoseconds duration,
                                     RunOptions options, const WrongState& wrong_state) {
  Platform& p = platform();
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(p, tag);
  const std::int64_t blueprint = insert_blueprint(campaign.id, tag);
  const std::string ok_prefix = tag + "-ok-";
  const std::string failed_prefix = tag + "-x-";
  ConnectionPool pool(url(), static_cast<std::size_t>(vus), 5000ms);
  KeyLedger ledger;
  ServerGates gates(p);

  Plan plan{.name = "db-tables",
            .model = ClosedModel{.vus = vus, .duration = duration},
            .thresholds = {"error_rate<1%", "insert: p(95)<250ms", "update: p(95)<250ms",
                           "read: p(95)<100ms", "rollback: p(95)<250ms", "lost==0", "duplicated==0",
                           "unexpected==0", "partial_writes==0",
                           "rows_committed>=" + std::to_string(vus * 5),
                           "rolled_back>=" + std::to_string(vus)},
            .metrics = {{"lost", MetricKind::kFigure},
                        {"duplicated", MetricKind::kFigure},
                        {"unexpected", MetricKind::kFigure},
                        {"partial_writes", MetricKind::kFigure},
                        {"rows_committed", MetricKind::kCounter},
                        {"rolled_back", MetricKind::kCounter}}};
  add_server_gates(plan);

  options.after_load = [&] {
    if (wrong_state) wrong_state({campaign.id, blueprint});
    KeyFindings findings;
    Figure partial{"partial_writes", 0, {}};
    const auto acked = ledger.snapshot();
    {  // closed before the gates wait: an open read would count as idle in transaction
      pqxx::connection conn(url());
      pqxx::read_transaction tx(conn);
      for (std::size_t t = 0; t < table_ops().size(); ++t) {
        const TableOps& ops = table_ops()[t];
        const std::int64_t owner = ops.owned_by_blueprint ? blueprint : campaign.id;
        std::vector<std::string> found;
        for (const auto& row : tx.exec_params(ops.keys, owner, ok_prefix)) {
          found.push_back(row[0].as<std::string>());
        }
        const auto it = acked.find(t);
        findings.compare(ops.name, it == acked.end() ? std::vector<std::string>{} : it->second,
                         found);
        for (const auto& row : tx.exec_params(ops.keys, owner, failed_prefix)) {
          partial.value += 1;
          add_example(partial.examples, std::string(ops.name) + ":" + row[0].as<std::string>());
        }
      }
    }
    std::vector<Figure> figures = findings.figures();
    figures.push_back(partial);
    for (Figure& f : gates.finish()) figures.push_back(std::move(f));
    return figures;
  };

  return run(
      plan,
      [&](IterationContext& ctx) {
        const std::size_t t = static_cast<std::size_t>(ctx.iteration()) % table_ops().size();
        const TableOps& ops = table_ops()[t];
        const std::int64_t owner = ops.owned_by_blueprint ? blueprint : campaign.id;
        const std::string n = std::to_string(ctx.iteration());
        const std::string key = ok_prefix + n;
        const int version = static_cast<int>(ctx.iteration() % 1000) + 1;
        PooledConnection lease = connect(ctx, pool);
        {
          const std::string ref = db_step(ctx, "insert", lease, [&](pqxx::connection& conn) {
            pqxx::work tx(conn);
            const std::string r = tx.exec_params1(ops.insert, owner, key)[0].as<std::string>();
            tx.commit();
            ledger.append(t, key);  // acknowledged: the commit returned
            ctx.count("rows_committed");
            return r;
          });
          db_step(ctx, "update", lease, [&](pqxx::connection& conn) {
            pqxx::work tx(conn);
            const auto r = tx.exec_params(ops.update, ref, version);
            tx.commit();
            if (r.affected_rows() != 1) {
              ctx.fail(ErrorClass::kAssertion, std::string(ops.name) + " update of " + ref +
                                                   " touched " + std::to_string(r.affected_rows()) +
                                                   " rows");
            }
          });
          db_step(ctx, "read", lease, [&](pqxx::connection& conn) {
            pqxx::read_transaction tx(conn);
            const auto r = tx.exec_params(ops.read, ref);
            if (r.size() != 1 || r[0][0].as<int>() != version) {
              ctx.fail(ErrorClass::kBodyMismatch,
                       std::string(ops.name) + " " + ref + " does not read back version " +
                           std::to_string(version) + " after its commit");
            }
          });
          // Every other iteration: a transaction that fails midway must leave nothing behind,
          // alternately by a constraint violation and by an explicit abort.
          if (ctx.iteration() % 2 == 1) {
            db_step(ctx, "rollback", lease, [&](pqxx::connection& conn) {
              const std::string doomed = failed_prefix + n;
              pqxx::work tx(conn);
              tx.exec_params(ops.insert, owner, doomed);
              if (ctx.iteration() % 4 == 1) {
                try {
                  tx.exec_params(ops.bad, owner, doomed);
                } catch (const pqxx::check_violation&) {
                  ctx.count("rolled_back");
                  return;  // the work is aborted by its destructor
                }
                ctx.fail(ErrorClass::kAssertion,
                         std::string(ops.name) + ": the CHECK violation was accepted");
              } else {
                tx.abort();
                ctx.count("rolled_back");
              }
            });
          }
        }
      },
      options);
}

TEST_F(DatabaseStress, TablesUnderConcurrentWritesLoseNothing) {
  run_tables(param("vus", {4, 8, 32}, 1, 500), param("duration", {4s, 12s, 10min}, 1s, 24h));
}

// Self-test: after the load, one acknowledged prediction deleted, one copied under its own key,
// one row planted under an acknowledged-looking key nobody acknowledged and one under the key of
// a rolled-back transaction: lost, duplicated, unexpected and partial_writes must each be 1 and
// their thresholds FAIL.
TEST_F(DatabaseStress, SelftestLostDuplicatedAndStrayRowsTurnTheTablesRunRed) {
  const std::string url = this->url();
  const RunResult r =
      run_tables(2, 1s, red_run_options("tables_wrong_state"), [&](const OwnRows& own) {
        const std::string campaign = std::to_string(own.campaign);
        // The test's acknowledged predictions, oldest first: keys "<tag>-ok-<n>".
        const std::string ok =
            "SELECT id FROM predictions WHERE campaign_id = $1::bigint AND features_hash LIKE "
            "'%-ok-%' ORDER BY id";
        const std::string copy =
            "INSERT INTO predictions (campaign_id, model_version, features_hash, predicted_ctr, "
            "predicted_roas, confidence) SELECT campaign_id, model_version, ";
        corrupt_one_row(
            url, "an acknowledged prediction deleted",
            "DELETE FROM predictions WHERE id = (" + ok + " LIMIT 1) RETURNING features_hash",
            campaign);
        corrupt_one_row(url, "an acknowledged prediction written twice",
                        copy +
                            "features_hash, predicted_ctr, predicted_roas, confidence FROM "
                            "predictions WHERE id = (" +
                            ok + " LIMIT 1 OFFSET 1) RETURNING features_hash",
                        campaign);
        corrupt_one_row(url, "a prediction nobody acknowledged",
                        copy +
                            "features_hash || '-stray', predicted_ctr, predicted_roas, "
                            "confidence FROM predictions WHERE id = (" +
                            ok + " LIMIT 1 OFFSET 2) RETURNING features_hash",
                        campaign);
        corrupt_one_row(url, "a rolled-back prediction's row",
                        copy +
                            "replace(features_hash, '-ok-', '-x-') || '-stray', predicted_ctr, "
                            "predicted_roas, confidence FROM predictions WHERE id = (" +
                            ok + " LIMIT 1 OFFSET 3) RETURNING features_hash",
                        campaign);
      });
  expect_red_on(r, "lost", 1);
  expect_red_on(r, "duplicated", 1);
  expect_red_on(r, "unexpected", 1);
  expect_red_on(r, "partial_writes", 1);
}

// ---------------------------------------------------------------------------------------------
// 2. The render-job queue: SKIP LOCKED with many competing workers delivers every job once.

// The platform's claim (RenderJobStore::claim, bench/db/claim.sql), scoped to the test's
// blueprint. The test's jobs are parked at run_after = 'infinity' so that the platform's own
// video-agent, whose claim takes any due job, never competes for them; the scope on blueprint_id
// replaces its `run_after <= now()` (this queue is the test's alone), the rest is unchanged.
constexpr const char* kClaimSql =
    "UPDATE render_jobs SET status = 'running', locked_by = $1, heartbeat_at = now(), "
    "  attempts = attempts + 1, stage = NULL, stages_done = 0, updated_at = now() "
    "WHERE id = (SELECT id FROM render_jobs WHERE status = 'queued' AND blueprint_id = $2 "
    "            ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED LIMIT 1) "
    "RETURNING id, attempts";

// RenderJobStore::complete with the default RenderSpec (15 s, 1080x1920) and its 6 stages.
bool complete_job(pqxx::connection& conn, std::int64_t job, int attempt, std::int64_t blueprint,
                  const std::string& worker) {
  pqxx::work tx(conn);
  if (tx.exec_params("SELECT 1 FROM render_jobs WHERE id = $1 AND locked_by = $2 AND "
                     "status = 'running' FOR UPDATE",
                     job, worker)
          .empty()) {
    return false;
  }
  const auto video =
      tx.exec_params1(
            "INSERT INTO videos (campaign_id, blueprint_id, source, source_ref, storage_uri, "
            "duration_ms, width, height) "
            "SELECT b.campaign_id, b.id, 'render', $2::text, 'render://jobs/' || $2::text || "
            "'/attempt-' || $3::text || '.mp4', 15000, 1080, 1920 FROM blueprints b "
            "WHERE b.id = $1 "
            "ON CONFLICT (source, source_ref) DO UPDATE SET storage_uri = EXCLUDED.storage_uri "
            "RETURNING id",
            blueprint, job, attempt)[0]
          .as<std::int64_t>();
  tx.exec_params(
      "UPDATE render_jobs SET status = 'succeeded', output_video_id = $2, stage = NULL, "
      "  stages_done = 6, finished_at = now(), updated_at = now(), last_error = NULL "
      "WHERE id = $1",
      job, video);
  tx.commit();
  return true;
}

// Every claim and completion the workers saw, by job id.
class DeliveryLog {
 public:
  void claimed(std::int64_t id, const std::string& worker) {
    std::lock_guard lock(mutex_);
    claims_[id].push_back(worker);
  }
  void completed(std::int64_t id) {
    std::lock_guard lock(mutex_);
    ++completions_[id];
  }
  std::map<std::int64_t, std::vector<std::string>> claims() const {
    std::lock_guard lock(mutex_);
    return claims_;
  }
  std::map<std::int64_t, int> completions() const {
    std::lock_guard lock(mutex_);
    return completions_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::vector<std::string>> claims_;
  std::map<std::int64_t, int> completions_;
};

RunResult DatabaseStress::run_queue(std::int64_t workers, std::int64_t jobs, RunOptions options,
                                    const WrongState& wrong_state) {
  Platform& p = platform();
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(p, tag);
  const std::int64_t blueprint = insert_blueprint(campaign.id, tag);
  std::vector<std::int64_t> enqueued;
  {
    pqxx::connection conn(url());
    pqxx::work tx(conn);
    for (const auto& row :
         tx.exec_params("INSERT INTO render_jobs (blueprint_id, idempotency_key, run_after) "
                        "SELECT $1, $2 || '-job-' || g, 'infinity' FROM generate_series(1, $3) g "
                        "RETURNING id",
                        blueprint, tag, jobs)) {
      enqueued.push_back(row[0].as<std::int64_t>());
    }
    tx.commit();
  }
  ConnectionPool pool(url(), static_cast<std::size_t>(workers), 5000ms);
  DeliveryLog log;
  ServerGates gates(p);

  Plan plan{.name = "db-skip-locked-queue",
            .model = ClosedModel{.vus = workers, .iterations = jobs},
            .thresholds = {"error_rate<1%", "claim: p(95)<250ms", "complete: p(95)<250ms",
                           "claim_wait: p(95)<250ms", "jobs_lost==0", "jobs_duplicated==0",
                           "jobs_completed==" + std::to_string(jobs)},
            .metrics = {{"jobs_lost", MetricKind::kFigure},
                        {"jobs_duplicated", MetricKind::kFigure},
                        {"jobs_completed", MetricKind::kCounter},
                        {"claim_wait", MetricKind::kTrend}}};
  add_server_gates(plan);

  options.after_load = [&] {
    if (wrong_state) wrong_state({campaign.id, blueprint});
    Figure lost{"jobs_lost", 0, {}};
    Figure duplicated{"jobs_duplicated", 0, {}};
    const auto claims = log.claims();
    const auto completions = log.completions();
    std::map<std::int64_t, std::pair<std::string, int>> rows;  // id -> status, attempts
    std::map<std::int64_t, int> videos;
    {
      pqxx::connection conn(url());
      pqxx::read_transaction tx(conn);
      for (const auto& r : tx.exec_params(
               "SELECT id, status, attempts FROM render_jobs WHERE blueprint_id = $1", blueprint)) {
        rows[r[0].as<std::int64_t>()] = {r[1].as<std::string>(), r[2].as<int>()};
      }
      for (const auto& r : tx.exec_params("SELECT source_ref::bigint, count(*) FROM videos "
                                          "WHERE blueprint_id = $1 GROUP BY source_ref",
                                          blueprint)) {
        videos[r[0].as<std::int64_t>()] = r[1].as<int>();
      }
    }
    for (const std::int64_t id : enqueued) {
      const std::string job = std::to_string(id);
      const auto done = completions.find(id);
      const auto row = rows.find(id);
      if (done == completions.end() || row == rows.end() || row->second.first != "succeeded") {
        lost.value += 1;
        add_example(lost.examples,
                    "job " + job + " " + (row == rows.end() ? "missing" : row->second.first) +
                        (done == completions.end() ? ", never completed by a worker" : ""));
        continue;
      }
      const auto claimed = claims.find(id);
      const std::size_t n_claims = claimed == claims.end() ? 0 : claimed->second.size();
      if (n_claims > 1 || done->second > 1 || row->second.second > 1 || videos[id] != 1) {
        duplicated.value += 1;
        std::string by;
        if (claimed != claims.end()) {
          for (const auto& w : claimed->second) by += (by.empty() ? "" : ",") + w;
        }
        add_example(duplicated.examples, "job " + job + ": claimed " + std::to_string(n_claims) +
                                             "x (" + by + "), completed " +
                                             std::to_string(done->second) + "x, attempts " +
                                             std::to_string(row->second.second) + ", videos " +
                                             std::to_string(videos[id]));
      }
    }
    std::vector<Figure> figures{lost, duplicated};
    for (Figure& f : gates.finish()) figures.push_back(std::move(f));
    return figures;
  };

  return run(
      plan,
      [&](IterationContext& ctx) {
        const std::string worker = tag + "-w" + std::to_string(ctx.vu_id());
        PooledConnection lease = connect(ctx, pool);
        {
          pqxx::connection& conn = lease.get();
          const auto asked = ctx.clock().now();
          // Claim until a job comes back or none is queued any more: SKIP LOCKED may come back
          // empty while other workers hold the last queued rows locked in their claim.
          const std::optional<std::pair<std::int64_t, int>> job = ctx.step("claim", [&] {
            for (;;) {
              {
                pqxx::work tx(conn);
                const auto r = tx.exec_params(kClaimSql, worker, blueprint);
                tx.commit();
                if (!r.empty()) {
                  return std::optional(std::pair(r[0][0].as<std::int64_t>(), r[0][1].as<int>()));
                }
              }
              pqxx::read_transaction tx(conn);
              if (tx.exec_params1("SELECT count(*) FROM render_jobs WHERE blueprint_id = $1 AND "
                                  "status = 'queued'",
                                  blueprint)[0]
                      .as<std::int64_t>() == 0) {
                return std::optional<std::pair<std::int64_t, int>>();
              }
              ctx.count("empty_claims");
              std::this_thread::sleep_for(1ms);
            }
          });
          if (!job) return;  // the queue is empty
          log.claimed(job->first, worker);
          ctx.trend("claim_wait", ctx.clock().now() - asked);
          ctx.step("complete", [&] {
            if (!complete_job(conn, job->first, job->second, blueprint, worker)) {
              ctx.fail(ErrorClass::kAssertion,
                       "job " + std::to_string(job->first) + " was no longer " + worker + "'s");
              return;
            }
            log.completed(job->first);
            ctx.count("jobs_completed");
          });
        }
      },
      options);
}

TEST_F(DatabaseStress, SkipLockedQueueDeliversEveryJobExactlyOnce) {
  run_queue(param("workers", {8, 16, 64}, 1, 500),
            param("jobs", {400, 4000, 100'000}, 1, 10'000'000));
}

// Self-test: after the load, one completed job set back to queued (a job the queue lost) and one
// marked as claimed twice (attempts 2, as a second delivery leaves it): jobs_lost and
// jobs_duplicated must each be 1 and their thresholds FAIL.
TEST_F(DatabaseStress, SelftestRequeuedAndTwiceClaimedJobsTurnTheQueueRunRed) {
  const std::string url = this->url();
  const RunResult r =
      run_queue(4, 20, red_run_options("queue_wrong_state"), [&](const OwnRows& own) {
        const std::string jobs =
            "SELECT id FROM render_jobs WHERE blueprint_id = $1::bigint ORDER BY id";
        const std::string blueprint = std::to_string(own.blueprint);
        corrupt_one_row(
            url, "a completed job back in the queue",
            "UPDATE render_jobs SET status = 'queued', finished_at = NULL WHERE id = (" + jobs +
                " LIMIT 1) RETURNING id::text",
            blueprint);
        corrupt_one_row(url, "a job delivered twice",
                        "UPDATE render_jobs SET attempts = 2 WHERE id = (" + jobs +
                            " LIMIT 1 OFFSET 1) RETURNING id::text",
                        blueprint);
      });
  expect_red_on(r, "jobs_lost", 1);
  expect_red_on(r, "jobs_duplicated", 1);
}

// ---------------------------------------------------------------------------------------------
// 3. A pool smaller than its users: the overflow is pool_timeout, and the pool recovers.

TEST_F(DatabaseStress, PoolExhaustionTimesOutAndRecovers) {
  const auto pool_size = param("pool_size", {2, 4, 16}, 1, 1000);
  const auto vus = param("vus", {8, 16, 64}, 2, 5000);
  const auto duration = param("duration", {3s, 10s, 5min}, 1s, 24h);
  const auto hold = param("hold", {50ms, 50ms, 50ms}, 1ms, 10s);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
      param("pool_wait", {20ms, 20ms, 20ms}, 1ms, 60s));
  ConnectionPool pool(url(), static_cast<std::size_t>(pool_size), wait);
  const std::string hold_s = std::to_string(std::chrono::duration<double>(hold).count());

  const auto scenario = [&](IterationContext& ctx) {
    ctx.step("query", [&] {
      std::optional<PooledConnection> conn;
      try {
        conn.emplace(pool.acquire());
      } catch (const PoolTimeout&) {
        ctx.count("pool_timeouts");
        throw;  // counted as pool_timeout
      }
      pqxx::work tx(conn->get());
      tx.exec_params("SELECT pg_sleep($1::double precision)", hold_s);
      tx.commit();
    });
  };
  const auto pool_figures = [&] {
    const PoolStats s = pool.stats();
    return std::vector<Figure>{{"pool_open", static_cast<double>(s.open), {}},
                               {"pool_in_use", static_cast<double>(s.in_use), {}}};
  };
  const std::vector<MetricDeclaration> metrics = {{"pool_timeouts", MetricKind::kCounter},
                                                  {"pool_open", MetricKind::kFigure},
                                                  {"pool_in_use", MetricKind::kFigure}};
  const std::string at_most_size = "pool_open<=" + std::to_string(pool_size);

  // Overloaded: vus users on pool_size connections, each holding one for `hold`; whoever waits
  // longer than `wait` gets PoolTimeout. Most of the load cannot be served, some must be.
  Plan overloaded{
      .name = "db-pool-exhausted",
      .model = ClosedModel{.vus = vus, .duration = duration},
      .thresholds = {"pool_timeouts>0", "error_rate>10%", "error_rate<99%", at_most_size},
      .metrics = metrics};
  RunOptions first;
  first.label = "exhausted";
  first.after_load = pool_figures;
  const RunResult exhausted = run(overloaded, scenario, first);
  const auto timeouts_after_overload = pool.stats().timeouts;
  EXPECT_GT(timeouts_after_overload, 0u) << "the pool's own count of timeouts";

  // Recovered: the same pool, no more users than connections: no error at all, no connection
  // leaked by the timed-out borrowers (none in use after the load).
  Plan recovered{
      .name = "db-pool-recovered",
      .model = ClosedModel{.vus = pool_size, .duration = duration},
      .thresholds = {"error_rate==0", "pool_timeouts==0",
                     "query: p(95)<" +
                         std::to_string(
                             std::chrono::duration_cast<std::chrono::milliseconds>(hold).count() +
                             200) +
                         "ms",
                     at_most_size, "pool_in_use==0"},
      .metrics = metrics};
  RunOptions second;
  second.label = "recovered";
  second.after_load = pool_figures;
  run(recovered, scenario, second);
}

// ---------------------------------------------------------------------------------------------
// 4. Lock contention in a consistent order: waits, but no deadlock and no lost update.

TEST_F(DatabaseStress, LockContentionInConsistentOrderNeverDeadlocks) {
  const auto vus = param("vus", {8, 16, 64}, 1, 500);
  const auto duration = param("duration", {4s, 12s, 10min}, 1s, 24h);
  const auto rows = param("rows", {4, 4, 8}, 2, 1000);
  const auto per_txn = std::min<std::int64_t>(param("rows_per_txn", {3, 3, 3}, 1, 1000), rows);
  const auto hold = param("hold", {2ms, 2ms, 2ms}, 0ms, 10s);
  Platform& p = platform();
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(p, tag);
  std::vector<std::string> arms;
  {
    pqxx::connection conn(url());
    pqxx::work tx(conn);
    for (std::int64_t i = 0; i < rows; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "-lock-%04lld", static_cast<long long>(i));
      arms.push_back(tag + name);  // sorts as its index
      tx.exec_params("INSERT INTO sampler_arms (campaign_id, arm_id) VALUES ($1, $2)", campaign.id,
                     arms.back());
    }
    tx.commit();
  }
  ConnectionPool pool(url(), static_cast<std::size_t>(vus), 5000ms);
  const std::string hold_s = std::to_string(std::chrono::duration<double>(hold).count());
  std::atomic<std::int64_t> acknowledged{0};
  ServerGates gates(p);

  Plan plan{.name = "db-lock-contention",
            .model = ClosedModel{.vus = vus, .duration = duration},
            .thresholds = {"error_rate<1%", "transaction: p(95)<1s", "lock_wait: p(95)<500ms",
                           "lock_wait: count>=" + std::to_string(vus * per_txn), "lost_updates==0"},
            .metrics = {{"lock_wait", MetricKind::kTrend},
                        {"lost_updates", MetricKind::kFigure},
                        {"row_updates", MetricKind::kCounter}}};
  add_server_gates(plan);

  RunOptions options;
  options.after_load = [&] {
    pqxx::connection conn(url());
    pqxx::read_transaction tx(conn);
    const auto pulls = tx.exec_params1(
                             "SELECT coalesce(sum(pulls), 0)::bigint FROM sampler_arms "
                             "WHERE campaign_id = $1 AND left(arm_id, length($2)) = $2",
                             campaign.id, tag + "-lock-")[0]
                           .as<std::int64_t>();
    tx.commit();
    const std::int64_t acked = acknowledged.load();
    Figure lost{"lost_updates", static_cast<double>(std::llabs(pulls - acked)), {}};
    if (pulls != acked) {
      lost.examples.push_back("sum(pulls) " + std::to_string(pulls) + " vs " +
                              std::to_string(acked) + " acknowledged row updates");
    }
    std::vector<Figure> figures{lost};
    for (Figure& f : gates.finish()) figures.push_back(std::move(f));
    return figures;
  };

  run(
      plan,
      [&](IterationContext& ctx) {
        // per_txn distinct rows, locked in ascending order: the order every user agrees on.
        std::mt19937_64 rng(static_cast<std::uint64_t>(ctx.iteration()) * 7919u + 17u);
        std::vector<std::size_t> pick(arms.size());
        for (std::size_t i = 0; i < pick.size(); ++i) pick[i] = i;
        std::shuffle(pick.begin(), pick.end(), rng);
        pick.resize(static_cast<std::size_t>(per_txn));
        std::sort(pick.begin(), pick.end());
        PooledConnection lease = connect(ctx, pool);
        {
          db_step(ctx, "transaction", lease, [&](pqxx::connection& conn) {
            pqxx::work tx(conn);
            for (const std::size_t i : pick) {
              const auto t0 = ctx.clock().now();
              tx.exec_params(
                  "UPDATE sampler_arms SET pulls = pulls + 1, updated_at = now() "
                  "WHERE campaign_id = $1 AND arm_id = $2",
                  campaign.id, arms[i]);
              ctx.trend("lock_wait", ctx.clock().now() - t0);
            }
            if (hold.count() > 0) tx.exec_params("SELECT pg_sleep($1::double precision)", hold_s);
            tx.commit();
            acknowledged += per_txn;
            ctx.count("row_updates", per_txn);
          });
        }
      },
      options);
}

// ---------------------------------------------------------------------------------------------
// Failure: PostgreSQL stopped immediately (a crash) and restarted during committed inserts.

TEST_F(DatabaseStress, FailurePostgresStoppedAndRestartedLosesNoCommit) {
  Platform& p = platform();
  if (p.database_dir().empty()) {
    GTEST_SKIP() << "skipped: the database is external (GAUNTLET_DATABASE_URL); this test stops "
                    "and restarts it";
  }
  const auto vus = param("vus", {4, 8, 32}, 1, 500);
  const auto duration = param("duration", {8s, 15s, 5min}, 2s, 24h);
  const auto stop_after = param("stop_after", {2s, 8s, 60s}, 0s, 1h);
  const EmbeddedDatabaseFault fault(p);
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(p, tag);
  const std::string prefix = tag + "-r-";
  ConnectionPool pool(url(), static_cast<std::size_t>(vus), 5000ms);
  KeyLedger ledger;
  std::map<Service, std::uint64_t> restarts_before;
  for (const Service s : kAllServices) {
    if (p.is_managed(s)) restarts_before[s] = p.restarts(s);
  }

  // Steady-clock nanoseconds: when the stop was asked for, when pg_ctl said the server was gone
  // (a transaction begun after that can only commit on the restarted server), and the earliest
  // acknowledgement of such a transaction.
  std::atomic<std::int64_t> stop_asked{0};
  std::atomic<std::int64_t> stop_done{0};
  std::atomic<std::int64_t> first_commit_after{0};
  const auto now_ns = [] { return Steady::now().time_since_epoch().count(); };
  std::optional<double> services_recovery_s;
  std::vector<std::string> fault_errors;
  Client gateway_client;
  gateway_client.set_default_header({"Authorization", p.seed().authorization()});

  std::jthread fault_thread([&] {
    std::this_thread::sleep_for(stop_after);
    try {
      stop_asked = now_ns();
      fault.stop_immediately();
      stop_done = now_ns();
      fault.start();
    } catch (const std::exception& e) {
      fault_errors.push_back(e.what());
      return;
    }
    // The services reconnect on their own: a write through the gateway (meta-publisher stores a
    // pending ad change of the test's campaign) answers 202 again.
    const auto deadline = Steady::now() + 60s;
    while (Steady::now() < deadline) {
      const Response r = gateway_client.post_json(p.url(Service::kGateway) + "/api/v1/ad-changes",
                                                  {{"campaign_id", campaign.id},
                                                   {"change_type", "status"},
                                                   {"payload", {{"status", "paused"}}}});
      if (r.status == 202) {
        services_recovery_s =
            std::chrono::duration<double>(std::chrono::nanoseconds(now_ns() - stop_asked)).count();
        return;
      }
      std::this_thread::sleep_for(200ms);
    }
  });

  Plan plan{.name = "db-restart",
            .model = ClosedModel{.vus = vus, .duration = duration},
            // Errors are expected while the server is down; losing an acknowledged commit is not.
            .thresholds = {"error_rate<30%", "lost==0", "duplicated==0", "db_recovery_s<30",
                           "services_recovery_s<60", "service_restarts==0", "commit: p(95)<2s"},
            .metrics = {{"lost", MetricKind::kFigure},
                        {"duplicated", MetricKind::kFigure},
                        {"unexpected", MetricKind::kFigure},
                        {"db_recovery_s", MetricKind::kFigure},
                        {"services_recovery_s", MetricKind::kFigure},
                        {"service_restarts", MetricKind::kFigure},
                        {"in_doubt", MetricKind::kCounter}}};

  RunOptions options;
  options.label = "postgres_restarted";
  options.after_load = [&] {
    if (fault_thread.joinable()) fault_thread.join();
    if (!fault_errors.empty()) throw std::runtime_error(fault_errors.front());
    std::vector<std::string> found;
    {
      pqxx::connection conn(url());
      pqxx::read_transaction tx(conn);
      for (const auto& r : tx.exec_params(table_ops()[1].keys, campaign.id, prefix)) {
        found.push_back(r[0].as<std::string>());
      }
    }
    KeyFindings findings;
    const auto acked = ledger.snapshot();
    findings.compare("predictions", acked.count(0) ? acked.at(0) : std::vector<std::string>{},
                     found);
    std::vector<Figure> figures = findings.figures();
    if (const auto first = first_commit_after.load(); first != 0) {
      figures.push_back(
          {"db_recovery_s",
           std::chrono::duration<double>(std::chrono::nanoseconds(first - stop_asked)).count(),
           {}});
    }
    if (services_recovery_s) figures.push_back({"services_recovery_s", *services_recovery_s, {}});
    Figure restarts{"service_restarts", 0, {}};
    for (const auto& [s, before] : restarts_before) {
      if (const auto n = p.restarts(s) - before; n > 0) {
        restarts.value += static_cast<double>(n);
        add_example(restarts.examples, std::string(service_name(s)) + " x" + std::to_string(n));
      }
    }
    figures.push_back(restarts);
    return figures;
  };

  run(
      plan,
      [&](IterationContext& ctx) {
        const std::string key = prefix + std::to_string(ctx.iteration());
        try {
          PooledConnection lease = connect(ctx, pool);
          db_step(ctx, "commit", lease, [&](pqxx::connection& conn) {
            const std::int64_t began = now_ns();
            pqxx::work tx(conn);
            // The embedded cluster runs with synchronous_commit off (PlatformOptions::
            // fast_database): a crash then loses the last acknowledged commits by design, which
            // this test saw (10 of ~17,700 at smoke). The durability asked of PostgreSQL here is
            // a durable commit's: this transaction waits for its WAL flush.
            tx.exec("SET LOCAL synchronous_commit = on");
            tx.exec_params(table_ops()[1].insert, campaign.id, key);
            try {
              tx.commit();
            } catch (const pqxx::in_doubt_error&) {
              ctx.count("in_doubt");  // may or may not have committed: not acknowledged
              throw;
            }
            const std::int64_t acked_at = now_ns();
            ledger.append(0, key);
            const std::int64_t down = stop_done.load();
            if (down != 0 && began > down) {
              std::int64_t expected = 0;
              first_commit_after.compare_exchange_strong(expected, acked_at);
            }
          });
        } catch (...) {
          // While the server is down every attempt fails at once: back off a little.
          std::this_thread::sleep_for(50ms);
          throw;
        }
      },
      options);
}

}  // namespace
}  // namespace gauntlet

// bench_db: the platform's database hot paths driven the way its services drive them, for
// scripts/bench-db to put beside pgbench running the same statements (bench/db/*.sql).
//
//   bench_db --url URL --workload claim|insert [--clients C] [--duration 10s]
//            [--statements prepared|params] [--pool per-transaction|per-client]
//            [--campaigns N] [--videos N]
//
// C client threads share a gauntlet::ConnectionPool of C connections. Like a service handler,
// each transaction acquires a connection, runs in a pqxx::work and gives the connection back
// (--pool per-client: each thread keeps one connection for the run instead).
// Statements are prepared per connection (--statements prepared, the default, as pgbench
// -M prepared) or sent with exec_params as the mocks do today (--statements params: parse and
// plan every time, as pgbench -M extended). Workloads (see bench/db/claim.sql, insert.sql):
//   claim   video-agent's RenderJobStore::claim() then ::complete(): two transactions per job.
//   insert  ml-service's prediction INSERT ... RETURNING, one transaction per prediction.
// Prints one JSON line: transactions, tps, latency p50/p99/max in microseconds (one
// transaction = one run of the pgbench script), errors, and for claim the claims that found
// the queue empty (then the seeded queue was too short for the run).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <latch>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gauntlet/metrics/histogram.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace {

using Steady = std::chrono::steady_clock;

// The statements, copied from the services (shapes unchanged); see bench/db/*.sql.
constexpr const char* kClaim =
    "UPDATE render_jobs SET status = 'running', locked_by = $1, heartbeat_at = now(), "
    "  attempts = attempts + 1, stage = NULL, stages_done = 0, updated_at = now() "
    "WHERE id = (SELECT id FROM render_jobs WHERE status = 'queued' AND run_after <= now() "
    "            ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED LIMIT 1) "
    "RETURNING id, blueprint_id, attempts, max_attempts, spec::text";
constexpr const char* kCompleteLock =
    "SELECT 1 FROM render_jobs WHERE id = $1 AND locked_by = $2 AND status = 'running' "
    "FOR UPDATE";
constexpr const char* kCompleteVideo =
    "INSERT INTO videos (campaign_id, blueprint_id, source, source_ref, storage_uri, "
    "duration_ms, width, height) "
    "SELECT b.campaign_id, b.id, 'render', $2::text, 'render://jobs/' || $2::text || "
    "'/attempt-' || $3::text || '.mp4', "
    "  $4, $5, $6 FROM blueprints b WHERE b.id = $1 "
    "ON CONFLICT (source, source_ref) DO UPDATE SET storage_uri = EXCLUDED.storage_uri "
    "RETURNING id";
constexpr const char* kCompleteDone =
    "UPDATE render_jobs SET status = 'succeeded', output_video_id = $2, stage = NULL, "
    "  stages_done = $3, finished_at = now(), updated_at = now(), last_error = NULL WHERE id = "
    "$1";
constexpr const char* kInsertPrediction =
    "INSERT INTO predictions (campaign_id, video_id, model_version, features_hash, "
    "  predicted_ctr, predicted_roas, confidence) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "RETURNING id, created_at";

// The seeded jobs carry the default RenderSpec; render_stages().size() is 6.
constexpr int kDurationMs = 15'000;
constexpr int kWidth = 1080;
constexpr int kHeight = 1920;
constexpr int kStages = 6;
constexpr const char* kModelVersion = "ctr-logit-v1";
constexpr const char* kFeaturesHash =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

struct Options {
  std::string url;
  std::string workload;
  int clients = 1;
  std::chrono::milliseconds duration{10'000};
  bool prepared = true;
  bool pool_per_transaction = true;
  std::int64_t campaigns = 100;
  std::int64_t videos = 1000;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr
      << "bench_db: " << message
      << "\nusage: bench_db --url URL --workload claim|insert [--clients C] "
         "[--duration 10s] [--statements prepared|params] [--pool per-transaction|per-client] "
         "[--campaigns N] [--videos N]\n";
  std::exit(2);
}

// "10", "10s", "500ms", "2m".
std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    usage_error("--duration must be a number with an optional unit ms, s or m, got \"" + text +
                "\"");
  }
  const std::string unit = text.substr(used);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else {
    usage_error("--duration unit must be ms, s or m, got \"" + text + "\"");
  }
  if (ms < 1) usage_error("--duration must be positive, got \"" + text + "\"");
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::int64_t parse_positive(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= 1) return v;
  } catch (const std::exception&) {
  }
  usage_error(flag + " must be a positive integer, got \"" + text + "\"");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") usage_error("help");
    if (i + 1 >= argc) usage_error(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--url") {
      o.url = value;
    } else if (flag == "--workload") {
      o.workload = value;
    } else if (flag == "--clients" || flag == "-c") {
      o.clients = static_cast<int>(std::min<std::int64_t>(parse_positive(flag, value), 1000));
    } else if (flag == "--duration" || flag == "-d") {
      o.duration = parse_duration(value);
    } else if (flag == "--statements") {
      if (value != "prepared" && value != "params")
        usage_error("--statements must be prepared or params, got \"" + value + "\"");
      o.prepared = value == "prepared";
    } else if (flag == "--pool") {
      if (value != "per-transaction" && value != "per-client")
        usage_error("--pool must be per-transaction or per-client, got \"" + value + "\"");
      o.pool_per_transaction = value == "per-transaction";
    } else if (flag == "--campaigns") {
      o.campaigns = parse_positive(flag, value);
    } else if (flag == "--videos") {
      o.videos = parse_positive(flag, value);
    } else {
      usage_error("unknown flag \"" + flag + "\"");
    }
  }
  if (o.url.empty()) usage_error("--url is required");
  if (o.workload != "claim" && o.workload != "insert")
    usage_error("--workload must be claim or insert, got \"" + o.workload + "\"");
  return o;
}

// Runs one statement either as a prepared statement (named after its text's slot) or with
// exec_params, so that both paths send exactly the same SQL.
class Statements {
 public:
  explicit Statements(bool prepared) : prepared_(prepared) {}

  // Prepares every statement on a new connection (libpqxx 6 prepares it on the server at its
  // first use, as pgbench -M prepared does).
  void prepare(pqxx::connection& conn) const {
    if (!prepared_) return;
    for (const auto& [name, sql] : kAll) conn.prepare(name, sql);
  }

  template <class... Args>
  pqxx::result exec(pqxx::work& tx, int which, Args&&... args) const {
    const auto& [name, sql] = kAll[static_cast<std::size_t>(which)];
    return prepared_ ? tx.exec_prepared(name, std::forward<Args>(args)...)
                     : tx.exec_params(sql, std::forward<Args>(args)...);
  }

  enum : int { kClaimStmt, kLockStmt, kVideoStmt, kDoneStmt, kInsertStmt };

 private:
  static constexpr std::pair<const char*, const char*> kAll[] = {
      {"claim", kClaim},
      {"complete_lock", kCompleteLock},
      {"complete_video", kCompleteVideo},
      {"complete_done", kCompleteDone},
      {"insert_prediction", kInsertPrediction},
  };
  bool prepared_;
};

// Where a client's transactions get their connection: like a service handler, a lease from
// the shared pool per transaction (--pool per-transaction, the default), or one lease held for
// the whole run (--pool per-client, as each pgbench client owns its connection).
struct Client {
  gauntlet::ConnectionPool& pool;
  std::optional<gauntlet::PooledConnection> held;
};

// One service-style unit of work: a connection, one transaction, committed.
template <class Fn>
auto transact(gauntlet::PooledConnection& lease, Fn&& fn) {
  try {
    pqxx::work tx(*lease);
    auto result = fn(tx);
    tx.commit();
    return result;
  } catch (const pqxx::broken_connection&) {
    lease.mark_broken();
    throw;
  }
}

template <class Fn>
auto in_transaction(Client& client, Fn&& fn) {
  if (client.held) return transact(*client.held, std::forward<Fn>(fn));
  gauntlet::PooledConnection lease = client.pool.acquire();
  return transact(lease, std::forward<Fn>(fn));
}

struct ClientResult {
  gauntlet::Histogram latency;
  std::int64_t transactions = 0;
  std::int64_t errors = 0;
  std::int64_t empty_claims = 0;
  std::string first_error;
  Steady::time_point finished;
};

struct ClaimedJob {
  std::int64_t id = 0;
  std::int64_t blueprint_id = 0;
  int attempts = 0;
};

// claim: returns false when the queue was empty.
bool run_claim(Client& client, const Statements& st, const std::string& worker) {
  const std::optional<ClaimedJob> job =
      in_transaction(client, [&](pqxx::work& tx) -> std::optional<ClaimedJob> {
        const pqxx::result r = st.exec(tx, Statements::kClaimStmt, worker);
        if (r.empty()) return std::nullopt;
        return ClaimedJob{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(),
                          r[0][2].as<int>()};
      });
  if (!job) return false;
  in_transaction(client, [&](pqxx::work& tx) {
    if (st.exec(tx, Statements::kLockStmt, job->id, worker).empty())
      throw std::runtime_error("job " + std::to_string(job->id) + " was not ours to complete");
    const std::int64_t video = st.exec(tx, Statements::kVideoStmt, job->blueprint_id, job->id,
                                       job->attempts, kDurationMs, kWidth, kHeight)[0][0]
                                   .as<std::int64_t>();
    st.exec(tx, Statements::kDoneStmt, job->id, video, kStages);
    return 0;
  });
  return true;
}

struct InsertParams {
  std::mt19937_64 rng;
  std::uniform_int_distribution<std::int64_t> campaign;
  std::uniform_int_distribution<std::int64_t> video;
  std::uniform_int_distribution<int> ctr{1, 999};
  std::uniform_int_distribution<int> roas{0, 5000};
};

void run_insert(Client& client, const Statements& st, InsertParams& p) {
  const std::int64_t campaign = p.campaign(p.rng);
  const std::int64_t video = p.video(p.rng);
  const double ctr = p.ctr(p.rng) / 1000.0;
  const double roas = p.roas(p.rng) / 1000.0;
  const double confidence = p.ctr(p.rng) / 1000.0;
  in_transaction(client, [&](pqxx::work& tx) {
    const pqxx::result r = st.exec(tx, Statements::kInsertStmt, campaign, video, kModelVersion,
                                   kFeaturesHash, ctr, roas, confidence);
    return r[0][0].as<std::int64_t>();
  });
}

int run(const Options& o) {
  const Statements statements(o.prepared);
  gauntlet::ConnectionPool pool(o.url, static_cast<std::size_t>(o.clients),
                                std::chrono::seconds(30));

  // Open and prepare every connection before the clock starts (pgbench excludes its connection
  // time too): all C are lent at once, then returned.
  {
    std::vector<gauntlet::PooledConnection> warm;
    for (int i = 0; i < o.clients; ++i) {
      warm.push_back(pool.acquire());
      statements.prepare(*warm.back());
    }
  }

  std::vector<ClientResult> results(static_cast<std::size_t>(o.clients));
  std::latch ready(o.clients + 1);
  std::atomic<bool> go{false};
  Steady::time_point start;
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      ClientResult& res = results[static_cast<std::size_t>(c)];
      Client client{pool, std::nullopt};
      if (!o.pool_per_transaction) client.held.emplace(pool.acquire());
      const std::string worker = std::to_string(c);
      InsertParams params{std::mt19937_64(0x5eed + static_cast<std::uint64_t>(c)),
                          std::uniform_int_distribution<std::int64_t>(1, o.campaigns),
                          std::uniform_int_distribution<std::int64_t>(1, o.videos)};
      ready.count_down();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const Steady::time_point deadline = start + o.duration;
      for (Steady::time_point t0 = Steady::now(); t0 < deadline;) {
        try {
          bool done = true;
          if (o.workload == "claim") {
            done = run_claim(client, statements, worker);
          } else {
            run_insert(client, statements, params);
          }
          const Steady::time_point t1 = Steady::now();
          if (done) {
            res.latency.record(
                std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
            ++res.transactions;
          } else {
            ++res.empty_claims;
          }
          t0 = t1;
        } catch (const std::exception& e) {
          if (res.errors++ == 0) res.first_error = e.what();
          t0 = Steady::now();
        }
      }
      res.finished = Steady::now();
    });
  }
  ready.arrive_and_wait();
  start = Steady::now();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();

  gauntlet::Histogram all;
  std::int64_t transactions = 0, errors = 0, empty = 0;
  Steady::time_point finished = start;
  std::string first_error;
  for (const auto& r : results) {
    all.merge(r.latency);
    transactions += r.transactions;
    errors += r.errors;
    empty += r.empty_claims;
    finished = std::max(finished, r.finished);
    if (first_error.empty()) first_error = r.first_error;
  }
  const double seconds = std::chrono::duration<double>(finished - start).count();
  nlohmann::json line = {{"tool", "bench_db"},
                         {"workload", o.workload},
                         {"clients", o.clients},
                         {"statements", o.prepared ? "prepared" : "params"},
                         {"pool", o.pool_per_transaction ? "per-transaction" : "per-client"},
                         {"seconds", seconds},
                         {"transactions", transactions},
                         {"tps", seconds > 0 ? static_cast<double>(transactions) / seconds : 0.0},
                         {"p50_us", all.value_at_percentile(50)},
                         {"p99_us", all.value_at_percentile(99)},
                         {"max_us", all.max()},
                         {"errors", errors},
                         {"empty_claims", empty}};
  if (!first_error.empty()) line["first_error"] = first_error;
  std::cout << line.dump() << std::endl;
  return errors > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {  // e.g. the server is not reachable
    std::cerr << "bench_db: " << e.what() << "\n";
    return 1;
  }
}

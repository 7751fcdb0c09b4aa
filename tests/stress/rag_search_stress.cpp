// RAG search and indexing under load, straight at titan-core: virtual users search a corpus the
// test indexed before the load while others index fresh documents into it. Every answer is
// scored after the load against a brute-force oracle the test computes from the embeddings it
// reads back from the database (RecallOracle): recall@10 must stay >= 0.95 under load. A fresh
// document must be searchable as soon as its indexing is acknowledged (the wait is a trend), and
// every acknowledged document must be in the table once. Labels: feature, rag.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/integrity_check.hpp"
#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/recall_oracle.hpp"
#include "fixtures/checkers/wrong_state.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/flow_run.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/run_tag.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

constexpr std::string_view kRagDocument = "rag_document";
constexpr std::size_t kK = 10;

struct RagSize {
  std::int64_t vus = 1;
  std::chrono::nanoseconds duration{};
  std::int64_t corpus = 1;       // documents indexed before the load
  std::int64_t queries = 1;      // distinct queries, each a document of its own
  std::int64_t index_every = 1;  // every n-th iteration indexes instead of searching
};

// "w17 w3 w402 ...": 8..20 words of a 400-word vocabulary, the same for the same seed.
std::string words(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> count(8, 20);
  std::uniform_int_distribution<int> word(0, 399);
  std::string out;
  for (int n = count(rng); n > 0; --n) out += "w" + std::to_string(word(rng)) + " ";
  return out;
}

// One search as sent: which query, what the searcher had seen acknowledged, what came back.
struct SearchRecord {
  std::size_t query = 0;
  std::int64_t seen = 0;
  std::vector<std::int64_t> ids;
};

// What the virtual users share: the fresh documents acknowledged so far (an ordinal each), the
// searches to score, the ledger (the FlowRun's).
class RagRun {
 public:
  explicit RagRun(Ledger& run_ledger) : tag(run_ledger.tag()), ledger(run_ledger) {}

  std::int64_t acknowledge(std::int64_t id, const std::string& ref) {
    std::lock_guard lock(mutex_);
    const std::int64_t ordinal = ++acknowledged_;
    visible_from_[id] = ordinal;
    ledger.append(kRagDocument, ref, std::to_string(id));
    return ordinal;
  }
  std::int64_t seen() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  void record(SearchRecord r) {
    std::lock_guard lock(mutex_);
    searches_.push_back(std::move(r));
  }
  std::vector<SearchRecord> searches() const {
    std::lock_guard lock(mutex_);
    return searches_;
  }
  // When a search must find `id`: from the start for a document that was there before the
  // load (id <= baseline_max_id), from its acknowledgement for a fresh one, and never for one
  // written during the load but not acknowledged (the largest ordinal there is).
  std::int64_t visible_from(std::int64_t id, std::int64_t baseline_max_id) const {
    if (id <= baseline_max_id) return 0;
    std::lock_guard lock(mutex_);
    const auto it = visible_from_.find(id);
    return it == visible_from_.end() ? std::numeric_limits<std::int64_t>::max() : it->second;
  }

  const std::string tag;
  Ledger& ledger;

 private:
  mutable std::mutex mutex_;
  std::int64_t acknowledged_ = 0;
  std::map<std::int64_t, std::int64_t> visible_from_;
  std::vector<SearchRecord> searches_;
};

class RagSearchStress : public StressFixture {
 protected:
  RagSize size() {
    return {param("vus", {4, 6, 24}, 1, 200), param("duration", {4s, 12s, 5min}, 1s, 1h),
            param("corpus", {300, 2000, 20'000}, kK, 1'000'000),
            param("queries", {20, 50, 200}, 1, 10'000), param("index_every", {4, 4, 4}, 2, 1000)};
  }

  Plan plan(const std::string& name, const RagSize& s, std::vector<std::string> thresholds) const {
    Plan p{.name = name,
           .model = ClosedModel{.vus = s.vus, .duration = s.duration},
           .thresholds = std::move(thresholds)};
    // Only documents here: no ad change to audit.
    static constexpr std::array<std::string_view, 4> kZero = {"lost", "duplicated", "unexpected",
                                                              "stuck"};
    add_platform_checks(p, PlatformEnvironment::platform(), kZero);
    for (const char* figure :
         {"recall_at_10", "recall_at_10_missed", "recall_at_10_min", "searches_scored"}) {
      p.metrics.push_back({figure, MetricKind::kFigure});
    }
    p.metrics.push_back({"searchable_after", MetricKind::kTrend});
    return p;
  }

  // Indexes `n` documents of `source` in batches, contents words(seed_base + i); returns the ids.
  static std::vector<std::int64_t> index_batch(Client& client, const std::string& titan,
                                               const std::string& source, std::int64_t n,
                                               std::uint64_t seed_base) {
    std::vector<std::int64_t> ids;
    for (std::int64_t first = 0; first < n; first += 500) {
      json documents = json::array();
      for (std::int64_t i = first; i < std::min(n, first + 500); ++i) {
        documents.push_back({{"source", source},
                             {"source_ref", "d-" + std::to_string(i)},
                             {"content", words(seed_base + static_cast<std::uint64_t>(i))}});
      }
      const json answer =
          expect_json(client.post_json(titan + "/v1/rag/documents", {{"documents", documents}}),
                      201, "POST /v1/rag/documents (corpus)");
      for (const json& d : answer.at("documents")) ids.push_back(d.at("id").get<std::int64_t>());
    }
    return ids;
  }

  static std::int64_t max_document_id(const std::string& database_url) {
    pqxx::connection conn(database_url);
    pqxx::read_transaction tx(conn);
    return tx.exec1("SELECT coalesce(max(id), 0) FROM rag_documents")[0].as<std::int64_t>();
  }

  // Every document of the table (the search sees them all, not only the test's) with the ordinal
  // from which a search must find it; `queries` receives the embeddings of the test's query
  // documents in order.
  static std::vector<CorpusDocument> read_corpus(const std::string& database_url,
                                                 const std::vector<std::int64_t>& query_ids,
                                                 std::vector<Embedding>& queries,
                                                 std::int64_t baseline_max_id, const RagRun& rag) {
    pqxx::connection conn(database_url);
    pqxx::read_transaction tx(conn);
    std::vector<CorpusDocument> corpus;
    std::map<std::int64_t, std::size_t> at;
    for (const auto& row : tx.exec("SELECT id, embedding::text FROM rag_documents ORDER BY id")) {
      const auto id = row[0].as<std::int64_t>();
      auto embedding = parse_cube_text(row[1].as<std::string>());
      if (!embedding)
        throw std::runtime_error("rag_documents " + std::to_string(id) + ": bad cube");
      at[id] = corpus.size();
      corpus.push_back({id, std::move(*embedding), rag.visible_from(id, baseline_max_id)});
    }
    queries.clear();
    for (const std::int64_t id : query_ids) queries.push_back(corpus.at(at.at(id)).embedding);
    return corpus;
  }

  // The test's fresh documents as the checkers see them: one row per stored document.
  static ObservedState read_fresh(const std::string& database_url, const std::string& source) {
    pqxx::connection conn(database_url);
    pqxx::read_transaction tx(conn);
    ObservedState observed;
    for (const auto& row : tx.exec_params(
             "SELECT source_ref, id FROM rag_documents WHERE source = $1 ORDER BY id", source)) {
      ObservedRow r;
      r.kind = std::string(kRagDocument);
      r.id = row[0].as<std::string>();
      r.key = row[1].as<std::string>();
      r.state = "indexed";
      observed.rows.push_back(std::move(r));
    }
    return observed;
  }

  // The run has no campaign: its documents are named by its tag (the corpus's source).
  static FlowRunOptions flow_options(const RagSize& s) {
    return {.vus = s.vus, .client = {.timeout = 10s}, .own_campaign = false};
  }

  // Indexes the corpus, runs the flow and scores it: recall against the oracle, then the fresh
  // documents against the ledger (the integrity check).
  RunResult run_flow(FlowRun& flow, const Plan& p, const RagSize& s, RunOptions options = {}) {
    Platform& platform = flow.platform();
    const std::string titan = platform.url(Service::kTitanCore);
    RagRun rag(flow.ledger());
    const std::string fresh_source = rag.tag + "-fresh";
    Client setup;
    index_batch(setup, titan, rag.tag, s.corpus, 0);
    const std::vector<std::int64_t> query_ids =
        index_batch(setup, titan, rag.tag + "-q", s.queries, 1'000'000);
    std::vector<std::string> query_texts;
    for (std::int64_t i = 0; i < s.queries; ++i) {
      query_texts.push_back(words(1'000'000 + static_cast<std::uint64_t>(i)));
    }
    const std::int64_t baseline_max_id = max_document_id(platform.database_url());
    flow.check_first([&] {
      std::vector<Embedding> queries;
      const RecallOracle oracle(
          read_corpus(platform.database_url(), query_ids, queries, baseline_max_id, rag));
      return score(oracle, queries, rag.searches());
    });
    flow.set_integrity([&] {
      return integrity_figures(
          check_integrity(rag.ledger.entries(), read_fresh(platform.database_url(), fresh_source)));
    });
    return run(
        p,
        [&](IterationContext& ctx) {
          Client& client = flow.client(ctx);
          if (ctx.iteration() % s.index_every == 0) {
            index_fresh(ctx, client, titan, fresh_source, rag);
          } else {
            search(ctx, client, titan, query_texts, rag);
          }
        },
        flow.arm(std::move(options)));
  }

  static void search(IterationContext& ctx, Client& client, const std::string& titan,
                     const std::vector<std::string>& query_texts, RagRun& rag) {
    const std::size_t q = static_cast<std::size_t>(ctx.iteration()) % query_texts.size();
    const std::int64_t seen = rag.seen();  // before the request: all of these must be found
    const json answer = ctx.step("search", [&] {
      return expect_json(
          client.post_json(titan + "/v1/rag/search", {{"query", query_texts[q]}, {"k", kK}}), 200,
          "POST /v1/rag/search");
    });
    SearchRecord r{q, seen, {}};
    for (const json& hit : answer.at("results")) r.ids.push_back(hit.at("id").get<std::int64_t>());
    rag.record(std::move(r));
  }

  // Indexes one fresh document (retrying the same source_ref: indexing is an upsert) until it
  // is acknowledged, then searches for it until it is found: the wait is `searchable_after`.
  static void index_fresh(IterationContext& ctx, Client& client, const std::string& titan,
                          const std::string& source, RagRun& rag) {
    const std::string ref = "f-" + std::to_string(ctx.iteration());
    const std::string content =
        words(2'000'000 + static_cast<std::uint64_t>(ctx.iteration())) + " " + source + " " + ref;
    const json doc = {{"source", source}, {"source_ref", ref}, {"content", content}};
    const std::int64_t id = ctx.step("index", [&] {
      const json answer =
          expect_json(until_answered(
                          ctx, [&] { return client.post_json(titan + "/v1/rag/documents", doc); },
                          {201}, 30s, "index_retries"),
                      201, "POST /v1/rag/documents");
      return answer.at("documents").at(0).at("id").get<std::int64_t>();
    });
    const auto acknowledged = ctx.clock().now();
    rag.acknowledge(id, ref);
    ctx.step("find_fresh", [&] {
      for (;;) {
        const json answer =
            expect_json(client.post_json(titan + "/v1/rag/search", {{"query", content}, {"k", 1}}),
                        200, "POST /v1/rag/search (fresh)");
        const json& results = answer.at("results");
        if (!results.empty() && results.at(0).at("id").get<std::int64_t>() == id) break;
        if (ctx.clock().now() - acknowledged > 10s || ctx.stop_requested()) {
          throw StepFailure(ErrorClass::kBodyMismatch,
                            "document " + std::to_string(id) + " not found 10 s after indexing");
        }
        ctx.clock().sleep_until(ctx.clock().now() + 20ms);
      }
    });
    ctx.trend("searchable_after", ctx.clock().now() - acknowledged);
  }

  // recall_at_10 (the mean over every search), recall_at_10_missed (1 - recall_at_10: the share of
  // true neighbours the answers missed, which the threshold names, so that a perfect recall
  // passes instead of sitting in the 10% warning band above a ">= 0.95"), the minimum (with the
  // worst searches as examples) and how many were scored.
  static std::vector<Figure> score(const RecallOracle& oracle,
                                   const std::vector<Embedding>& queries,
                                   const std::vector<SearchRecord>& searches) {
    double sum = 0;
    double worst = 1;
    std::vector<std::string> examples;
    for (const SearchRecord& s : searches) {
      const double r = oracle.recall(queries.at(s.query), s.ids, kK, s.seen);
      sum += r;
      worst = std::min(worst, r);
      if (r < 1 && examples.size() < 5) {
        examples.push_back("query " + std::to_string(s.query) + ": " + std::to_string(r));
      }
    }
    const double n = static_cast<double>(searches.size());
    std::vector<Figure> out;
    if (!searches.empty()) {
      out.push_back({"recall_at_10", sum / n, {}});
      out.push_back({"recall_at_10_missed", 1 - sum / n, {}});
    }
    out.push_back({"recall_at_10_min", worst, examples});
    out.push_back({"searches_scored", n, {}});
    return out;
  }
};

TEST_F(RagSearchStress, HoldsRecallAt10WhileIndexing) {
  const RagSize s = size();
  FlowRun flow(PlatformEnvironment::platform(), flow_options(s));
  run_flow(flow,
           plan("rag", s,
                {"error_rate<1%", "search: p(95)<500ms", "index: p(95)<1s",
                 "recall_at_10_missed<=0.05", "searches_scored>=10", "searchable_after: p(99)<1s"}),
           s);
}

// titan-core restarted (SIGTERM, start, healthy) while documents are being indexed: indexing
// retries the same source_ref until acknowledged, nothing acknowledged may be lost or stored
// twice, recall holds, and the time from the restart to the first acknowledged write after it
// is the figure titan_core_recovery_s.
TEST_F(RagSearchStress, FailureTitanCoreRestartedWhileIndexingLosesNothing) {
  GAUNTLET_REQUIRE_MANAGED(Service::kTitanCore);
  const RagSize s = size();
  Platform& platform = PlatformEnvironment::platform();
  std::optional<double> recovery_s;
  const auto restart = [&] {
    std::this_thread::sleep_for(1s);  // indexing and searching are under way
    const auto began = std::chrono::steady_clock::now();
    platform.restart(Service::kTitanCore);
    Client probe({.timeout = 5s});
    const json doc = {{"source", make_run_tag() + "-probe"},
                      {"source_ref", "probe"},
                      {"content", "probe after the restart"}};
    while (std::chrono::steady_clock::now() - began < 30s) {
      if (probe.post_json(platform.url(Service::kTitanCore) + "/v1/rag/documents", doc).status ==
          201) {
        recovery_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
  };
  Plan p = plan("rag-titan-core-restarted", s,
                {"error_rate<50%", "recall_at_10_missed<=0.05", "titan_core_recovery_s<30"});
  p.metrics.push_back({"titan_core_recovery_s", MetricKind::kFigure});
  RunOptions options;
  options.label = "titan_core_restarted";
  FlowRun flow(platform, flow_options(s));
  flow.during(restart);
  flow.check([&] {
    std::vector<Figure> out;
    if (recovery_s) out.push_back({"titan_core_recovery_s", *recovery_s, {}});
    return out;
  });
  run_flow(flow, p, s, options);
}

// Self-test: one of the run's acknowledged fresh documents deleted after the load must turn the
// run red on lost == 1.
TEST_F(RagSearchStress, SelftestLostDocumentTurnsTheRunRed) {
  const RagSize s{.vus = 2, .duration = 2s, .corpus = 40, .queries = 5, .index_every = 2};
  Platform& platform = PlatformEnvironment::platform();
  FlowRun flow(platform, flow_options(s));
  flow.inject([&] {
    corrupt_one_row(platform.database_url(), "an acknowledged document deleted",
                    "DELETE FROM rag_documents WHERE id = (SELECT id FROM rag_documents WHERE "
                    "source = $1 || '-fresh' ORDER BY id LIMIT 1) RETURNING id::text",
                    flow.tag());
  });
  const RunResult r =
      run_flow(flow, plan("rag-selftest-lost", s, {}), s, red_run_options("lost_document"));
  expect_red_on(r, "lost", 1);
}

}  // namespace
}  // namespace gauntlet

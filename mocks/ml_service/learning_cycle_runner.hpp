#pragma once
// The self-learning cycle, recorded in learning_cycles and learning_cycle_steps. Seven steps run
// in order, each a timed stage with its own transactions (marked running, then its work and its
// result committed together, so a reader sees progress and a failed step rolls back alone):
//   actuals_fetcher    what Meta reported (performance_metrics): rows, campaigns, actual CTR
//   accuracy_tracker   predictions joined with actuals: pairs and mean absolute CTR error
//   auto_retrain       a candidate model fitted on pairs + feedback events (simulated compute)
//   compound_learning  arms whose posterior mean beats their account's baseline -> winning_patterns
//   auto_promote       promotes the candidate when it had enough training rows, else skipped
//   cross_learning     patterns winning in >= 2 accounts -> cross_account_patterns
//   rag_indexing       winning patterns as rag_documents (embedded) for titan-core's RAG
// A failed step fails the cycle (error recorded) and the later steps are marked skipped.
// At most one cycle runs at a time (the schema's unique index): a second start gets 409. A cycle
// key makes a start idempotent: the same key returns the existing cycle and runs nothing.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/stand_in_compute.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

struct CycleStart {
  std::string trigger = "manual";  // schedule | manual | feedback_threshold
  std::optional<std::string> cycle_key;
};

class LearningCycleRunner {
 public:
  static constexpr std::int64_t kMinTrainingRowsToPromote = 10;

  // The step names, in the order they run.
  static const std::vector<std::string>& step_names();

  // A cycle left 'running' longer than `stale_after` (its runner died) is marked failed when the
  // next one starts. `pool`, `metrics` and `compute` must outlive the runner.
  LearningCycleRunner(ConnectionPool& pool, MetricsRegistry& metrics, const StandInCompute& compute,
                      std::chrono::seconds stale_after);

  // Runs a whole cycle and returns {"created":bool,"cycle":get(id)}. Throws HttpError(409) when
  // another cycle is running, 503 on database trouble.
  nlohmann::json run(const CycleStart& start);
  // The cycle with its steps; HttpError(404) when there is none.
  nlohmann::json get(std::int64_t cycle_id);

  struct Context;  // what one step hands to the next

 private:
  std::optional<std::int64_t> find_by_key(const std::string& key);
  // The new cycle's id and true, or (a concurrent start won the same key) its id and false.
  std::pair<std::int64_t, bool> create(const CycleStart& start);
  bool run_step(std::size_t index, Context& ctx);
  void finish(std::int64_t cycle_id, const std::optional<std::string>& error);
  void record_finish(std::int64_t cycle_id, const std::optional<std::string>& error);

  ConnectionPool& pool_;
  MetricsRegistry& metrics_;
  const StandInCompute& compute_;
  std::chrono::seconds stale_after_;
};

}  // namespace gauntlet::mocks

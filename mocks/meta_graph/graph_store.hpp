#pragma once
// meta-graph's in-memory state: campaigns, ad sets and ads per ad account, and async insights
// report runs. Every method is thread-safe (one mutex); validation failures throw GraphError.
// Budgets are integers in minor currency units (cents), rendered as strings like the Graph API.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gauntlet::mocks {

enum class ObjectKind { kCampaign, kAdSet, kAd };

struct GraphPage {
  std::vector<nlohmann::json> data;
  std::string before;         // cursor of the first item ("" when empty)
  std::string after;          // cursor of the last item ("" when empty)
  bool has_more = false;      // another page follows `after`
  bool has_previous = false;  // another page precedes `before`
};

class GraphStore {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using SteadyTime = std::chrono::steady_clock::time_point;

  // Creates an object in ad account `account` (digits, without "act_") from request params.
  // Returns the stored object. Throws GraphError (#100) naming the bad or missing parameter.
  nlohmann::json create(ObjectKind kind, const std::string& account, const nlohmann::json& params,
                        WallTime now);
  // Applies name/status/budget/... changes. Throws GraphError for an unknown id or bad value.
  void update(const std::string& id, const nlohmann::json& params, WallTime now);
  // Marks the object DELETED (it then drops out of lists, like the real API).
  void remove(const std::string& id, WallTime now);
  // The object, or throws GraphError::unknown_object.
  nlohmann::json get(const std::string& id) const;
  bool is_report_run(const std::string& id) const;
  // The kind of object `id`, or throws GraphError::unknown_object.
  ObjectKind kind_of(const std::string& id) const;

  // Objects of `kind` in creation order, DELETED ones left out, optionally only the children of
  // `parent_id` (a campaign's ad sets, an ad set's ads), `limit` at most: the first ones after
  // cursor `after`, or (when `before` is given) the last ones before cursor `before`.
  // Throws GraphError for a malformed cursor or an unknown parent.
  GraphPage list(ObjectKind kind, const std::string& account, const std::string& parent_id,
                 std::size_t limit, const std::string& after, const std::string& before = "") const;
  // The objects of `kind` at or under `ancestor_id` (the object itself when it is of `kind`; ""
  // for the whole ad account), DELETED ones left out, in creation order: what insights `level=`
  // breaks a report into. Throws GraphError (#100) when `kind` is above the ancestor's own kind.
  std::vector<nlohmann::json> descendants(const std::string& account,
                                          const std::string& ancestor_id, ObjectKind kind) const;
  // The ad account that `id` belongs to; throws GraphError::unknown_object.
  std::string account_of(const std::string& id) const;

  // Async insights: a run that completes `duration` after `now` (or fails then).
  std::string create_report_run(const std::string& account, const std::string& object_id,
                                const nlohmann::json& params, SteadyTime now,
                                std::chrono::milliseconds duration, bool fails);
  // {"id","account_id","async_status","async_percent_completion", ...}
  nlohmann::json report_run_status(const std::string& id, SteadyTime now) const;
  // The run's object and params when it completed; throws GraphError (code 2601) before that
  // or when it failed.
  std::pair<std::string, nlohmann::json> report_run_source(const std::string& id,
                                                           SteadyTime now) const;

  // {"campaigns":n,"adsets":n,"ads":n,"report_runs":n} (deleted objects included).
  nlohmann::json counts() const;
  // Every object of `kind` (deleted included), for checkers.
  std::vector<nlohmann::json> dump(ObjectKind kind) const;
  void clear();

 private:
  struct ReportRun {
    std::string account;
    std::string object_id;
    nlohmann::json params;
    SteadyTime created;
    std::chrono::milliseconds duration;
    bool fails;
  };

  std::string next_id();
  static std::string list_key(ObjectKind kind, const std::string& account);
  void require_parent(ObjectKind kind, const std::string& account, const nlohmann::json& params,
                      nlohmann::json& object) const;

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 120200000000001;                // 15 digits, like real ad object ids
  std::map<std::string, nlohmann::json> objects_;          // id -> object
  std::map<std::string, ObjectKind> kinds_;                // id -> kind
  std::map<std::string, std::vector<std::string>> lists_;  // kind+account -> ids, in order
  std::map<std::string, ReportRun> runs_;
};

}  // namespace gauntlet::mocks

#include "graph_store.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "graph_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

std::string graph_time(GraphStore::WallTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+0000", &tm);
  return buf;
}

const char* kind_name(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kCampaign:
      return "campaign";
    case ObjectKind::kAdSet:
      return "adset";
    case ObjectKind::kAd:
      return "ad";
  }
  return "object";
}

// A parameter as text: form and query values are strings already, JSON numbers are printed.
std::optional<std::string> text_param(const json& params, const char* name) {
  if (!params.contains(name) || params.at(name).is_null()) return std::nullopt;
  const json& v = params.at(name);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string required_text(const json& params, const char* name) {
  auto v = text_param(params, name);
  if (!v || v->empty()) {
    throw GraphError::invalid_parameter(std::string("The parameter ") + name + " is required");
  }
  return *v;
}

// Budgets are integers of minor currency units (cents); "12.50" or 12.5 is refused.
std::optional<std::int64_t> read_budget(const json& params, const char* name) {
  const auto text = text_param(params, name);
  if (!text) return std::nullopt;
  const bool digits =
      !text->empty() && text->size() <= 15 &&
      std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    throw GraphError::invalid_parameter(std::string("Param ") + name +
                                        " must be an integer number of minor currency units, got " +
                                        *text);
  }
  const std::int64_t value = std::stoll(*text);
  if (value < 100) {
    throw GraphError::invalid_parameter(
        std::string("Param ") + name + " must be at least 100 minor units, got " + *text, 1885272);
  }
  return value;
}

void apply_budgets(const json& params, json& object) {
  const auto daily = read_budget(params, "daily_budget");
  const auto lifetime = read_budget(params, "lifetime_budget");
  if (daily && lifetime) {
    throw GraphError::invalid_parameter("Only one of daily_budget and lifetime_budget may be set");
  }
  if (daily) {
    object["daily_budget"] = std::to_string(*daily);
    object.erase("lifetime_budget");
  }
  if (lifetime) {
    object["lifetime_budget"] = std::to_string(*lifetime);
    object.erase("daily_budget");
  }
}

void apply_status(const json& params, json& object, bool creating) {
  const auto status = text_param(params, "status");
  if (!status) {
    if (creating) object["status"] = "PAUSED";
  } else {
    static const std::set<std::string> kCreate = {"ACTIVE", "PAUSED"};
    static const std::set<std::string> kUpdate = {"ACTIVE", "PAUSED", "ARCHIVED", "DELETED"};
    if (!(creating ? kCreate : kUpdate).contains(*status)) {
      throw GraphError::invalid_parameter("Param status must be one of ACTIVE, PAUSED" +
                                          std::string(creating ? "" : ", ARCHIVED, DELETED") +
                                          ", got " + *status);
    }
    object["status"] = *status;
  }
  object["effective_status"] = object["status"];
}

// A JSON-valued parameter that form encoding delivers as a string ("targeting={...}").
json json_param(const json& params, const char* name) {
  const json& v = params.at(name);
  if (!v.is_string()) return v;
  try {
    return json::parse(v.get<std::string>());
  } catch (const json::parse_error&) {
    throw GraphError::invalid_parameter(std::string("Param ") + name + " must be JSON");
  }
}

void campaign_fields(const json& params, json& object, bool creating) {
  static const std::set<std::string> kObjectives = {"OUTCOME_AWARENESS",
                                                    "OUTCOME_TRAFFIC",
                                                    "OUTCOME_ENGAGEMENT",
                                                    "OUTCOME_LEADS",
                                                    "OUTCOME_APP_PROMOTION",
                                                    "OUTCOME_SALES",
                                                    "LINK_CLICKS",
                                                    "CONVERSIONS",
                                                    "REACH",
                                                    "BRAND_AWARENESS",
                                                    "VIDEO_VIEWS"};
  if (creating || params.contains("objective")) {
    const std::string objective = required_text(params, "objective");
    if (!kObjectives.contains(objective)) {
      throw GraphError::invalid_parameter("Param objective must be a valid objective, got " +
                                          objective);
    }
    object["objective"] = objective;
  }
  if (params.contains("special_ad_categories")) {
    object["special_ad_categories"] = json_param(params, "special_ad_categories");
  } else if (creating) {
    object["special_ad_categories"] = json::array();
  }
  if (creating) object["buying_type"] = "AUCTION";
}

void adset_fields(const json& params, json& object, bool creating) {
  if (creating) {
    object["billing_event"] = text_param(params, "billing_event").value_or("IMPRESSIONS");
    object["optimization_goal"] = text_param(params, "optimization_goal").value_or("REACH");
  } else {
    for (const char* f : {"billing_event", "optimization_goal"}) {
      if (auto v = text_param(params, f)) object[f] = *v;
    }
  }
  if (params.contains("targeting")) object["targeting"] = json_param(params, "targeting");
  if (auto bid = text_param(params, "bid_amount")) object["bid_amount"] = *bid;
}

void ad_fields(const json& params, json& object) {
  if (params.contains("creative")) {
    json creative = json_param(params, "creative");
    if (creative.contains("creative_id")) creative = {{"id", creative["creative_id"]}};
    object["creative"] = creative;
  }
}

std::string to_hex(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> from_hex(const std::string& s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const auto digit = [](char c) {
      return c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
    };
    const int hi = digit(s[i]), lo = digit(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

std::string GraphStore::next_id() { return std::to_string(next_id_++); }

std::string GraphStore::list_key(ObjectKind kind, const std::string& account) {
  return std::string(kind_name(kind)) + "/" + account;
}

void GraphStore::require_parent(ObjectKind kind, const std::string& account, const json& params,
                                json& object) const {
  if (kind == ObjectKind::kCampaign) return;
  const char* field = kind == ObjectKind::kAdSet ? "campaign_id" : "adset_id";
  const std::string parent = required_text(params, field);
  const auto it = objects_.find(parent);
  const ObjectKind want = kind == ObjectKind::kAdSet ? ObjectKind::kCampaign : ObjectKind::kAdSet;
  if (it == objects_.end() || kinds_.at(parent) != want || it->second["account_id"] != account) {
    throw GraphError::invalid_parameter(std::string("Param ") + field + " '" + parent +
                                        "' is not a " + kind_name(want) + " of ad account " +
                                        account);
  }
  object[field] = parent;
  if (kind == ObjectKind::kAd) object["campaign_id"] = it->second["campaign_id"];
}

json GraphStore::create(ObjectKind kind, const std::string& account, const json& params,
                        WallTime now) {
  json object = {{"account_id", account}, {"name", required_text(params, "name")}};
  apply_status(params, object, true);
  if (kind != ObjectKind::kAd) apply_budgets(params, object);
  if (kind == ObjectKind::kCampaign) campaign_fields(params, object, true);
  if (kind == ObjectKind::kAdSet) adset_fields(params, object, true);
  if (kind == ObjectKind::kAd) ad_fields(params, object);
  object["created_time"] = object["updated_time"] = graph_time(now);
  std::lock_guard lock(mutex_);
  require_parent(kind, account, params, object);
  const std::string id = next_id();
  object["id"] = id;
  objects_[id] = object;
  kinds_[id] = kind;
  lists_[list_key(kind, account)].push_back(id);
  return object;
}

void GraphStore::update(const std::string& id, const json& params, WallTime now) {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(id);
  if (it == objects_.end()) throw GraphError::unknown_object(id);
  json object = it->second;  // validate on a copy: a refused update changes nothing
  const ObjectKind kind = kinds_.at(id);
  if (auto name = text_param(params, "name")) object["name"] = *name;
  apply_status(params, object, false);
  if (kind != ObjectKind::kAd) apply_budgets(params, object);
  if (kind == ObjectKind::kCampaign) campaign_fields(params, object, false);
  if (kind == ObjectKind::kAdSet) adset_fields(params, object, false);
  if (kind == ObjectKind::kAd) ad_fields(params, object);
  object["updated_time"] = graph_time(now);
  it->second = std::move(object);
}

void GraphStore::remove(const std::string& id, WallTime now) {
  update(id, {{"status", "DELETED"}}, now);
}

json GraphStore::get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(id);
  if (it == objects_.end()) throw GraphError::unknown_object(id);
  return it->second;
}

bool GraphStore::is_report_run(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return runs_.contains(id);
}

ObjectKind GraphStore::kind_of(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = kinds_.find(id);
  if (it == kinds_.end()) throw GraphError::unknown_object(id);
  return it->second;
}

std::string GraphStore::account_of(const std::string& id) const {
  std::lock_guard lock(mutex_);
  if (const auto it = objects_.find(id); it != objects_.end()) return it->second["account_id"];
  if (const auto run = runs_.find(id); run != runs_.end()) return run->second.account;
  throw GraphError::unknown_object(id);
}

GraphPage GraphStore::list(ObjectKind kind, const std::string& account,
                           const std::string& parent_id, std::size_t limit,
                           const std::string& after, const std::string& before) const {
  const auto cursor = [](const char* name, const std::string& text) {
    if (text.empty()) return std::string();
    const auto decoded = from_hex(text);
    if (!decoded) {
      throw GraphError::invalid_parameter(std::string("Param ") + name +
                                          " is not a valid cursor: " + text);
    }
    return *decoded;
  };
  const std::string start_after = cursor("after", after);
  const std::string end_before = cursor("before", before);
  std::lock_guard lock(mutex_);
  // A campaign's ad sets or ads, or an ad set's ads.
  std::string parent_field;
  if (!parent_id.empty()) {
    const auto parent = kinds_.find(parent_id);
    if (parent == kinds_.end() || parent->second == ObjectKind::kAd)
      throw GraphError::unknown_object(parent_id);
    parent_field = parent->second == ObjectKind::kCampaign ? "campaign_id" : "adset_id";
  }
  GraphPage page;
  const auto list = lists_.find(list_key(kind, account));
  if (list == lists_.end()) return page;
  std::vector<const json*> visible;
  for (const std::string& id : list->second) {
    const json& object = objects_.at(id);
    if (object["status"] == "DELETED") continue;
    if (!parent_id.empty() && object.value(parent_field, "") != parent_id) continue;
    visible.push_back(&object);
  }
  // Ids grow with creation and have the same width, so the list is sorted as strings too.
  const auto position = [&](const std::string& id, bool inclusive) {
    return static_cast<std::size_t>(std::find_if(visible.begin(), visible.end(),
                                                 [&](const json* o) {
                                                   const std::string& other =
                                                       o->at("id").get_ref<const std::string&>();
                                                   return inclusive ? other >= id : other > id;
                                                 }) -
                                    visible.begin());
  };
  std::size_t first = 0;
  std::size_t last = visible.size();  // one past
  if (!end_before.empty()) {
    last = position(end_before, true);
    first = last > limit ? last - limit : 0;
  } else {
    if (!start_after.empty()) first = position(start_after, false);
    last = std::min(visible.size(), first + limit);
  }
  for (std::size_t i = first; i < last; ++i) page.data.push_back(*visible[i]);
  page.has_previous = first > 0;
  page.has_more = last < visible.size();
  if (!page.data.empty()) {
    page.before = to_hex(page.data.front()["id"]);
    page.after = to_hex(page.data.back()["id"]);
  }
  return page;
}

std::vector<json> GraphStore::descendants(const std::string& account,
                                          const std::string& ancestor_id, ObjectKind kind) const {
  std::lock_guard lock(mutex_);
  std::string field;  // the field of a descendant that names the ancestor
  if (!ancestor_id.empty()) {
    const auto it = kinds_.find(ancestor_id);
    if (it == kinds_.end()) throw GraphError::unknown_object(ancestor_id);
    if (static_cast<int>(kind) < static_cast<int>(it->second)) {
      throw GraphError::invalid_parameter(std::string("Param level ") + kind_name(kind) +
                                          " is above the level of object " + ancestor_id + " (" +
                                          kind_name(it->second) + ")");
    }
    if (kind != it->second) {
      field = it->second == ObjectKind::kCampaign ? "campaign_id" : "adset_id";
    }
  }
  std::vector<json> out;
  const auto list = lists_.find(list_key(kind, account));
  if (list == lists_.end()) return out;
  for (const std::string& id : list->second) {
    const json& object = objects_.at(id);
    if (object["status"] == "DELETED") continue;
    if (!ancestor_id.empty() &&
        (field.empty() ? id != ancestor_id : object.value(field, "") != ancestor_id)) {
      continue;
    }
    out.push_back(object);
  }
  return out;
}

std::string GraphStore::create_report_run(const std::string& account, const std::string& object_id,
                                          const json& params, SteadyTime now,
                                          std::chrono::milliseconds duration, bool fails) {
  std::lock_guard lock(mutex_);
  const std::string id = next_id();
  runs_[id] = ReportRun{account, object_id, params, now, duration, fails};
  return id;
}

json GraphStore::report_run_status(const std::string& id, SteadyTime now) const {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(id);
  if (it == runs_.end()) throw GraphError::unknown_object(id);
  const ReportRun& run = it->second;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - run.created);
  const bool done = elapsed >= run.duration;
  const int percent = done ? 100
                           : static_cast<int>(100 * elapsed.count() /
                                              std::max<std::int64_t>(1, run.duration.count()));
  std::string status = done ? (run.fails ? "Job Failed" : "Job Completed")
                            : (percent == 0 ? "Job Not Started" : "Job Running");
  return {{"id", id},
          {"account_id", run.account},
          {"async_status", status},
          {"async_percent_completion", percent}};
}

std::pair<std::string, json> GraphStore::report_run_source(const std::string& id,
                                                           SteadyTime now) const {
  const json status = report_run_status(id, now);
  if (status["async_status"] != "Job Completed") {
    throw GraphError(400, 2601, 0, "OAuthException",
                     "(#2601) Error accessing adreport job: report run " + id + " is " +
                         status["async_status"].get<std::string>());
  }
  std::lock_guard lock(mutex_);
  const ReportRun& run = runs_.at(id);
  return {run.object_id, run.params};
}

json GraphStore::counts() const {
  std::lock_guard lock(mutex_);
  json out = {{"campaigns", 0}, {"adsets", 0}, {"ads", 0}, {"report_runs", runs_.size()}};
  for (const auto& [id, kind] : kinds_) {
    const char* key = kind == ObjectKind::kCampaign
                          ? "campaigns"
                          : (kind == ObjectKind::kAdSet ? "adsets" : "ads");
    out[key] = out[key].get<int>() + 1;
  }
  return out;
}

std::vector<json> GraphStore::dump(ObjectKind kind) const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& [id, k] : kinds_) {
    if (k == kind) out.push_back(objects_.at(id));
  }
  return out;
}

void GraphStore::clear() {
  std::lock_guard lock(mutex_);
  objects_.clear();
  kinds_.clear();
  lists_.clear();
  runs_.clear();
}

}  // namespace gauntlet::mocks

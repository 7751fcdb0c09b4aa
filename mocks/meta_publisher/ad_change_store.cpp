#include "ad_change_store.hpp"

#include <algorithm>
#include <cctype>
#include <pqxx/pqxx>
#include <set>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/db.hpp"
#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/mocks/uuid.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

// "meta" in ASCII: the advisory lock meta-publisher's claims serialize on.
constexpr int kClaimLockKey = 0x6d657461;

bool positive_int(const json& p, const char* field, std::int64_t min) {
  return p.contains(field) && p[field].is_number_integer() && p[field].get<std::int64_t>() >= min;
}

bool non_empty_string(const json& p, const char* field) {
  return p.contains(field) && p[field].is_string() && !p[field].get<std::string>().empty();
}

void validate_payload(const std::string& type, const json& p, Problems& problems) {
  const std::string where = "payload of a " + type + " change";
  if (type == "budget") {
    if (!positive_int(p, "daily_budget_cents", 100)) {
      problems.add(where + " needs daily_budget_cents, an integer >= 100, got " +
                   p.value("daily_budget_cents", json()).dump());
    }
    if (p.contains("object_id"))
      problems.add(where + " applies to the campaign; object_id is not allowed");
  } else if (type == "status") {
    static const std::set<std::string> kStatuses = {"active", "paused", "archived"};
    std::string s =
        p.contains("status") && p["status"].is_string() ? p["status"].get<std::string>() : "";
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!kStatuses.contains(s))
      problems.add(where + " needs status active, paused or archived, got " +
                   p.value("status", json()).dump());
  } else if (type == "bid") {
    if (!non_empty_string(p, "object_id"))
      problems.add(where + " needs object_id, the Meta ad set id");
    if (!positive_int(p, "bid_amount", 1))
      problems.add(where + " needs bid_amount, an integer >= 1");
  } else if (type == "creative") {
    if (!non_empty_string(p, "object_id")) problems.add(where + " needs object_id, the Meta ad id");
    if (!p.contains("creative") || !p["creative"].is_object())
      problems.add(where + " needs creative, a JSON object");
  } else {
    problems.add("change_type must be budget, status, bid or creative, got \"" + type + "\"");
  }
}

// The known change `id`, from any of the three tables: state, campaign, type and payload.
std::optional<pqxx::row> find_known(pqxx::work& tx, const std::string& id) {
  const pqxx::result r = tx.exec_params(
      "SELECT 'pending', campaign_id, change_type, payload::text FROM pending_ad_changes WHERE id "
      "= $1::uuid "
      "UNION ALL SELECT 'applied', campaign_id, change_type, payload::text FROM ad_change_history "
      "WHERE change_id = $1::uuid "
      "UNION ALL SELECT 'dead_letter', campaign_id, change_type, payload::text FROM "
      "ad_change_dead_letters "
      "  WHERE change_id = $1::uuid",
      id);
  if (r.empty()) return std::nullopt;
  return r[0];
}

}  // namespace

AdChangeRequest AdChangeRequest::from_json(const json& body, std::string_view header_key) {
  if (!body.is_object())
    throw ConfigError("the ad change must be a JSON object, got " + body.dump());
  AdChangeRequest r;
  Problems problems;
  r.change_id = std::string(header_key);
  if (body.contains("change_id"))
    r.change_id = body["change_id"].is_string() ? body["change_id"].get<std::string>() : "?";
  if (!r.change_id.empty() && !is_uuid(r.change_id)) {
    problems.add("change_id must be a UUID (8-4-4-4-12 hex digits), got " +
                 body.value("change_id", json(r.change_id)).dump());
  }
  if (positive_int(body, "campaign_id", 1)) {
    r.campaign_id = body["campaign_id"].get<std::int64_t>();
  } else {
    problems.add("campaign_id must be a positive integer, got " +
                 body.value("campaign_id", json()).dump());
  }
  r.change_type = body.contains("change_type") && body["change_type"].is_string()
                      ? body["change_type"].get<std::string>()
                  : body.contains("type") && body["type"].is_string()
                      ? body["type"].get<std::string>()
                      : "";
  r.payload = body.value("payload", json());
  if (!r.payload.is_object()) {
    problems.add("payload must be a JSON object, got " + r.payload.dump());
  } else {
    validate_payload(r.change_type, r.payload, problems);
  }
  if (body.contains("requested_by")) {
    if (positive_int(body, "requested_by", 1)) {
      r.requested_by = body["requested_by"].get<std::int64_t>();
    } else {
      problems.add("requested_by must be a positive integer (a user id), got " +
                   body["requested_by"].dump());
    }
  }
  problems.throw_if_any();
  return r;
}

AdChangeEnqueued AdChangeStore::enqueue(const AdChangeRequest& request) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result campaign =
        tx.exec_params("SELECT ad_account_id FROM campaigns WHERE id = $1", request.campaign_id);
    if (campaign.empty())
      throw HttpError(404, "campaign " + std::to_string(request.campaign_id) + " does not exist");
    if (!request.change_id.empty()) {
      tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", request.change_id);
      if (const auto known = find_known(tx, request.change_id)) {
        const bool same = (*known)[1].as<std::int64_t>() == request.campaign_id &&
                          (*known)[2].as<std::string>() == request.change_type &&
                          json::parse((*known)[3].as<std::string>()) == request.payload;
        if (!same)
          throw HttpError(409, "change " + request.change_id +
                                   " already exists with another campaign, type or payload");
        return AdChangeEnqueued{request.change_id, false, (*known)[0].as<std::string>()};
      }
    }
    const std::optional<std::int64_t> by = request.requested_by;
    const pqxx::row row = tx.exec_params1(
        "INSERT INTO pending_ad_changes (id, campaign_id, ad_account_id, change_type, payload, "
        "requested_by) "
        "VALUES (COALESCE(NULLIF($1, '')::uuid, gen_random_uuid()), $2, $3, $4, $5::jsonb, "
        "NULLIF($6, 0)) "
        "RETURNING id::text",
        request.change_id, request.campaign_id, campaign[0][0].as<std::string>(),
        request.change_type, request.payload.dump(), by.value_or(0));
    return AdChangeEnqueued{row[0].as<std::string>(), true, "pending"};
  });
}

std::optional<ClaimedChange> AdChangeStore::claim(const std::string& worker,
                                                  std::chrono::milliseconds lease) {
  return in_transaction(pool_, [&](pqxx::work& tx) -> std::optional<ClaimedChange> {
    // Claims take turns. Without this, two workers whose statements start together both see no
    // active lease on a campaign and each take one of its changes (SKIP LOCKED skips the other's
    // row, not its campaign): two budget steps from the same base. Under READ COMMITTED the
    // UPDATE below takes its snapshot after the lock, so it sees every lease committed before.
    // The two-key form keeps this lock apart from the single-key change-id locks.
    tx.exec_params("SELECT pg_advisory_xact_lock($1, 0)", kClaimLockKey);
    const pqxx::result r = tx.exec_params(
        "UPDATE pending_ad_changes p SET locked_by = $1, locked_until = now() + $2 * interval '1 "
        "millisecond', "
        "  attempts = p.attempts + 1 "
        "FROM campaigns c "
        "WHERE p.id = (SELECT q.id FROM pending_ad_changes q "
        "              WHERE q.next_attempt_at <= now() AND (q.locked_until IS NULL OR "
        "q.locked_until < now()) "
        "                AND NOT EXISTS (SELECT 1 FROM pending_ad_changes o WHERE o.campaign_id = "
        "q.campaign_id "
        "                                AND o.id <> q.id AND o.locked_until >= now()) "
        "                AND NOT EXISTS (SELECT 1 FROM meta_throttles t WHERE t.scope IN "
        "(q.ad_account_id, '*') AND t.blocked_until > now()) "
        "              ORDER BY q.next_attempt_at, q.created_at FOR UPDATE SKIP LOCKED LIMIT 1) "
        "  AND c.id = p.campaign_id "
        "RETURNING p.id::text, p.campaign_id, p.ad_account_id, p.change_type, p.payload::text, "
        "p.attempts, "
        "  COALESCE(p.requested_by, 0), COALESCE(c.meta_campaign_id, ''), c.daily_budget_cents",
        worker, lease.count());
    if (r.empty()) return std::nullopt;
    const pqxx::row row = r[0];
    ClaimedChange c;
    c.id = row[0].as<std::string>();
    c.campaign_id = row[1].as<std::int64_t>();
    c.ad_account_id = row[2].as<std::string>();
    c.change_type = row[3].as<std::string>();
    c.payload = json::parse(row[4].as<std::string>());
    c.attempts = row[5].as<int>();
    if (const auto by = row[6].as<std::int64_t>(); by != 0) c.requested_by = by;
    c.meta_campaign_id = row[7].as<std::string>();
    c.current_budget_cents = row[8].as<std::int64_t>();
    return c;
  });
}

bool AdChangeStore::record_applied(const ClaimedChange& change, const std::string& worker,
                                   const AppliedChange& applied) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", change.id);
    const pqxx::result gone = tx.exec_params(
        "DELETE FROM pending_ad_changes WHERE id = $1::uuid AND locked_by = $2 RETURNING "
        "created_at::text",
        change.id, worker);
    if (gone.empty()) return false;
    tx.exec_params(
        "INSERT INTO ad_change_history (change_id, campaign_id, ad_account_id, change_type, "
        "payload, attempts, "
        "  meta_response, applied_by, requested_at, applied_payload) "
        "VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9::timestamptz, $10::jsonb) "
        "ON CONFLICT (change_id) DO NOTHING",
        change.id, change.campaign_id, change.ad_account_id, change.change_type,
        change.payload.dump(), std::max(change.attempts, 1), applied.meta_response.dump(), worker,
        gone[0][0].as<std::string>(), applied.applied_payload.dump());
    if (applied.new_budget_cents) {
      tx.exec_params(
          "UPDATE campaigns SET daily_budget_cents = $2, updated_at = now() WHERE id = $1",
          change.campaign_id, *applied.new_budget_cents);
    }
    if (!applied.new_campaign_status.empty()) {
      tx.exec_params("UPDATE campaigns SET status = $2, updated_at = now() WHERE id = $1",
                     change.campaign_id, applied.new_campaign_status);
    }
    if (applied.continue_to_cents) {
      json payload = change.payload;
      payload["daily_budget_cents"] = *applied.continue_to_cents;
      payload["parent_change_id"] = change.id;
      payload["step"] = change.payload.value("step", 1) + 1;
      tx.exec_params(
          "INSERT INTO pending_ad_changes (id, campaign_id, ad_account_id, change_type, payload, "
          "requested_by, "
          "  next_attempt_at) VALUES (gen_random_uuid(), $1, $2, 'budget', $3::jsonb, NULLIF($4, "
          "0), "
          "  now() + $5 * interval '1 millisecond')",
          change.campaign_id, change.ad_account_id, payload.dump(), change.requested_by.value_or(0),
          applied.continue_after.count());
    }
    return true;
  });
}

bool AdChangeStore::reschedule_throttled(const ClaimedChange& change, const std::string& worker,
                                         std::chrono::milliseconds wait, const std::string& error,
                                         bool app_wide) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    const bool held = tx.exec_params(
                            "UPDATE pending_ad_changes SET locked_by = NULL, locked_until = NULL, "
                            "  attempts = GREATEST(attempts - 1, 0), last_error = $3, "
                            "  next_attempt_at = now() + $4 * interval '1 millisecond' "
                            "WHERE id = $1::uuid AND locked_by = $2",
                            change.id, worker, error, wait.count())
                          .affected_rows() == 1;
    tx.exec_params(
        "UPDATE pending_ad_changes SET next_attempt_at = GREATEST(next_attempt_at, "
        "  now() + $2 * interval '1 millisecond') "
        "WHERE ($3 OR ad_account_id = $1) AND (locked_until IS NULL OR locked_until < now())",
        change.ad_account_id, wait.count(), app_wide);
    // The hold itself, for changes queued after this moment (claim() skips held accounts).
    tx.exec_params(
        "INSERT INTO meta_throttles (scope, blocked_until) "
        "VALUES (CASE WHEN $3 THEN '*' ELSE $1 END, now() + $2 * interval '1 millisecond') "
        "ON CONFLICT (scope) DO UPDATE SET blocked_until = "
        "  GREATEST(meta_throttles.blocked_until, EXCLUDED.blocked_until)",
        change.ad_account_id, wait.count(), app_wide);
    return held;
  });
}

FailureResult AdChangeStore::record_failure(const ClaimedChange& change, const std::string& worker,
                                            const std::string& error,
                                            std::chrono::milliseconds retry_delay, int max_attempts,
                                            bool permanent) {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    if (!permanent && change.attempts < max_attempts) {
      const bool held =
          tx.exec_params(
                "UPDATE pending_ad_changes SET locked_by = NULL, locked_until = NULL, "
                "  last_error = $3, next_attempt_at = now() + $4 * interval '1 millisecond' "
                "WHERE id = $1::uuid AND locked_by = $2",
                change.id, worker, error, retry_delay.count())
              .affected_rows() == 1;
      return held ? FailureResult::kRetrying : FailureResult::kLeaseLost;
    }
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", change.id);
    const bool moved = tx.exec_params(
                             "WITH d AS (DELETE FROM pending_ad_changes WHERE id = $1::uuid AND "
                             "locked_by = $2 RETURNING *) "
                             "INSERT INTO ad_change_dead_letters (change_id, campaign_id, "
                             "ad_account_id, change_type, payload, "
                             "  attempts, last_error, requested_at) "
                             "SELECT id, campaign_id, ad_account_id, change_type, payload, "
                             "GREATEST(attempts, 1), $3, created_at FROM d",
                             change.id, worker, error)
                           .affected_rows() == 1;
    return moved ? FailureResult::kDeadLettered : FailureResult::kLeaseLost;
  });
}

std::optional<json> AdChangeStore::status(const std::string& id) {
  if (!is_uuid(id)) throw HttpError(400, "the change id must be a UUID, got \"" + id + "\"");
  return in_transaction(pool_, [&](pqxx::work& tx) -> std::optional<json> {
    const pqxx::result r = tx.exec_params(
        "SELECT json_build_object('id', id, 'state', 'pending', 'campaign_id', campaign_id, "
        "'change_type', "
        "  change_type, 'payload', payload, 'attempts', attempts, 'next_attempt_at', "
        "next_attempt_at, "
        "  'locked_by', locked_by, 'last_error', last_error, 'requested_at', created_at)::text "
        "FROM pending_ad_changes WHERE id = $1::uuid "
        "UNION ALL SELECT json_build_object('id', change_id, 'state', 'applied', 'campaign_id', "
        "campaign_id, "
        "  'change_type', change_type, 'payload', payload, 'applied_payload', applied_payload, "
        "'attempts', "
        "  attempts, 'meta_response', meta_response, 'applied_by', applied_by, 'requested_at', "
        "requested_at, "
        "  'applied_at', applied_at)::text FROM ad_change_history WHERE change_id = $1::uuid "
        "UNION ALL SELECT json_build_object('id', change_id, 'state', 'dead_letter', "
        "'campaign_id', campaign_id, "
        "  'change_type', change_type, 'payload', payload, 'attempts', attempts, 'last_error', "
        "last_error, "
        "  'requested_at', requested_at, 'dead_at', dead_at)::text FROM ad_change_dead_letters "
        "WHERE change_id = $1::uuid",
        id);
    if (r.empty()) return std::nullopt;
    return json::parse(r[0][0].as<std::string>());
  });
}

json AdChangeStore::counts() {
  return in_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::row r = tx.exec1(
        "SELECT (SELECT count(*) FROM pending_ad_changes), (SELECT count(*) FROM "
        "ad_change_history), "
        "  (SELECT count(*) FROM ad_change_dead_letters)");
    return json{{"pending", r[0].as<std::int64_t>()},
                {"applied", r[1].as<std::int64_t>()},
                {"dead_letter", r[2].as<std::int64_t>()}};
  });
}

}  // namespace gauntlet::mocks

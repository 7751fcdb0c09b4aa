// meta-graph driven through its Router, no socket: paging, budgets, the error envelope, rate
// limits and their codes, batches, idempotency records, report runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "meta_graph_service.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class MetaGraphTest : public ::testing::Test {
 protected:
  explicit MetaGraphTest(MetaGraphOptions options = {}) : service_(options, router_, metrics_) {}

  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                const Headers& headers = {}) {
    Request r;
    r.method = method;
    r.target = target;
    r.split_target();
    r.body = body;
    r.headers = headers;
    r.headers.set("Host", "127.0.0.1:1");
    return router_.dispatch(r);
  }
  std::string create_campaign(const std::string& account, const std::string& name) {
    const Response r = call("POST", "/v19.0/act_" + account + "/campaigns",
                            "name=" + name + "&objective=OUTCOME_TRAFFIC&daily_budget=5000");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["id"];
  }
  void limits(const json& body) {
    ASSERT_EQ(call("POST", "/__admin/rate_limits", body.dump()).status, 200);
  }
  static json error_of(const Response& r) { return json::parse(r.body)["error"]; }

  Router router_;
  MetricsRegistry metrics_;
  MetaGraphService service_;
};

TEST_F(MetaGraphTest, ListsPageWithCursorsUntilExhausted) {
  for (int i = 0; i < 5; ++i) create_campaign("1", "c" + std::to_string(i));
  std::vector<std::string> names;
  std::string after;
  int pages = 0;
  for (;;) {
    const Response r = call("GET", "/v19.0/act_1/campaigns?fields=name&limit=2" +
                                       (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200);
    const json page = json::parse(r.body);
    for (const auto& c : page["data"]) names.push_back(c["name"]);
    ++pages;
    if (!page["paging"].contains("next")) break;
    EXPECT_THAT(page["paging"]["next"].get<std::string>(), HasSubstr("after="));
    after = page["paging"]["cursors"]["after"];
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}));
  EXPECT_EQ(json::parse(call("GET", "/v19.0/act_2/campaigns").body)["data"].size(), 0u);
}

TEST_F(MetaGraphTest, BudgetsAreIntegerMinorUnits) {
  const std::string id = create_campaign("1", "c");
  EXPECT_EQ(json::parse(call("GET", "/v19.0/" + id + "?fields=daily_budget").body)["daily_budget"],
            "5000");
  const Response fractional = call("POST", "/v19.0/" + id, "daily_budget=50.5");
  EXPECT_EQ(fractional.status, 400);
  EXPECT_EQ(error_of(fractional)["code"], 100);
  EXPECT_THAT(error_of(fractional)["message"].get<std::string>(),
              HasSubstr("minor currency units"));
  EXPECT_EQ(error_of(call("POST", "/v19.0/" + id, "daily_budget=99"))["error_subcode"], 1885272);
  EXPECT_EQ(call("POST", "/v19.0/" + id, R"({"daily_budget":12345})",
                 {{"Content-Type", "application/json"}})
                .status,
            200);
  EXPECT_EQ(json::parse(call("GET", "/v19.0/" + id + "?fields=daily_budget").body)["daily_budget"],
            "12345");
}

TEST_F(MetaGraphTest, ErrorsWearMetasEnvelope) {
  const Response r = call("GET", "/v19.0/999");
  EXPECT_EQ(r.status, 400);
  const json e = error_of(r);
  EXPECT_EQ(e["code"], 100);
  EXPECT_EQ(e["error_subcode"], 33);
  EXPECT_EQ(e["type"], "GraphMethodException");
  EXPECT_EQ(e["fbtrace_id"].get<std::string>().size(), 11u);
  EXPECT_TRUE(e["message"].is_string());
  const json unknown_route = error_of(call("GET", "/nowhere"));
  EXPECT_EQ(unknown_route["code"], 2500);
}

TEST_F(MetaGraphTest, AdsManagementLimitIsPerAccountWith80004) {
  limits({{"ads_management_limit", 3}, {"window_ms", 600000}});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(call("GET", "/v19.0/act_5/campaigns").status, 200);
  const Response refused = call("GET", "/v19.0/act_5/campaigns");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(error_of(refused)["code"], 80004);
  const json buc = json::parse(refused.headers.get("X-Business-Use-Case-Usage"));
  EXPECT_EQ(buc["5"][0]["type"], "ads_management");
  EXPECT_EQ(buc["5"][0]["call_count"], 100);
  EXPECT_GE(buc["5"][0]["estimated_time_to_regain_access"].get<int>(), 1);
  EXPECT_TRUE(refused.headers.contains("X-App-Usage"));
  EXPECT_TRUE(refused.headers.contains("X-Ad-Account-Usage"));
  EXPECT_EQ(call("GET", "/v19.0/act_6/campaigns").status, 200);  // another account is untouched
}

TEST_F(MetaGraphTest, EachWindowHasItsOwnCode) {
  limits({{"insights_limit", 1}, {"report_run_limit", 1}, {"window_ms", 600000}});
  EXPECT_EQ(call("GET", "/v19.0/act_1/insights").status, 200);
  EXPECT_EQ(error_of(call("GET", "/v19.0/act_1/insights"))["code"], 80000);
  limits({{"insights_limit", 1000}, {"report_run_limit", 1}, {"window_ms", 600000}});
  EXPECT_EQ(call("POST", "/v19.0/act_1/insights", "date_preset=last_7d").status, 200);
  const json e613 = error_of(call("POST", "/v19.0/act_1/insights", "date_preset=last_7d"));
  EXPECT_EQ(e613["code"], 613);
  EXPECT_EQ(e613["error_subcode"], 1487742);
  limits({{"account_limit", 1}, {"window_ms", 600000}});
  EXPECT_EQ(call("GET", "/v19.0/act_1/campaigns").status, 200);
  EXPECT_EQ(error_of(call("GET", "/v19.0/act_1/campaigns"))["code"], 17);
  limits({{"app_limit", 1}, {"window_ms", 600000}});
  EXPECT_EQ(call("GET", "/v19.0/act_1/campaigns").status, 200);
  EXPECT_EQ(error_of(call("GET", "/v19.0/act_2/campaigns"))["code"], 4);
  EXPECT_EQ(json::parse(service_.stats().dump())["rate_limits"]["throttled"]["4"], 1);
}

TEST_F(MetaGraphTest, BatchRunsEachPartAndRefusesMoreThanFifty) {
  const std::string id = create_campaign("1", "c");
  const json parts =
      json::array({{{"method", "GET"}, {"relative_url", "act_1/campaigns"}},
                   {{"method", "POST"}, {"relative_url", id}, {"body", "status=ACTIVE"}},
                   {{"method", "GET"}, {"relative_url", "404404"}}});
  const Response r = call("POST", "/v19.0/", "batch=" + parts.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json out = json::parse(r.body);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["code"], 200);
  EXPECT_EQ(json::parse(out[1]["body"].get<std::string>())["success"], true);
  EXPECT_EQ(out[2]["code"], 400);
  EXPECT_EQ(json::parse(call("GET", "/v19.0/" + id + "?fields=status").body)["status"], "ACTIVE");
  json many = json::array();
  for (int i = 0; i < 51; ++i)
    many.push_back({{"method", "GET"}, {"relative_url", "act_1/campaigns"}});
  const Response too_many =
      call("POST", "/", json{{"batch", many}}.dump(), {{"Content-Type", "application/json"}});
  EXPECT_EQ(too_many.status, 400);
  EXPECT_THAT(error_of(too_many)["message"].get<std::string>(),
              HasSubstr("Maximum batch size is 50"));
}

TEST_F(MetaGraphTest, IdempotencyKeysAreRecordedWithDuplicatesCounted) {
  const Headers key{{"Idempotency-Key", "pub-1"}};
  call("POST", "/v19.0/act_1/campaigns", "name=a&objective=OUTCOME_SALES", key);
  call("POST", "/v19.0/act_1/campaigns", "name=a&objective=OUTCOME_SALES", key);
  call("POST", "/v19.0/act_1/campaigns", "name=b&objective=OUTCOME_SALES",
       {{"Idempotency-Key", "pub-2"}});
  const json log = json::parse(call("GET", "/__admin/idempotency").body);
  EXPECT_EQ(log["total"], 3);
  EXPECT_EQ(log["distinct"], 2);
  EXPECT_EQ(log["duplicates"], 1);
  EXPECT_EQ(log["keys"]["pub-1"]["count"], 2);
  const auto& reqs = log["keys"]["pub-1"]["requests"];
  EXPECT_NE(reqs[0]["object_id"], reqs[1]["object_id"]);  // like Meta, the mock does not dedupe
}

TEST_F(MetaGraphTest, IdempotencyRecordsSayWhenAndHowLongARefusedCallerMustWait) {
  limits({{"account_limit", 1}, {"window_ms", 5000}});
  const Headers key{{"Idempotency-Key", "pub-9"}};
  call("POST", "/v19.0/act_7/campaigns", "name=a&objective=OUTCOME_SALES", key);
  call("POST", "/v19.0/act_7/campaigns", "name=a&objective=OUTCOME_SALES", key);
  const json reqs =
      json::parse(call("GET", "/__admin/idempotency").body)["keys"]["pub-9"]["requests"];
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0]["code"], 0);
  EXPECT_EQ(reqs[0]["wait_ms"], 0);
  EXPECT_EQ(reqs[1]["code"], 17);
  EXPECT_EQ(reqs[1]["wait_ms"], 5000);  // the account window has room again in 5 s
  EXPECT_GE(reqs[1]["at_ms"].get<std::int64_t>(), reqs[0]["at_ms"].get<std::int64_t>());
}

TEST(StatedWait, IsTheLargestOfTheAccountResetAndTheUseCaseRegainTimes) {
  EXPECT_EQ(stated_wait_ms({}), 0);
  EXPECT_EQ(stated_wait_ms({{"X-Ad-Account-Usage", R"({"reset_time_duration":3})"}}), 3000);
  EXPECT_EQ(
      stated_wait_ms({{"X-Ad-Account-Usage", R"({"reset_time_duration":3})"},
                      {"X-Business-Use-Case-Usage",
                       R"({"7":[{"type":"ads_management","estimated_time_to_regain_access":2},)"
                       R"({"type":"ads_insights","estimated_time_to_regain_access":0}]})"}}),
      120'000);
  EXPECT_EQ(stated_wait_ms({{"X-Ad-Account-Usage", "not json"}}), 0);
}

// The regain estimate counts in the mock's (scaled) minute, stays an integer as Meta sends it,
// and the idempotency record's stated wait is in that minute too.
TEST_F(MetaGraphTest, RegainTimeCountsInTheConfiguredMinute) {
  limits({{"ads_management_limit", 1}, {"window_ms", 1500}, {"regain_minute_ms", 600}});
  const Headers key{{"Idempotency-Key", "pub-r"}};
  ASSERT_EQ(call("GET", "/v19.0/act_8/campaigns", "", key).status, 200);
  const Response refused = call("GET", "/v19.0/act_8/campaigns", "", key);
  ASSERT_EQ(error_of(refused)["code"], 80004);
  const json buc = json::parse(refused.headers.get("X-Business-Use-Case-Usage"));
  EXPECT_TRUE(buc["8"][0]["estimated_time_to_regain_access"].is_number_integer());
  EXPECT_EQ(buc["8"][0]["estimated_time_to_regain_access"], 3);  // ceil(1500 ms / 600 ms)
  const json reqs =
      json::parse(call("GET", "/__admin/idempotency").body)["keys"]["pub-r"]["requests"];
  EXPECT_EQ(reqs[1]["wait_ms"], 1800);
  EXPECT_EQ(json::parse(call("GET", "/__admin/rate_limits").body)["regain_minute_ms"], 600);
  EXPECT_EQ(call("POST", "/__admin/rate_limits", R"({"regain_minute_ms":0})").status, 400);
}

// A forced throttle refuses one account's calls (the app's for #4) with its code, before any
// window, and states the time it has left; the idempotency record keeps that wait.
TEST_F(MetaGraphTest, AForcedThrottleRefusesWithItsCodeAndStatesItsTimeLeft) {
  limits({{"regain_minute_ms", 1000}});
  for (const int code : {17, 613, 80000, 80004}) {
    const Response set = call("POST", "/__admin/throttle",
                              json{{"account", "act_9"}, {"code", code}, {"for_ms", 2500}}.dump());
    ASSERT_EQ(set.status, 200) << set.body;
    const Headers key{{"Idempotency-Key", "k" + std::to_string(code)}};
    const Response r =
        call("POST", "/v19.0/act_9/campaigns", "name=a&objective=OUTCOME_SALES", key);
    EXPECT_EQ(error_of(r)["code"], code);
    EXPECT_EQ(error_of(r)["is_transient"], true);
    const json buc = json::parse(r.headers.get("X-Business-Use-Case-Usage"));
    EXPECT_EQ(buc["9"][0]["estimated_time_to_regain_access"], 3) << code;  // ceil(2.5 s / 1 s)
    const json account = json::parse(r.headers.get("X-Ad-Account-Usage"));
    EXPECT_EQ(account["reset_time_duration"], code == 17 ? 3 : 0) << code;
    const json log = json::parse(call("GET", "/__admin/idempotency").body);
    EXPECT_EQ(log["keys"][key.get("Idempotency-Key")]["requests"][0]["wait_ms"], 3000);
    EXPECT_EQ(call("GET", "/v19.0/act_10/campaigns").status, 200);  // another account is free
  }
  ASSERT_EQ(call("POST", "/__admin/throttle", R"({"code":4,"for_ms":60000})").status, 200);
  EXPECT_EQ(error_of(call("GET", "/v19.0/act_10/campaigns"))["code"], 4);
  EXPECT_EQ(json::parse(call("GET", "/__admin/throttle").body)["forced"].size(), 2U);
  ASSERT_EQ(call("DELETE", "/__admin/throttle").status, 200);
  EXPECT_EQ(call("GET", "/v19.0/act_9/campaigns").status, 200);
}

TEST_F(MetaGraphTest, AForcedThrottleIsValidatedNamingTheField) {
  const Response bad = call("POST", "/__admin/throttle", R"({"code":100,"for_ms":0})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body,
              HasSubstr("throttle.code must be one of 4, 17, 613, 80000, 80004, got 100"));
  EXPECT_THAT(bad.body, HasSubstr("throttle.for_ms must be an integer >= 1, got 0"));
  EXPECT_THAT(call("POST", "/__admin/throttle", R"({"code":613,"for_ms":10})").body,
              HasSubstr("throttle.account is required for code 613"));
}

// A failing object answers every call with the transient #2 (503), recorded in the idempotency
// log with what the call carried; other objects are untouched.
TEST_F(MetaGraphTest, AFailingObjectAnswersEveryCallWithATransientError) {
  const std::string ok = create_campaign("1", "ok");
  const std::string failing = create_campaign("1", "failing");
  ASSERT_EQ(call("POST", "/__admin/failing_objects", json{{"ids", {failing}}}.dump()).status, 200);
  const Headers key{{"Idempotency-Key", "f1"}};
  const Response r = call("POST", "/v19.0/" + failing, "daily_budget=6000&access_token=t", key);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(error_of(r)["code"], 2);
  EXPECT_EQ(error_of(r)["is_transient"], true);
  EXPECT_EQ(call("POST", "/v19.0/" + ok, "daily_budget=6000").status, 200);
  const json rec =
      json::parse(call("GET", "/__admin/idempotency").body)["keys"]["f1"]["requests"][0];
  EXPECT_EQ(rec["code"], 2);
  EXPECT_EQ(rec["params"], (json{{"daily_budget", "6000"}}));  // the token is left out
  EXPECT_EQ(call("POST", "/__admin/failing_objects", R"({"ids":[1]})").status, 400);
  ASSERT_EQ(call("DELETE", "/__admin/failing_objects").status, 200);
  EXPECT_EQ(call("POST", "/v19.0/" + failing, "daily_budget=6000").status, 200);
}

TEST_F(MetaGraphTest, ChildrenMustBelongToTheAccount) {
  const std::string campaign = create_campaign("1", "c");
  const Response set = call("POST", "/v19.0/act_1/adsets", "name=s&campaign_id=" + campaign);
  ASSERT_EQ(set.status, 200) << set.body;
  const std::string adset = json::parse(set.body)["id"];
  EXPECT_EQ(call("POST", "/v19.0/act_2/adsets", "name=s&campaign_id=" + campaign).status, 400);
  ASSERT_EQ(call("POST", "/v19.0/act_1/ads",
                 "name=ad&adset_id=" + adset + R"(&creative={"creative_id":"77"})")
                .status,
            200);
  const json ads = json::parse(call("GET", "/v19.0/" + campaign + "/ads?fields=creative").body);
  ASSERT_EQ(ads["data"].size(), 1u);
  EXPECT_EQ(ads["data"][0]["creative"]["id"], "77");
}

TEST_F(MetaGraphTest, InsightsAreDeterministicPerObjectAndDay) {
  const std::string id = create_campaign("1", "c");
  const std::string q =
      "/v19.0/" + id +
      "/insights?fields=impressions,clicks,spend&date_preset=last_7d&time_increment=1";
  const json a = json::parse(call("GET", q).body);
  EXPECT_EQ(a["data"].size(), 7u);
  EXPECT_EQ(a, json::parse(call("GET", q).body));
  EXPECT_EQ(call("GET", "/v19.0/" + id + "/insights?fields=bogus").status, 400);
}

// The SDK's Cursor follows paging.next as it is, without its own parameters: the link must carry
// the whole query, and paging.previous must lead back.
TEST_F(MetaGraphTest, PagingLinksRepeatTheWholeQueryBothWays) {
  for (int i = 0; i < 5; ++i) create_campaign("1", "c" + std::to_string(i));
  const json first = json::parse(
      call("GET", "/v19.0/act_1/campaigns?fields=name,status&limit=2&access_token=tok").body);
  EXPECT_FALSE(first["paging"].contains("previous"));
  const std::string next = first["paging"]["next"];
  for (const char* part : {"http://127.0.0.1:1/v19.0/act_1/campaigns?", "access_token=tok",
                           "fields=name%2Cstatus", "limit=2", "after="}) {
    EXPECT_THAT(next, HasSubstr(part));
  }
  const json second = json::parse(call("GET", next.substr(next.find("/v19.0"))).body);
  ASSERT_EQ(second["data"].size(), 2u);
  EXPECT_EQ(second["data"][0]["name"], "c2");
  EXPECT_EQ(second["data"][0]["status"], "PAUSED");
  const std::string previous = second["paging"]["previous"];
  EXPECT_THAT(previous, HasSubstr("before="));
  EXPECT_THAT(previous, HasSubstr("access_token=tok"));
  const json back = json::parse(call("GET", previous.substr(previous.find("/v19.0"))).body);
  EXPECT_EQ(back["data"], first["data"]);
  EXPECT_FALSE(back["paging"].contains("previous"));
  EXPECT_TRUE(back["paging"].contains("next"));
}

TEST_F(MetaGraphTest, AReadWithoutFieldsAnswersOnlyTheId) {
  const std::string id = create_campaign("1", "c");
  EXPECT_EQ(json::parse(call("GET", "/v19.0/" + id).body), (json{{"id", id}}));
  EXPECT_EQ(json::parse(call("GET", "/v19.0/act_1/campaigns").body)["data"][0], (json{{"id", id}}));
  const json named = json::parse(call("GET", "/v19.0/" + id + "?fields=name").body);
  EXPECT_EQ(named, (json{{"id", id}, {"name", "c"}}));
}

TEST_F(MetaGraphTest, ThrottlingErrorsAreTransientOthersAreNot) {
  limits({{"ads_management_limit", 1}, {"window_ms", 600000}});
  ASSERT_EQ(call("GET", "/v19.0/act_5/campaigns").status, 200);
  const json throttled = error_of(call("GET", "/v19.0/act_5/campaigns"));
  EXPECT_EQ(throttled["code"], 80004);
  EXPECT_EQ(throttled["is_transient"], true);
  EXPECT_EQ(error_of(call("GET", "/v19.0/999"))["is_transient"], false);
}

// The SDKs post parameters as JSON, so time_increment arrives as a number.
TEST_F(MetaGraphTest, TimeIncrementIsAcceptedAsAJsonNumber) {
  const std::string id = create_campaign("1", "c");
  const Headers as_json{{"Content-Type", "application/json"}};
  const auto rows = [&](const json& body) {
    const Response r = call("GET", "/v19.0/" + id + "/insights", body.dump(), as_json);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["data"];
  };
  EXPECT_EQ(rows({{"date_preset", "last_7d"}, {"time_increment", 1}}).size(), 7u);
  EXPECT_EQ(rows({{"date_preset", "last_7d"}, {"time_increment", "1"}}).size(), 7u);
  EXPECT_EQ(rows({{"date_preset", "last_7d"}, {"time_increment", 3}}).size(), 3u);
  EXPECT_EQ(rows({{"date_preset", "last_7d"}, {"time_increment", "all_days"}}).size(), 1u);
  const Response bad = call("GET", "/v19.0/" + id + "/insights?time_increment=91");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(error_of(bad)["message"].get<std::string>(), HasSubstr("time_increment"));
  EXPECT_THAT(error_of(bad)["message"].get<std::string>(), HasSubstr("1..90"));
}

TEST_F(MetaGraphTest, InsightsRowsCarryTheIdsAskedForAtTheLevelAskedFor) {
  const std::string campaign = create_campaign("1", "c");
  const Response set = call("POST", "/v19.0/act_1/adsets", "name=s&campaign_id=" + campaign);
  const std::string adset = json::parse(set.body)["id"];
  std::vector<std::string> ads;
  for (const char* name : {"a1", "a2"}) {
    ads.push_back(json::parse(
        call("POST", "/v19.0/act_1/ads", std::string("name=") + name + "&adset_id=" + adset)
            .body)["id"]);
  }
  const json own = json::parse(
      call("GET", "/v19.0/" + campaign + "/insights?fields=campaign_id,impressions").body);
  ASSERT_EQ(own["data"].size(), 1u);
  EXPECT_EQ(own["data"][0]["campaign_id"], campaign);
  EXPECT_FALSE(own["data"][0].contains("object_id"));
  EXPECT_FALSE(own["data"][0].contains("account_id"));  // not asked for
  const json by_ad = json::parse(
      call("GET", "/v19.0/" + campaign +
                      "/insights?level=ad&fields=ad_id,ad_name,adset_id,campaign_id,clicks")
          .body);
  ASSERT_EQ(by_ad["data"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(by_ad["data"][i]["ad_id"], ads[i]);
    EXPECT_EQ(by_ad["data"][i]["adset_id"], adset);
    EXPECT_EQ(by_ad["data"][i]["campaign_id"], campaign);
    EXPECT_TRUE(by_ad["data"][i].contains("clicks"));
  }
  EXPECT_EQ(by_ad["data"][0]["ad_name"], "a1");
  const json by_campaign =
      json::parse(call("GET", "/v19.0/act_1/insights?level=campaign&fields=campaign_id").body);
  ASSERT_EQ(by_campaign["data"].size(), 1u);
  EXPECT_EQ(by_campaign["data"][0]["campaign_id"], campaign);
  const Response above = call("GET", "/v19.0/" + ads[0] + "/insights?level=campaign");
  EXPECT_EQ(above.status, 400);
  EXPECT_THAT(error_of(above)["message"].get<std::string>(), HasSubstr("level"));
  const Response unknown = call("GET", "/v19.0/act_1/insights?level=creative");
  EXPECT_THAT(error_of(unknown)["message"].get<std::string>(),
              HasSubstr("account, campaign, adset, ad"));
}

class MetaGraphReportTest : public MetaGraphTest {
 protected:
  static MetaGraphOptions slow() {
    MetaGraphOptions o;
    o.report_duration = std::chrono::hours(1);
    return o;
  }
  MetaGraphReportTest() : MetaGraphTest(slow()) {}
};

TEST_F(MetaGraphReportTest, UnfinishedReportRunRefusesResults) {
  const json run = json::parse(call("POST", "/v19.0/act_3/insights", "date_preset=last_3d").body);
  const std::string id = run["report_run_id"];
  const json status = json::parse(call("GET", "/v19.0/" + id).body);
  EXPECT_THAT(status["async_status"].get<std::string>(), HasSubstr("Job"));
  EXPECT_LT(status["async_percent_completion"].get<int>(), 100);
  EXPECT_EQ(error_of(call("GET", "/v19.0/" + id + "/insights"))["code"], 2601);
}

class MetaGraphInstantReportTest : public MetaGraphTest {
 protected:
  static MetaGraphOptions instant() {
    MetaGraphOptions o;
    o.report_duration = std::chrono::milliseconds(0);
    return o;
  }
  MetaGraphInstantReportTest() : MetaGraphTest(instant()) {}
};

TEST_F(MetaGraphInstantReportTest, CompletedReportRunMatchesSyncInsights) {
  const std::string id = json::parse(
      call("POST", "/v19.0/act_3/insights", "date_preset=last_3d").body)["report_run_id"];
  EXPECT_EQ(json::parse(call("GET", "/v19.0/" + id).body)["async_status"], "Job Completed");
  const json async_rows = json::parse(call("GET", "/v19.0/" + id + "/insights").body);
  const json sync_rows = json::parse(call("GET", "/v19.0/act_3/insights?date_preset=last_3d").body);
  EXPECT_EQ(async_rows, sync_rows);
}

}  // namespace
}  // namespace gauntlet::mocks

'use strict';
// The meta-graph mock as Meta's official Marketing API SDK (facebook-nodejs-business-sdk) sees
// it: the SDK's own objects create, read, page, report and batch against the mock, with access
// tokens required, and throttling surfaces with Meta's codes and usage headers.
//   node meta_graph_sdk.test.js <path of mock-meta-graph>
const test = require('node:test');
const assert = require('node:assert/strict');
const { startMock, waitFor, requireInstalled } = require('./lib/mock_process');

const sdk = requireInstalled('facebook-nodejs-business-sdk');
const { FacebookAdsApi, FacebookAdsApiBatch, AdAccount, Campaign, AdReportRun, AdsInsights } = sdk;

const kToken = 'contract-test-token';
let mock;
let api;
const account = () => new AdAccount('act_4242');
const state = { campaigns: [] };

test.before(async () => {
  mock = await startMock(process.argv[2], ['--require-token', '1', '--report-ms', '100']);
  // The SDK builds every URL from FacebookAdsApi.GRAPH: point it at the mock.
  Object.defineProperty(FacebookAdsApi, 'GRAPH', { get: () => mock.url, configurable: true });
  api = FacebookAdsApi.init(kToken, 'en_US', false);  // no crash reporter
});
test.after(async () => { if (mock) await mock.stop(); });

async function admin(path, body) {
  const res = await fetch(mock.url + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

test('creates a campaign, an ad set and an ad with the SDK objects', async () => {
  const campaign = await account().createCampaign([], {
    name: 'contract campaign 0', objective: 'OUTCOME_TRAFFIC', status: 'PAUSED',
    special_ad_categories: [], daily_budget: 5000,
  });
  assert.match(campaign.id, /^\d{15}$/);
  state.campaigns.push(campaign.id);
  const adset = await account().createAdSet([], {
    name: 'contract adset', campaign_id: campaign.id, daily_budget: 2000,
    billing_event: 'IMPRESSIONS', optimization_goal: 'REACH',
    targeting: { geo_locations: { countries: ['US'] } }, status: 'PAUSED',
  });
  assert.match(adset.id, /^\d{15}$/);
  const ad = await account().createAd([], {
    name: 'contract ad', adset_id: adset.id, creative: { creative_id: '777' }, status: 'PAUSED',
  });
  assert.match(ad.id, /^\d{15}$/);
  Object.assign(state, { adset: adset.id, ad: ad.id });
});

test('reads the fields asked for, and only the id without fields', async () => {
  const read = await new Campaign(state.campaigns[0]).read([Campaign.Fields.name,
                                                            Campaign.Fields.daily_budget]);
  assert.equal(read.name, 'contract campaign 0');
  assert.equal(read.daily_budget, '5000');  // minor units, as a string, as Meta sends it
  assert.equal(read.status, undefined);     // not asked for
  const bare = await new Campaign(state.campaigns[0]).read();
  assert.deepEqual(Object.keys(bare._data).sort(), ['id']);
});

test("pages with the SDK's cursor both ways, the query carried by the links", async () => {
  for (let i = 1; i < 5; i++) {
    const c = await account().createCampaign([], {
      name: `contract campaign ${i}`, objective: 'OUTCOME_SALES', special_ad_categories: [],
    });
    state.campaigns.push(c.id);
  }
  const cursor = await account().getCampaigns([Campaign.Fields.name], { limit: 2 });
  const names = cursor.map((c) => c.name);
  assert.equal(cursor.hasPrevious(), false);
  let pages = 1;
  while (cursor.hasNext()) {
    await cursor.next();  // follows paging.next as it is: token, fields and limit must be in it
    names.push(...cursor.map((c) => c.name));
    pages++;
  }
  assert.equal(pages, 3);
  assert.deepEqual(names, [0, 1, 2, 3, 4].map((i) => `contract campaign ${i}`));
  assert.equal(cursor.hasPrevious(), true);
  await cursor.previous();
  assert.deepEqual(cursor.map((c) => c.name), ['contract campaign 2', 'contract campaign 3']);
});

test('sync insights: a row per day with the ids asked for, at the level asked for', async () => {
  const rows = await new Campaign(state.campaigns[0]).getInsights(
    [AdsInsights.Fields.campaign_id, AdsInsights.Fields.impressions],
    { date_preset: 'last_7d', time_increment: 1 });
  assert.equal(rows.length, 7);
  for (const row of rows) {
    assert.equal(row.campaign_id, state.campaigns[0]);
    assert.equal(row.date_start, row.date_stop);
    assert.match(row.impressions, /^\d+$/);
    assert.equal(row._data.object_id, undefined);
  }
  const byAd = await account().getInsights(
    [AdsInsights.Fields.ad_id, AdsInsights.Fields.adset_id, AdsInsights.Fields.campaign_id,
     AdsInsights.Fields.clicks],
    { level: 'ad', date_preset: 'last_3d' });
  assert.equal(byAd.length, 1);
  assert.equal(byAd[0].ad_id, state.ad);
  assert.equal(byAd[0].adset_id, state.adset);
  assert.equal(byAd[0].campaign_id, state.campaigns[0]);
});

test('async insights: the SDK posts JSON numbers, polls the run and reads its rows', async () => {
  const run = await account().getInsightsAsync(
    [AdsInsights.Fields.campaign_id, AdsInsights.Fields.spend],
    { level: 'campaign', date_preset: 'last_7d', time_increment: 1 });
  assert.ok(run instanceof AdReportRun);
  assert.match(run.id, /^\d{15}$/);
  const done = await waitFor(async () => {
    const status = await run.read([AdReportRun.Fields.async_status,
                                   AdReportRun.Fields.async_percent_completion]);
    return status.async_status === 'Job Completed' && status;
  });
  assert.ok(done, 'the report run did not complete within 10 s');
  assert.equal(done.async_percent_completion, 100);
  const rows = await run.getInsights([AdsInsights.Fields.campaign_id, AdsInsights.Fields.spend]);
  assert.equal(rows.length, 7 * state.campaigns.length);  // a row per campaign and day
  assert.deepEqual(new Set(rows.map((r) => r.campaign_id)), new Set(state.campaigns));
});

test('batch: each part answered in order, failures as Meta errors', async () => {
  const ok = [];
  const failed = [];
  const batch = new FacebookAdsApiBatch(api, undefined, undefined);
  const onOk = (r) => ok.push(r);
  const onFail = (r) => failed.push(r);
  batch.add('GET', [state.campaigns[0]], { fields: 'name,status' }, null, onOk, onFail);
  batch.add('POST', [state.campaigns[0]], { status: 'ACTIVE' }, null, onOk, onFail);
  batch.add('GET', ['404404'], { fields: 'name' }, null, onOk, onFail);
  const retry = await batch.execute();
  assert.equal(retry, null);
  assert.equal(ok.length, 2);
  assert.equal(ok[0].body.name, 'contract campaign 0');
  assert.equal(ok[1].body.success, true);
  assert.equal(failed.length, 1);
  assert.equal(failed[0].body.error.code, 100);
  assert.equal(failed[0].body.error.error_subcode, 33);
  const after = await new Campaign(state.campaigns[0]).read([Campaign.Fields.status]);
  assert.equal(after.status, 'ACTIVE');
});

test('throttling surfaces with the codes, is_transient and the usage headers', async () => {
  await admin('/__admin/rate_limits', { ads_management_limit: 2, insights_limit: 1,
                                        window_ms: 600000 });
  const throttled = new AdAccount('act_77');
  await throttled.getCampaigns([Campaign.Fields.name]);
  await throttled.getCampaigns([Campaign.Fields.name]);
  await assert.rejects(throttled.getCampaigns([Campaign.Fields.name]), (err) => {
    assert.equal(err.name, 'FacebookRequestError');
    assert.equal(err.status, 400);
    assert.equal(err.response.code, 80004);
    assert.equal(err.response.error_subcode, 2446079);
    assert.equal(err.response.is_transient, true);
    const usage = JSON.parse(err.headers['x-business-use-case-usage']);
    assert.equal(usage['77'][0].type, 'ads_management');
    assert.equal(usage['77'][0].call_count, 100);
    assert.ok(usage['77'][0].estimated_time_to_regain_access >= 1);
    assert.ok(JSON.parse(err.headers['x-app-usage']).call_count >= 0);
    assert.ok(JSON.parse(err.headers['x-ad-account-usage']).acc_id_util_pct >= 0);
    return true;
  });
  await throttled.getInsights([AdsInsights.Fields.impressions]);
  await assert.rejects(throttled.getInsights([AdsInsights.Fields.impressions]), (err) => {
    assert.equal(err.response.code, 80000);
    assert.equal(err.response.is_transient, true);
    return true;
  });
  // Without the token the SDK sends, the mock refuses with #190, not transient.
  const res = await fetch(`${mock.url}/v24.0/act_77/campaigns`);
  const body = await res.json();
  assert.equal(body.error.code, 190);
  assert.equal(body.error.is_transient, false);
});

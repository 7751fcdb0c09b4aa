'use strict';
// The hubspot mock's webhook deliveries as HubSpot's official client (@hubspot/api-client) sees
// them: every delivery passes Signature.isValid, v1 and v3, and tampered copies do not; events
// carry the fields of their subscription type; unknown types are refused.
//   node hubspot_signature.test.js <path of mock-hubspot>
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startMock, waitFor, requireInstalled } = require('./lib/mock_process');

const { Signature } = requireInstalled('@hubspot/api-client');

const kSecret = 'contract-client-secret';
let mock;
let receiver;
const deliveries = [];  // {method, url, headers, body}

test.before(async () => {
  mock = await startMock(process.argv[2]);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      deliveries.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
test.after(async () => {
  if (receiver) await new Promise((resolve) => receiver.close(resolve));
  if (mock) await mock.stop();
});

function emit(fields) {
  return fetch(`${mock.url}/__admin/emit`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      target_url: `http://127.0.0.1:${receiver.address().port}/hooks/hubspot`,
      secret: kSecret, rate_per_s: 200, ...fields,
    }),
  });
}

async function deliveriesOf(type, count) {
  const of = () => deliveries.filter((d) => JSON.parse(d.body)[0].subscriptionType === type);
  await waitFor(() => of().length >= count);
  return of();
}

// What the receiver rebuilds from the request, as HubSpot's docs say: the full URL it was sent to.
const v1 = (d, overrides = {}) => Signature.isValid({
  signatureVersion: 'v1', clientSecret: kSecret, requestBody: d.body,
  signature: d.headers['x-hubspot-signature'], ...overrides,
});
const v3 = (d, overrides = {}) => Signature.isValid({
  signatureVersion: 'v3', method: d.method, clientSecret: kSecret, requestBody: d.body,
  url: `http://${d.headers.host}${d.url}`, timestamp: Number(d.headers['x-hubspot-request-timestamp']),
  signature: d.headers['x-hubspot-signature-v3'], ...overrides,
});

test('every delivery passes Signature.isValid v1 and v3', async () => {
  const res = await emit({ subscription_type: 'contact.propertyChange', batches: 4,
                           events_per_batch: 3 });
  assert.equal(res.status, 202, await res.text());
  const got = await deliveriesOf('contact.propertyChange', 4);
  assert.equal(got.length, 4);
  for (const d of got) {
    assert.equal(d.headers['x-hubspot-signature-version'], 'v1');
    assert.equal(v1(d), true, `v1 signature refused for ${d.body.slice(0, 80)}`);
    assert.equal(v3(d), true, `v3 signature refused for ${d.body.slice(0, 80)}`);
  }
});

test('tampered copies are refused by the same checks', async () => {
  const [d] = await deliveriesOf('contact.propertyChange', 1);
  const events = JSON.parse(d.body);
  events[0].propertyValue = 'lead';
  const tamperedBody = JSON.stringify(events);
  assert.equal(v1(d, { requestBody: tamperedBody }), false);
  assert.equal(v3(d, { requestBody: tamperedBody }), false);
  assert.equal(v1(d, { clientSecret: 'another-secret' }), false);
  assert.equal(v3(d, { clientSecret: 'another-secret' }), false);
  assert.equal(v3(d, { url: `http://${d.headers.host}/hooks/elsewhere` }), false);
  assert.equal(v3(d, { timestamp: Number(d.headers['x-hubspot-request-timestamp']) + 1 }), false);
  // A stale timestamp (over 5 minutes) is refused outright by the client.
  assert.throws(() => v3(d, { timestamp: Date.now() - 301000 }), /Timestamp is invalid/);
});

test('events carry the fields of their subscription type', async () => {
  const created = await emit({ subscription_type: 'contact.creation', batches: 1,
                               events_per_batch: 2 });
  assert.equal(created.status, 202, await created.text());
  const deleted = await emit({ subscription_type: 'deal.deletion', batches: 1,
                               events_per_batch: 2 });
  assert.equal(deleted.status, 202, await deleted.text());
  const [creation] = await deliveriesOf('contact.creation', 1);
  const [deletion] = await deliveriesOf('deal.deletion', 1);
  const [change] = await deliveriesOf('contact.propertyChange', 1);
  for (const d of [creation, deletion]) {
    assert.equal(v1(d), true);
    assert.equal(v3(d), true);
  }
  for (const e of JSON.parse(creation.body)) {
    assert.equal(e.changeFlag, 'CREATED');
    assert.equal(e.propertyName, undefined);
    assert.equal(e.propertyValue, undefined);
  }
  for (const e of JSON.parse(deletion.body)) assert.equal(e.changeFlag, 'DELETED');
  for (const e of JSON.parse(change.body)) {
    assert.equal(e.changeFlag, undefined);
    assert.equal(typeof e.propertyName, 'string');
    assert.equal(typeof e.propertyValue, 'string');
  }
});

test('an unknown subscription type is refused naming it and the known ones', async () => {
  const res = await emit({ subscription_type: 'contact.teleported' });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.match(text, /contact\.teleported/);
  assert.match(text, /contact\.creation/);
  assert.match(text, /deal\.propertyChange/);
});

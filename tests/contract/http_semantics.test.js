'use strict';
// The mocks' HTTP as Node's own client (llhttp, strict) sees it: HEAD answered wherever GET is,
// with GET's headers and no body, and Expect: 100-continue answered at once.
//   node http_semantics.test.js <path of a mock binary, e.g. mock-meta-graph>
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startMock } = require('./lib/mock_process');

let mock;
test.before(async () => { mock = await startMock(process.argv[2]); });
test.after(async () => { if (mock) await mock.stop(); });

// One request on a fresh connection; resolves to {status, headers, body, continued} or rejects
// with the parser's error (HPE_INVALID_CONSTANT for bytes after a HEAD answer). With Expect, Node
// sends the body only on 100 Continue and waits for it forever: the 5 s bound makes a server
// that never answers a failure, not a hang.
function request(method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(`${mock.url}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text,
                                    continued }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    if (headers.Expect) {
      req.on('continue', () => { continued = true; req.end(body); });
    } else {
      req.end(body);
    }
  });
}

test('HEAD is answered wherever GET is, with its headers and no body', async () => {
  const get = await request('GET', '/health');
  const head = await request('HEAD', '/health');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-type'], get.headers['content-type']);
  assert.ok(Number(head.headers['content-length']) > 0);
  // Two HEADs on one keep-alive connection: leftover body bytes would break the second answer.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 2; i++) {
    const res = await new Promise((resolve, reject) => {
      http.request(`${mock.url}/health`, { method: 'HEAD', agent }, resolve)
        .on('error', reject).end();
    });
    assert.equal(res.statusCode, 200);
    res.resume();
  }
  agent.destroy();
});

test('Expect: 100-continue hears 100 at once, or the final status without sending the body', async () => {
  const body = JSON.stringify({ faults: 'none' });
  const read = await request('POST', '/__admin/faults', {
    headers: { Expect: '100-continue', 'Content-Type': 'application/json',
               'Content-Length': Buffer.byteLength('{"reset":true}') },
    body: '{"reset":true}',
  });
  assert.equal(read.continued, true);
  assert.equal(read.status, 200);
  const refused = await request('POST', '/no/such/route', {
    headers: { Expect: '100-continue', 'Content-Length': Buffer.byteLength(body) }, body,
  });
  assert.equal(refused.continued, false);
  assert.equal(refused.status, 404);
});

'use strict';
// Starts a mock binary as its own process on a free loopback port and stops it again. The mock
// writes its port to --port-file once listening; stop() sends SIGTERM, waits for the exit (SIGKILL
// after 5 s) and removes the temporary directory. A process still running when Node exits (a
// failed assertion, an exception) is killed then, so no test leaves one behind.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves to {url, stop} once `binary` (a mock-* executable) is listening; rejects naming the
// binary and its stderr when it exits first or does not listen within 10 s.
async function startMock(binary, args = []) {
  if (!binary || !fs.existsSync(binary)) {
    throw new Error(`mock binary "${binary}" does not exist: build it first (scripts/setup)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-contract-'));
  const portFile = path.join(dir, 'port');
  const child = spawn(binary, ['--port', '0', '--port-file', portFile, '--log-level', 'warn', ...args],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    live.delete(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10000;
  while (!fs.existsSync(portFile)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${binary} did not start listening: ${stderr.trim() || 'no output'}`);
    }
    await sleep(20);
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());
  return { url: `http://127.0.0.1:${port}`, stop };
}

// Polls `probe` (an async function returning a truthy value when done) every 50 ms for at most
// `ms`; resolves to its last value. A contract that is never met fails the caller's assertion.
async function waitFor(probe, ms = 10000) {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!value && Date.now() < deadline) {
    await sleep(50);
    value = await probe();
  }
  return value;
}

// Fails fast, naming the fix, when `npm ci` has not been run in tests/contract.
function requireInstalled(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`contract: cannot load ${name} (${e.code}): run scripts/setup, which runs ` +
                  '`npm ci` in tests/contract');
    process.exit(1);
  }
}

module.exports = { startMock, waitFor, requireInstalled };

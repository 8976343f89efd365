'use strict';
// yunfn built-in Node.js runtime.
//
// The platform starts this file as `node bootstrap.js` with the function's code
// directory as working directory (docs/runtime-protocol.md). It loads the handler named
// by `_HANDLER` (`file.func`), reports `init/ready` (or `init/error`), then serves
// invocations one at a time over the runtime API: `next` -> `func(event, context[,
// callback])` -> `response` / `error`.
//
// CommonJS, no dependencies; runs on Node.js 16 and later. Node is single-threaded:
// the bootstrap and the handler share the one event loop, and at most one invocation
// (`current`) is in flight.

const http = require('http');
const net = require('net');
const path = require('path');

const env = process.env;
const API_HOST = env.SCF_RUNTIME_API || '127.0.0.1';
const API_PORT = Number(env.SCF_RUNTIME_API_PORT) || 9001;
const NEXT = '/runtime/invocation/next';
const RESPONSE = '/runtime/invocation/response';
const ERROR = '/runtime/invocation/error';

// Environment variables the platform or the OS sets. Everything else, except names
// under the reserved SCF_ / QCLOUD_ / TENCENTCLOUD_ prefixes (which user variables may
// not use) and locale LC_* names, is one of the function's own variables and goes into
// context.environment / context.environ.
const SYSTEM_VARIABLES = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'PWD', 'OLDPWD', 'SHELL',
  'SHLVL', 'HOSTNAME', 'TERM', 'TMPDIR', '_', 'USER_CODE_ROOT', '_HANDLER',
  '_SCF_SERVER_PORT', 'TRIGGER_SRC', 'PYTHONPATH', 'PYTHONUNBUFFERED',
  'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'NODE_PATH', 'LD_LIBRARY_PATH',
  'CLASSPATH', 'PHP_INI_SCAN_DIR', 'OS_NAMESERVER',
]);
const NON_USER_PREFIX = /^(SCF_|QCLOUD_|TENCENTCLOUD_|LC_)/;

// One keep-alive connection to the platform. Free sockets are unref'd by the agent,
// so an idle connection does not keep the event loop alive (see waitForEmptyLoop).
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

let phase = 'init';      // 'init' -> 'serving' -> 'exiting'
let current = null;      // the Invocation being served, if any
let drainWaiter = null;  // an Invocation waiting for the event loop to empty

// ---------------------------------------------------------------------------------
// Runtime API client

// The framed channel on the socket the platform handed over, when it did
// (docs/runtime-protocol.md): frames of a 4-byte big-endian length, a type byte
// and a payload. `send` below maps each runtime API call onto it.
const FRAME_TYPES = {
  '/runtime/init/ready': 'r', '/runtime/init/error': 'i', [RESPONSE]: 'R', [ERROR]: 'E',
};
const channel = openChannel(env.YUNFN_RUNTIME_FD);
delete env.YUNFN_RUNTIME_FD;  // the platform's, not the function's

function openChannel(fd) {
  if (!fd) return null;
  const socket = new net.Socket({ fd: Number(fd), readable: true, writable: true });
  // Held only while an event is awaited, so it never keeps a finished handler's loop alive.
  socket.unref();
  const ch = { socket, buffer: Buffer.alloc(0), waiter: null, closed: false };
  socket.on('data', (chunk) => {
    ch.buffer = ch.buffer.length ? Buffer.concat([ch.buffer, chunk]) : chunk;
    takeFrames(ch);
  });
  const gone = () => {
    ch.closed = true;
    const waiter = ch.waiter;
    ch.waiter = null;
    if (waiter) waiter.reject(new Error('channel closed by the platform'));
  };
  socket.on('close', gone);
  socket.on('error', gone);
  return ch;
}

// Hands each complete event frame to the waiting `send`.
function takeFrames(ch) {
  while (ch.buffer.length >= 4) {
    const size = ch.buffer.readUInt32BE(0);
    if (ch.buffer.length < 4 + size) return;
    const frame = ch.buffer.subarray(4, 4 + size);
    ch.buffer = ch.buffer.subarray(4 + size);
    const waiter = ch.waiter;
    ch.waiter = null;
    ch.socket.unref();
    if (!waiter) continue;
    if (frame[0] !== 'N'.charCodeAt(0)) {
      waiter.reject(new Error('unexpected frame from the platform'));
      continue;
    }
    const fields = [];
    let at = 1;
    for (let i = 0; i < 3; i++) {
      const end = frame.indexOf(10, at);
      fields.push(frame.toString('utf8', at, end));
      at = end + 1;
    }
    waiter.resolve({
      status: 200,
      headers: { request_id: fields[0], memory_limit_in_mb: fields[1], time_limit_in_ms: fields[2] },
      body: frame.toString('utf8', at),
    });
  }
}

function sendFramed(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    if (channel.closed) {
      reject(new Error('channel closed by the platform'));
      return;
    }
    const wantsEvent = method === 'GET' || urlPath.endsWith('/next');
    const type = FRAME_TYPES[urlPath === NEXT ? NEXT : urlPath.replace(/\/next$/, '')];
    const done = () => resolve({ status: 200, headers: {}, body: '' });
    if (type) {
      const header = Buffer.alloc(5);
      header.writeUInt32BE(body.length + 1, 0);
      header[4] = type.charCodeAt(0);
      channel.socket.write(Buffer.concat([header, body]), wantsEvent ? undefined : done);
    }
    if (!wantsEvent) {
      if (!type) done();
      return;
    }
    channel.waiter = { resolve, reject };
    channel.socket.ref();
  });
}

// Sends one request and resolves to {status, headers, body}. A keep-alive connection
// the platform closed while idle is retried once on a fresh one.
function send(method, urlPath, body, retried) {
  if (channel) return sendFramed(method, urlPath, body);
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} :
      { 'Content-Type': 'application/json', 'Content-Length': body.length };
    const req = http.request(
      { host: API_HOST, port: API_PORT, method, path: urlPath, agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error(`${method} ${urlPath}: connection lost`));
        });
        res.on('end', () => resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }));
      });
    req.on('error', (err) => {
      if (!retried && req.reusedSocket) {
        resolve(send(method, urlPath, body, true));
      } else {
        reject(err);
      }
    });
    req.end(body);
  });
}

// POSTs a UTF-8 text body; the answer (200, or 400 when no invocation runs) is ignored.
function post(urlPath, text) {
  return send('POST', urlPath, Buffer.from(text, 'utf8'));
}

// ---------------------------------------------------------------------------------
// Output and error formatting

// Resolves once everything written so far to `stream` has reached the OS. Pipes and
// files on Linux are written synchronously, so usually nothing is pending.
function flushStream(stream) {
  return new Promise((resolve) => {
    if (!stream || stream.destroyed || !stream.writable || stream.writableLength === 0) {
      resolve();
      return;
    }
    stream.write('', () => resolve());
  });
}

function flushOutput() {
  return Promise.all([flushStream(process.stdout), flushStream(process.stderr)]);
}

function writeLog(text) {
  try {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  } catch (_) {
    // A broken log stream must not fail the invocation.
  }
}

function isErrorLike(value) {
  return value instanceof Error || (value !== null && typeof value === 'object' &&
    typeof value.message === 'string' && typeof value.stack === 'string');
}

// A readable text for a non-Error value used as an error (callback('boom'), throw 42).
function describe(value) {
  try {
    const text = String(value);
    if (text === '[object Object]') return JSON.stringify(value);
    return text;
  } catch (_) {
    return require('util').inspect(value);
  }
}

// The error JSON the platform expects (the shape of SCF's RetMsg on user errors).
function errorOutcome(err) {
  let body;
  let log;
  if (isErrorLike(err)) {
    const name = String(err.name || 'Error');
    const message = String(err.message);
    log = String(err.stack || `${name}: ${message}`);
    body = { errorCode: -1, errorMessage: message, errorType: name, stackTrace: log };
  } else {
    log = describe(err);
    body = { errorCode: -1, errorMessage: log, errorType: 'Error', stackTrace: '' };
  }
  return { path: ERROR, body: JSON.stringify(body), log };
}

// A return value serialized as JSON (undefined becomes null); unserializable values,
// e.g. circular structures or BigInt, make the invocation fail with a TypeError.
function resultOutcome(value) {
  try {
    const text = JSON.stringify(value);
    return { path: RESPONSE, body: text === undefined ? 'null' : text, log: null };
  } catch (err) {
    return errorOutcome(err);
  }
}

// ---------------------------------------------------------------------------------
// Handler loading (init)

// Resolves `file.func` against the code directory and returns the function. `file` may
// name a sub directory (`src/index.main_handler`); the function is what follows the
// last dot. An ES module (`index.mjs`, or `.js` in a "type": "module" package) is
// loaded with import().
async function loadHandler(spec, codeDir) {
  const dot = spec.lastIndexOf('.');
  const file = spec.slice(0, dot);
  const func = spec.slice(dot + 1);
  if (dot < 0 || file.endsWith('/') || !file || !/^[A-Za-z_$][\w$]*$/.test(func)) {
    throw new Error(`invalid handler '${spec}': expected <file>.<function>, ` +
                    'e.g. index.main_handler');
  }
  const mod = await loadModule(path.resolve(codeDir, file));
  let fn = mod ? mod[func] : undefined;
  if (typeof fn !== 'function' && mod && mod.default) fn = mod.default[func];
  if (typeof fn !== 'function') {
    throw new TypeError(`handler '${spec}' not found: '${file}' does not export a ` +
                        `function named '${func}' (got ${typeof fn})`);
  }
  return fn;
}

async function loadModule(target) {
  const { pathToFileURL } = require('url');
  try {
    return require(target);
  } catch (err) {
    if (err && err.code === 'ERR_REQUIRE_ESM') {
      return import(pathToFileURL(require.resolve(target)).href);
    }
    if (err && err.code === 'MODULE_NOT_FOUND' && require('fs').existsSync(`${target}.mjs`)) {
      return import(pathToFileURL(`${target}.mjs`).href);
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------
// Context

function toInt(text, fallback) {
  const n = parseInt(text, 10);
  return Number.isNaN(n) ? fallback : n;
}

// The per-instance part of every context, computed once.
function fixedContext() {
  const namespace = env.SCF_NAMESPACE || 'default';
  const user = {};
  for (const [key, value] of Object.entries(env)) {
    if (!SYSTEM_VARIABLES.has(key) && !NON_USER_PREFIX.test(key)) user[key] = value;
  }
  user.SCF_NAMESPACE = namespace;
  const pairs = Object.entries(user).map(([k, v]) => `${k}=${v}`);
  pairs.push(`SCF_NAMESPACE=${namespace}`);  // SCF repeats it at the end of `environ`
  return {
    environment: JSON.stringify(user),
    environ: pairs.join(';'),
    function_version: env.SCF_FUNCTIONVERSION || '$LATEST',
    function_name: env.SCF_FUNCTIONNAME || '',
    namespace,
    tencentcloud_region: env.TENCENTCLOUD_REGION || '',
    tencentcloud_appid: env.TENCENTCLOUD_APPID || '',
    tencentcloud_uin: env.TENCENTCLOUD_UIN || '',
  };
}

const defaultMemory = toInt(env.SCF_MEMORY_SIZE, 128);
const defaultTimeMs = toInt(env.SCF_TIMEOUT, 3) * 1000;

function makeContext(headers, fixed) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    memory_limit_in_mb: toInt(headers.memory_limit_in_mb, defaultMemory),
    time_limit_in_ms: toInt(headers.time_limit_in_ms, defaultTimeMs),
    request_id: headers.request_id || '',
    ...fixed,
  };
}

// ---------------------------------------------------------------------------------
// Invocations

// One event being served. The first completion (return, promise, callback, uncaught
// error) is final; `ready` resolves when its outcome may be posted.
class Invocation {
  constructor() {
    this.outcome = null;
    this.posting = null;
    this.ready = new Promise((resolve) => { this.release = resolve; });
  }

  // Records the outcome if none is recorded yet. With `waitForEmptyLoop` the post is
  // held until the event loop has nothing left to do (callbackWaitsForEmptyEventLoop).
  finish(outcome, waitForEmptyLoop) {
    if (this.outcome) return;
    this.outcome = outcome;
    if (outcome.log !== null) writeLog(outcome.log);
    if (waitForEmptyLoop) {
      drainWaiter = this;
    } else {
      this.release();
    }
  }

  // Flushes the log and posts the outcome, once, however many callers ask. With
  // `andNext` the same exchange asks for the next event and resolves to it.
  post(andNext) {
    if (!this.posting) {
      const target = andNext ? `${this.outcome.path}/next` : this.outcome.path;
      this.posting = flushOutput().then(() => post(target, this.outcome.body));
    }
    return this.posting;
  }
}

// 'beforeExit' fires when the loop has emptied: the handler's background work is done.
function waitForEmptyLoop() {
  process.on('beforeExit', () => {
    const waiter = drainWaiter;
    drainWaiter = null;
    if (waiter) waiter.release();
  });
}

function parseEvent(body) {
  try {
    return JSON.parse(body);
  } catch (_) {
    return body;
  }
}

// Calls the handler and wires every way it can complete into `inv.finish`.
function runHandler(handler, event, context, inv) {
  const callback = (err, value) => {
    const failed = err !== undefined && err !== null && err !== false;
    inv.finish(failed ? errorOutcome(err) : resultOutcome(value),
               context.callbackWaitsForEmptyEventLoop !== false);
  };
  let returned;
  try {
    returned = handler(event, context, callback);
  } catch (err) {
    inv.finish(errorOutcome(err), false);
    return;
  }
  if (returned !== null && (typeof returned === 'object' || typeof returned === 'function') &&
      typeof returned.then === 'function') {
    Promise.resolve(returned).then((value) => inv.finish(resultOutcome(value), false),
                                   (err) => inv.finish(errorOutcome(err), false));
  } else if (handler.length < 3 || returned !== undefined) {
    // A plain return value; a callback-style handler that returns nothing is waited for.
    inv.finish(resultOutcome(returned), false);
  }
}

// An error nobody caught (uncaught exception, unhandled rejection): fail the running
// invocation with it (or init), then exit so the platform replaces the instance.
async function failFatally(err) {
  if (phase === 'exiting') return;
  const wasInit = phase === 'init';
  phase = 'exiting';
  try {
    if (wasInit) {
      await reportInitError(err);
    } else if (current) {
      current.finish(errorOutcome(err), false);
      current.release();
      await current.post();
    } else {
      writeLog(errorOutcome(err).log);
    }
  } catch (_) {
    // The platform is gone; nothing more to report.
  }
  process.exit(1);
}

async function reportInitError(err) {
  const outcome = errorOutcome(err);
  writeLog(outcome.log);
  await flushOutput();
  await post('/runtime/init/error', outcome.body);
}

// One exchange per invocation: the outcome is posted to `.../next`, whose answer
// is the next event (docs/runtime-protocol.md).
async function serve(handler, fixed) {
  let next = await send('GET', NEXT);
  while (phase === 'serving') {
    // A refused post (a result over the size limit) answers no event: ask again.
    if (next.status !== 200) next = await send('GET', NEXT);
    if (next.status !== 200) throw new Error(`next answered ${next.status}`);
    const inv = new Invocation();
    current = inv;
    runHandler(handler, parseEvent(next.body), makeContext(next.headers, fixed), inv);
    await inv.ready;
    next = await inv.post(true);
    current = null;
  }
}

async function main() {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  process.on('uncaughtException', failFatally);
  process.on('unhandledRejection', failFatally);
  waitForEmptyLoop();
  const fixed = fixedContext();  // before user code can change process.env
  let handler;
  try {
    handler = await loadHandler(env._HANDLER || '', process.cwd());
  } catch (err) {
    phase = 'exiting';
    await reportInitError(err).catch(() => {});
    process.exit(1);
  }
  if (phase !== 'init') return;  // an uncaught error during init is being reported
  phase = 'serving';
  try {
    await post('/runtime/init/ready', '{}');
    await serve(handler, fixed);
  } catch (_) {
    // The platform closed this instance's channel: nothing left to report to.
    if (phase !== 'exiting') process.exit(0);
  }
}

main();

'use strict';
// A yunfn / SCF web function in plain Node.js (no npm packages): scf_bootstrap starts
// this server on 0.0.0.0:9000 and the gateway forwards each HTTP request to it as-is,
// with the path below the function's base (/default/<function>).
//
//   GET  /                 a text greeting
//   GET  /hello?name=N     JSON greeting
//   POST /echo             the request (method, path, query, body) as JSON
//   GET  /request-info     what the gateway added: X-Scf-* headers

const http = require('http');

const PORT = 9000;
const MAX_BODY = 6 * 1024 * 1024; // the gateway's own limit

function sendJson(res, status, doc) {
  const body = JSON.stringify(doc, null, 2) + '\n';
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function route(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const key = `${req.method} ${url.pathname}`;
  if (key === 'GET /') {
    const text = 'Hello from a yunfn web function (Node.js ' + process.version + ')\n';
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  } else if (key === 'GET /hello') {
    const name = url.searchParams.get('name') || 'world';
    sendJson(res, 200, { greeting: `Hello, ${name}!` });
  } else if (key === 'POST /echo') {
    const body = await readBody(req);
    sendJson(res, 200, {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'] || null,
      bodyBytes: body.length,
      body: body.toString('utf8'),
    });
  } else if (key === 'GET /request-info') {
    const scf = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-scf-')) scf[name] = value;
    }
    sendJson(res, 200, { pid: process.pid, scfHeaders: scf });
  } else {
    sendJson(res, 404, { error: `no route for ${key}` });
  }
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    console.error('request failed:', err);
    if (!res.headersSent) sendJson(res, 500, { error: err.message });
    else res.destroy();
  });
});

// Keep idle connections from the gateway open longer than its own reuse window.
server.keepAliveTimeout = 65000;

server.listen(PORT, '0.0.0.0', () => {
  console.log(`web function listening on 0.0.0.0:${PORT}`);
});

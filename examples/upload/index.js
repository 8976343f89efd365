'use strict';
// A multi-file upload as a yunfn / SCF event function (runtime Nodejs18.15,
// handler index.main_handler) behind an apigw trigger created with --base64: the
// gateway hands the multipart/form-data body over base64-encoded, so binary files
// arrive intact. The handler parses the multipart body itself (no npm packages) and
// answers, through the integration response, the name, size and SHA-256 of each part.

const crypto = require('crypto');

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

function respond(statusCode, doc) {
  return {
    isBase64Encoded: false,
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(doc, null, 2) + '\n',
  };
}

// Parameters of a header value such as `form-data; name="a"; filename="x.txt"`.
// Quoted strings may hold `;` and backslash escapes; `filename*` (RFC 5987,
// UTF-8''percent-encoded) wins over `filename`.
function headerParams(value) {
  const params = {};
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  let m;
  while ((m = re.exec(value)) !== null) {
    const key = m[1].toLowerCase();
    params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3].trim();
  }
  if (params['filename*']) {
    const ext = /^([^']*)'[^']*'(.*)$/.exec(params['filename*']);
    if (ext) {
      try {
        params.filename = decodeURIComponent(ext[2]);
      } catch (e) {
        // keep the plain filename when the extended one is malformed
      }
    }
  }
  return params;
}

// Splits a multipart body into parts: [{headers, data}] (data is a Buffer). Throws
// an Error with a message for the client when the body is not well formed.
function parseMultipart(body, boundary) {
  const delimiter = Buffer.from('--' + boundary);
  const parts = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('the body does not contain the boundary');
  for (;;) {
    pos += delimiter.length;
    // `--` after a delimiter closes the body; anything after it is an epilogue.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    // Linear white space may follow the delimiter before its CRLF (RFC 2046).
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (!body.subarray(pos, pos + 2).equals(CRLF)) {
      throw new Error('a boundary line does not end with CRLF');
    }
    pos += 2;
    const headersEnd = body.indexOf(HEADER_END, pos);
    let headerText = '';
    let dataStart;
    if (body.subarray(pos, pos + 2).equals(CRLF)) {
      dataStart = pos + 2; // a part without headers
    } else if (headersEnd >= 0) {
      headerText = body.subarray(pos, headersEnd).toString('utf8');
      dataStart = headersEnd + 4;
    } else {
      throw new Error('a part has no end of headers');
    }
    // The data ends at CRLF + the next delimiter.
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), dataStart);
    if (next < 0) throw new Error('the body ends before the closing boundary');
    const headers = {};
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, data: body.subarray(dataStart, next) });
    pos = next + 2;
  }
}

exports.main_handler = async (event) => {
  const headers = event.headers || {};
  const contentType = headers['content-type'] || '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    return respond(415, { error: 'send multipart/form-data (curl -F name=@file ...)' });
  }
  const boundary = headerParams(contentType).boundary;
  if (!boundary) return respond(400, { error: 'the Content-Type has no boundary' });
  if (!event.isBase64Encoded) {
    // A text body would have lost every byte that is not valid UTF-8.
    return respond(500, {
      error: 'the body was not base64-encoded: create the trigger with --base64',
    });
  }

  const body = Buffer.from(event.body || '', 'base64');
  let parts;
  try {
    parts = parseMultipart(body, boundary);
  } catch (e) {
    return respond(400, { error: 'malformed multipart body: ' + e.message });
  }

  const result = parts.map((part) => {
    const disposition = headerParams(part.headers['content-disposition'] || '');
    const entry = { field: disposition.name || null };
    if (disposition.filename !== undefined) {
      entry.filename = disposition.filename;
      entry.contentType = part.headers['content-type'] || 'text/plain';
    }
    entry.size = part.data.length;
    entry.sha256 = crypto.createHash('sha256').update(part.data).digest('hex');
    return entry;
  });
  const files = result.filter((p) => p.filename !== undefined);
  console.log(`upload: ${parts.length} part(s), ${files.length} file(s), ${body.length} bytes`);
  return respond(200, {
    parts: result,
    files: files.length,
    totalBytes: result.reduce((sum, p) => sum + p.size, 0),
  });
};

// Exported for local checks (node -e "require('./index')._parseMultipart(...)").
exports._parseMultipart = parseMultipart;

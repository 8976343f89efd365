// Drives the yunfn bucket service with the official COS Node.js SDK
// (cos-nodejs-sdk-v5), virtual-host style through the SDK's `Ip` option, the
// way a function or a developer's machine would talk to a local COS.
// Environment: COS_PORT, COS_SECRET_ID, COS_SECRET_KEY, COS_BUCKET (existing),
// COS_WORKDIR (scratch files). Prints one JSON object with what it observed;
// exits 1 with the error on failure.
'use strict';

const COS = require('cos-nodejs-sdk-v5');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const Bucket = process.env.COS_BUCKET;
const Region = 'ap-guangzhou';
const port = process.env.COS_PORT;
const workdir = process.env.COS_WORKDIR;

const cos = new COS({
  SecretId: process.env.COS_SECRET_ID,
  SecretKey: process.env.COS_SECRET_KEY,
  Protocol: 'http:',
  Domain: '{Bucket}.cos.{Region}.myqcloud.com',
  Ip: '127.0.0.1:' + port,
});

function call(method, params) {
  return new Promise((resolve, reject) => {
    cos[method](Object.assign({ Bucket, Region }, params), (err, data) => {
      if (err) reject(new Error(method + ': ' + JSON.stringify(err)));
      else resolve(data);
    });
  });
}

function md5(buf) {
  return crypto.createHash('md5').update(buf).digest('hex');
}

function fetchUrl(url, host) {
  // A plain HTTP GET of a pre-signed URL (its host is the bucket's domain; the
  // connection goes to the local port with that Host kept).
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: '127.0.0.1', port, path: u.pathname + u.search,
                               headers: { Host: host || u.host } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  const out = {};
  // Simple objects with metadata.
  await call('putObject', { Key: 'node/hello.txt', Body: Buffer.from('hello from node'),
                            ContentType: 'text/plain', 'x-cos-meta-origin': 'node-sdk' });
  const got = await call('getObject', { Key: 'node/hello.txt' });
  out.get_body = got.Body.toString();
  out.get_meta = got.headers['x-cos-meta-origin'];
  out.get_request_id = got.headers['x-cos-request-id'] || '';
  const head = await call('headObject', { Key: 'node/hello.txt' });
  out.head_etag = head.ETag || head.headers.etag;
  out.head_length = head.headers['content-length'];
  const ranged = await call('getObject', { Key: 'node/hello.txt', Range: 'bytes=0-4' });
  out.range_body = ranged.Body.toString();

  // Listing with prefix and delimiter.
  for (const k of ['node/list/a/1', 'node/list/a/2', 'node/list/b', 'node/list/c/3'])
    await call('putObject', { Key: k, Body: Buffer.from(k) });
  const listed = await call('getBucket', { Prefix: 'node/list/', Delimiter: '/' });
  out.list_keys = listed.Contents.map((c) => c.Key);
  out.list_prefixes = listed.CommonPrefixes.map((p) => p.Prefix);

  // A 50 MB file through uploadFile (multipart over 1 MB parts), byte-exact.
  const big = crypto.randomBytes(50 * 1024 * 1024);
  const bigPath = path.join(workdir, 'big.bin');
  fs.writeFileSync(bigPath, big);
  const uploaded = await call('uploadFile', { Key: 'node/big.bin', FilePath: bigPath,
                                              SliceSize: 1024 * 1024, ChunkSize: 1024 * 1024 });
  out.upload_etag = uploaded.ETag;
  const bigBack = await call('getObject', { Key: 'node/big.bin' });
  out.big_md5_sent = md5(big);
  out.big_md5_got = md5(bigBack.Body);
  out.big_size_got = bigBack.Body.length;
  // sliceUploadFile too (the API uploadFile chooses for large files).
  const sliced = await call('sliceUploadFile', { Key: 'node/sliced.bin', FilePath: bigPath,
                                                 ChunkSize: 5 * 1024 * 1024 });
  out.sliced_etag = sliced.ETag;

  // A pre-signed URL fetched with plain HTTP.
  const url = await new Promise((resolve, reject) => {
    cos.getObjectUrl({ Bucket, Region, Key: 'node/hello.txt', Sign: true, Expires: 300 },
                     (err, data) => (err ? reject(err) : resolve(data.Url)));
  });
  const fetched = await fetchUrl(url);
  out.presigned_status = fetched.status;
  out.presigned_body = fetched.body.toString();

  // Copy, then multi-delete.
  await call('putObjectCopy', { Key: 'node/copy.txt',
                                CopySource: `${Bucket}.cos.${Region}.myqcloud.com/node/hello.txt` });
  const copied = await call('getObject', { Key: 'node/copy.txt' });
  out.copy_body = copied.Body.toString();
  const deleted = await call('deleteMultipleObject', {
    Objects: [{ Key: 'node/copy.txt' }, { Key: 'node/list/b' }, { Key: 'node/missing' }] });
  out.multi_deleted = deleted.Deleted.map((d) => d.Key).sort();
  await call('deleteObject', { Key: 'node/hello.txt' });
  try {
    await call('headObject', { Key: 'node/hello.txt' });
    out.head_after_delete = 200;
  } catch (e) {
    out.head_after_delete = String(e.message).includes('404') ? 404 : String(e.message);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});

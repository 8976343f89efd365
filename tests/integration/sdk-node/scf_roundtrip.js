// Drives a yunfn server with the official TencentCloud SCF SDK for Node.js and prints
// one JSON document with what each call returned (test_sdk_nodejs.py checks it).
//
// Input (environment): YUNFN_ENDPOINT (HOST:PORT), YUNFN_SECRET_ID, YUNFN_SECRET_KEY,
// SCF_TEST_FUNCTION (function name), SCF_TEST_ZIP (path of a file holding the base64 zip).
'use strict';

const fs = require('fs');
const tencentcloud = require('tencentcloud-sdk-nodejs-scf');

const ScfClient = tencentcloud.scf.v20180416.Client;

function makeClient() {
  return new ScfClient({
    credential: {
      secretId: process.env.YUNFN_SECRET_ID,
      secretKey: process.env.YUNFN_SECRET_KEY,
    },
    region: 'ap-guangzhou',
    profile: {
      httpProfile: {
        endpoint: process.env.YUNFN_ENDPOINT,
        protocol: 'http://',
        reqMethod: 'POST',
        reqTimeout: 120,
      },
    },
  });
}

// Runs one SDK call; returns {ok: response} or {error: {code, message, requestId}}.
async function attempt(fn) {
  try {
    return { ok: await fn() };
  } catch (err) {
    return { error: { code: err.code || null, message: String(err.message || err),
                      requestId: err.requestId || null } };
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const client = makeClient();
  const name = process.env.SCF_TEST_FUNCTION;
  const zip = fs.readFileSync(process.env.SCF_TEST_ZIP, 'utf8').trim();
  const out = {};

  out.create = await attempt(() => client.CreateFunction({
    FunctionName: name,
    Runtime: process.env.SCF_TEST_RUNTIME || 'Python3.9',
    Handler: 'index.main_handler',
    Code: { ZipFile: zip },
    MemorySize: 128,
    Timeout: 5,
    Description: 'created by the Node.js SDK',
    Environment: { Variables: [{ Key: 'FROM_SDK', Value: 'yes' }] },
  }));

  // Poll until the function leaves Creating.
  out.statuses = [];
  for (let i = 0; i < 300; i++) {
    const got = await attempt(() => client.GetFunction({ FunctionName: name }));
    out.get = got;
    const status = got.ok ? got.ok.Status : 'error';
    if (out.statuses[out.statuses.length - 1] !== status) out.statuses.push(status);
    if (status !== 'Creating') break;
    await sleep(100);
  }

  out.invoke = await attempt(() => client.Invoke({
    FunctionName: name,
    InvocationType: 'RequestResponse',
    ClientContext: JSON.stringify({ from: 'sdk', n: 1 }),
    LogType: 'Tail',
  }));

  out.invokeFunction = await attempt(() => client.InvokeFunction({
    FunctionName: name,
    Event: JSON.stringify({ from: 'sdk-invoke-function' }),
  }));

  const rid = out.invoke.ok && out.invoke.ok.Result && out.invoke.ok.Result.FunctionRequestId;
  for (let i = 0; i < 25; i++) {
    out.logs = await attempt(() => client.GetFunctionLogs({
      FunctionName: name, FunctionRequestId: rid, Offset: 0, Limit: 10,
    }));
    if (!out.logs.ok || out.logs.ok.TotalCount > 0) break;
    await sleep(200);
  }

  out.list = await attempt(() => client.ListFunctions({ SearchKey: name, Limit: 10 }));
  out.delete = await attempt(() => client.DeleteFunction({ FunctionName: name }));
  out.getAfterDelete = await attempt(() => client.GetFunction({ FunctionName: name }));

  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write('roundtrip crashed: ' + (err && err.stack || err) + '\n');
  process.exit(2);
});

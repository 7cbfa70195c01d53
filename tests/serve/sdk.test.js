// The vendors' own SDKs against `imgbaseline serve` (driven by tests/serve/sdk.sh).
// For every API the SDK's parsed response must equal the CLI's `--store --format X` output
// for the same history (RequestId aside), and the documented errors must reach the SDK.
//
// Environment: IMGB_URL (http://127.0.0.1:PORT), IMGB_CLI, IMGB_STORE, IMGB_IMAGE_ID,
// IMGB_PROJECT_A, IMGB_PROJECT_B, NODE_PATH (the npm packages).
'use strict';
const assert = require('assert');
const { execFileSync } = require('child_process');
const http = require('http');
const RPCClient = require('@alicloud/pop-core').RPCClient;
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder');
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials');

const URL_ = process.env.IMGB_URL;
const PORT = Number(new URL(URL_).port);
const VERSION = '2018-12-03';
let failures = 0;

function cli(format, args, tenant) {
  const out = execFileSync(process.env.IMGB_CLI,
    ['scan', '--store', process.env.IMGB_STORE, '--tenant', tenant, '--format', format, ...args],
    { encoding: 'utf8' });
  return JSON.parse(out);
}

function withoutVolatile(o) {
  const c = JSON.parse(JSON.stringify(o));
  delete c.RequestId;
  delete c.httpStatusCode;
  delete c['X-Request-Id']; // the Huawei SDK adds the asked-for response header

  return c;
}

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

function pop(ak, sk) {
  return new RPCClient({ accessKeyId: ak, accessKeySecret: sk, endpoint: URL_,
                         apiVersion: VERSION, opts: { timeout: 10000 } });
}

function acs3(ak, sk) {
  const config = new OpenApi.Config({ accessKeyId: ak, accessKeySecret: sk,
                                      endpoint: `127.0.0.1:${PORT}`, protocol: 'HTTP' });
  return new OpenApi.default(config);
}

async function acs3Call(client, action, query) {
  const params = new OpenApi.Params({ action, version: VERSION, protocol: 'HTTP', pathname: '/',
                                      method: 'POST', authType: 'AK', style: 'RPC',
                                      reqBodyType: 'formData', bodyType: 'json' });
  const req = new OpenApi.OpenApiRequest({ query: OpenApi.default.query ? query : query });
  const r = await client.callApi(params, req, new Util.RuntimeOptions({ readTimeout: 10000,
                                                                      connectTimeout: 10000 }));
  return r.body;
}

function huawei(ak, sk, project) {
  const cred = new BasicCredentials().withAk(ak).withSk(sk).withProjectId(project);
  return new ClientBuilder((c) => c).withCredential(cred).withEndpoint(URL_).build();
}

async function hwCall(client, path, query) {
  return client.sendRequest({ method: 'GET', url: `/v5/{project_id}/image/baseline/${path}`,
                              contentType: 'application/json', queryParams: query,
                              pathParams: {}, headers: {}, responseHeaders: ['X-Request-Id'] });
}

function tokenGet(path, token) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: PORT, path, headers: { 'X-Auth-Token': token } }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(b),
                                    rid: res.headers['x-request-id'] }));
    }).on('error', reject);
  });
}

async function rejects(promise, pred, what) {
  let err = null;
  try { await promise; } catch (e) { err = e; }
  assert.ok(err, `${what}: the SDK did not raise`);
  assert.ok(pred(err), `${what}: unexpected error ${JSON.stringify({ code: err.code,
    status: err.httpStatusCode || err.statusCode, msg: err.message || err.errorMsg,
    data: err.data })}`);
}

(async () => {
  const id = process.env.IMGB_IMAGE_ID;
  const PA = process.env.IMGB_PROJECT_A, PB = process.env.IMGB_PROJECT_B;

  await check('pop-core V1 GET DescribeImageBaselineCheckResult = CLI', async () => {
    const r = await pop('akA', 'skA').request('DescribeImageBaselineCheckResult',
      { ImageUuid: id, Lang: 'en', PageSize: 3, CurrentPage: 1, ScanRange: ['image', 'container'] });
    const c = cli('aliyun-baseline-check-result', ['--image-uuid', id, '--lang', 'en',
                  '--page-size', '3', '--current-page', '1', '--scan-range', 'image,container'], 'team-a');
    assert.deepStrictEqual(withoutVolatile(r), withoutVolatile(c));
    assert.ok(r.BaselineResult.length > 0 && r.PageInfo.TotalCount >= r.BaselineResult.length);
    assert.match(r.RequestId, /^[0-9A-F-]{36}$/);
  });
  await check('pop-core V1 POST DescribeImageListByBuildRisk = CLI', async () => {
    const r = await pop('akA', 'skA').request('DescribeImageListByBuildRisk',
      { Lang: 'zh', PageSize: 10 }, { method: 'POST' });
    const c = cli('aliyun-build-risk-images', ['--page-size', '10'], 'team-a');
    assert.deepStrictEqual(withoutVolatile(r), withoutVolatile(c));
    assert.strictEqual(r.Code, '200');
  });
  await check('openapi-client ACS3 DescribeImageBaselineCheckResult = CLI', async () => {
    const r = await acs3Call(acs3('akA', 'skA'), 'DescribeImageBaselineCheckResult',
      { ImageUuid: id, RiskLevel: 'high,medium', Criteria: 'ssh' });
    const c = cli('aliyun-baseline-check-result', ['--image-uuid', id, '--risk-level', 'high,medium',
                  '--criteria', 'ssh'], 'team-a');
    assert.deepStrictEqual(withoutVolatile(r), withoutVolatile(c));
  });
  await check('openapi-client ACS3 DescribeImageListByBuildRisk = CLI', async () => {
    const r = await acs3Call(acs3('akA', 'skA'), 'DescribeImageListByBuildRisk',
      { CriteriaType: 'RepoName', Criteria: 'sample', Status: '0' });
    const c = cli('aliyun-build-risk-images', ['--criteria-type', 'RepoName', '--criteria', 'sample',
                  '--status', '0'], 'team-a');
    assert.deepStrictEqual(withoutVolatile(r), withoutVolatile(c));
  });
  await check('huawei-sdk-core risk-configs = CLI', async () => {
    const r = await hwCall(huawei('hwA', 'hwSkA', PA), 'risk-configs',
      { image_type: 'local_image', limit: 10, image_name: 'sample', offset: 0 });
    const c = cli('huawei-risk-configs', ['--image-type', 'local_image', '--limit', '10',
                  '--image-name', 'sample', '--offset', '0'], 'team-a');
    assert.deepStrictEqual(withoutVolatile(r), withoutVolatile(c));
    assert.ok(r.total_num > 0);
    assert.match(r['X-Request-Id'], /^[0-9A-F-]{36}$/);
  });
  await check('huawei-sdk-core statistic = CLI (integers)', async () => {
    const r = await hwCall(huawei('hwA', 'hwSkA', PA), 'statistic', { image_type: 'local' });
    const c = cli('huawei-baseline-statistic', ['--image-type', 'local'], 'team-a');
    assert.deepStrictEqual(withoutVolatile(r), withoutVolatile(c));
    assert.ok(Number.isInteger(r.security_check));
  });
  await check('X-Auth-Token statistic = CLI, X-Request-Id present', async () => {
    const r = await tokenGet(`/v5/${PA}/image/baseline/statistic?image_type=local`, 'tokA');
    assert.strictEqual(r.status, 200);
    assert.ok(r.rid);
    assert.deepStrictEqual(r.body, cli('huawei-baseline-statistic', ['--image-type', 'local'], 'team-a'));
  });
  await check('tenant b sees only its own history', async () => {
    const r = await pop('akB', 'skB').request('DescribeImageBaselineCheckResult', { ImageUuid: id });
    assert.strictEqual(r.PageInfo.TotalCount, 0);
    const s = await hwCall(huawei('hwB', 'hwSkB', PB), 'statistic', { image_type: 'local' });
    assert.deepStrictEqual(withoutVolatile(s), cli('huawei-baseline-statistic', ['--image-type', 'local'], 'team-b'));
  });

  // The documented errors, raised by the SDKs themselves.
  await check('wrong secret: SignatureDoesNotMatch (V1, ACS3), 401 (Huawei)', async () => {
    await rejects(pop('akA', 'wrong').request('DescribeImageListByBuildRisk', {}),
      (e) => e.code === 'SignatureDoesNotMatch', 'pop-core');
    await rejects(acs3Call(acs3('akA', 'wrong'), 'DescribeImageListByBuildRisk', {}),
      (e) => e.code === 'SignatureDoesNotMatch' && e.data && e.data.statusCode === 400, 'openapi-client');
    await rejects(hwCall(huawei('hwA', 'wrong', PA), 'statistic', { image_type: 'local' }),
      (e) => e.httpStatusCode === 401 && e.errorCode === 'APIGW.0301', 'huawei');
  });
  await check('unknown key: InvalidAccessKeyId.NotFound', async () => {
    await rejects(pop('nobody', 'x').request('DescribeImageListByBuildRisk', {}),
      (e) => e.code === 'InvalidAccessKeyId.NotFound', 'pop-core');
  });
  await check('stale timestamp: InvalidTimeStamp.Expired', async () => {
    await rejects(pop('akA', 'skA').request('DescribeImageListByBuildRisk',
      { Timestamp: '2020-01-01T00:00:00Z' }), (e) => e.code === 'InvalidTimeStamp.Expired', 'pop-core');
  });
  await check('reused nonce: SignatureNonceUsed', async () => {
    const nonce = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    await pop('akA', 'skA').request('DescribeImageListByBuildRisk', { SignatureNonce: nonce });
    await rejects(pop('akA', 'skA').request('DescribeImageListByBuildRisk', { SignatureNonce: nonce }),
      (e) => e.code === 'SignatureNonceUsed', 'pop-core');
  });
  await check('missing ImageUuid: MissingParameter; bad PageSize: InvalidParameter', async () => {
    await rejects(pop('akA', 'skA').request('DescribeImageBaselineCheckResult', {}),
      (e) => e.code === 'MissingParameter', 'pop-core');
    await rejects(pop('akA', 'skA').request('DescribeImageBaselineCheckResult', { ImageUuid: id, PageSize: 0 }),
      (e) => e.code === 'InvalidParameter', 'pop-core');
    await rejects(hwCall(huawei('hwA', 'hwSkA', PA), 'risk-configs', { image_type: 'local', limit: 5 }),
      (e) => e.httpStatusCode === 400, 'huawei limit');
  });
  await check('token of another tenant / another tenant\'s project_id: refused', async () => {
    const r = await tokenGet(`/v5/${PA}/image/baseline/statistic?image_type=local`, 'tokB');
    assert.strictEqual(r.status, 403);
    assert.ok(r.body.error_code && r.body.error_msg);
    await rejects(hwCall(huawei('hwA', 'hwSkA', PB), 'statistic', { image_type: 'local' }),
      (e) => e.httpStatusCode === 403, 'huawei other project');
    const bad = await tokenGet(`/v5/${PA}/image/baseline/statistic?image_type=local`, 'nope');
    assert.strictEqual(bad.status, 401);
  });

  if (failures) {
    console.log(`${failures} check(s) failed`);
    process.exit(1);
  }
  console.log('all SDK checks passed');
})().catch((e) => { console.log(e); process.exit(1); });

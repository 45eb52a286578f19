// Drives HubSpot's official Node SDK, unchanged, against the emulator. The SDK
// is generated from HubSpot's specs by HubSpot, so if it works here the
// emulator's wire format matches what HubSpot's own tooling expects.
// Inputs come from the environment (set by sdkcheck_test.go). Exits non-zero
// with a message on the first mismatch.
'use strict';
const assert = require('node:assert/strict');
const hubspot = require('@hubspot/api-client');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function main() {
  const basePath = env('HUBSPOT_EMULATOR_URL');
  // No SDK retries: the check is about shapes, not resilience.
  const client = new hubspot.Client({ accessToken: env('HUBSPOT_TOKEN'), basePath, numberOfApiCallRetries: 0 });
  const lists = client.crm.lists;

  const created = await lists.listsApi.create({ name: 'SDK check', objectTypeId: '0-1', processingType: 'MANUAL' });
  const listId = created.list.listId;
  assert.equal(created.list.processingType, 'MANUAL');

  let r = await lists.membershipsApi.addAndRemove(listId, { recordIdsToAdd: ['1', '2', '999999'], recordIdsToRemove: [] });
  assert.deepEqual(r.recordsIdsAdded, ['1', '2']);
  assert.deepEqual(r.recordIdsMissing, ['999999']);
  r = await lists.membershipsApi.addAndRemove(listId, { recordIdsToAdd: ['3', '2'], recordIdsToRemove: ['1'] });
  assert.deepEqual(r.recordsIdsAdded, ['3']);
  assert.deepEqual(r.recordIdsRemoved, ['1']);

  const fetched = await lists.listsApi.getById(listId);
  assert.equal(fetched.list.size, 2);
  const page = await lists.membershipsApi.getPage(listId, undefined, undefined, 100);
  assert.deepEqual(page.results.map((m) => m.recordId), ['2', '3']);
  assert.ok(page.results[0].membershipTimestamp instanceof Date && !isNaN(page.results[0].membershipTimestamp));

  const found = await lists.listsApi.doSearch({ query: 'SDK', processingTypes: ['MANUAL'], listIds: [], offset: 0, additionalProperties: [] });
  assert.equal(found.total, 1);
  assert.equal(found.lists[0].additionalProperties.hs_list_size, '2');

  try {
    await lists.listsApi.getById('424242');
    assert.fail('unknown list did not fail');
  } catch (e) {
    assert.equal(e.code, 404);
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    assert.equal(body.category, 'OBJECT_NOT_FOUND');
  }

  // OAuth refresh through the SDK's token API, then use the new access token.
  const tokens = await client.oauth.tokensApi.create('refresh_token', undefined, undefined,
    env('HUBSPOT_CLIENT_ID'), env('HUBSPOT_CLIENT_SECRET'), env('HUBSPOT_REFRESH_TOKEN'));
  assert.ok(tokens.accessToken && tokens.expiresIn > 0);
  const oauthClient = new hubspot.Client({ accessToken: tokens.accessToken, basePath, numberOfApiCallRetries: 0 });
  const viaOAuth = await oauthClient.crm.lists.listsApi.getById(listId);
  assert.equal(viaOAuth.list.listId, listId);

  console.log(JSON.stringify({ ok: true, listId, members: page.results.map((m) => m.recordId) }));
}

main().catch((e) => {
  console.error('SDK check failed:', e && e.stack ? e.stack : e, e && e.body ? JSON.stringify(e.body) : '');
  process.exit(1);
});

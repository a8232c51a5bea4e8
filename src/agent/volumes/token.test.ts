/**
 * @module agent/volumes/token.test — the service-account token manager with a FakeClient and a
 * FakeClock: the TokenRequest it sends, caching until 80 % of the lifetime or 24 h, a failed
 * renewal falling back to a still-valid token, and the error once none is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, FakeClock, rfc3339 } from '../../client/index.ts';
import { TokenManager, requiresRefresh, type TokenSpec } from './token.ts';

const H = 3600_000;

test('requiresRefresh: 80 % of the lifetime, 24 h age, expiry', () => {
  const cases: [number, number, number, boolean][] = [
    [0, 0, H, false], [0.79 * H, 0, H, false], [0.8 * H, 0, H, true], [H, 0, H, true],
    [24 * H + 1, 0, 48 * H, true], [23 * H, 0, 48 * H, false],
  ];
  for (const [now, iat, exp, want] of cases) assert.equal(requiresRefresh(now, iat, exp), want, `${now}`);
});

function setup(): { client: FakeClient; clock: FakeClock; tokens: TokenManager; fail: { on: boolean } } {
  const client = new FakeClient();
  const clock = new FakeClock();
  const fail = { on: false };
  let n = 0;
  client.react((a) => {
    if (a.subresource !== 'token') return undefined;
    if (fail.on) throw new Error('connection refused');
    const exp = Number(a.object?.spec?.expirationSeconds);
    return { ...a.object, status: { token: `tok-${++n}`, expirationTimestamp: rfc3339(clock.now() + exp * 1000) } };
  });
  return { client, clock, tokens: new TokenManager(client, clock), fail };
}

const spec: TokenSpec = { namespace: 'ns', serviceAccount: 'default', podName: 'p', podUid: 'u1', audience: '', expirationSeconds: 3607 };

test('TokenManager sends a pod-bound TokenRequest and caches the token until 80 % of its lifetime', async () => {
  const { client, clock, tokens } = setup();
  assert.equal(await tokens.token(spec), 'tok-1');
  const a = client.actions[0];
  assert.equal(client.verbs()[0], 'create serviceaccounts ns/default/token');
  assert.deepEqual(a.object?.spec, { audiences: [], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u1' } });
  assert.equal(a.object?.kind, 'TokenRequest');
  clock.step(2800_000); // < 0.8 × 3607 s (the server rounds the expiry down to whole seconds)
  assert.equal(await tokens.token(spec), 'tok-1');
  assert.equal(client.actions.length, 1);
  clock.step(100_000);
  assert.equal(await tokens.token(spec), 'tok-2');
  assert.equal(client.actions.length, 2);
});

test('TokenManager asks for at least 600 s and keys by audience', async () => {
  const { client, tokens } = setup();
  await tokens.token({ ...spec, expirationSeconds: 60 });
  assert.equal(client.actions[0].object?.spec?.expirationSeconds, 600);
  assert.equal(await tokens.token({ ...spec, audience: 'vault' }), 'tok-2');
  assert.deepEqual(client.actions[1].object?.spec?.audiences, ['vault']);
  assert.equal(tokens.size, 2);
  tokens.forget('u1');
  assert.equal(tokens.size, 0);
});

test('a failed renewal keeps a valid token; an expired one is an error', async () => {
  const { clock, tokens, fail } = setup();
  assert.equal(await tokens.token(spec), 'tok-1');
  clock.step(0.9 * 3607_000);
  fail.on = true;
  assert.equal(await tokens.token(spec), 'tok-1');
  clock.step(0.2 * 3607_000);
  await assert.rejects(tokens.token(spec), /^Error: failed to fetch token: connection refused$/);
});

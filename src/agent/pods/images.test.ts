/**
 * @module agent/pods/images.test — pull policy defaults, image name parsing, registry credential
 * matching from dockerconfigjson / dockercfg Secrets (docker.io aliases, globs, ports, paths), and
 * the puller: already-present images, Never, ErrImagePull then ImagePullBackOff with a doubling
 * back-off, credentials tried in order, and kubelet's events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { FakeClock } from '../../client/index.ts';
import type { AuthConfig, ImageSpec } from '../../runtime/index.ts';
import { HollowRuntime } from '../../runtime/index.ts';
import { ImagePuller, credentialsFor, parseImage, pullPolicy } from './images.ts';

void test('pull policy defaults and image parsing', () => {
  const cases: [JsonObject, string][] = [
    [{ image: 'nginx' }, 'Always'], [{ image: 'nginx:latest' }, 'Always'], [{ image: 'nginx:1.27' }, 'IfNotPresent'],
    [{ image: 'reg:5000/a/b' }, 'Always'], [{ image: 'reg:5000/a/b:v1' }, 'IfNotPresent'], [{ image: 'a@sha256:abcd' }, 'IfNotPresent'],
    [{ image: 'nginx', imagePullPolicy: 'Never' }, 'Never'], [{ image: 'nginx:1', imagePullPolicy: 'Always' }, 'Always'],
  ];
  for (const [c, want] of cases) assert.equal(pullPolicy(c), want, String(c.image));
  assert.deepEqual(parseImage('busybox'), { host: 'docker.io', path: 'library/busybox', tag: '', digest: '' });
  assert.deepEqual(parseImage('index.docker.io/me/app:2'), { host: 'docker.io', path: 'me/app', tag: '2', digest: '' });
  assert.deepEqual(parseImage('localhost:5000/x/y:z'), { host: 'localhost:5000', path: 'x/y', tag: 'z', digest: '' });
  for (const bad of ['', 'UPPER/case', 'a b', 'x::y']) assert.equal(parseImage(bad), undefined, bad);
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const jsonSecret = (auths: JsonObject): JsonObject => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });

void test('credentialsFor matches registries like the kubelet keyring', () => {
  const secrets = [
    jsonSecret({
      'https://index.docker.io/v1/': { auth: b64('hub:pw') },
      'reg.example.com:5000': { username: 'port', password: 'p1' },
      'reg.example.com/team': { username: 'team', password: 'p2' },
      'reg.example.com': { username: 'any', password: 'p3' },
      '*.corp.example': { username: 'glob', password: 'p4' },
    }),
    { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'old.example': { username: 'old', password: 'p5' } })) } },
    { type: 'Opaque', data: { x: b64('y') } },
  ];
  const users = (image: string): (string | undefined)[] => credentialsFor(image, secrets).map((a: AuthConfig) => a.username);
  const cases: [string, (string | undefined)[]][] = [
    ['busybox', ['hub']], ['docker.io/library/busybox:1', ['hub']], ['registry-1.docker.io/x/y', ['hub']],
    ['reg.example.com:5000/a', ['port']], ['reg.example.com/team/app', ['team', 'any']], ['reg.example.com/other/app', ['any']],
    ['reg.example.com/teamx/app', ['any']], ['a.corp.example/x', ['glob']], ['a.b.corp.example/x', []], ['old.example/i', ['old']], ['quay.io/x', []],
  ];
  for (const [image, want] of cases) assert.deepEqual(users(image), want, image);
  assert.deepEqual(credentialsFor('busybox', secrets)[0], { username: 'hub', password: 'pw', serverAddress: 'https://index.docker.io/v1/' });
});

/** FlakyRuntime fails pulls of images listed in `failing` and records the credentials each pull used. */
class FlakyRuntime extends HollowRuntime {
  readonly failing = new Set<string>();
  readonly pulls: (string | undefined)[] = [];
  override async pullImage(image: ImageSpec, auth?: AuthConfig): Promise<string> {
    this.pulls.push(auth?.username);
    if (this.failing.has(image.image) || (auth?.username === 'wrong')) throw new Error(`rpc error: code = NotFound desc = failed to pull and unpack image "${image.image}"`);
    return super.pullImage(image);
  }
}

void test('ImagePuller: policies, ErrImagePull then ImagePullBackOff (10 s doubling), events', async () => {
  const clock = new FakeClock();
  const runtime = new FlakyRuntime({ podCidr: '10.0.0.0/24', clock });
  const puller = new ImagePuller({ runtime, clock });
  const events: string[] = [];
  const sink = (t: string, r: string, m: string): void => { events.push(`${t} ${r} ${m}`); };
  assert.deepEqual(await puller.ensure('u', { image: 'app:1', imagePullPolicy: 'Never' }, [], undefined, sink), { ok: false, reason: 'ErrImageNeverPull', message: 'Container image "app:1" is not present with pull policy of Never' });
  const ok = await puller.ensure('u', { image: 'app:1' }, [], undefined, sink);
  assert.ok(ok.ok && ok.imageRef.startsWith('sha256:'));
  assert.match(events.at(-1)!, /^Normal Pulled Successfully pulled image "app:1" in 0s \(0s including waiting\)\. Image size: 1048576 bytes\.$/);
  assert.equal((await puller.ensure('u', { image: 'app:1' }, [], undefined, sink)).ok, true);
  assert.equal(events.at(-1), 'Normal Pulled Container image "app:1" already present on machine');
  assert.equal((await puller.ensure('u', { image: 'app:1', imagePullPolicy: 'Never' }, [], undefined, sink)).ok, true);

  runtime.failing.add('bad:1');
  events.length = 0;
  const first = await puller.ensure('u', { image: 'bad:1' }, [], undefined, sink);
  assert.deepEqual(first, { ok: false, reason: 'ErrImagePull', message: 'rpc error: code = NotFound desc = failed to pull and unpack image "bad:1"' });
  assert.deepEqual(events, ['Normal Pulling Pulling image "bad:1"', 'Warning Failed Failed to pull image "bad:1": rpc error: code = NotFound desc = failed to pull and unpack image "bad:1"', 'Warning Failed Error: ErrImagePull']);
  const steps: [number, string][] = [[9_999, 'ImagePullBackOff'], [1, 'ErrImagePull'], [19_999, 'ImagePullBackOff'], [1, 'ErrImagePull'], [39_999, 'ImagePullBackOff']];
  for (const [ms, reason] of steps) {
    clock.step(ms);
    const r = await puller.ensure('u', { image: 'bad:1' }, [], undefined, sink);
    assert.equal(r.ok ? 'ok' : r.reason, reason, `after +${String(ms)} ms`);
  }
  assert.equal(puller.backoffUntil('u', 'bad:1'), clock.now() + 1);
  assert.equal(puller.backoffUntil('other-pod', 'bad:1'), undefined, 'back-off is per pod');
  assert.equal(events.at(-1), 'Normal BackOff Back-off pulling image "bad:1"');
  runtime.failing.delete('bad:1');
  clock.step(1);
  assert.equal((await puller.ensure('u', { image: 'bad:1' }, [], undefined, sink)).ok, true);
  assert.equal(puller.backoffUntil('u', 'bad:1'), undefined);
  assert.equal((await puller.ensure('u', { image: 'Bad Name' }, [], undefined, sink)).ok ? '' : 'InvalidImageName', 'InvalidImageName');
});

void test('ImagePuller tries each matching credential in turn', async () => {
  const clock = new FakeClock();
  const runtime = new FlakyRuntime({ podCidr: '10.0.0.0/24', clock });
  const puller = new ImagePuller({ runtime, clock });
  const secrets = [jsonSecret({ 'reg.example.com/team': { username: 'wrong', password: 'x' } }), jsonSecret({ 'reg.example.com': { username: 'right', password: 'y' } })];
  assert.equal((await puller.ensure('u', { image: 'reg.example.com/team/app:1' }, secrets, undefined)).ok, true);
  assert.deepEqual(runtime.pulls, ['wrong', 'right']);
});

/**
 * @module test/kubectl.compat.test — the real kubectl 1.27, 1.30 and 1.33 drive one shared windlass
 * server through an everyday scenario: apply of a multi-document manifest (with a CRD and one of its
 * custom resources, applied again once the CRD is established, as users do), get in its forms
 * (table, yaml, jsonpath, label and field selectors, watch), the create generators (protobuf bodies
 * on 1.33), label, annotate, the three patch types, scale, replace, edit with a scripted editor,
 * diff, server-side apply with a conflict, delete, debug --copy-to, explain, api-resources and auth
 * whoami. Each
 * version has its own HOME and cache dir (no discovery/OpenAPI cache leaks) and its own namespace.
 * Assertions are on exit codes, printed rows and values read back with jsonpath.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  KUBECTL_VERSIONS, REQUIRED_KUBECTL_VERSIONS, kubectlAvailable, makeKubectl, startServer,
  type Kubectl, type KubectlResult, type ServerProcess,
} from './harness/index.ts';
import { configMapYaml, EDITOR_SCRIPT, scenarioManifest } from './kubectl-manifests.ts';

let server: ServerProcess | undefined;

before(async () => {
  server = await startServer();
});
after(async () => {
  const out = server?.output() ?? '';
  const stopped = await server?.stop();
  if (stopped && stopped.code !== 0 && process.env.WINDLASS_TEST_LOG !== '1') console.error(`server exit ${JSON.stringify(stopped)}\n${out.slice(-4000)}`);
});

/** ok asserts exit 0 (and optionally that stdout matches each pattern), printing the whole run on failure. */
function ok(r: KubectlResult, ...patterns: RegExp[]): KubectlResult {
  assert.equal(r.code, 0, r.describe());
  for (const p of patterns) assert.match(r.stdout, p, r.describe());
  return r;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

for (const version of KUBECTL_VERSIONS) {
  const tag = version.replace('.', '');
  const ns = `kc-${tag}`;
  const group = `v${tag}.compat.windlass.test`;
  const crd = `widgets.${group}`;
  void describe(`kubectl ${version}`, { timeout: 240_000, skip: !REQUIRED_KUBECTL_VERSIONS.includes(version) && !kubectlAvailable(version) && `kubectl.${version} is not installed (optional version)` }, () => {
    let k: Kubectl;
    /** kn runs kubectl in this version's namespace. */
    const kn = (args: string[], opts?: Parameters<Kubectl['run']>[1]): Promise<KubectlResult> => k.run(['-n', ns, ...args], opts);
    /** jp reads one value with -o jsonpath. */
    const jp = async (args: string[], path: string): Promise<string> => ok(await kn(['get', ...args, '-o', `jsonpath=${path}`])).stdout;
    const file = async (name: string, text: string): Promise<string> => {
      const p = join(k.home, name);
      await writeFile(p, text);
      return p;
    };

    before(async () => { k = await makeKubectl(version, server!.kubeconfigPath); });
    after(async () => { await k?.cleanup(); });

    void test('apply -f a multi-document manifest; the custom resource goes in once the CRD is established', async () => {
      const manifest = await file('scenario.yaml', scenarioManifest(ns, group));
      const first = await k.run(['apply', '-f', manifest]);
      for (const line of [`namespace/${ns} created`, 'configmap/cfg created', 'secret/creds created', 'deployment.apps/web created',
        'service/web created', 'statefulset.apps/db created', 'cronjob.batch/tick created', `customresourcedefinition.apiextensions.k8s.io/${crd} created`]) {
        assert.ok(first.stdout.includes(line), `missing "${line}"\n${first.describe()}`);
      }
      if (first.code !== 0) assert.match(first.stderr, /ensure CRDs are installed first|no matches for kind "Widget"/, first.describe());
      ok(await k.run(['wait', '--for', 'condition=established', '--timeout=30s', `crd/${crd}`]), /condition met/);
      const second = ok(await k.run(['apply', '-f', manifest]), new RegExp(`widget\\.${group.replaceAll('.', '\\.')}/w1 created`));
      assert.match(second.stdout, /configmap\/cfg unchanged/, second.describe());
      assert.match(second.stdout, /deployment\.apps\/web unchanged/, second.describe());
    });

    void test('get: server-side table columns', async () => {
      ok(await kn(['get', 'deployments']), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s*$/m, /^web\s+\d+\/2\s+\d+\s+\d+\s+\S+\s*$/m);
      ok(await kn(['get', 'configmap', 'cfg']), /^NAME\s+DATA\s+AGE\s*$/m, /^cfg\s+2\s+\S+\s*$/m);
      ok(await kn(['get', 'secret', 'creds']), /^creds\s+Opaque\s+1\s+\S+\s*$/m);
      ok(await kn(['get', 'service', 'web']), /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/m, /^web\s+ClusterIP\s+/m);
      ok(await kn(['get', `widgets.${group}`]), /^NAME\s+AGE\s*$/m, /^w1\s+\S+\s*$/m);
    });

    void test('get -o yaml and -o jsonpath', async () => {
      const cm = parse(ok(await kn(['get', 'configmap', 'cfg', '-o', 'yaml'])).stdout);
      assert.equal(cm.kind, 'ConfigMap');
      assert.equal(cm.metadata.namespace, ns);
      assert.deepEqual(cm.data, { a: '1', b: '2' });
      assert.match(String(cm.metadata.resourceVersion), /^\d+$/);
      assert.ok(cm.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], 'client-side apply annotation kept');
      assert.equal(await jp(['secret', 'creds'], '{.data.password}'), b64('s3cret'));
      assert.equal(await jp(['deployment', 'web'], '{.spec.replicas}'), '2');
      assert.equal(await jp(['statefulset', 'db'], '{.spec.serviceName}'), 'db');
      assert.equal(await jp(['cronjob', 'tick'], '{.spec.schedule}'), '*/5 * * * *');
      assert.equal(await jp([`widgets.${group}`, 'w1'], '{.spec.size} {.spec.color}'), '3 blue');
    });

    void test('get -l and --field-selector', async () => {
      const byLabel = ok(await kn(['get', 'deployments,services,statefulsets,configmaps', '-l', 'app=web', '-o', 'name'])).stdout.trim().split('\n').sort();
      assert.deepEqual(byLabel, ['configmap/cfg', 'deployment.apps/web', 'service/web']);
      assert.equal(ok(await kn(['get', 'statefulsets,deployments', '-l', 'app in (db)', '-o', 'name'])).stdout.trim(), 'statefulset.apps/db');
      assert.equal(ok(await kn(['get', 'configmaps', '--field-selector', 'metadata.name=cfg', '-o', 'name'])).stdout.trim(), 'configmap/cfg');
      assert.doesNotMatch(ok(await kn(['get', 'configmaps', '--field-selector', 'metadata.name!=cfg', '-o', 'name'])).stdout, /configmap\/cfg$/m);
    });

    void test('create deployment|configmap|secret|namespace|job (protobuf bodies on 1.32+)', async () => {
      ok(await kn(['create', 'deployment', 'd2', '--image=nginx:1.25', '--replicas=2']), /deployment\.apps\/d2 created/);
      assert.equal(await jp(['deployment', 'd2'], '{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.selector.matchLabels.app}'), '2 nginx:1.25 d2');
      ok(await kn(['create', 'configmap', 'c2', '--from-literal=k1=v1', '--from-literal=k2=v2']), /configmap\/c2 created/);
      assert.equal(await jp(['configmap', 'c2'], '{.data.k1},{.data.k2}'), 'v1,v2');
      ok(await kn(['create', 'secret', 'generic', 's2', '--from-literal=token=abc']), /secret\/s2 created/);
      assert.equal(await jp(['secret', 's2'], '{.data.token}'), b64('abc'));
      ok(await k.run(['create', 'namespace', `${ns}-extra`]), new RegExp(`namespace/${ns}-extra created`));
      assert.equal(ok(await k.run(['get', 'namespace', `${ns}-extra`, '-o', 'jsonpath={.metadata.name}'])).stdout, `${ns}-extra`);
      ok(await kn(['create', 'job', 'j1', '--image=busybox:1.36', '--', 'echo', 'hi']), /job\.batch\/j1 created/);
      assert.equal(await jp(['job', 'j1'], '{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command[*]}'), 'busybox:1.36 echo hi');
    });

    void test('get -w prints a row for an object created while watching', async () => {
      const bg = k.background(['-n', ns, 'get', 'configmaps', '-w']);
      try {
        await bg.waitFor(/^cfg\s+2\s+/m, 20_000);
        ok(await kn(['create', 'configmap', 'watched', '--from-literal=x=1']), /configmap\/watched created/);
        await bg.waitFor(/^watched\s+1\s+/m, 20_000);
      } finally {
        await bg.stop();
      }
    });

    void test('label and annotate', async () => {
      ok(await kn(['label', 'deployment', 'web', 'tier=frontend']), /deployment\.apps\/web labeled/);
      assert.equal(await jp(['deployment', 'web'], '{.metadata.labels.tier}'), 'frontend');
      ok(await kn(['label', 'deployment', 'web', 'tier=backend', '--overwrite']), /deployment\.apps\/web labeled/);
      assert.equal(await jp(['deployment', 'web'], '{.metadata.labels.tier}'), 'backend');
      ok(await kn(['label', 'deployment', 'web', 'tier-']), /deployment\.apps\/web unlabeled/);
      assert.equal(await jp(['deployment', 'web'], '{.metadata.labels.tier}'), '');
      ok(await kn(['annotate', 'configmap', 'cfg', 'note=hello']), /configmap\/cfg annotated?$/m); // kubectl 1.27 prints "annotate"
      assert.equal(await jp(['configmap', 'cfg'], '{.metadata.annotations.note}'), 'hello');
    });

    void test('patch --type=strategic keeps the other container (merge key name)', async () => {
      ok(await kn(['patch', 'deployment', 'web', '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}']), /deployment\.apps\/web patched/);
      assert.equal(await jp(['deployment', 'web'], '{.spec.template.spec.containers[*].name}'), 'nginx sidecar');
      assert.equal(await jp(['deployment', 'web'], '{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[1].image}'), 'nginx:1.27 busybox:1.36');
    });

    void test('patch --type=merge and --type=json', async () => {
      ok(await kn(['patch', 'configmap', 'cfg', '--type=merge', '-p', '{"data":{"b":null,"c":"3"}}']), /configmap\/cfg patched/);
      assert.deepEqual(JSON.parse(ok(await kn(['get', 'configmap', 'cfg', '-o', 'json'])).stdout).data, { a: '1', c: '3' });
      ok(await kn(['patch', 'configmap', 'cfg', '--type=json', '-p', '[{"op":"replace","path":"/data/a","value":"x"},{"op":"add","path":"/data/d","value":"4"}]']), /configmap\/cfg patched/);
      assert.deepEqual(JSON.parse(ok(await kn(['get', 'configmap', 'cfg', '-o', 'json'])).stdout).data, { a: 'x', c: '3', d: '4' });
      ok(await kn(['patch', `widgets.${group}`, 'w1', '--type=merge', '-p', '{"spec":{"color":"red"}}']), /w1 patched/);
      assert.equal(await jp([`widgets.${group}`, 'w1'], '{.spec.size} {.spec.color}'), '3 red');
    });

    void test('scale', async () => {
      ok(await kn(['scale', 'deployment', 'web', '--replicas=3']), /deployment\.apps\/web scaled/);
      assert.equal(await jp(['deployment', 'web'], '{.spec.replicas}'), '3');
      ok(await kn(['scale', 'statefulset', 'db', '--replicas=2']), /statefulset\.apps\/db scaled/);
      assert.equal(await jp(['statefulset', 'db'], '{.spec.replicas}'), '2');
    });

    void test('apply of a changed manifest: configured; the removed container is deleted (strategic $patch: delete)', async () => {
      const changed = await file('scenario-v2.yaml', scenarioManifest(ns, group, { replicas: 4, image: 'nginx:1.26', sidecar: false }));
      const r = ok(await k.run(['apply', '-f', changed]), /deployment\.apps\/web configured/);
      assert.match(r.stdout, /configmap\/cfg (unchanged|configured)/, r.describe());
      assert.equal(await jp(['deployment', 'web'], '{.spec.replicas} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].image}'), '4 nginx nginx:1.26');
      const last = JSON.parse(await jp(['deployment', 'web'], '{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}'));
      assert.equal(last.spec.replicas, 4, 'last-applied-configuration updated');
    });

    void test('replace -f - (stdin)', async () => {
      const cm = parse(ok(await kn(['get', 'configmap', 'cfg', '-o', 'yaml'])).stdout);
      cm.data.a = 'replaced';
      ok(await kn(['replace', '-f', '-'], { stdin: stringify(cm) }), /configmap\/cfg replaced/);
      assert.equal(await jp(['configmap', 'cfg'], '{.data.a}'), 'replaced');
    });

    void test('edit with a scripted KUBE_EDITOR; an edit without changes is cancelled', async () => {
      const editor = await file('editor.sh', EDITOR_SCRIPT);
      await chmod(editor, 0o755);
      ok(await kn(['edit', 'configmap', 'cfg'], { env: { KUBE_EDITOR: editor } }), /configmap\/cfg edited/);
      assert.equal(await jp(['configmap', 'cfg'], '{.data.a}'), 'edited');
      const noop = await kn(['edit', 'configmap', 'cfg'], { env: { KUBE_EDITOR: 'true' } });
      assert.equal(noop.code, 0, noop.describe());
      assert.match(noop.stdout + noop.stderr, /Edit cancelled, no changes made/, noop.describe());
    });

    void test('diff: exit 0 when the same, 1 with a unified diff when different, nothing persisted', async () => {
      const same = await file('diffme.yaml', configMapYaml(ns, 'diffme', { x: '1' }));
      ok(await k.run(['apply', '-f', same]), /configmap\/diffme created/);
      const d0 = await k.run(['diff', '-f', same]);
      assert.equal(d0.code, 0, d0.describe());
      assert.equal(d0.stdout.trim(), '', d0.describe());
      const changed = await file('diffme2.yaml', configMapYaml(ns, 'diffme', { x: '2' }));
      const d1 = await k.run(['diff', '-f', changed]);
      assert.equal(d1.code, 1, d1.describe());
      assert.match(d1.stdout, /^-\s+x: "1"$/m, d1.describe());
      assert.match(d1.stdout, /^\+\s+x: "2"$/m, d1.describe());
      assert.equal(await jp(['configmap', 'diffme'], '{.data.x}'), '1');
    });

    void test('apply --server-side, a field-manager conflict, then --force-conflicts', async () => {
      const mine = await file('ssa.yaml', configMapYaml(ns, 'ssa', { a: '1', b: '1' }));
      ok(await k.run(['apply', '--server-side', '-f', mine]), /configmap\/ssa serverside-applied/);
      assert.match(await jp(['configmap', 'ssa'], '{.metadata.managedFields[*].manager}'), /\bkubectl\b/);
      const theirs = await file('ssa-other.yaml', configMapYaml(ns, 'ssa', { a: '2' }));
      const conflict = await k.run(['apply', '--server-side', '--field-manager=other', '-f', theirs]);
      assert.notEqual(conflict.code, 0, conflict.describe());
      assert.match(conflict.stderr, /conflict/i, conflict.describe());
      assert.match(conflict.stderr, /\.data\.a/, conflict.describe());
      assert.equal(await jp(['configmap', 'ssa'], '{.data.a}'), '1');
      ok(await k.run(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', theirs]), /configmap\/ssa serverside-applied/);
      assert.equal(await jp(['configmap', 'ssa'], '{.data.a}'), '2');
    });

    void test('delete waits for deletion; the object is gone', async () => {
      ok(await kn(['delete', 'configmap', 'c2', '--timeout=30s']), /configmap "c2" deleted/);
      const gone = await kn(['get', 'configmap', 'c2']);
      assert.equal(gone.code, 1, gone.describe());
      assert.match(gone.stderr, /NotFound|not found/, gone.describe());
      ok(await kn(['delete', 'deployment', 'd2', '--timeout=30s']), /deployment\.apps "d2" deleted/);
      ok(await kn(['delete', `widgets.${group}`, 'w1', '--timeout=30s']), /"w1" deleted/);
      assert.equal(ok(await kn(['get', `widgets.${group}`, '-o', 'name'])).stdout.trim(), '');
      ok(await k.run(['delete', 'namespace', `${ns}-extra`, '--wait=false']), new RegExp(`namespace "${ns}-extra" deleted`));
    });

    void test('debug --copy-to: a copy with a debug container (shared process namespace), and with --set-image', async () => {
      ok(await kn(['run', 'orig', '--image=busybox:1.36', '--restart=Never', '--', 'sleep', '3600']), /pod\/orig created/);
      // kubectl sets shareProcessNamespace only when --share-processes is given (its default true is not sent).
      ok(await kn(['debug', 'orig', '--copy-to=orig-dbg', '--share-processes', '--image=busybox:1.37', '--container=dbg', '--attach=false', '--', 'sleep', '1']));
      assert.equal(await jp(['pod', 'orig-dbg'], '{.spec.containers[*].name}'), 'orig dbg');
      assert.equal(await jp(['pod', 'orig-dbg'], '{.spec.containers[1].image}'), 'busybox:1.37');
      assert.equal(await jp(['pod', 'orig-dbg'], '{.spec.shareProcessNamespace}'), 'true');
      ok(await kn(['debug', 'orig', '--copy-to=orig-img', '--set-image=*=busybox:1.37', '--attach=false']));
      assert.equal(await jp(['pod', 'orig-img'], '{.spec.containers[*].image}'), 'busybox:1.37');
      assert.equal(await jp(['pod', 'orig'], '{.spec.containers[*].image}'), 'busybox:1.36', 'the original is untouched');
      ok(await kn(['delete', 'pod', 'orig', 'orig-dbg', 'orig-img', '--wait=false']));
    });

    void test('explain deployment.spec.replicas', async () => {
      const r = ok(await k.run(['explain', 'deployment.spec.replicas']), /KIND:\s+Deployment/, /replicas\s*<integer>/);
      assert.match(r.stdout, /DESCRIPTION:/, r.describe());
    });

    void test('api-resources lists built-in kinds and the CRD', async () => {
      const r = ok(await k.run(['api-resources']), /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s*$/m);
      assert.match(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s*$/m, r.describe());
      assert.match(r.stdout, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap\s*$/m, r.describe());
      assert.match(r.stdout, /^namespaces\s+ns\s+v1\s+false\s+Namespace\s*$/m, r.describe());
      assert.match(r.stdout, new RegExp(`^widgets\\s+${group.replaceAll('.', '\\.')}/v1\\s+true\\s+Widget\\s*$`, 'm'), r.describe());
    });

    void test('auth whoami', async () => {
      // kubectl 1.27 asks authentication.k8s.io v1beta1 (then v1alpha1) SelfSubjectReview; 1.28+ ask v1 first.
      const r = await k.run(['auth', 'whoami']);
      ok(r, /Username\s+kubernetes-admin/, /system:masters/);
    });
  });
}

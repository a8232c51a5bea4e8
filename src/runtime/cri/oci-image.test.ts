/** @module runtime/cri/oci-image.test — OCI layout archives parsed back with tar-stream: structure, digests, names, reproducibility. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { busyboxImageArchive, pauseImageArchive, PAUSE_IMAGE } from './images.ts';
import { buildOciArchive } from './oci-image.ts';

interface Entry { header: tar.Header; content: Buffer }

async function untar(buf: Buffer): Promise<Entry[]> {
  const ex = tar.extract();
  const out: Entry[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      out.push({ header: entry.header, content: Buffer.concat(chunks) });
    }
  })();
  Readable.from([buf]).pipe(ex);
  await done;
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function layout(archive: Buffer): Promise<{ names: string[]; index: any; manifest: any; config: any; layer: Entry[]; blobs: Map<string, Buffer> }> {
  const entries = await untar(archive);
  const byName = new Map(entries.map((e) => [e.header.name, e.content]));
  const blobs = new Map(entries.filter((e) => e.header.name.startsWith('blobs/sha256/') && e.header.type === 'file').map((e) => [e.header.name.slice(13), e.content]));
  const index = JSON.parse((byName.get('index.json') as Buffer).toString());
  const manifest = JSON.parse((blobs.get(index.manifests[0].digest.slice(7)) as Buffer).toString());
  const config = JSON.parse((blobs.get(manifest.config.digest.slice(7)) as Buffer).toString());
  const layer = await untar(blobs.get(manifest.layers[0].digest.slice(7)) as Buffer);
  return { names: entries.map((e) => e.header.name), index, manifest, config, layer, blobs };
}

test('buildOciArchive writes a valid, reproducible OCI image layout', async () => {
  const spec = {
    name: 'localhost/test/app:v1',
    files: [
      { path: '/bin/tool', mode: 0o755, content: Buffer.from('#!/bin/sh\n') },
      { path: 'a/b/c.txt', content: 'text' },
      { path: 'bin/alias', symlink: 'tool' },
      { path: 'empty', dir: true, mode: 0o700 },
    ],
    config: { Entrypoint: ['/bin/tool'], Cmd: ['x'], Env: ['A=1'], WorkingDir: '/a', User: '1000' },
    arch: 'arm64' as const,
  };
  const a = await buildOciArchive(spec);
  assert.ok(a.equals(await buildOciArchive(spec)), 'byte-identical on rebuild');
  const { names, index, manifest, config, layer, blobs } = await layout(a);
  assert.deepEqual(names.filter((n) => !/^blobs\/sha256\/[0-9a-f]{64}$/.test(n)), ['blobs/', 'blobs/sha256/', 'index.json', 'oci-layout']);
  for (const [digest, content] of blobs) assert.equal(sha(content), digest, 'blob named by its sha256');
  assert.equal(index.manifests[0].annotations['io.containerd.image.name'], 'localhost/test/app:v1');
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');
  assert.deepEqual(index.manifests[0].platform, { architecture: 'arm64', os: 'linux' });
  assert.equal(manifest.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar');
  assert.equal(manifest.config.size, blobs.get(manifest.config.digest.slice(7))?.length);
  assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0].digest], 'uncompressed layer: diff_id = digest');
  assert.deepEqual(config.config, { User: '1000', Env: ['A=1'], Entrypoint: ['/bin/tool'], Cmd: ['x'], WorkingDir: '/a' });
  assert.deepEqual(layer.map((e) => [e.header.name, e.header.type, e.header.mode]), [
    ['a/', 'directory', 0o755], ['a/b/', 'directory', 0o755], ['a/b/c.txt', 'file', 0o644],
    ['bin/', 'directory', 0o755], ['bin/alias', 'symlink', 0o777], ['bin/tool', 'file', 0o755], ['empty/', 'directory', 0o700],
  ]);
  assert.ok(layer.every((e) => e.header.mtime.getTime() === 0 && e.header.uid === 0 && e.header.gid === 0));
  assert.equal(layer.find((e) => e.header.name === 'bin/alias')?.header.linkname, 'tool');
  assert.equal(layer.find((e) => e.header.name === 'a/b/c.txt')?.content.toString(), 'text');
});

test('buildOciArchive from a rootfs directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wl-oci-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'etc'));
  await writeFile(join(dir, 'etc', 'hostname'), 'x\n');
  await symlink('/etc/hostname', join(dir, 'name'));
  const { layer } = await layout(await buildOciArchive({ name: 'x:1', rootfsDir: dir, config: {} }));
  assert.deepEqual(layer.map((e) => e.header.name), ['etc/', 'etc/hostname', 'name']);
  assert.equal(layer[2].header.linkname, '/etc/hostname');
  await assert.rejects(buildOciArchive({ name: 'x', config: {} }));
});

test('pause and busybox images', async () => {
  const pause = await layout(await pauseImageArchive('x64'));
  assert.equal(pause.index.manifests[0].annotations['io.containerd.image.name'], PAUSE_IMAGE);
  assert.deepEqual(pause.config.config.Entrypoint, ['/pause']);
  assert.deepEqual(pause.layer.map((e) => [e.header.name, e.header.mode]), [['pause', 0o755]]);
  assert.equal(pause.layer[0].content.subarray(0, 4).toString('latin1'), '\x7fELF');
  await assert.rejects(pauseImageArchive('mips'));
  const bb = await layout(await busyboxImageArchive({ name: 'bb:1', busyboxPath: process.execPath, applets: ['sh'], files: [{ path: 'www/index.html', content: 'hi' }] }));
  assert.deepEqual(bb.layer.map((e) => e.header.name), ['bin/', 'bin/busybox', 'bin/sh', 'etc/', 'etc/group', 'etc/passwd', 'root/', 'tmp/', 'www/', 'www/index.html']);
  assert.equal(bb.layer.find((e) => e.header.name === 'tmp/')?.header.mode, 0o1777);
});

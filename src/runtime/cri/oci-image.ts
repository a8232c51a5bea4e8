/**
 * @module runtime/cri/oci-image — builds OCI image layout archives (the tar that `ctr images
 * import`, `skopeo copy oci-archive:` and `docker load` read) from a file list or a directory,
 * reproducibly (sorted entries, mtime 0, uid/gid 0), with one uncompressed layer; and imports
 * them into containerd's CRI namespace (`k8s.io`) with `ctr`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import * as tar from 'tar-stream';
import { parseCriEndpoint } from './endpoint.ts';

/** OciFile is one entry of a layer: a regular file (content), a symlink or a directory; paths are relative to / (leading / allowed). */
export interface OciFile {
  readonly path: string;
  readonly mode?: number;
  readonly content?: Buffer | string;
  readonly symlink?: string;
  readonly dir?: boolean;
}

/** OciImageConfig is the runtime part of an OCI image config. */
export interface OciImageConfig {
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Env?: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
}

/** OciArchiveSpec describes an image: `name` is its reference (e.g. `localhost/pause:3.9`); give `files` or `rootfsDir`. */
export interface OciArchiveSpec {
  readonly name: string;
  readonly files?: readonly OciFile[];
  readonly rootfsDir?: string;
  readonly config: OciImageConfig;
  readonly arch?: 'amd64' | 'arm64';
  readonly os?: 'linux' | 'windows';
}

/** OCI media types used in the archive. */
export const OCI_MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

const EPOCH = new Date(0);

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function cleanPath(p: string): string {
  const n = posix.normalize(p.replaceAll('\\', '/')).replace(/^\/+/, '').replace(/\/+$/, '');
  if (n === '' || n === '.' || n.startsWith('../')) throw new Error(`oci-image: invalid path ${JSON.stringify(p)}`);
  return n;
}

/** tarBuffer writes sorted entries into a tar buffer (all times 0, owner root). */
type TarHeader = Partial<tar.Header> & Pick<tar.Header, 'name'>;

async function tarBuffer(entries: readonly { header: TarHeader; content?: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ uid: 0, gid: 0, uname: '', gname: '', mtime: EPOCH, ...e.header }, e.content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

async function filesFromDir(root: string): Promise<OciFile[]> {
  const out: OciFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = join(root, r);
      const st = await lstat(full);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out.push({ path: r, symlink: await readlink(full), mode });
      else if (st.isDirectory()) {
        out.push({ path: r, dir: true, mode });
        await walk(r);
      } else if (st.isFile()) out.push({ path: r, content: await readFile(full), mode });
    }
  };
  await walk('');
  return out;
}

/** layerTar builds the (uncompressed) layer tar of `files`: parents are added as 0755 directories, entries sorted by path. */
export async function layerTar(files: readonly OciFile[]): Promise<Buffer> {
  const byPath = new Map<string, OciFile>();
  for (const f of files) {
    const p = cleanPath(f.path);
    byPath.set(p, { ...f, path: p });
    for (let d = posix.dirname(p); d !== '.'; d = posix.dirname(d)) if (!byPath.has(d)) byPath.set(d, { path: d, dir: true });
  }
  const entries = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => {
    if (f.dir) return { header: { name: `${f.path}/`, type: 'directory' as const, mode: f.mode ?? 0o755 } };
    if (f.symlink !== undefined) return { header: { name: f.path, type: 'symlink' as const, linkname: f.symlink, mode: f.mode ?? 0o777 } };
    const content = typeof f.content === 'string' ? Buffer.from(f.content) : f.content ?? Buffer.alloc(0);
    return { header: { name: f.path, type: 'file' as const, mode: f.mode ?? 0o644, size: content.length }, content };
  });
  return tarBuffer(entries);
}

function splitName(name: string): { tag: string } {
  const slash = name.lastIndexOf('/');
  const at = name.indexOf('@');
  if (at >= 0) return { tag: name.slice(at + 1) };
  const colon = name.lastIndexOf(':');
  return { tag: colon > slash ? name.slice(colon + 1) : 'latest' };
}

/** buildOciArchive returns an OCI image layout tar (oci-layout, index.json naming the image, blobs) for `spec`. */
export async function buildOciArchive(spec: OciArchiveSpec): Promise<Buffer> {
  if (!spec.files === !spec.rootfsDir) throw new Error('buildOciArchive: give exactly one of files and rootfsDir');
  const files = spec.files ?? await filesFromDir(spec.rootfsDir as string);
  const layer = await layerTar(files);
  const layerDigest = sha256(layer);
  const arch = spec.arch ?? 'amd64';
  const os = spec.os ?? 'linux';
  const runConfig: Record<string, unknown> = {};
  for (const k of ['User', 'Env', 'Entrypoint', 'Cmd', 'WorkingDir'] as const) if (spec.config[k] !== undefined) runConfig[k] = spec.config[k];
  const config = Buffer.from(JSON.stringify({
    created: EPOCH.toISOString(), architecture: arch, os, config: runConfig,
    rootfs: { type: 'layers', diff_ids: [layerDigest] },
    history: [{ created: EPOCH.toISOString(), created_by: 'windlass buildOciArchive' }],
  }));
  const configDigest = sha256(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MEDIA.manifest,
    config: { mediaType: OCI_MEDIA.config, digest: configDigest, size: config.length },
    layers: [{ mediaType: OCI_MEDIA.layer, digest: layerDigest, size: layer.length }],
  }));
  const manifestDigest = sha256(manifest);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{
      mediaType: OCI_MEDIA.manifest, digest: manifestDigest, size: manifest.length, platform: { architecture: arch, os },
      annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': splitName(spec.name).tag },
    }],
  }));
  const blobs = new Map([[configDigest, config], [layerDigest, layer], [manifestDigest, manifest]]);
  const blobEntries = [...blobs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, content]) => ({
    header: { name: `blobs/sha256/${d.slice('sha256:'.length)}`, type: 'file' as const, mode: 0o644, size: content.length }, content,
  }));
  return tarBuffer([
    { header: { name: 'blobs/', type: 'directory', mode: 0o755 } },
    { header: { name: 'blobs/sha256/', type: 'directory', mode: 0o755 } },
    ...blobEntries,
    { header: { name: 'index.json', type: 'file', mode: 0o644, size: index.length }, content: index },
    { header: { name: 'oci-layout', type: 'file', mode: 0o644, size: 30 }, content: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
  ]);
}

/** ImportOptions: the containerd endpoint (socket path or unix:// / npipe:// URI) and the archive (bytes or a file path). */
export interface ImportOptions {
  readonly endpoint: string;
  readonly archive?: Buffer | string;
  /** archivePath: alias of `archive` (the AGENT-PLAN name; a file path or the archive bytes). */
  readonly archivePath?: Buffer | string;
  /** ctrPath: the ctr binary (default `ctr`). */
  readonly ctrPath?: string;
}

/** importImageArchive imports an OCI/Docker archive into containerd's `k8s.io` namespace (visible to CRI) with `ctr images import`. */
export async function importImageArchive(o: ImportOptions): Promise<void> {
  const archive = o.archive ?? o.archivePath;
  if (archive === undefined) throw new Error('importImageArchive: archive or archivePath is required');
  const address = parseCriEndpoint(o.endpoint).address;
  const fromStdin = Buffer.isBuffer(archive);
  const args = ['-a', address, '-n', 'k8s.io', 'images', 'import', fromStdin ? '-' : archive];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(o.ctrPath ?? 'ctr', args, { stdio: [fromStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('error', reject);
    child.once('close', (code, sig) => {
      if (code === 0) resolve();
      else reject(new Error(`ctr images import failed (${sig ?? `exit ${code}`}): ${output.trim()}`));
    });
    if (fromStdin && child.stdin) {
      child.stdin.on('error', () => { /* reported through the exit status */ });
      child.stdin.end(archive);
    }
  });
}

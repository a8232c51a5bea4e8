/**
 * @module pki/files — the server's certificate directory and atomic, private file writes.
 *
 * `ensureServerPki(dir)` keeps `dir/{ca,server,admin,kubelet-client}.{crt,key}`: it creates all of
 * them on the first start and loads them afterwards, reissuing (with the same CA) a serving
 * certificate that lacks a requested host or nears expiry and a client certificate (admin, or the
 * API server's kubelet client) that nears expiry. Keys are
 * written with mode 0600 (POSIX only: on Windows the ACL of the data dir governs access).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import {
  coversHost, createCertificateAuthority, expiresWithin, isIssuedBy, issueClientCertificate,
  issueServerCertificate, keyMatchesCert,
} from './certs.ts';

/** ServerPki is the server's PEM material: the cluster CA, the serving pair and the admin client pair. */
export interface ServerPki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  /** kubeletClientCert/Key: the API server's client pair for the node agents (CN kube-apiserver-kubelet-client, O system:masters). */
  readonly kubeletClientCert: string;
  readonly kubeletClientKey: string;
}

/** Options for ensureServerPki: the hosts to serve, and the clock and platform (overridable for tests). */
export interface EnsureServerPkiOptions {
  readonly hosts: readonly string[];
  readonly now?: Date;
  /** renewWithinDays: reissue a leaf certificate that expires within this many days (default 30). */
  readonly renewWithinDays?: number;
}

/** The admin user of the cluster: kubeadm's name and the group RBAC treats as superuser. */
export const ADMIN_COMMON_NAME = 'kubernetes-admin';
/** The group of the admin client certificate. */
export const ADMIN_ORGANIZATION = 'system:masters';
/** The user the API server presents to node agents (kubeadm's name for its kubelet client certificate). */
export const KUBELET_CLIENT_COMMON_NAME = 'kube-apiserver-kubelet-client';

/** writeFileAtomic writes `text` to `path` via a temporary file and a rename, creating parent dirs; `mode` is applied on POSIX. */
export async function writeFileAtomic(path: string, text: string, mode: number, platform: NodeJS.Platform = process.platform): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { mode, flag: 'wx' });
    if (platform !== 'win32') await chmod(tmp, mode);
    else if ((mode & 0o077) === 0) await run('icacls', windowsPrivateAcl(tmp, process.env.USERDOMAIN, process.env.USERNAME));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** windowsPrivateAcl is the `icacls` argument list that gives a file the Windows form of mode 0600:
 * no inherited entries, full control for SYSTEM, the Administrators group and the current user only
 * (well-known SIDs, so it works on any display language). */
export function windowsPrivateAcl(path: string, domain: string | undefined, user: string | undefined): string[] {
  const args = [path, '/inheritance:r', '/grant:r', '*S-1-5-18:F', '/grant:r', '*S-1-5-32-544:F'];
  if (user) args.push('/grant:r', `${domain ? `${domain}\\` : ''}${user}:F`);
  return args;
}

/** run executes a command and rejects with its output when it fails. */
function run(cmd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { windowsHide: true }, (err, _out, errText) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(errText || err.message).trim()}`));
      else resolve();
    });
  });
}

/** writePrivateFile writes `text` to `path` atomically (temp + rename) with mode 0600 (or `mode`), creating parent dirs. */
export async function writePrivateFile(path: string, text: string, mode: number = 0o600): Promise<void> {
  await writeFileAtomic(path, text, mode);
}

/** readOptional returns a file's text, or undefined when it does not exist. */
async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** readPair loads `dir/name.crt` and `dir/name.key`, or undefined unless both exist. */
async function readPair(dir: string, name: string): Promise<{ cert: string; key: string } | undefined> {
  const [cert, key] = await Promise.all([readOptional(join(dir, `${name}.crt`)), readOptional(join(dir, `${name}.key`))]);
  return cert !== undefined && key !== undefined ? { cert, key } : undefined;
}

/** writePair stores a certificate (0644) and its key (0600) as `dir/name.{crt,key}`, key first. */
async function writePair(dir: string, name: string, pair: { cert: string; key: string }): Promise<void> {
  await writePrivateFile(join(dir, `${name}.key`), pair.key);
  await writeFileAtomic(join(dir, `${name}.crt`), pair.cert, 0o644);
}

/** leafUsable says whether a stored leaf pair can be kept: signed by the CA, key matching, not near expiry. */
function leafUsable(pair: { cert: string; key: string } | undefined, caCert: string, renewDays: number, now: Date): boolean {
  return pair !== undefined && isIssuedBy(pair.cert, caCert) && keyMatchesCert(pair.cert, pair.key)
    && !expiresWithin(pair.cert, renewDays, now);
}

/** ensureServerPki creates (first start) or loads the CA, serving and admin certificates under `dir`, reissuing leaves as needed. */
export async function ensureServerPki(dir: string, opts: EnsureServerPkiOptions): Promise<ServerPki> {
  const now = opts.now ?? new Date();
  const renewDays = opts.renewWithinDays ?? 30;
  await mkdir(dir, { recursive: true, mode: 0o700 });

  let ca = await readPair(dir, 'ca');
  if (ca === undefined) {
    if (await readOptional(join(dir, 'ca.crt')) !== undefined) {
      throw new Error(`${join(dir, 'ca.crt')} exists without ${join(dir, 'ca.key')}; restore the key or remove the directory`);
    }
    ca = await createCertificateAuthority({ now });
    await writePair(dir, 'ca', ca);
  } else if (!keyMatchesCert(ca.cert, ca.key)) {
    throw new Error(`${join(dir, 'ca.key')} does not belong to ${join(dir, 'ca.crt')}`);
  }

  let server = await readPair(dir, 'server');
  if (!leafUsable(server, ca.cert, renewDays, now) || !opts.hosts.every((h) => h.trim() === '' || coversHost(server!.cert, h))) {
    server = await issueServerCertificate(ca.cert, ca.key, { hosts: opts.hosts, now });
    await writePair(dir, 'server', server);
  }

  let admin = await readPair(dir, 'admin');
  if (!leafUsable(admin, ca.cert, renewDays, now)) {
    admin = await issueClientCertificate(ca.cert, ca.key, {
      commonName: ADMIN_COMMON_NAME, organizations: [ADMIN_ORGANIZATION], days: 365, now,
    });
    await writePair(dir, 'admin', admin);
  }

  let kubeletClient = await readPair(dir, 'kubelet-client');
  if (!leafUsable(kubeletClient, ca.cert, renewDays, now)) {
    kubeletClient = await issueClientCertificate(ca.cert, ca.key, {
      commonName: KUBELET_CLIENT_COMMON_NAME, organizations: [ADMIN_ORGANIZATION], days: 365, now,
    });
    await writePair(dir, 'kubelet-client', kubeletClient);
  }

  return {
    caCert: ca.cert, caKey: ca.key,
    serverCert: server!.cert, serverKey: server!.key,
    adminCert: admin!.cert, adminKey: admin!.key,
    kubeletClientCert: kubeletClient!.cert, kubeletClientKey: kubeletClient!.key,
  };
}

/**
 * @module cli/token — `windlass token create|list|delete`: kubeadm's bootstrap tokens, stored as
 * Secrets `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`, managed over
 * HTTPS with the admin credentials of a server's data dir (or `--kubeconfig`).
 *
 * Pure helpers (duration parsing, the Secret's shape, the table, the join command) are exported
 * for tests; the command bodies take their HTTP client from the caller.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caCertHash, generateBootstrapToken, isBootstrapTokenId, parseBootstrapToken, readKubeconfigCredentials } from '../pki/index.ts';
import { requestJson, statusMessage } from '../agent/index.ts';
import type { HttpTarget } from '../agent/index.ts';
import type { CliIo } from './program.ts';

/** The Secret type of bootstrap tokens. */
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
/** kubeadm's default extra group for node-join tokens. */
export const DEFAULT_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
const SECRETS = '/api/v1/namespaces/kube-system/secrets';
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** Flags shared by the token commands: where the admin credentials come from. */
export interface TokenAccessFlags {
  readonly dataDir: string;
  readonly kubeconfig?: string;
}

/** Flags of `token create`. */
export interface TokenCreateFlags extends TokenAccessFlags {
  /** token: an explicit `id.secret` (default: a random one). */
  readonly token?: string;
  readonly ttl: string;
  readonly description?: string;
  readonly usages: readonly string[];
  readonly groups: readonly string[];
  readonly printJoinCommand: boolean;
}

/** A bootstrap token as read back from its Secret. */
export interface BootstrapTokenInfo {
  readonly id: string;
  readonly secret: string;
  readonly expiration?: string;
  readonly usages: string[];
  readonly groups: string[];
  readonly description: string;
}

/** parseGoDuration parses a Go duration (`24h`, `1h30m`, `90s`, `0`) into milliseconds, or undefined. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]];
    consumed = re.lastIndex;
  }
  return consumed === text.length && text !== '' ? Math.round(total) : undefined;
}

/** formatDuration renders milliseconds the way kubeadm's TTL column does (`23h`, `59m`, `30s`). */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)}h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m`;
  return `${Math.floor(ms / 1000)}s`;
}

/** b64 encodes text as base64 (Secret data). */
function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** validateTokenOptions checks usages and groups as kubeadm does; returns an error message or undefined. */
export function validateTokenOptions(usages: readonly string[], groups: readonly string[]): string | undefined {
  const bad = usages.filter((u) => u !== 'signing' && u !== 'authentication');
  if (bad.length > 0) return `invalid bootstrap token usage ${JSON.stringify(bad[0])} (valid: signing, authentication)`;
  const badGroup = groups.find((g) => !GROUP_RE.test(g));
  if (badGroup !== undefined) return `bootstrap token group ${JSON.stringify(badGroup)} must match ${GROUP_RE.source}`;
  if (groups.length > 0 && !usages.includes('authentication')) return 'token groups can only be used with the authentication usage';
  return undefined;
}

/** buildTokenSecret returns the Secret kubeadm writes for a bootstrap token (expiration omitted when ttlMs is 0). */
export function buildTokenSecret(opts: { id: string; secret: string; ttlMs: number; description?: string; usages: readonly string[]; groups: readonly string[]; now: Date }): Record<string, unknown> {
  const data: Record<string, string> = { 'token-id': b64(opts.id), 'token-secret': b64(opts.secret) };
  if (opts.ttlMs > 0) data.expiration = b64(new Date(opts.now.getTime() + opts.ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  for (const u of [...opts.usages].sort()) data[`usage-bootstrap-${u}`] = b64('true');
  if (opts.groups.length > 0) data['auth-extra-groups'] = b64(opts.groups.join(','));
  if (opts.description !== undefined && opts.description !== '') data.description = b64(opts.description);
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: `bootstrap-token-${opts.id}`, namespace: 'kube-system' },
    type: BOOTSTRAP_TOKEN_TYPE,
    data,
  };
}

/** tokenFromSecret reads a bootstrap-token Secret back, or undefined when it is not a well-formed one. */
export function tokenFromSecret(secret: Record<string, any>): BootstrapTokenInfo | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const d = (k: string): string | undefined => {
    const v: unknown = secret.data?.[k];
    return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
  const id = d('token-id');
  const tokenSecret = d('token-secret');
  if (id === undefined || tokenSecret === undefined || parseBootstrapToken(`${id}.${tokenSecret}`) === undefined) return undefined;
  if (secret.metadata?.name !== `bootstrap-token-${id}`) return undefined;
  const usages = ['authentication', 'signing'].filter((u) => d(`usage-bootstrap-${u}`) === 'true');
  const groups = (d('auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
  const expiration = d('expiration');
  return { id, secret: tokenSecret, ...(expiration !== undefined ? { expiration } : {}), usages, groups, description: d('description') ?? '' };
}

/** formatTokenTable renders tokens as kubeadm's `token list` table. */
export function formatTokenTable(tokens: readonly BootstrapTokenInfo[], now: Date): string {
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const t of tokens) {
    const exp = t.expiration !== undefined ? Date.parse(t.expiration) : undefined;
    const ttl = exp === undefined ? '<forever>' : Number.isNaN(exp) || exp <= now.getTime() ? '<invalid>' : formatDuration(exp - now.getTime());
    rows.push([`${t.id}.${t.secret}`, ttl, t.expiration ?? '<never>', t.usages.join(',') || '<none>', t.description || '<none>', t.groups.join(',') || '<none>']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd()).join('\n') + '\n';
}

/** serverHostPort returns `host:port` of an https URL (port 443 when absent; IPv6 bracketed). */
export function serverHostPort(server: string): string {
  const u = new URL(server);
  return `${u.hostname}:${u.port === '' ? '443' : u.port}`;
}

/** joinCommand renders the `windlass join` command line for a server, token and CA. */
export function joinCommand(server: string, token: string, caCertPem: string): string {
  return `windlass join ${serverHostPort(server)} --token ${token} --discovery-token-ca-cert-hash ${caCertHash(caCertPem)}`;
}

/** adminTarget reads the admin kubeconfig (`--kubeconfig`, else `<data-dir>/admin.kubeconfig`) into an HTTPS target. */
export async function adminTarget(flags: TokenAccessFlags): Promise<HttpTarget & { caCert: string }> {
  const path = flags.kubeconfig ?? join(flags.dataDir, 'admin.kubeconfig');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(flags.kubeconfig !== undefined
      ? `kubeconfig ${path} does not exist`
      : `no admin kubeconfig at ${path} (is "windlass server" running with --data-dir ${flags.dataDir}? or pass --kubeconfig)`);
  }
  const creds = readKubeconfigCredentials(text);
  if (creds.caCert === undefined) throw new Error(`kubeconfig ${path} has no embedded certificate-authority-data`);
  return { server: creds.server, caCert: creds.caCert, clientCert: creds.clientCert, clientKey: creds.clientKey };
}

/** tokenCreate stores a new bootstrap token and prints it, or the join command with --print-join-command. */
export async function tokenCreate(flags: TokenCreateFlags, io: CliIo, now: () => Date = () => new Date()): Promise<void> {
  const given = flags.token !== undefined ? parseBootstrapToken(flags.token) : undefined;
  if (flags.token !== undefined && given === undefined) throw new Error(`token ${JSON.stringify(flags.token)} does not match [a-z0-9]{6}.[a-z0-9]{16}`);
  const ttlMs = parseGoDuration(flags.ttl);
  if (ttlMs === undefined) throw new Error(`--ttl ${JSON.stringify(flags.ttl)} is not a duration (e.g. 24h, 90m, 0 for never)`);
  const invalid = validateTokenOptions(flags.usages, flags.groups);
  if (invalid !== undefined) throw new Error(invalid);
  const target = await adminTarget(flags);
  const token = given !== undefined ? { ...given, token: `${given.id}.${given.secret}` } : generateBootstrapToken();
  const secret = buildTokenSecret({ ...token, ttlMs, description: flags.description, usages: flags.usages, groups: flags.groups, now: now() });
  const res = await requestJson(target, 'POST', SECRETS, secret);
  if (res.status === 409) throw new Error(`a bootstrap token with ID "${token.id}" already exists`);
  if (res.status !== 201 && res.status !== 200) throw new Error(`creating the bootstrap token failed: ${statusMessage(res)}`);
  io.out(`${flags.printJoinCommand ? joinCommand(target.server, token.token, target.caCert) : token.token}\n`);
}

/** tokenList prints the cluster's bootstrap tokens as a table. */
export async function tokenList(flags: TokenAccessFlags, io: CliIo, now: () => Date = () => new Date()): Promise<void> {
  const target = await adminTarget(flags);
  const res = await requestJson(target, 'GET', SECRETS);
  if (res.status !== 200) throw new Error(`listing bootstrap tokens failed: ${statusMessage(res)}`);
  const items: Record<string, any>[] = Array.isArray(res.json?.items) ? res.json.items : [];
  const tokens = items.map(tokenFromSecret).filter((t): t is BootstrapTokenInfo => t !== undefined).sort((a, b) => a.id.localeCompare(b.id));
  io.out(formatTokenTable(tokens, now()));
}

/** tokenDelete deletes bootstrap tokens given by ID or `id.secret`, printing one line per token. */
export async function tokenDelete(ids: readonly string[], flags: TokenAccessFlags, io: CliIo): Promise<void> {
  const parsed = ids.map((t) => parseBootstrapToken(t)?.id ?? (isBootstrapTokenId(t) ? t : undefined));
  const bad = ids.find((_, i) => parsed[i] === undefined);
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is neither a token ID ([a-z0-9]{6}) nor a token ([a-z0-9]{6}.[a-z0-9]{16})`);
  const target = await adminTarget(flags);
  for (const id of parsed as string[]) {
    const res = await requestJson(target, 'DELETE', `${SECRETS}/bootstrap-token-${id}`);
    if (res.status === 404) throw new Error(`bootstrap token "${id}" not found`);
    if (res.status !== 200 && res.status !== 202) throw new Error(`deleting bootstrap token "${id}" failed: ${statusMessage(res)}`);
    io.out(`bootstrap token "${id}" deleted\n`);
  }
}

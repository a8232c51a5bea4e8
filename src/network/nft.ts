/**
 * @module network/nft — the seam between the node's nftables users (the Service proxy, the
 * NetworkPolicy enforcer) and the kernel: an `NftRunner` takes a whole `nft -f` script and
 * applies it as one transaction. `nftRunner()` spawns `nft -f -`
 * (optionally inside a named network namespace, entered with nsenter), `nftCheck()` runs `nft -c -f -`
 * (parse and kernel validation without committing). Failures carry nft's own message.
 */
import { spawn } from 'node:child_process';

/** NftRunner applies one nft script atomically; it rejects with nft's message when nft refuses it. */
export type NftRunner = (script: string) => Promise<void>;

/** NftRunnerOptions pick the binary, a network namespace and check-only mode. */
export interface NftRunnerOptions {
  /** nftPath is the nft binary (default `nft` from PATH). */
  readonly nftPath?: string;
  /** netns runs nft inside this named network namespace (`nsenter --net=/run/netns/NAME nft …`, lighter than `ip netns exec`). */
  readonly netns?: string;
  /** check validates without committing (`nft -c`). */
  readonly check?: boolean;
  /** prefix is a command line to run nft under (e.g. `['unshare', '-n']` to check in a throwaway namespace). */
  readonly prefix?: readonly string[];
}

/** NftError is a refused nft script: `stderr` is nft's message, `code` its exit status. */
export class NftError extends Error {
  readonly stderr: string;
  readonly code: number | null;
  constructor(stderr: string, code: number | null) {
    super(`nft failed (exit ${code}): ${stderr.trim().slice(0, 4000)}`);
    this.name = 'NftError';
    this.stderr = stderr;
    this.code = code;
  }
}

/** nftRunner returns a runner that pipes each script into `nft -f -` (in `netns` when given). */
export function nftRunner(opts: NftRunnerOptions = {}): NftRunner {
  const nft = opts.nftPath ?? 'nft';
  const nftArgs = [...(opts.check ? ['-c'] : []), '-f', '-'];
  const [cmd, ...args] = [...(opts.prefix ?? []), ...(opts.netns ? ['nsenter', `--net=/run/netns/${opts.netns}`] : []), nft, ...nftArgs];
  return (script) => new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { if (stderr.length < 64_000) stderr += d; });
    child.on('error', (e) => reject(e));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new NftError(stderr, code))));
    child.stdin.on('error', () => undefined); // nft may exit before reading everything; 'close' reports why
    child.stdin.end(script);
  });
}

/** nftCheck validates a script with `nft -c -f -` (no namespace needed: nothing is committed). */
export function nftCheck(script: string, opts: Omit<NftRunnerOptions, 'check'> = {}): Promise<void> {
  return nftRunner({ ...opts, check: true })(script);
}

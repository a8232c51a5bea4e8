/**
 * @module network/policy/nft — the seam between rulesets and the kernel: an `NftRunner` takes a
 * complete `nft -f` script. The real one pipes it into `nft -f -` (optionally inside a named network
 * namespace through `ip netns exec`), and can only check it (`nft -c`) instead of applying it.
 */
import { spawn } from 'node:child_process';

/** NftRunner applies (or checks) one nft script; it rejects with nft's message when nft refuses it. */
export type NftRunner = (script: string) => Promise<void>;

/** NftRunnerOptions: where and how nft runs. */
export interface NftRunnerOptions {
  /** netns: run inside `ip netns exec <netns>`. */
  readonly netns?: string;
  /** check: only validate (`nft -c -f -`), changing nothing. */
  readonly check?: boolean;
  /** nft: the binary (default `nft` from PATH). */
  readonly nft?: string;
  /** prefix: a command line to run nft under (e.g. `['unshare', '-n']` to check in a throwaway namespace). */
  readonly prefix?: readonly string[];
}

/** nftRunner returns a runner that feeds scripts to a real `nft -f -` process. */
export function nftRunner(opts: NftRunnerOptions = {}): NftRunner {
  const nft = opts.nft ?? 'nft';
  const args = [...(opts.check ? ['-c'] : []), '-f', '-'];
  const full = [...(opts.prefix ?? []), ...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []), nft, ...args];
  const [cmd, ...argv] = full;
  return (script) => new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`nft exited with ${code}: ${err.trim()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(script);
  });
}

/**
 * @module agent/streaming/containerd-probe — TEST ONLY: a tiny command run inside a test network
 * namespace (where the runtime's streaming server listens on loopback) that drives this folder's
 * SPDY client against one streaming URL and prints the outcome as JSON:
 * `exec <url> <@ (stdin from our stdin) or -> <tty 0|1>` → `{stdout, stderr, result}`;
 * `pf <url> <port> <path>` → `{body}` (an HTTP GET carried over the forwarded connection).
 */
import { dialPortForward, dialRemoteCommand } from './runtime-client.ts';

async function main(): Promise<void> {
  const [mode, url, a, b, c] = process.argv.slice(2);
  if (mode === 'exec' || mode === 'attach') {
    const tty = b === '1';
    const stdin = a !== '-';
    const cmd = await dialRemoteCommand(url, { stdin, stdout: true, stderr: !tty, tty });
    let stdout = ''; let stderr = '';
    cmd.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    cmd.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    if (tty) cmd.resize({ width: 123, height: 45 });
    if (stdin) {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      cmd.stdin?.end(Buffer.concat(chunks));
    }
    const timer = mode === 'attach' ? setTimeout(() => { cmd.close(); }, Number(c ?? 1500)) : undefined;
    const result = await Promise.race([cmd.result, new Promise((r) => setTimeout(() => r({ timeout: true }), 20_000))]);
    clearTimeout(timer);
    await new Promise((r) => setTimeout(r, 100));
    cmd.close();
    process.stdout.write(JSON.stringify({ stdout, stderr, result }));
    return;
  }
  if (mode === 'pf') {
    const pf = await dialPortForward(url);
    const conn = await pf.connect(Number(a));
    let body = '';
    conn.on('data', (d: Buffer) => { body += d.toString(); });
    const ended = new Promise<void>((r) => { conn.once('end', () => r()); conn.once('close', () => r()); });
    conn.on('error', (e: Error) => { body += `ERROR ${e.message}`; });
    conn.write(`GET ${b} HTTP/1.0\r\nHost: x\r\n\r\n`);
    await Promise.race([ended, new Promise((r) => setTimeout(r, 10_000))]);
    pf.close();
    process.stdout.write(JSON.stringify({ body }));
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().then(() => process.exit(0), (e: unknown) => { process.stdout.write(JSON.stringify({ error: String(e) })); process.exit(1); });

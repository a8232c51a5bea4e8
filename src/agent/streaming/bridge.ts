/**
 * @module agent/streaming/bridge — joins a client's remote command session (kubectl side) to a
 * command running on the runtime's streaming server: stdin with its EOF, stdout/stderr, terminal
 * resizes, and the exit status once the output streams drained.
 */
import type { Readable, Writable } from 'node:stream';
import type { CommandResult, RemoteCommandSession } from './remotecommand.ts';
import type { RuntimeCommand } from './runtime-client.ts';

function copyUntilEnd(from: Readable | null, to: Writable | null): Promise<void> {
  return new Promise((resolve) => {
    if (!from) { resolve(); return; }
    if (!to) { from.resume(); from.once('end', resolve); from.once('close', resolve); return; }
    from.on('data', (c: Buffer) => { if (!to.write(c)) { from.pause(); to.once('drain', () => from.resume()); } });
    from.once('end', resolve);
    from.once('close', resolve);
    from.once('error', () => resolve());
  });
}

/** bridgeCommand pumps `session` ⇄ `cmd` until the command ends (then reports its status) or the client goes away (then the command's streams are dropped). */
export async function bridgeCommand(session: RemoteCommandSession, cmd: RuntimeCommand): Promise<CommandResult | undefined> {
  if (session.stdin) {
    const input = session.stdin;
    if (cmd.stdin) {
      const target = cmd.stdin;
      input.on('data', (c: Buffer) => { if (!target.destroyed && !target.write(c)) { input.pause(); target.once('drain', () => input.resume()); } });
      input.once('end', () => { if (!target.destroyed) target.end(); });
      target.on('error', () => undefined);
    } else input.resume();
  }
  if (session.lastSize) cmd.resize(session.lastSize);
  session.resize.on('resize', (s: { width: number; height: number }) => cmd.resize(s));
  const outputs = Promise.all([copyUntilEnd(cmd.stdout, session.stdout), copyUntilEnd(cmd.stderr, session.stderr)]);
  const ended = Promise.all([cmd.result, outputs]).then(([r]) => r);
  const outcome = await Promise.race([ended, session.closed.then(() => undefined)]);
  if (outcome === undefined) { cmd.close(); return undefined; }
  await session.finish(outcome);
  cmd.close();
  return outcome;
}

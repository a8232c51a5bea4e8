/**
 * @module cli/log — structured logging for long-running commands: one JSON object per line,
 * `{"time":…,"level":…,"msg":…, …fields}`, written to stderr by default.
 */

/** Logger writes one event per call; `fields` are merged into the JSON line. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** createLogger returns a Logger that writes JSON lines through `write` (default: stderr), stamped by `now`. */
export function createLogger(
  write: (line: string) => void = (line) => { process.stderr.write(line); },
  now: () => Date = () => new Date(),
): Logger {
  const emit = (level: 'info' | 'error', msg: string, fields?: Record<string, unknown>): void => {
    write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

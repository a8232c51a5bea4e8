/**
 * @module cli/main — the `windlass` entry point: `node src/cli/main.ts <command> [flags]`.
 * Runs the command line and exits with its status (0 ok, 1 runtime failure, 2 usage error).
 */
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// A clean shutdown leaves nothing running; should a library keep a handle open, do not hang.
setTimeout(() => process.exit(code), 3000).unref();

#!/usr/bin/env bash
# scripts/test.sh — set up (Node 24, npm deps, test system packages) and run the whole test suite:
# type-check, lint, then every test tier. Extra arguments go to scripts/test.ts (e.g. --tier unit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_BIN="$(bash "$ROOT/scripts/setup.sh" --test | tail -1)"
export PATH="$NODE_BIN:$PATH"
cd "$ROOT"
echo "[test] node $(node --version)"
echo "[test] type-check"; npx tsc --noEmit -p tsconfig.json
echo "[test] lint"; npx eslint --max-warnings=0 src bench scripts test
exec node --disable-warning=ExperimentalWarning scripts/test.ts "$@"

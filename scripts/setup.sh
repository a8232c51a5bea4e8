#!/usr/bin/env bash
# setup.sh — bring everything windlass needs onto a fresh Debian machine, idempotently.
#   * Node.js 24 LTS from the npm registry (the `node` package) when the machine's Node is older
#   * npm dependencies (npm ci)
#   * with --test: the system packages the test tiers use (etcd), from Debian's packages
# Prints the directory holding the node binary to use on its last line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WANT_MAJOR=24
TOOLS="$ROOT/.tools/node$WANT_MAJOR"
log() { echo "[setup] $*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

NODE_BIN=""
if command -v node >/dev/null && [ "$(node_major node)" -ge 22 ]; then
  NODE_BIN="$(dirname "$(command -v node)")"
elif [ -x "$TOOLS/node_modules/.bin/node" ] && [ "$(node_major "$TOOLS/node_modules/.bin/node")" -ge 22 ]; then
  NODE_BIN="$TOOLS/node_modules/.bin"
else
  log "machine Node is $(node --version 2>/dev/null || echo absent); installing Node $WANT_MAJOR from the npm registry into .tools/"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "node@$WANT_MAJOR" >&2
  NODE_BIN="$TOOLS/node_modules/.bin"
fi
export PATH="$NODE_BIN:$PATH"

# npm dependencies: reinstall only when the lock file changed since the last install.
STAMP="$ROOT/node_modules/.windlass-lock-stamp"
if [ ! -f "$STAMP" ] || ! cmp -s "$ROOT/package-lock.json" "$STAMP"; then
  log "installing npm dependencies"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$ROOT/package-lock.json" "$STAMP"
fi

if [ "${1:-}" = "--test" ]; then
  need=()
  command -v etcd >/dev/null || need+=(etcd-server)
  command -v openssl >/dev/null || need+=(openssl)
  # the Linux node agent's tiers: containerd + runc over CRI, CNI plugins, nftables, a local
  # registry and the tools that build and push test images (busybox-static, skopeo).
  command -v containerd >/dev/null || need+=(containerd)
  command -v runc >/dev/null || need+=(runc)
  [ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
  command -v nft >/dev/null || need+=(nftables)
  command -v conntrack >/dev/null || need+=(conntrack)
  command -v ip >/dev/null || need+=(iproute2)
  command -v docker-registry >/dev/null || need+=(docker-registry)
  command -v skopeo >/dev/null || need+=(skopeo)
  dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing Debian packages: ${need[*]}"
    if [ "$(id -u)" = 0 ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
      # Debian starts etcd as a service on install; tests start their own on loopback ports.
      systemctl disable --now etcd >/dev/null 2>&1 || service etcd stop >/dev/null 2>&1 || true
      # nor do they use a system containerd or registry: each test runs its own under a temp dir.
      systemctl disable --now containerd docker-registry >/dev/null 2>&1 || true
    else
      log "not root: cannot install ${need[*]}; the tiers that need them will say so"
    fi
  fi
fi
echo "$NODE_BIN"

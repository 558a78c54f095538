#!/usr/bin/env bash
# Installs the system packages the test suite needs (run by `npm test` via
# the `pretest` script). Idempotent: when everything is already present it
# prints nothing and exits 0. See docs/testing.md.
#
# - Ceph (ceph-mon, ceph-osd, radosgw): a throwaway single-node cluster with
#   radosgw is the S3 server used by the storage tests (test/servers/radosgw.ts).
# - Chromium (chromium, chromium-driver): for the browser tests.
#
# Set METAFUSE_SKIP_TEST_DEPS=1 to skip this script entirely.
set -euo pipefail

if [ "${METAFUSE_SKIP_TEST_DEPS:-}" = "1" ]; then
  exit 0
fi

# ---------------------------------------------------------------------------
# Package lists: "<debian package>:<binary that proves it is installed>".
# ---------------------------------------------------------------------------

# Object storage: Ceph's radosgw (S3 with conditional PUTs).
CEPH_PACKAGES=(
  "ceph-mon:ceph-mon"
  "ceph-osd:ceph-osd"
  "radosgw:radosgw"
)

# >>> Browser tests (Chromium driven by playwright-core) >>>
BROWSER_PACKAGES=(
  "chromium:chromium"
  "chromium-driver:chromedriver"
)
# <<< Browser tests <<<

ALL_PACKAGES=("${CEPH_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}")

missing=()
for entry in "${ALL_PACKAGES[@]}"; do
  pkg="${entry%%:*}"
  bin="${entry#*:}"
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/bin/$bin" ] && [ ! -x "/usr/sbin/$bin" ]; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || [ ! -f /etc/debian_version ]; then
  echo "install-test-deps: not a Debian system with apt-get; skipping install of: ${missing[*]}" >&2
  echo "install-test-deps: tests that need these packages will be skipped or fail." >&2
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "install-test-deps: not root and no passwordless sudo; skipping install of: ${missing[*]}" >&2
    exit 0
  fi
fi

echo "install-test-deps: installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
fail() {
  echo "install-test-deps: $1 (set METAFUSE_SKIP_TEST_DEPS=1 to skip this step)" >&2
  exit 1
}
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
  fail "apt-get update failed"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" >/dev/null ||
  fail "apt-get install ${missing[*]} failed"
echo "install-test-deps: done in $(( $(date +%s) - start )) s" >&2

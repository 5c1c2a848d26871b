#!/usr/bin/env bash
# Installs the tracelint binary into ROOT/bin, the fastest way there is:
#   1. ROOT/bin/tracelint is already this source's build (a CI cache hit):
#      nothing to do;
#   2. a prebuilt binary of this version for this machine, from a release
#      (TRACELINT_RELEASE_BASE: the URL of the release's assets, e.g.
#      https://github.com/OWNER/tracelint/releases/download/v0.1.0), its
#      SHA-256 checked against the .sha256 beside it;
#   3. otherwise built from this source (cargo install --locked).
# The composite action (action.yml) runs it; so can any CI system.
# Usage: tools/install-tracelint.sh --root DIR     install
#        tools/install-tracelint.sh --key          print the cache key
#        tools/install-tracelint.sh --target       print the release asset's platform
#        tools/install-tracelint.sh --sha256 FILE  print FILE's SHA-256 line
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

# SHA-256 with the tool the system has (GNU coreutils; macOS's shasum).
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# What identifies a build: the crate's version, and a hash of the files the
# build reads (sources, manifest, lock file, embedded assets).
key() {
  local version
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$src/Cargo.toml" | head -1)
  local digest
  digest=$(cd "$src" && find Cargo.toml Cargo.lock build.rs src taxonomy -type f -print0 \
    | LC_ALL=C sort -z | xargs -0 bash -c 'for f; do cat "$f"; done' _ | sha256 | cut -c1-16)
  echo "$version-$digest"
}

target() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo x86_64-unknown-linux-gnu ;;
    Linux-aarch64) echo aarch64-unknown-linux-gnu ;;
    Darwin-arm64) echo aarch64-apple-darwin ;;
    Darwin-x86_64) echo x86_64-apple-darwin ;;
    *) echo unknown ;;
  esac
}

case "${1:-}" in
  --sha256) shift; sha256 "$@"; exit 0 ;;
  --key) key; exit 0 ;;
  --target) target; exit 0 ;;
esac
[ "${1:-}" = "--root" ] && [ -n "${2:-}" ] || { echo "usage: $0 --root DIR | --key | --target" >&2; exit 2; }
root=$2
mkdir -p "$root/bin"
wanted=$(key)
stamp="$root/bin/tracelint.key"

# A cached binary counts only if it is this build and runs here.
if [ -x "$root/bin/tracelint" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] \
  && "$root/bin/tracelint" --version >/dev/null 2>&1; then
  echo "install-tracelint: cached build $wanted"
  exit 0
fi

if [ -n "${TRACELINT_RELEASE_BASE:-}" ]; then
  asset="tracelint-$(target).tar.gz"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  fetch() { curl -fsSL --retry 3 --retry-delay 2 "$1" -o "$2"; }
  if fetch "$TRACELINT_RELEASE_BASE/$asset" "$work/$asset" \
    && fetch "$TRACELINT_RELEASE_BASE/$asset.sha256" "$work/$asset.sha256"; then
    # A binary whose digest is not the published one is never installed.
    (cd "$work" && [ "$(sha256 "$asset")" = "$(cat "$asset.sha256")" ]) || {
      echo "install-tracelint: $asset does not match its published SHA-256" >&2
      exit 1
    }
    tar -xzf "$work/$asset" -C "$root/bin" tracelint
    "$root/bin/tracelint" --version >/dev/null
    echo "$wanted" >"$stamp"
    echo "install-tracelint: prebuilt $asset from $TRACELINT_RELEASE_BASE"
    exit 0
  fi
  # Said as a warning annotation on GitHub: a pin to a commit or a branch
  # has no release, and the run then pays for a build from source.
  echo "::warning::install-tracelint: no prebuilt $asset at $TRACELINT_RELEASE_BASE (a commit or branch has no release); building from source" >&2
fi

command -v cargo >/dev/null 2>&1 || { echo "install-tracelint: no prebuilt binary and no cargo to build one" >&2; exit 1; }
cargo install --locked --path "$src" --root "$root" --force
echo "$wanted" >"$stamp"
echo "install-tracelint: built $wanted from source"

#!/usr/bin/env bash
# Builds the release binary and packs it as a release asset:
#   OUT_DIR/tracelint-TARGET.tar.gz and its .sha256 (the format
#   tools/install-tracelint.sh checks). The release workflow runs it on each
#   platform; it runs as well on a developer's machine.
# Usage: tools/package-release.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
out=$(realpath -m "${1:?usage: $0 OUT_DIR}")
mkdir -p "$out"
cargo build --release --locked
target=$(tools/install-tracelint.sh --target)
bin=${CARGO_TARGET_DIR:-target}/release/tracelint
asset="tracelint-$target.tar.gz"
# Without the debug line tables the release profile keeps for backtraces
# (hundreds of MB): function names stay.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$bin" "$stage/tracelint"
strip -S "$stage/tracelint"
tar -czf "$out/$asset" -C "$stage" tracelint
(cd "$out" && "$repo/tools/install-tracelint.sh" --sha256 "$asset" >"$asset.sha256")
echo "package-release: $out/$asset"

#!/usr/bin/env bash
# Runs each cargo-fuzz target (tests/fuzz) for SECONDS (default 900), two at
# a time on a 2-core machine, each corpus seeded from the project's own
# fixtures; crashes land in tests/fuzz/artifacts/TARGET/.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]     (targets: records text_logs store)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-900}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(records text_logs store)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
fuzz() { cargo +nightly fuzz "$@" --fuzz-dir tests/fuzz -s none; }
seed() {
  local target=$1 dir=tests/fuzz/corpus/$1
  mkdir -p "$dir"
  case $target in
    records) for f in $(find sample-traces tests/fixtures -type f \( -name '*.json' -o -name '*.jsonl' \) -size -64k); do
               cp "$f" "$dir/$(echo "$f" | tr / _)"; done ;;
    text_logs) for f in $(find tests/fixtures -name runtime.log -o -name logs.txt); do
                 case $f in *runtime.log) b='\x00';; *) b='\x01';; esac
                 { printf "$b"; tail -n +2 "$f"; } > "$dir/$(echo "$f" | tr / _)"; done ;;
    store) [ -f "$dir/seed.parquet" ] || cargo run -q --release -- ingest sample-traces -q -o "$dir/seed.parquet" ;;
  esac
}
for target in "${targets[@]}"; do seed "$target"; fuzz build "$target"; done
for target in "${targets[@]}"; do
  fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=262144 \
    > "tests/fuzz/$target.log" 2>&1 &
  # Two at a time: one per core.
  while [ "$(jobs -r | wc -l)" -ge 2 ]; do sleep 5; done
done
wait
for target in "${targets[@]}"; do
  echo "== $target"; grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs|ERROR|crash-" "tests/fuzz/$target.log" | tail -3
done

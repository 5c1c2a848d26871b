#!/usr/bin/env bash
# A Python environment with DuckDB, in target/python, for the test that
# reads the report tables as a dashboard does (tests/report.rs). Does
# nothing when it is there; without python3 it says so and the test skips
# (under .ci/run, fails).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/python
if "$venv/bin/python" -c "import duckdb" >/dev/null 2>&1; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "python-venv: python3 is not installed; the DuckDB test will be skipped" >&2
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet duckdb==2.0.1
"$venv/bin/python" -c "import duckdb; print('python-venv: duckdb', duckdb.__version__)"

#!/usr/bin/env bash
# A Python environment in target/python for the tests that use real Python
# packages: DuckDB, which reads the report tables as a dashboard does
# (tests/report.rs), and the OpenTelemetry SDK with its OTLP/HTTP exporter
# and the OpenAI Agents SDK with its OTel instrumentation, the real clients
# of `tracelint watch` and `serve` (tests/watch.rs). Does nothing when
# they are there; without python3 it says so and the tests skip (under
# .ci/run, fail).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/python
check='import duckdb, opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, agents, opentelemetry.instrumentation.openai_agents'
if "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "python-venv: python3 is not installed; the DuckDB and OTel SDK tests will be skipped" >&2
  exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet duckdb==2.0.1 \
  opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2 \
  openai-agents==0.24.0 opentelemetry-instrumentation-openai-agents-v2==0.1.0
"$venv/bin/python" -c "$check; print('python-venv: duckdb', duckdb.__version__, '/ opentelemetry-sdk 1.45.2')"

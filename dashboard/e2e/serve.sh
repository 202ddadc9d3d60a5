#!/usr/bin/env bash
# The server the browser tests drive: a fresh SQLite store, mock services,
# the outbox readable by the tests, the default plans (free caps included).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${MOCKBIRD_E2E_BIN:-target/debug/mockbird-server}"
[ -x "$bin" ] || cargo build -p mockbird-server
# The scale test's seeder (e2e/scale.spec.ts).
cargo build -q -p mockbird-benches --bin seed-logs
dir="${E2E_DIR:-$(mktemp -d)}"
port="${E2E_PORT:-47123}"
exec "$bin" --listen "127.0.0.1:$port" --public-url "http://127.0.0.1:$port" \
  --store "sqlite:$dir/mockbird.db" --auth mock --secret-file "$dir/secret" \
  --expose-outbox --outbox-token e2e-outbox-token-123456 --api-rate-limit 100000

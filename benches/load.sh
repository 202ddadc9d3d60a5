#!/usr/bin/env bash
# The load benchmark: release mockbird-server vs a bare hyper server, driven by wrk.
# Usage: benches/load.sh [loadbench flags] [-- extra mockbird-server flags]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -p mockbird-server -p mockbird-benches --bins
exec target/release/loadbench "$@"

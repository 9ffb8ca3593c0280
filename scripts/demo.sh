#!/usr/bin/env bash
# The Stars demo on a local lab of network namespaces with real enforcement (root, Debian 12).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh && ./npa demo "$@"

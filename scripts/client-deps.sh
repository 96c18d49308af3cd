#!/usr/bin/env bash
# Installs the real vendor clients the tests point at understudy, pinned, from the package
# registries, into target/client-tests/ (nothing global). Idempotent: quick when installed.
#   - npm: @gitbook/api 0.202.0 (GitBook's official client)
#   - PyPI: requests 2.32.3 (what Ada's documentation sample uses), in a virtualenv
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/target/client-tests"
mkdir -p "$dir"

if [ ! -f "$dir/node/node_modules/@gitbook/api/package.json" ]; then
  npm install --prefix "$dir/node" --no-audit --no-fund --loglevel=error @gitbook/api@0.202.0 >&2
fi

if ! "$dir/python/bin/python" -c "import requests" 2>/dev/null; then
  python3 -m venv "$dir/python"
  "$dir/python/bin/pip" install --quiet --disable-pip-version-check requests==2.32.3 >&2
fi
echo "$dir"

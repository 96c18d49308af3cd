#!/usr/bin/env bash
# Installs the real vendor clients the tests point at understudy, pinned, from the package
# registries, into target/client-tests/ (nothing global). Idempotent: quick when installed.
#   - npm (tests/clients/package.json, every version locked by tests/clients/package-lock.json):
#     @gitbook/api 0.202.0 (GitBook's official client), @teable/openapi 1.10.0 (Teable's), and
#     ajv 8.17.1 + ajv-formats 3.0.1 (to validate GitBook's answers against the spec its client
#     ships)
#   - PyPI: requests 2.32.3 (what Ada's documentation sample uses), in a virtualenv
# Prints the folder. The tests run the scripts of tests/clients/ with NODE_PATH set to its
# node/node_modules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/target/client-tests"
mkdir -p "$dir/node"
# The client tests run in parallel and each calls this script: one installs, the others wait.
if command -v flock >/dev/null; then
  exec 9>"$dir/.lock"
  flock 9
fi

# `npm ci` installs exactly the lock file; a stamp of it says whether that is done.
lock="$root/tests/clients/package-lock.json"
stamp="$dir/node/.installed-lock"
if ! cmp -s "$lock" "$stamp"; then
  cp "$root/tests/clients/package.json" "$lock" "$dir/node/"
  npm ci --prefix "$dir/node" --no-audit --no-fund --loglevel=error >&2
  cp "$lock" "$stamp"
fi

if ! "$dir/python/bin/python" -c "import requests" 2>/dev/null; then
  python3 -m venv "$dir/python"
  "$dir/python/bin/pip" install --quiet --disable-pip-version-check requests==2.32.3 >&2
fi
echo "$dir"

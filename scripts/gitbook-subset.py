#!/usr/bin/env python3
"""Cuts contracts/gitbook/openapi-0.202.0.json out of the spec that @gitbook/api ships.

understudy serves four GitBook operations. `@gitbook/api` 0.202.0 (npm) ships GitBook's whole
OpenAPI 3.1 document as `spec/openapi.json` (about 1,100 schemas). This script keeps, unchanged,
what those four operations need and nothing else:

  * `paths`: for each kept operation, its path and only its method (other methods on the same
    path, such as GET and PATCH of a space installation, are dropped); path-level fields kept;
  * `components`: every component a kept operation references through `$ref`, followed
    transitively (schemas, parameters, responses, headers...), in the spec's own order, plus
    the security schemes the global and the kept operations' `security` name;
  * `tags`: the tags the kept operations name; `openapi`, `servers`, `security` as written;
  * `info`: as written, with a `description` saying where the subset comes from and how it
    was cut.

Nothing inside a kept operation or component is edited, so the file is the vendor's text: the
self-check holds understudy's answers to what that client release expects.

Usage:
  scripts/client-deps.sh >/dev/null    # installs @gitbook/api 0.202.0 into target/client-tests/
  python3 scripts/gitbook-subset.py [SPEC [OUT]]

SPEC defaults to target/client-tests/node/node_modules/@gitbook/api/spec/openapi.json, OUT to
contracts/gitbook/openapi-0.202.0.json (`-`: standard output).
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "target/client-tests/node/node_modules/@gitbook/api/spec/openapi.json"
OUT = ROOT / "contracts/gitbook/openapi-0.202.0.json"
PACKAGE = "@gitbook/api"
VERSION = "0.202.0"

# The operations understudy serves (contracts/gitbook/openapi-3.1.json), by operationId.
OPERATIONS = [
    "listSpaceIntegrations",
    "listSpaceIntegrationsBlocks",
    "installIntegrationOnSpace",
    "uninstallIntegrationFromSpace",
]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def refs(node):
    """Every `$ref` string under `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(spec, ref):
    """(section, name) of a local component reference `#/components/<section>/<name>`."""
    parts = ref.split("/")
    if len(parts) != 4 or parts[:2] != ["#", "components"]:
        sys.exit(f"unexpected $ref `{ref}`: only #/components/<section>/<name> is handled")
    section, name = parts[2], parts[3].replace("~1", "/").replace("~0", "~")
    if name not in spec.get("components", {}).get(section, {}):
        sys.exit(f"dangling $ref `{ref}`")
    return section, name


def cut(spec):
    paths = {}
    kept_operations = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS and operation.get("operationId") in OPERATIONS:
                entry = paths.setdefault(
                    path, {k: v for k, v in item.items() if k not in METHODS}
                )
                entry[method] = operation
                kept_operations.append((operation["operationId"], method, path, operation))
    found = {op for op, _, _, _ in kept_operations}
    missing = [op for op in OPERATIONS if op not in found]
    if missing:
        sys.exit(f"not in the spec: {', '.join(missing)}")

    # Components, followed transitively from the kept path items.
    wanted = set()
    queue = list(refs(paths))
    while queue:
        key = resolve(spec, queue.pop())
        if key in wanted:
            continue
        wanted.add(key)
        queue.extend(refs(spec["components"][key[0]][key[1]]))

    # Security schemes named by the global requirement and the kept operations.
    requirements = list(spec.get("security", []))
    for _, _, _, operation in kept_operations:
        requirements.extend(operation.get("security", []))
    for requirement in requirements:
        for scheme in requirement:
            wanted.add(("securitySchemes", scheme))

    components = {}
    for section, entries in spec["components"].items():
        kept = {name: value for name, value in entries.items() if (section, name) in wanted}
        if kept:
            components[section] = kept

    tags_named = {t for _, _, _, op in kept_operations for t in op.get("tags", [])}
    tags = [t for t in spec.get("tags", []) if t["name"] in tags_named]
    return kept_operations, paths, components, tags


def describe(kept_operations, components, original):
    count = sum(len(v) for v in components.values())
    per_section = ", ".join(f"{len(v)} {k}" for k, v in components.items())
    operations = "\n".join(
        f"- {op} ({method.upper()} {path})" for op, method, path, _ in kept_operations
    )
    return f"""A subset of the GitBook API as the npm package `{PACKAGE}@{VERSION}` ships it (`spec/openapi.json`, OpenAPI {original['openapi']}, info.version {original['info'].get('version')}), cut by `scripts/gitbook-subset.py`: the operations understudy serves, and every component they reference.

Operations (each kept with only its own method of the path item):
{operations}

How it was cut: the four path items' methods above are copied unchanged; every `$ref` under them is followed transitively through `components` ({count} components: {per_section}); the security schemes named by the global `security` and by the kept operations are kept; so are the tags the kept operations name. Nothing inside an operation or a component was edited: this is the vendor's text, so that understudy's self-check holds its answers to what the current client expects. understudy serves `openapi-3.1.json` (the seed); this file is a dialect every answer must also satisfy.

Original description: {original['info'].get('description', '')}"""


def main():
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SPEC
    out = sys.argv[2] if len(sys.argv) > 2 else str(OUT)
    if not source.exists():
        sys.exit(f"{source}: not found (run scripts/client-deps.sh first)")
    spec = json.loads(source.read_text())
    kept_operations, paths, components, tags = cut(spec)
    info = dict(spec["info"])
    info["description"] = describe(kept_operations, components, spec)
    subset = {"openapi": spec["openapi"], "info": info}
    for key in ("servers", "security"):
        if key in spec:
            subset[key] = spec[key]
    if tags:
        subset["tags"] = tags
    subset["paths"] = paths
    subset["components"] = components
    text = json.dumps(subset, indent=2, ensure_ascii=False) + "\n"
    if out == "-":
        sys.stdout.write(text)
    else:
        Path(out).write_text(text)
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

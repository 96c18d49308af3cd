#!/usr/bin/env python3
"""The import rules of DESIGN §1, checked on the source text: wings point down only, and no
two files import each other, directly or round a longer loop.

Every `crate::a::b` path in a file under `src/` (in `use` lines, braces expanded, and in
code), and every `super::` path, is resolved to the file of the longest module it names. A
file's wing is its top folder under `src/` (`mock`, `conformance`, `catalog`, ...), and
`floor` for the top-level files and `json/`. `lib.rs` only declares
the wings and is left out.

Prints each forbidden path with its file and line, and each import cycle; exits 1 when there
is any, 0 otherwise. `--graph` prints the file graph instead; `--root DIR` checks another
source folder (the tests check that a forbidden path and a cycle are caught).
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
if "--root" in sys.argv:
    ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve()

# What each wing may name, besides itself (DESIGN §1).
ALLOWED = {
    "main": {"cli", "mock", "conformance", "catalog", "scenario", "contract", "floor"},
    "cli": {"mock", "conformance", "catalog", "scenario", "contract", "floor"},
    "mock": {"catalog", "scenario", "contract", "floor"},
    "conformance": {"contract", "floor"},
    "catalog": {"scenario", "contract", "floor"},
    "scenario": {"contract", "floor"},
    "contract": {"floor"},
    "floor": set(),
}
WINGS = {"cli", "mock", "conformance", "catalog", "scenario", "contract"}


def module_of(path: Path) -> tuple:
    """`src/mock/engine/list.rs` → ("mock", "engine", "list"); `mod.rs` names its folder."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    if parts == ["lib"] or parts == ["main"]:
        return ()
    return tuple(parts)


def wing_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    if parts == ("main.rs",):
        return "main"
    if parts[0] in WINGS:
        return parts[0]
    return "floor"


def strip_comments(text: str) -> str:
    """Drops `//` comments (doc comments included) and string literals, keeping line breaks."""
    out = []
    for line in text.split("\n"):
        line = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
        index = line.find("//")
        out.append(line if index < 0 else line[:index])
    return "\n".join(out)


def expand_use(tree: str) -> list:
    """`a::{b, c::{d, e}}` → ["a::b", "a::c::d", "a::c::e"]."""
    tree = tree.strip()
    depth = 0
    for i, ch in enumerate(tree):
        if ch == "{" and depth == 0:
            prefix = tree[:i]
            inner = tree[i + 1 : tree.rindex("}")]
            items, level, start = [], 0, 0
            for j, c in enumerate(inner):
                if c == "{":
                    level += 1
                elif c == "}":
                    level -= 1
                elif c == "," and level == 0:
                    items.append(inner[start:j])
                    start = j + 1
            items.append(inner[start:])
            paths = []
            for item in items:
                if item.strip():
                    paths += [prefix + p for p in expand_use(item)]
            return paths
    return [tree.split(" as ")[0].strip()]


def inline_modules(code: str) -> list:
    """(start, end, name) of every inline `mod name { ... }` block (a test module, mostly)."""
    blocks = []
    for match in re.finditer(r"\bmod\s+(\w+)\s*\{", code):
        depth, end = 0, len(code)
        for i in range(match.end() - 1, len(code)):
            if code[i] == "{":
                depth += 1
            elif code[i] == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        blocks.append((match.start(), end, match.group(1)))
    return blocks


def references(text: str) -> list:
    """(line, path, inner) for every crate-relative, `super::` or `self::` path in the code;
    `inner` names the inline modules the path sits in (`super` counts from the innermost)."""
    found = []
    code = strip_comments(text)
    blocks = inline_modules(code)

    def inner(position):
        return tuple(name for start, end, name in blocks if start < position < end)

    for match in re.finditer(r"\buse\s+(\w+::[^;]*);", code, re.S):
        line = code.count("\n", 0, match.start()) + 1
        for path in expand_use(re.sub(r"\s+", " ", match.group(1))):
            found.append((line, path, inner(match.start())))
    for match in re.finditer(r"(?<![:\w])((?:crate|super)(?:::\w+)+)", code):
        before = code[max(0, match.start() - 40) : match.start()]
        if re.search(r"\buse\s+[^;]*$", before):
            continue  # inside a `use`, already counted
        line = code.count("\n", 0, match.start()) + 1
        found.append((line, match.group(1), inner(match.start())))
    return found


def resolve(path: str, here: tuple, modules: dict):
    """The file a path lands in: the longest module prefix of its absolute form. `here` is
    the module the path is written in (a file's module, plus any inline modules around it)."""
    parts = path.split("::")
    if parts[0] == "crate":
        absolute = parts[1:]
    elif parts[0] not in ("super", "self"):
        # A path relative to this module names one of its own submodules, or an outside crate.
        child = here + (parts[0],)
        if child not in modules:
            return None
        absolute = list(child) + parts[1:]
    else:
        base = list(here)
        while parts and parts[0] in ("super", "self"):
            if parts[0] == "super":
                base = base[:-1]
            parts = parts[1:]
        absolute = base + parts
    for end in range(len(absolute), 0, -1):
        key = tuple(absolute[:end])
        if key in modules:
            return modules[key]
    return None


def main() -> int:
    files = sorted(p for p in ROOT.rglob("*.rs") if p.name != "lib.rs")
    modules = {module_of(p): p for p in files if module_of(p)}
    edges = {p: set() for p in files}
    problems = []
    for path in files:
        here = module_of(path)
        wing = wing_of(path)
        text = path.read_text()
        for line, reference, inner in references(text):
            target = resolve(reference, here + inner, modules)
            if target is None or target == path:
                continue
            edges[path].add(target)
            target_wing = wing_of(target)
            if target_wing != wing and target_wing not in ALLOWED[wing]:
                rel = path.relative_to(ROOT.parent)
                problems.append(f"{rel}:{line}: `{reference}`: {wing} may not name {target_wing}")
    if "--graph" in sys.argv:
        for path, targets in edges.items():
            names = ", ".join(str(t.relative_to(ROOT)) for t in sorted(targets))
            print(f"{path.relative_to(ROOT)} -> {names}")
        return 0
    for size, cycle in cycles(edges):
        names = " -> ".join(str(p.relative_to(ROOT)) for p in cycle + [cycle[0]])
        problems.append(f"import cycle among {size} files, for example: {names}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"layering: {len(problems)} problem(s) (rules: ../shared/DESIGN.md §1)")
        return 1
    print(f"layering: {len(files)} files, no forbidden path, no import cycle")
    return 0


def cycles(edges: dict) -> list:
    """One cycle per strongly connected component of more than one file (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append((len(component), path_through(component, edges)))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            connect(v)
    return result


def path_through(component: list, edges: dict) -> list:
    """A shortest cycle inside a component, to show something a reader can follow."""
    members = set(component)
    best = None
    for start in sorted(members):
        previous = {start: None}
        queue = [start]
        while queue:
            v = queue.pop(0)
            for w in sorted(edges[v] & members):
                if w == start:
                    cycle = [v]
                    while previous[cycle[-1]] is not None:
                        cycle.append(previous[cycle[-1]])
                    cycle.reverse()
                    if best is None or len(cycle) < len(best):
                        best = cycle
                    queue = []
                    break
                if w not in previous:
                    previous[w] = v
                    queue.append(w)
    return best or sorted(members)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes link/startup-order.txt: the functions start-up and the first requests run, which the
release build's linker places together at the front of the executable's code (build.rs).

Why: the kernel maps an executable's code into a process 64 kB at a time around each page it
touches ("fault-around"). Start-up and the first request run about 3 MB of the 14 MB of code,
spread over nearly every 64 kB window, so 11 MiB of code was resident in an idle server, half of
its memory. Placed together, the same functions take about 3.3 MiB (README, Performance).

A development tool, not run by CI; it needs valgrind (`apt-get install valgrind`). It builds the
release binary and the bench's, runs each under callgrind three times (the embedded defaults with each API's first
list request; the bundled scenarios read from disk as YAML, GitBook's with a rate limit, and one
list request; then writes, rejections, unknown paths and a CORS preflight), and lists the executed functions found in the
binary's symbol table: those of the first two runs first, then the rest.

    python3 scripts/startup-order.py          # rewrite link/startup-order.txt
    python3 scripts/startup-order.py --check  # whether the list still places start-up's code

The names are mangled symbols. They survive edits to a function's body, but not a rename, a
move or a new Rust toolchain (every hash changes): run it again after a toolchain upgrade or a
change to code that start-up or a first request runs; `--check` (run by CI) says whether that is
due: it starts the release binary, sends each API's first request, and compares the code then
resident with the span of the listed functions. A name the binary lacks is skipped by the
linker, so a stale list costs memory (each function it misses up to 64 kB), never a build.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BINARY = os.path.join(TARGET, "release", "understudy")
ORDER = os.path.join(ROOT, "link", "startup-order.txt")
PORT = 4320
TOKEN = {"Authorization": "Bearer dev-token"}
# The two builds of the binary: `cargo build --release` (and `cargo run --release`, `cargo
# install --path . --locked`), and the bench's, whose dev-dependencies turn on more features of
# shared crates, so its functions carry other hashes in their names. The list holds both.
RELEASE = ["cargo", "build", "--release", "--locked", "--bin", "understudy"]
BENCH = ["cargo", "bench", "--locked", "--bench", "serve", "--no-run"]

LISTS = [
    "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
    "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
    "/arize/v2/integrations",
    "/ada/api/v2/platform-integrations/",
]
TEABLE_ONE = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E"
WRITES = [
    ("PATCH", TEABLE_ONE, '{"enable": true, "config": {"llmProviders": [{"type": "openai", '
     '"name": "OpenAI", "apiKey": "sk-0123456789", "baseUrl": "https://api.openai.com/v1", '
     '"models": "gpt-4o"}]}}'),
    ("PATCH", "/arize@2026-07-02/v2/integrations/TGxtSW50ZWdyYXRpb246MQ%3D%3D",
     '{"type": "llm", "name": "Production OpenAI", "scopings": [], '
     '"config": {"provider": "openAI", "is_function_calling_enabled": true}}'),
    ("PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
     '{"name": "Knowledge Hub", "tags": ["knowledge"]}'),
    ("PATCH", TEABLE_ONE, '{"enable": "yes", "config": {"llmProviders": [{"type": "nope"}]}}'),
    ("GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/nothing-here", None),
    ("GET", "/__understudy/health", None),
]


def request(method, path, body=None, headers=TOKEN):
    data = body.encode() if body is not None else None
    headers = dict(headers, **({"Content-Type": "application/json"} if data else {}))
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data, headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def serving(prefix, args, requests, then):
    """Runs `understudy serve` (under `prefix`, a tool such as valgrind, or none), waits for it,
    sends `requests`, calls `then(pid)`, and stops it with SIGINT."""
    command = [*prefix, BINARY, "serve", "--host", "127.0.0.1", "--port", str(PORT), *args]
    server = subprocess.Popen(command, cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=dict(os.environ, RUST_LOG="warn"))
    try:
        for _ in range(600):
            try:
                request("GET", "/__understudy/health")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            sys.exit("startup-order: understudy did not answer within a minute")
        for method, path, body, *headers in requests:
            request(method, path, body, *headers)
        return then(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=120)


def executed(args, requests):
    """The mangled names of the functions one callgrind run of `understudy serve` executed."""
    with tempfile.NamedTemporaryFile(prefix="understudy-callgrind.", delete=False) as made:
        out = made.name
    valgrind = ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}"]
    serving(valgrind, args, requests, lambda pid: None)
    names, seen = {}, set()
    with open(out, errors="replace") as profile:
        for line in profile:
            # `fn=(12) name` names function 12 once; later lines say `fn=(12)`. `cfn=` lines
            # name callees, which run too.
            if line.startswith(("fn=(", "cfn=(")):
                number, _, name = line.split("(", 1)[1].rstrip("\n").partition(") ")
                number = number.rstrip(")")
                if name:
                    names[number] = name
                seen.add(names.get(number, number))
    os.unlink(out)
    return seen


def resident_code(pid):
    """kB of the binary's code resident in process `pid`."""
    binary, mapping, total = os.path.realpath(BINARY), None, 0
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+$", fields[0]):
                mapping = (fields[1], fields[5] if len(fields) > 5 else "")
            elif fields[0] == "Rss:" and mapping == ("r-xp", binary):
                total += int(fields[1])
    return total


def code_symbols():
    """The binary's functions: mangled name -> (address, size)."""
    listing = subprocess.run(["nm", "-S", "--defined-only", BINARY], capture_output=True,
                             text=True, check=True).stdout
    symbols = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            symbols[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    return symbols


def windows(names, symbols):
    """How many 64 kB windows of code the named functions touch."""
    return len({a // 65536 for n in names if n in symbols
                for a in range(symbols[n][0], symbols[n][0] + max(symbols[n][1], 1), 4096)})


def sections():
    """The list's sections (`# ` lines start one): their titles and names."""
    found = []
    for line in open(ORDER):
        if line.startswith("# section: "):
            found.append((line[len("# section: "):].strip(), []))
        elif line.strip() and not line.startswith("#") and found:
            found[-1][1].append(line.strip())
    return found


def check():
    """Whether the list still places what start-up runs: the binary's code resident after
    start-up and each API's first request, against the span of the listed functions."""
    symbols = code_symbols()
    start = []
    for title, names in sections():
        present = [n for n in names if n in symbols]
        print(f"{title}: {len(present)} of {len(names)} in {BINARY}")
        if title.startswith("start-up"):
            start += present
    span = windows(start, symbols) * 64
    first = [("GET", path, None) for path in LISTS]
    resident = serving([], [], first, resident_code)
    print(f"code resident after start-up and the first requests: {resident} kB; the listed "
          f"start-up functions span {span} kB of 64 kB windows")
    if resident <= span + 512:
        return 0
    if len(start) < 1000:
        print("the list names almost none of this binary's functions (written with another Rust "
              "toolchain?)")
    print("start-up runs code the list does not place: run scripts/startup-order.py (it needs "
          "valgrind) and commit link/startup-order.txt")
    return 1


def ordered(build):
    """Builds the binary with `build`, runs it, and returns the functions of start-up and of
    the later requests, each in the binary's present order."""
    subprocess.run(build, cwd=ROOT, check=True)
    first = [("GET", path, None) for path in LISTS]
    with tempfile.TemporaryDirectory() as scenarios:
        shutil.copytree(os.path.join(ROOT, "scenarios"), scenarios, dirs_exist_ok=True)
        # One scenario with a rate limit, as the bench's (the limiter runs on every request).
        from_disk = ["--scenarios-dir", scenarios, "--scenario", "gitbook=rate-limited"]
        start = executed([], first) | executed(from_disk, first[:1])
    preflight = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PATCH",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    later = executed([], first + WRITES + [("OPTIONS", TEABLE_ONE, None, preflight)])
    symbols = code_symbols()
    by_address = lambda names: sorted((n for n in names if n in symbols), key=symbols.get)
    head, tail = by_address(start), by_address(later - start)
    print(f"{' '.join(build)}: {len(head)} start-up functions "
          f"({windows(head, symbols) * 64} kB of 64 kB windows where they are now), "
          f"then {len(tail)} more")
    return head, tail


def main():
    if "--check" in sys.argv[1:]:
        subprocess.run(RELEASE, cwd=ROOT, check=True)
        return check()
    if shutil.which("valgrind") is None:
        sys.exit("startup-order: valgrind is needed (apt-get install valgrind)")
    heads, tails = zip(*(ordered(build) for build in (RELEASE, BENCH)))
    listed = set()
    with open(ORDER, "w") as order:
        order.write("# Written by scripts/startup-order.py: the functions start-up and the first\n"
                    "# requests run, for the linker to place together (build.rs). Do not edit.\n")
        for part, names in (("start-up", heads), ("later requests", tails)):
            for build, built in zip(("release", "bench"), names):
                new = [n for n in built if n not in listed]
                listed.update(new)
                order.write(f"# section: {part}, {build} build ({len(new)} not listed above)\n")
                order.writelines(name + "\n" for name in new)
    print(f"{ORDER}: {len(listed)} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# The image in a real container engine: builds the Dockerfile's final stage around the static
# binary built here, runs it with podman (runc), and checks what a sidecar user relies on.
#
#   scripts/container.sh            # build the binary if needed, build the image, run the checks
#   scripts/container.sh --keep     # leave the image (understudy:test) behind for a look
#
# Why not `podman build .`: the build stage's `rust:` base image cannot be pulled here (only
# package registries are reachable). The binary is built exactly as the build stage builds it
# (the cargo command of its RUN and its RUSTFLAGS, for the host's triple) into
# target/dockerfile/, and stripped as it strips it; the final stage is taken from the Dockerfile
# as written (everything from its last FROM) and given the binary as the named build context
# `build`, which its `COPY --from=build` then reads. (tests/dockerfile.rs, in `cargo test`,
# checks the same flags without this build: see its header.)
#
# Checks: the image starts and serves all four APIs on 0.0.0.0:4010 (published on a loopback
# port), its HEALTHCHECK reports healthy, it runs as uid 65534, `podman stop` ends it within the
# grace period with exit code 0, and the image is under 15 MB. Prints the figures; exits 1 when a
# check fails, 2 when podman cannot run at all.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
keep=false
[ "${1:-}" = "--keep" ] && keep=true

fail() { echo "container: FAILED: $*" >&2; exit 1; }

# podman and runc from Debian's packages; as root, installed when missing.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq podman runc >/dev/null
  else
    echo "container: podman and runc are needed (apt-get install podman runc)" >&2
    exit 2
  fi
fi

# podman's default ulimits cannot be set inside this kind of sandbox: a configuration of our
# own turns them off without touching /etc.
work="$root/target/container"
mkdir -p "$work"
printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"
podman() { command podman "$@"; }
podman info >"$work/info.log" 2>&1 || { cat "$work/info.log" >&2; echo "container: podman cannot run here" >&2; exit 2; }

# The binary, as the build stage builds it: its RUSTFLAGS and its `cargo build` arguments.
host=$(rustc -vV | sed -n 's/^host: //p')
rustflags=$(sed -n 's/^ENV RUSTFLAGS="\(.*\)"$/\1/p' Dockerfile)
[ -n "$rustflags" ] || fail "no ENV RUSTFLAGS=\"...\" in the Dockerfile's build stage"
arguments=$(grep -o 'cargo build [^&]*' Dockerfile | head -1 | sed 's/^cargo build //; s/"\$TARGET"/'"$host"'/; s/\$TARGET/'"$host"'/; s/[ \\]*$//')
[ -n "$arguments" ] || fail "no cargo build in the Dockerfile's build stage"
profile=$(sed -n 's/.*--profile[ =]\([A-Za-z0-9_-]*\).*/\1/p' <<<"$arguments")
[ -n "$profile" ] || profile=release
echo "container: building the binary (RUSTFLAGS=$rustflags; cargo build $arguments)"
started=$(date +%s)
# shellcheck disable=SC2086
RUSTFLAGS="$rustflags" CARGO_TARGET_DIR="$root/target/dockerfile" cargo build $arguments --quiet
echo "container: built in $(( $(date +%s) - started )) s"
context="$work/context"
rm -rf "$context" && mkdir -p "$context"
cp "$root/target/dockerfile/$host/$profile/understudy" "$context/understudy"
grep -q 'strip /understudy' Dockerfile && strip "$context/understudy"
binary_size=$(stat -c %s "$context/understudy")

# The final stage, as written.
awk '/^FROM /{stage++} {line[NR]=$0; of[NR]=stage} END{for(i=1;i<=NR;i++) if(of[i]==stage) print line[i]}' \
  Dockerfile >"$work/Containerfile"
grep -q '^COPY --from=build ' "$work/Containerfile" || fail "the final stage does not COPY --from=build"

image=understudy:test
name=understudy-container-check
podman rm -f "$name" >/dev/null 2>&1 || true
podman build --quiet --format docker --build-context "build=$context" -t "$image" \
  -f "$work/Containerfile" "$work" >/dev/null
size=$(podman image inspect "$image" --format '{{.Size}}')

# Run it as a sidecar would: published port, the image's own user, command and health check.
# (Without systemd, podman cannot schedule the health check's timer; `podman healthcheck run`
# runs the same check on demand. The timer's complaint goes to the log.)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
podman run -d --runtime runc --name "$name" -p "127.0.0.1:$port:4010" "$image" \
  >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; fail "podman run"; }
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  $keep || podman rmi -f "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
started=$(date +%s%N)
until curl -fsS -o /dev/null "$base/__understudy/health" 2>/dev/null; do
  (( ($(date +%s%N) - started) / 1000000 < 10000 )) || { podman logs "$name" >&2; fail "nothing answered on $base within 10 s"; }
  sleep 0.05
done
first_answer_ms=$(( ($(date +%s%N) - started) / 1000000 ))

banner=$(podman logs "$name" 2>&1)
grep -q 'listening on http://0.0.0.0:4010' <<<"$banner" \
  || fail "the banner does not say 0.0.0.0:4010: $(head -3 <<<"$banner")"
for path in /ada/api/v2/platform-integrations/ /arize/v2/integrations \
  /gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations /teable/api/space/spcTeSYe43VZTSG4Uu3/integration; do
  status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer dev-token' "$base$path")
  [ "$status" = 200 ] || fail "GET $path answered $status"
done

podman healthcheck run "$name" >/dev/null 2>>"$work/podman.log" || fail "the HEALTHCHECK failed"
health=$(podman inspect "$name" --format '{{.State.Health.Status}}')
[ "$health" = healthy ] || fail "health status $health"

uid=$(podman top "$name" user | awk 'NR==2 {print $1}')
[ "$uid" = 65534 ] || fail "the process runs as uid $uid"

# podman's own default: SIGTERM, then SIGKILL after 10 s (understudy's grace period is 10 s too).
grace=10
stop_started=$(date +%s%N)
podman stop -t "$grace" "$name" >/dev/null 2>>"$work/podman.log"
stop_ms=$(( ($(date +%s%N) - stop_started) / 1000000 ))
exit_code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
[ "$exit_code" = 0 ] || fail "exit code $exit_code after podman stop"
(( stop_ms < grace * 1000 )) || fail "podman stop took ${stop_ms} ms (grace period ${grace} s): SIGTERM was not heeded"

limit=$((15 * 1000 * 1000))
echo "container: binary $(( binary_size / 1000 )) kB; image $image $(( size / 1000 )) kB (limit $(( limit / 1000 )) kB); first answer after ${first_answer_ms} ms;" \
  "4 APIs on 0.0.0.0:4010; healthy; uid 65534; stopped in ${stop_ms} ms with exit 0"
(( size < limit )) || fail "the image is $(( size / 1000 )) kB, over $(( limit / 1000 )) kB"
echo "container: ok"

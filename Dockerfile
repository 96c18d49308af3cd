# syntax=docker/dockerfile:1
# understudy in a container: one statically linked binary in an empty image, as a non-root user.
#
#   docker build -t understudy .
#   docker run --rm -p 4010:4010 understudy
#   docker run --rm -p 4010:4010 -v "$PWD/scenarios:/scenarios:ro" -e UNDERSTUDY_SCENARIOS=/scenarios understudy
#
# tests/dockerfile.rs builds the binary with this file's flags and runs it with exactly the
# environment below (no Docker engine is needed for that).

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# Static glibc (+crt-static), for the build machine's own target, named explicitly so that
# build scripts and proc-macros stay dynamic; not position-independent (`relocation-model=
# static`: the binary's own code loses address randomisation, a fair price for a local mock, and
# sheds a 1 MB relocation table). `--profile image` (Cargo.toml) makes it small.
ENV RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    TARGET="$(rustc -vV | sed -n 's/^host: //p')" \
    && cargo build --profile image --locked --target "$TARGET" \
    && cp "target/$TARGET/image/understudy" /understudy

FROM scratch
COPY --from=build /understudy /understudy
USER 65534:65534
ENV UNDERSTUDY_HOST=0.0.0.0
EXPOSE 4010
HEALTHCHECK --interval=10s --timeout=3s --start-period=3s --retries=3 CMD ["/understudy", "health"]
ENTRYPOINT ["/understudy"]
CMD ["serve"]

//! Integration tests: the service through `oneshot`, and the binary through real sockets.
//!
//! One test binary (ripgrep's layout) so the crate links once; each module is one topic.

#[path = "../util/mod.rs"]
mod util;

// Every operation of every contract: success, 401, broken JSON, schema violations, 404, 405.
mod operations;
// The seed documents' operations are in the served contracts, unchanged.
mod seeds;
// The Teable seed's code samples run against the binary.
mod samples;
// Prefer, the strict self-check, and the store behind writes.
mod responses;
// Writes change reads: a full flow per API.
mod flows;
// Every documented error status of every API, from the scenarios' rules.
mod errors;
// Sessions, the admin API, a fifth API, concurrent writers.
mod admin;
// Canned answers, faults, delays, deterministic ids and clocks.
mod faults;
// The conformance runner and the recorder.
mod conformance;
// The binary as a sidecar: environment, SIGTERM, CORS, limits, health, hot reload.
mod sidecar;
// The vendors' own clients against the mock.
mod clients;
// Arize's clients, every release in use, each in its own version of the API.
mod arize_clients;
// Undeclared request fields leave no trace (Teable, GitBook, Ada).
mod fidelity;
// The binary: embedded defaults, broken contracts, lint, configuration errors.
mod binary;
// The layout: the wings' import rules hold, and their check catches what breaks them.
mod layering;
// API versions: picked by path, header, client or default; their own data and checks.
mod versions;
// The embedded contracts, compiled on first use: every schema compiles, as an eager load's.
mod embedded;
// Any OpenAPI document with no scenario: the inferred one, serve FILE, overlays, export.
mod any_contract;
// Bounded under abuse: silent and idle connections, a second stop signal, bounds, secrets.
mod hardening;
// Contracts nobody here wrote: external $refs, $dynamicRef, forms, Accept, broken examples.
mod foreign;
// Values generated from schemas: static samples that fit, dynamic ones that vary, seeds.
mod values;
// The admin routes behind the dashboard: step and why, the live stream, record edits.
mod dashboard_api;

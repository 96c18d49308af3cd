//! `understudy record`: a proxy that forwards to a target and writes each exchange it sees as
//! a case file the runner can replay.
//!
//! A client points at the proxy instead of the target (`--port`, on 127.0.0.1). Every request
//! is forwarded unchanged, the answer returned unchanged, and the pair written to
//! `<out>/<id>.json`, where:
//!
//! * the id is the `X-Understudy-Case` request header when the client sends one (it is not
//!   forwarded), else `<operationId>-<status>` with a number when taken; files are numbered in
//!   recording order (`001-list-200.json`), which is the order `check` replays them in;
//! * secrets never reach the file: `Authorization` becomes `<scheme> ${env.TOKEN}` (a second
//!   distinct credential `${env.TOKEN_2}`, and so on), other
//!   secret-looking headers (`*token*`, `*secret*`, `*key*`, `cookie`) and body fields (`api_key`,
//!   `token`, `secret`, `password`, `client_secret`...) become `${env.NAME}`, and any of their
//!   values found elsewhere in the file (a config echoed back as text) is replaced too;
//! * volatile response values get rules, inferred from the contract (`readOnly` → `type`, a
//!   `format` such as `date-time` → `format`) and from their names (`id`, `*_id`, `*Id`,
//!   `*_at`, `*Time`...) → `type`; secrets in responses → `ignore`. The file lists them, so
//!   nothing is silent;
//! * a value an earlier response gave (an id) and a later request sends back becomes a
//!   `${capture.NAME}` with the earlier case in `needs`, so the suite replays against a fresh
//!   server whose ids differ.
//!
//! # Rooms
//!
//! * `proxy`: [`RecordOptions`], [`run`] (the accept loop) and the recorder service, which
//!   forwards and assembles each case from the rooms below;
//! * `redaction`: secret placeholders, and scrubbing known secrets from every file;
//! * `rules`: inference of the rules for volatile values (and the expected headers);
//! * `capture`: capture links, from a value a response gave to a later request sending it back.

mod capture;
mod proxy;
mod redaction;
mod rules;

pub use proxy::{RecordOptions, run};

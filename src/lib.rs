//! understudy: a local mock and contract-testing server.
//!
//! understudy stands in for a real HTTP API. It serves the API's documented operations from
//! its OpenAPI contract and a scenario file, keeps the data that writes create, and rejects
//! bad requests with the status codes and error bodies the vendor documents. The same
//! contracts audit a real implementation against recorded exchanges. The binary is a thin
//! layer over this library (see `src/main.rs`).
//!
//! # Layout: five wings, dependencies pointing down only
//!
//! ```text
//! cli/           clap types, figment configuration, logging, lint, health   (may use all)
//! mock/          the server: App (the tower stack), state, service, admin,
//!                auth, prefer, limit, cache, journal, store, respond, watch;
//!   engine/      what an operation answers: documented, canned, action,
//!                list, rules, render, merge
//! conformance/   exchange format, plan, runner, diff, report, client;
//!   record/      the recording proxy                     (contract and floor only)
//! catalog.rs     contracts + scenarios checked against each other, built once
//! scenario/      the scenario model, its file format, loading, templates
//! contract/      the OpenAPI model, loading, $refs, schemas, defaults, samples,
//!                routing, request validation, response checking
//! floor          json/ (pointers, text), error, files, request, duration, random,
//!                server (the generic accept loop and graceful drain), words
//! ```
//!
//! A wing names only the wings below it (`mock` never names `conformance` or `cli`;
//! `conformance` works from contracts alone, as it must against a real vendor), and no two
//! files import each other: `scripts/layering.py` checks both in CI. Each wing's `mod.rs`
//! opens with the map of its rooms.
//!
//! # Request flow
//!
//! trace → CORS → admin or mock: mount → read body → limit → route → auth → prefer →
//! validate → cache → engine → render → self-check → journal → delay. The layers are on
//! [`mock::App`], the steps and the reasons for their order on `mock/service.rs`.

pub mod catalog;
pub mod cli;
pub mod conformance;
pub mod contract;
pub mod duration;
pub mod error;
pub mod files;
pub(crate) mod json;
pub mod mock;
pub mod random;
pub mod request;
pub mod scenario;
pub mod server;
pub(crate) mod words;

pub use catalog::{Catalog, CatalogOptions};
pub use error::LoadError;
pub use mock::App;
pub use mock::state::Settings;
pub use mock::store::{Store, StoreOptions};

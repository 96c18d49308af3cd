//! understudy: a local mock and contract-testing server.
//!
//! understudy stands in for a real HTTP API. It serves the API's documented operations from
//! its OpenAPI contract and a scenario file, keeps the data that writes create, and rejects
//! bad requests with the status codes and error bodies the vendor documents. The binary is a
//! thin layer over this library (see `src/main.rs`).
//!
//! # Layout
//!
//! * `files`: where contracts and scenarios are read from (embedded copy or a directory).
//! * `contract`: OpenAPI 3.0/3.1 documents → our operation model with compiled validators;
//!   `schema` rewrites schemas to JSON Schema 2020-12 and compiles them; `sample` makes
//!   bodies for responses without examples.
//! * `scenario`: scenario files (seed data, behaviour, error envelope); `template` is the
//!   small JSON template language they use.
//! * `catalog`: everything above, checked against each other and built once into an
//!   immutable `Arc<Catalog>`; `route` is the path router of one API.
//! * `request`, `auth`, `prefer`, `validate`, `engine`, `merge`, `store`, `respond`,
//!   `check`: the steps of a request, in `service`, which is a `tower::Service`.
//! * `server`: the accept loop, the tower stack (CORS) and graceful shutdown; `admin`:
//!   `/__understudy/` routes; `watch`: hot reload of contracts and scenarios.
//! * `config`, `cli`, `lint`: the command line's configuration and the `lint` command.
//! * `exchange`, `runner`, `diff`, `report`, `client`, `record`: the conformance runner
//!   (`understudy check`) and the recording proxy (`understudy record`).
//!
//! # Request flow
//!
//! mount → read body → route → auth → prefer → validate → engine → render → self-check.
//! The order and the reasons for it are on [`service`].

pub mod catalog;
pub mod cli;
pub mod conformance;
pub mod contract;
pub mod duration;
pub mod error;
pub mod files;
pub mod json;
pub mod mock;
pub mod request;
pub mod scenario;
pub mod server;

pub use catalog::{Catalog, CatalogOptions};
pub use error::LoadError;
pub use mock::App;
pub use mock::state::Settings;
pub use mock::store::{Store, StoreOptions};

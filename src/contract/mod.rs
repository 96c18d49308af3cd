//! Contracts: OpenAPI 3.0 and 3.1 documents, loaded once into a model the request path only
//! reads, with every schema compiled.
//!
//! # Rooms
//!
//! * `model`: [`Contract`], [`Operation`] and the rest of what serving and checking need.
//! * `load`: text → document → checked `$ref`s → rewritten schemas → compiled operations.
//! * `bundle`: the objects of other files a contract on disk refers to, copied into it.
//! * `document`: the document as JSON: `$ref`s, where schemas sit, the server base path.
//! * `ids`: `$id`, `$anchor` and `$dynamicRef` resolved as JSON Schema 2020-12 says; static
//!   references rewritten to local pointers, and the copy the validator library registers.
//! * `schema`: rewriting 3.0 and 3.1 schemas into JSON Schema 2020-12 per direction
//!   (`readOnly`/`writeOnly`), and compiling them.
//! * `bodies`: request body schemas compiled into a graph, walked by `defaults` and `prune`.
//! * `defaults`: the `default`s a validating server fills into a request body.
//! * `prune`: request fields the schema does not declare, dropped before a body is stored.
//! * `shape`: answers completed with what their schema requires and stripped of what it
//!   forbids (records of inferred scenarios, documented examples with `writeOnly` properties).
//! * `sample`: values generated from schemas: the static samples of responses without
//!   examples, made at load, and the varied values of dynamic answers.
//! * `route`: `(method, path)` → operation and decoded path parameters.
//! * `validate`: a request against its operation; every violation, with its pointer.
//! * `form`: urlencoded and multipart bodies read into the object of their fields.
//! * `check`: a response against its operation (the mock's self-check, the runner's C-checks).
//!
//! This wing names only the floor: the mock, the conformance runner and `lint` all build on
//! it, and a runner pointed at a real vendor needs nothing else.

pub(crate) mod bodies;
mod bundle;
pub mod check;
pub(crate) mod defaults;
pub mod document;
mod form;
pub(crate) mod ids;
mod load;
mod model;
pub(crate) mod prune;
pub mod route;
pub(crate) mod sample;
pub mod schema;
pub(crate) mod shape;
pub mod validate;

pub use document::METHODS;
pub use load::{from_value, load, parse_text};
pub use model::*;

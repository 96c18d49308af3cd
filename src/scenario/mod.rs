//! Scenario files: seed data and behaviour of one API in one named situation.
//!
//! A scenario file says which collections an API has and what they hold at start, what each
//! operation does with them, who may call, how often, and what the API's errors look like.
//! Loading checks every name in it, so a typo stops start-up with the file and the key instead
//! of surfacing as a wrong response later. The rooms, in the order a file goes through them:
//!
//! * `format`: the file format: the serde `Raw*` types, the `# Format` docs, `json_schema()`.
//! * `load`: reading files: YAML to values, `extends` chains merged, names from file names.
//! * `build`: raw shapes → model: every name checked, every template parsed once.
//! * `model`: the loaded model the other wings read (`Scenario`, `Resource`,
//!   `OperationBehaviour`, ...).
//! * `errors`: the kinds of failure ([`ErrorKind`]) and the API's error envelope ([`Errors`]).
//! * `template`: the small JSON template language scenario files write envelopes and answers in.
//! * `infer`: the scenario of a contract nobody wrote one for, from its paths and schemas.

mod build;
mod errors;
mod format;
pub mod infer;
mod load;
mod model;
pub mod template;

pub use errors::{ErrorKind, Errors};
pub use format::json_schema;
pub use load::{INFERRED, inferred, load, load_all};
pub use model::*;

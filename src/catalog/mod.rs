//! The catalog: every served API, its versions, their contracts, scenarios and routes, built
//! once and shared as an immutable `Arc<Catalog>`: the request path only reads it.
//!
//! # Rooms
//!
//! * `model`: [`Catalog`], [`Api`], [`Version`], and where a request path lands
//!   ([`Catalog::mount`]) and which version answers it ([`Api::select`]).
//! * `versions`: an API's `versions.yaml`: its versions, the default, how each recognises its
//!   clients.
//! * `load`: the folders read, contracts and scenarios parsed on every core, each version
//!   assembled and checked ([`Catalog::load`]).
//!
//! Each API is mounted at `/<name>` followed by its contract's server base path
//! (`/teable/api/...`), each named version also at `/<name>@<version>`. When only one API is
//! served it also answers at `/`.

mod load;
mod model;
pub mod versions;

pub use load::{ApiOptions, CatalogOptions};
pub use model::{Api, Catalog, Mounted, UnknownVersion, Version};

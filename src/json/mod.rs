//! JSON helpers every wing uses: JSON pointers (RFC 6901) and values as text.
//!
//! * [`pointer`]: escaping and unescaping reference tokens, appending one, and looking a
//!   pointer up without an allocation per token.
//! * [`text`]: a value as text (strings unquoted, the rest compact JSON), and a body as a value.
//! * [`secret`]: which names hold secrets, and values with them hidden.
//! * [`plain`]: values for serializers other than serde_json's (numbers kept as written are
//!   otherwise a struct only serde_json reads).
//! * [`compact`]: a value kept for the life of the process, with no spare room in it.
//! * [`member`]: a member of a small object found without hashing its name.
//! * [`parse`]: JSON parsed as serde_json parses it, each object and array made at its size
//!   (request bodies, and the documents read at start-up).
//!
//! Nothing here knows about OpenAPI or scenarios: `$ref`s are the contract wing's
//! (`contract/document.rs`), templates the scenario wing's.

#[cfg(test)]
pub(crate) mod arbitrary;
pub(crate) mod compact;
pub(crate) mod member;
pub(crate) mod parse;
pub(crate) mod plain;
pub(crate) mod pointer;
pub(crate) mod secret;
pub(crate) mod text;

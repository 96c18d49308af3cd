//! Errors raised while loading contracts, scenarios and configuration.
//!
//! Every variant names the file it came from and, where it applies, the operation and the JSON
//! pointer inside the document, because the person reading it has to find the line to fix.
//! Errors met while serving a request are not here: they are `Failure`s (see `mock/respond.rs`) and
//! become responses in the API's own error envelope.

use std::path::PathBuf;

/// A contract, scenario or suite could not be loaded. `understudy` exits with code 2 on any of
/// these, before it binds a port.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid YAML or JSON.
    #[error("{file}: {message}")]
    Syntax {
        /// Display name of the file.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The document declares an OpenAPI version understudy does not read.
    #[error("{file}: unsupported OpenAPI version `{version}` (understudy reads 3.0.x and 3.1.x)")]
    Version {
        /// Display name of the file.
        file: String,
        /// The value of the `openapi` field, or a note that it is missing.
        version: String,
    },
    /// A `$ref` points at nothing, or outside the document.
    #[error("{file}: operation `{operation}`: {pointer}: $ref `{reference}` {problem}")]
    Reference {
        /// Display name of the file.
        file: String,
        /// The operation the reference belongs to (`-` outside operations).
        operation: String,
        /// JSON pointer of the object holding the `$ref`.
        pointer: String,
        /// The reference as written.
        reference: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Anything else that makes a document unusable, located by operation and pointer.
    #[error("{file}: operation `{operation}`: {pointer}: {message}")]
    Invalid {
        /// Display name of the file.
        file: String,
        /// The operation concerned (`-` outside operations).
        operation: String,
        /// JSON pointer of the offending value.
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl LoadError {
    /// Shorthand for [`LoadError::Invalid`].
    pub(crate) fn invalid(
        file: impl Into<String>,
        operation: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            file: file.into(),
            operation: operation.into(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

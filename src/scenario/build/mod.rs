//! From the file to the model: every name checked, every template parsed once.
//!
//! The builder takes the `Raw*` shapes serde read (`format`) and makes the model (`model`):
//! it fills in defaults, parses templates, and checks that the file names only operations,
//! resources, error kinds, JSON pointers and strategies that exist, so that a typo stops
//! start-up with the file and the pointer of the key instead of surfacing as a wrong response
//! later. It stops at the first problem, as a [`LoadError`] naming the file and the pointer.
//! Checks against the contract (operations, parameters, schemas) are `catalog`'s.
//!
//! This file holds the scenario as a whole and its small sections (errors, tokens, limits);
//! `resource` builds the collections, `operation` the behaviour of each operation, and `list`
//! the parts only a list has.

mod list;
mod operation;
mod resource;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::error::LoadError;
use crate::scenario::errors::{ErrorKind, Errors};
use crate::scenario::format::{RawErrors, RawLimits, RawScenario, RawToken};
use crate::scenario::model::{Limits, Resource, Scenario, Token};
use crate::scenario::template::Template;

/// Builds the model of one scenario file; every error it returns names that file.
pub(crate) struct Builder<'a> {
    /// Display name of the file.
    file: &'a str,
}

impl<'a> Builder<'a> {
    /// A builder for the file shown as `file` in errors.
    pub(crate) fn new(file: &'a str) -> Self {
        Builder { file }
    }
}

// === Helpers shared by every section ===

impl Builder<'_> {
    /// The error for the value at `pointer` in this file.
    fn invalid(&self, pointer: &str, message: impl Into<String>) -> LoadError {
        LoadError::invalid(self.file, "-", pointer, message)
    }

    /// A template, or an error naming where in the file it is.
    fn template(&self, value: &Value, pointer: &str) -> Result<Template, LoadError> {
        Template::parse(value).map_err(|e| self.invalid(pointer, e.to_string()))
    }

    /// [`Builder::template`] of a string.
    fn text_template(&self, text: &str, pointer: &str) -> Result<Template, LoadError> {
        self.template(&Value::String(text.to_owned()), pointer)
    }

    /// `text` if it is a JSON pointer (checked here so the engine never meets `name` for
    /// `/name`).
    fn pointer(&self, text: &str, at: &str) -> Result<String, LoadError> {
        if text.starts_with('/') {
            Ok(text.to_owned())
        } else {
            Err(self.invalid(at, format!("`{text}` must be a JSON pointer such as `/name`")))
        }
    }

    /// An error unless `name` is a resource of this file (for parts naming another resource).
    fn check_defined(
        &self,
        resources: &[Resource],
        name: &str,
        pointer: &str,
    ) -> Result<(), LoadError> {
        match find(resources, name) {
            Some(_) => Ok(()),
            None => Err(self.invalid(pointer, format!("resource `{name}` is not defined"))),
        }
    }

    /// Header name → template, each name checked.
    fn headers(
        &self,
        raw: &BTreeMap<String, String>,
        at: &str,
    ) -> Result<Vec<(http::HeaderName, Template)>, LoadError> {
        raw.iter()
            .map(|(name, text)| {
                let pointer = format!("{at}/{name}");
                let Ok(header) = http::HeaderName::try_from(name.as_str()) else {
                    return Err(self.invalid(&pointer, format!("`{name}` is not a header name")));
                };
                Ok((header, self.text_template(text, &pointer)?))
            })
            .collect()
    }
}

// === The scenario and its small sections ===

impl Builder<'_> {
    /// The model of one scenario file, or the first thing in it that is wrong.
    pub(crate) fn build(&self, name: String, raw: RawScenario) -> Result<Scenario, LoadError> {
        let errors = match raw.errors {
            None => Errors::default(),
            Some(errors) => self.errors(errors)?,
        };
        let tokens = match raw.tokens {
            None => None,
            Some(tokens) => {
                let mut out = BTreeMap::new();
                for (token, raw) in tokens {
                    out.insert(token.clone(), self.token(&token, raw)?);
                }
                Some(out)
            }
        };
        let limits = raw.limits.map(|l| self.limits(l)).transpose()?;
        let mut resources = Vec::new();
        for (name, raw) in raw.resources {
            resources.push(self.resource(name, raw)?);
        }
        self.check_resources(&resources)?;
        let mut operations = BTreeMap::new();
        for (id, raw) in raw.operations {
            let behaviour = self.operation(&id, raw, &resources)?;
            operations.insert(id, behaviour);
        }
        Ok(Scenario {
            name,
            file: self.file.to_owned(),
            description: raw.description,
            errors,
            documented_errors: raw.documented_errors,
            fit_answers: raw.fit_answers,
            tokens,
            limits,
            resources,
            operations: Arc::new(operations),
        })
    }

    /// The error envelope: kinds and codes must be known, templates must parse.
    fn errors(&self, errors: RawErrors) -> Result<Errors, LoadError> {
        let mut kinds = Vec::new();
        for name in errors.messages.keys() {
            let Some(kind) = ErrorKind::parse(name) else {
                let known: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
                let message = format!("unknown error kind `{name}` (known: {})", known.join(", "));
                return Err(self.invalid(&format!("/errors/messages/{name}"), message));
            };
            kinds.push(kind);
        }
        for key in errors.codes.keys() {
            if ErrorKind::parse(key).is_none() && key.parse::<u16>().is_err() {
                let message = format!("`{key}` is neither a status code nor an error kind");
                return Err(self.invalid(&format!("/errors/codes/{key}"), message));
            }
        }
        let mut messages = BTreeMap::new();
        for (kind, (name, text)) in kinds.into_iter().zip(&errors.messages) {
            messages.insert(kind, self.text_template(text, &format!("/errors/messages/{name}"))?);
        }
        Ok(Errors {
            content_type: errors.content_type.unwrap_or_else(|| "application/json".into()),
            body: self.template(&errors.body, "/errors/body")?,
            details: errors
                .details
                .as_ref()
                .map(|d| self.template(d, "/errors/details"))
                .transpose()?,
            codes: errors.codes,
            messages,
        })
    }

    /// One accepted token; its denial status must be a 4xx.
    fn token(&self, token: &str, raw: RawToken) -> Result<Token, LoadError> {
        let pointer = format!("/tokens/{token}");
        let deny_status = raw.deny_status.unwrap_or(403);
        if !(400..500).contains(&deny_status) {
            return Err(self.invalid(&format!("{pointer}/deny-status"), "must be a 4xx status"));
        }
        Ok(Token {
            name: raw.name,
            read_only: raw.read_only,
            read_only_message: raw
                .read_only_message
                .map(|m| self.text_template(&m, &format!("{pointer}/read-only-message")))
                .transpose()?,
            allow: raw.allow,
            deny_status,
            deny_message: raw
                .deny_message
                .map(|m| self.text_template(&m, &format!("{pointer}/deny-message")))
                .transpose()?,
            claims: raw.claims,
        })
    }

    /// Rate limits: at least one window, none of them empty.
    fn limits(&self, raw: RawLimits) -> Result<Limits, LoadError> {
        if raw.windows.is_empty() || raw.windows.iter().any(|w| w.requests == 0 || w.seconds == 0) {
            return Err(self.invalid(
                "/limits/windows",
                "needs at least one window, each with requests ≥ 1 and seconds ≥ 1",
            ));
        }
        Ok(Limits {
            windows: raw.windows,
            headers: self.headers(&raw.headers, "/limits/headers")?,
            exceeded_headers: self.headers(&raw.exceeded_headers, "/limits/exceeded-headers")?,
        })
    }
}

/// A resource by name.
fn find<'r>(resources: &'r [Resource], name: &str) -> Option<&'r Resource> {
    resources.iter().find(|r| r.name == name)
}

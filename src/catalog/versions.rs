//! API versions: `contracts/<api>/versions.yaml`, and how a request finds its version.
//!
//! A vendor's wire format changes over time while its users keep the client release their
//! project pins (Arize spoke `llm` / `openAI` until July 2026 and `LLM` / `OPEN_AI` since). An
//! API may therefore ship several versions, each a folder `<api>/<version>/` in `contracts/`,
//! `scenarios/` and `conformance/`, with its own store. This file of the API says which one
//! answers at `/<api>` and how each recognises its clients:
//!
//! ```yaml
//! default: current            # served at /<api> when nothing else decides
//! versions:                   # recognition tries them in this order
//!   2026-07-02:
//!     description: The wire format of arize 8.38 (OpenAI only).
//!     clients:                # a request matching every header pattern of one entry
//!       - {sdk-version: "^8\\.38\\."}
//!   current:
//!     description: arize >= 8.40, @arizeai/ax-client >= 1.24.
//!     clients:
//!       - {sdk-version: "^8\\.(4|5|6)[0-9]\\."}
//!       - {user-agent: "^ax-client/"}
//! ```
//!
//! A request is answered by the version its path names (`/<api>@<version>`), else the one the
//! `X-Understudy-Version` header names, else the first version one of whose `clients` entries
//! matches its headers, else the default. An API with a single folder of files and no version
//! folders has one unnamed version and needs no such file.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use http::{HeaderMap, HeaderName};
use indexmap::IndexMap;
use regex::Regex;
use serde::Deserialize;

use crate::error::LoadError;
use crate::files::TextFile;

/// The header that names the version a request wants.
pub const VERSION_HEADER: HeaderName = HeaderName::from_static("x-understudy-version");

/// The name of an API's versions file, in its contracts folder.
pub const VERSIONS_FILE: &str = "versions.yaml";

/// `versions.yaml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersions {
    /// The version served at `/<api>` when nothing else decides.
    default: String,
    /// Every version, in recognition order.
    versions: IndexMap<String, RawVersion>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    #[serde(default)]
    description: String,
    #[serde(default)]
    clients: Vec<BTreeMap<String, String>>,
}

/// One version as the versions file declares it.
#[derive(Debug, Clone)]
pub struct Declared {
    /// Its name (the folder name: `2026-07-10`, `current`).
    pub name: String,
    /// What it is, and which client releases speak it.
    pub description: String,
    /// How its clients are recognised.
    pub clients: Clients,
}

/// The versions of one API, in recognition order, and the default.
#[derive(Debug, Clone)]
pub struct Declaration {
    /// The versions.
    pub versions: Vec<Declared>,
    /// The name of the default one.
    pub default: String,
}

/// Header patterns that recognise a version's clients: a request matches when every pattern
/// of one entry matches a value of its header.
#[derive(Debug, Clone, Default)]
pub struct Clients(Vec<Vec<(HeaderName, Pattern)>>);

/// One header pattern: its syntax is checked when the versions file is read, and the regex is
/// compiled when a request first carries the header. Compiling costs about 0.4 M instructions a
/// pattern (the regex crate builds every engine it may use), and Arize's ten were 5 % of
/// start-up's CPU, for requests that may never come.
#[derive(Debug, Clone)]
struct Pattern {
    source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// A pattern whose syntax the regex crate accepts (the same parser, the same message).
    fn new(source: &str) -> Result<Pattern, String> {
        regex_syntax::Parser::new().parse(source).map_err(|e| e.to_string())?;
        Ok(Pattern { source: source.to_owned(), compiled: OnceLock::new() })
    }

    /// Whether `value` matches. A pattern that parses but does not compile (one past the
    /// regex crate's size limit) matches nothing, said once in the log.
    fn is_match(&self, value: &str) -> bool {
        let compiled = self.compiled.get_or_init(|| {
            Regex::new(&self.source)
                .inspect_err(|e| {
                    tracing::warn!(pattern = %self.source, "a client pattern matches nothing: {e}");
                })
                .ok()
        });
        compiled.as_ref().is_some_and(|regex| regex.is_match(value))
    }
}

impl Clients {
    /// Whether a request with `headers` comes from one of these clients.
    pub fn matches(&self, headers: &HeaderMap) -> bool {
        self.0.iter().any(|entry| {
            entry.iter().all(|(name, pattern)| {
                headers
                    .get_all(name)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .any(|value| pattern.is_match(value))
            })
        })
    }

    /// The patterns, for listings: one `header ~ pattern, ...` line per entry.
    pub fn describe(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|entry| {
                let parts: Vec<String> =
                    entry.iter().map(|(n, p)| format!("{n} ~ {}", p.source)).collect();
                parts.join(", ")
            })
            .collect()
    }
}

/// Reads an API's versions file and checks it against the version folders found.
pub fn declaration(file: &TextFile, folders: &[String]) -> Result<Declaration, LoadError> {
    let value = crate::files::parse_yaml(&file.text).map_err(|e| LoadError::Syntax {
        file: file.name.clone(),
        message: format!("invalid YAML: {e}"),
    })?;
    let raw: RawVersions = serde_path_to_error::deserialize(value).map_err(|e| {
        LoadError::invalid(
            &file.name,
            "-",
            format!("/{}", e.path()).replace('.', "/"),
            e.inner().to_string(),
        )
    })?;
    let invalid =
        |pointer: String, message: String| LoadError::invalid(&file.name, "-", pointer, message);
    for name in raw.versions.keys() {
        if !folders.contains(name) {
            let message = format!("no folder `{name}` holds this version's contract");
            return Err(invalid(format!("/versions/{name}"), message));
        }
    }
    for folder in folders {
        if !raw.versions.contains_key(folder) {
            let message = format!("the version folder `{folder}` is not declared here");
            return Err(invalid("/versions".into(), message));
        }
    }
    if !raw.versions.contains_key(&raw.default) {
        let message = format!("`{}` is not one of the versions", raw.default);
        return Err(invalid("/default".into(), message));
    }
    let mut versions = Vec::new();
    for (name, version) in raw.versions {
        let mut entries = Vec::new();
        for (i, entry) in version.clients.iter().enumerate() {
            let mut patterns = Vec::new();
            for (header, pattern) in entry {
                let pointer = format!("/versions/{name}/clients/{i}/{header}");
                let header = HeaderName::try_from(header.as_str())
                    .map_err(|_| invalid(pointer.clone(), "not a header name".into()))?;
                let pattern = Pattern::new(pattern)
                    .map_err(|e| invalid(pointer, format!("not a regular expression: {e}")))?;
                patterns.push((header, pattern));
            }
            if !patterns.is_empty() {
                entries.push(patterns);
            }
        }
        versions.push(Declared {
            name,
            description: version.description.trim().to_owned(),
            clients: Clients(entries),
        });
    }
    Ok(Declaration { versions, default: raw.default })
}

/// The declaration of an API whose only version folder has no versions file: that version,
/// recognising nobody.
pub fn single(folder: &str) -> Declaration {
    Declaration {
        versions: vec![Declared {
            name: folder.to_owned(),
            description: String::new(),
            clients: Clients::default(),
        }],
        default: folder.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> TextFile {
        TextFile {
            name: "versions.yaml".into(),
            file_name: "versions.yaml".into(),
            text: text.into(),
        }
    }

    fn folders(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn clients_are_recognised_by_every_header_of_one_entry() {
        let declared = declaration(
            &file(
                "default: b\nversions:\n  a:\n    clients: [{sdk-version: '^8\\.38\\.', sdk-package-name: '^arize$'}]\n  b: {}\n",
            ),
            &folders(&["a", "b"]),
        )
        .unwrap();
        let clients = &declared.versions[0].clients;
        let compiled = |header: &str| {
            clients.0[0].iter().find(|(n, _)| n == header).unwrap().1.compiled.get().is_some()
        };
        let mut headers = HeaderMap::new();
        headers.insert("sdk-version", "8.38.0".parse().unwrap());
        assert!(!clients.matches(&headers), "one header of the entry is missing");
        assert!(!compiled("sdk-package-name"), "a pattern is compiled when its header comes");
        headers.insert("sdk-package-name", "arize".parse().unwrap());
        assert!(clients.matches(&headers));
        assert!(compiled("sdk-package-name") && compiled("sdk-version"));
        headers.insert("sdk-version", "8.61.0".parse().unwrap());
        assert!(!clients.matches(&headers));
        assert!(!declared.versions[1].clients.matches(&headers), "no entry matches nothing");
        assert_eq!(declared.default, "b");
    }

    #[test]
    fn folders_and_declarations_must_agree() {
        let text = "default: a\nversions: {a: {}, b: {}}\n";
        let error = declaration(&file(text), &folders(&["a"])).unwrap_err().to_string();
        assert!(error.contains("no folder `b`"), "{error}");
        let error = declaration(&file(text), &folders(&["a", "b", "c"])).unwrap_err().to_string();
        assert!(error.contains("`c` is not declared"), "{error}");
        let error = declaration(&file("default: z\nversions: {a: {}}\n"), &folders(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`z` is not one of the versions"), "{error}");
        let error = declaration(
            &file("default: a\nversions: {a: {clients: [{x: '('}]}}\n"),
            &folders(&["a"]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("/versions/a/clients/0/x") && error.contains("regular expression"),
            "{error}"
        );
        #[allow(clippy::invalid_regex, reason = "the broken pattern is the point")]
        let regex_says = Regex::new("(").unwrap_err().to_string();
        assert!(error.contains(&regex_says), "the regex crate's own message: {error}");
    }
}

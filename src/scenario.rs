//! Scenario files: seed data and behaviour of one API in one named situation.
//!
//! A scenario turns a contract into a working service: which collections exist and what they
//! hold at start (`resources`), what each operation does with them (`operations`), and what
//! the API's errors look like (`errors`). Loading parses every template once and checks that
//! the file names only operations, resources and strategies that exist, so a typo stops
//! start-up with the file and the key, instead of surfacing as a wrong response later.
//!
//! # Format
//!
//! ```yaml
//! description: What this scenario is for, and every choice it makes that the vendor's
//!   documentation does not (inferred behaviour is written down here, not in the contract).
//!
//! errors:                       # the API's error envelope
//!   content-type: application/json
//!   body: {message: "{{message}}", status: "{{status}}", code: "{{code}}"}
//!   details: {parameter: "{{jsonpath}}", location: "{{location}}", message: "{{message}}"}
//!   codes: {400: validation_error, 404: not_found, invalid-json: bad_json}   # status or kind → {{code}}
//!   messages: {unauthorized: "Unauthorized"}                                # kind → {{message}}
//!
//! resources:
//!   integrations:
//!     key: id                   # field that identifies a record (default `id`)
//!     id: {prefix: int, alphabet: alphanumeric, length: 16}      # or {template: "X:{{n}}", encoding: base64}
//!     parent: {resource: spaces, field: spaceId}                 # records belong to a parent record
//!     timestamps: {created: createdTime, updated: lastModifiedTime, format: rfc3339-millis}
//!     schema: "#/components/schemas/IntegrationItem"             # what `lint` checks seed records against
//!     write-only: [{field: /config/apiKey, flag: /config/hasApiKey}]  # stored, never returned
//!     seed: [{id: int0000000000000001, spaceId: spc0000000000000001, ...}]
//!
//! operations:                   # operationId → one action on one resource
//!   getIntegrationList: {list: integrations, parent: spaceId}
//!   createIntegration:  {create: integrations, parent: spaceId, status: 201, body: {id: "{{record.id}}"},
//!                        headers: {Location: "/api/space/{{params.spaceId}}/integration/{{record.id}}"}}
//!   updateIntegration:  {update: integrations, key: integrationId, merge: merge, paths: {/enable: ignore-null}}
//!   deleteIntegration:  {delete: integrations, key: integrationId, status: 200}
//!   createSecret:       {create: secrets,
//!                        schema-defaults: true,                        # fill in the schema's defaults
//!                        defaults: {/tags: []},                        # ...and these, when missing
//!                        set: {/status: development, /secret: {random: {alphabet: hex, length: 64}}},
//!                        reveal: [/secret]}                          # a write-only field shown once
//!   listBlocks:         {list: integrations, item: {name: "{{record.name}}"}}
//! ```
//!
//! Error kinds (keys of `codes` and `messages`): `validation`, `invalid-json`, `missing-body`,
//! `unsupported-media-type`, `unauthorized`, `forbidden`, `route-not-found`,
//! `method-not-allowed`, `not-found`, `bad-prefer`, `payload-too-large`, `self-check`,
//! `conflict`, `unprocessable`, `rate-limited`, and `error` (any other status asked for
//! with `Prefer: code=`).
//! Variables of the error templates: `status`, `title` (the reason phrase), `code`, `message`,
//! `details` (the rendered `details` list, or `null` when there are no violations),
//! `violations` (all violations as one line), `method`, `path`, `allowed`, `kind`.
//! A violation (in `details`) has `message`, `pointer` (JSON pointer), `jsonpath`
//! (`$.config.name`), `location` (`body`, `query`, `path`, `header`) and `parameter` (the
//! parameter name, or the JSON path for body fields).
//!
//! Variables of operation `body`, `set` and `headers` templates: `record` (the record as
//! clients see it: write-only fields removed, flags derived), `stored` (the record with its
//! write-only fields), `items` and `count` (list), `params` (path parameters), `query`,
//! `request` (the request body). `item` templates see `record` and `stored` of each item.
//! Merge strategies: `replace`, `merge` (top-level keys), `deep-merge` (nested objects merged,
//! explicit `null` stored as `null`), `merge-patch` (RFC 7396: `null` removes), `append`
//! (arrays concatenated), `ignore-null` (a `null` leaves the stored value alone).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::LoadError;
use crate::files::TextFile;
use crate::template::Template;

/// Error kinds a scenario may give codes and messages for.
pub const ERROR_KINDS: &[&str] = &[
    "validation",
    "invalid-json",
    "missing-body",
    "unsupported-media-type",
    "unauthorized",
    "forbidden",
    "route-not-found",
    "method-not-allowed",
    "not-found",
    "bad-prefer",
    "payload-too-large",
    "self-check",
    "conflict",
    "unprocessable",
    "rate-limited",
    "error",
];

/// A loaded scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name (the file name without `.yaml`).
    pub name: String,
    /// Display name of its file.
    pub file: String,
    /// The `description`.
    pub description: String,
    /// The error envelope.
    pub errors: Errors,
    /// Collections, in file order.
    pub resources: Vec<Resource>,
    /// Behaviour per operationId.
    pub operations: BTreeMap<String, OperationBehaviour>,
}

/// How the API's errors look.
#[derive(Debug, Clone)]
pub struct Errors {
    /// Content type of error responses.
    pub content_type: String,
    /// The envelope.
    pub body: Template,
    /// One violation inside `{{details}}`, if the envelope lists them.
    pub details: Option<Template>,
    /// `{{code}}` by error kind or status (`"404"`).
    pub codes: BTreeMap<String, String>,
    /// `{{message}}` templates by error kind.
    pub messages: BTreeMap<String, Template>,
}

impl Default for Errors {
    /// RFC 9457 problem details, for APIs whose scenario says nothing about errors.
    fn default() -> Self {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": "{{title}}",
            "status": "{{status}}",
            "detail": "{{message}}",
            "errors": "{{details}}"
        });
        let details = serde_json::json!({"pointer": "{{pointer}}", "location": "{{location}}", "detail": "{{message}}"});
        Errors {
            content_type: "application/problem+json".into(),
            body: Template::parse(&body).expect("the default envelope parses"),
            details: Some(Template::parse(&details).expect("the default details parse")),
            codes: BTreeMap::new(),
            messages: BTreeMap::new(),
        }
    }
}

/// A collection of records.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its name.
    pub name: String,
    /// The field holding each record's key.
    pub key: String,
    /// How new keys are made.
    pub id: IdGenerator,
    /// The parent collection, if records belong to one.
    pub parent: Option<Parent>,
    /// Timestamp fields maintained on create and update.
    pub timestamps: Option<Timestamps>,
    /// Pointer to the contract schema seed records must satisfy (`#/components/schemas/X`).
    pub schema: Option<String>,
    /// Fields that are stored but never returned.
    pub write_only: Vec<WriteOnly>,
    /// Records present when a store is created.
    pub seed: Vec<Value>,
}

/// A field that is stored but never returned, optionally shown by a derived flag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteOnly {
    /// JSON pointer of the field (`/config/api_key`).
    pub field: String,
    /// JSON pointer of a boolean set to whether the field holds a non-null value
    /// (`/config/has_api_key`).
    pub flag: Option<String>,
}

/// A value an operation writes into the record.
#[derive(Debug, Clone)]
pub enum SetValue {
    /// A template over the operation context.
    Template(Template),
    /// A random string.
    Random {
        /// Characters to draw from.
        alphabet: Alphabet,
        /// How many.
        length: usize,
    },
}

/// How a resource's new keys are made.
#[derive(Debug, Clone, PartialEq)]
pub enum IdGenerator {
    /// `prefix` followed by `length` random characters of `alphabet`.
    Random {
        /// Fixed text before the random part.
        prefix: String,
        /// Characters to draw from.
        alphabet: Alphabet,
        /// How many.
        length: usize,
    },
    /// A template over `n`, a per-collection counter starting after the seed records.
    Sequence {
        /// The template (`LlmIntegration:{{n}}`).
        template: Template,
        /// How the rendered text is encoded.
        encoding: Encoding,
    },
}

/// Characters a random id is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alphabet {
    /// `0-9a-zA-Z`.
    Alphanumeric,
    /// `0-9a-f`.
    Hex,
    /// `0-9a-z`.
    Lowercase,
    /// `0-9`.
    Digits,
}

impl Alphabet {
    /// The characters.
    pub fn chars(self) -> &'static [u8] {
        match self {
            Alphabet::Alphanumeric => {
                b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            }
            Alphabet::Hex => b"0123456789abcdef",
            Alphabet::Lowercase => b"0123456789abcdefghijklmnopqrstuvwxyz",
            Alphabet::Digits => b"0123456789",
        }
    }
}

/// How a sequence id is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// As rendered.
    #[default]
    None,
    /// Standard base64 with padding.
    Base64,
}

/// Records of a resource belong to records of another.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parent {
    /// The parent resource.
    pub resource: String,
    /// The field of the child holding the parent's key.
    pub field: String,
}

/// Timestamp fields of a resource.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timestamps {
    /// Set on create.
    pub created: Option<String>,
    /// Set on create and every update.
    pub updated: Option<String>,
    /// How they are written.
    #[serde(default)]
    pub format: TimestampFormat,
}

/// How timestamps are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimestampFormat {
    /// `2026-01-01T00:00:00Z`
    #[default]
    Rfc3339,
    /// `2026-01-01T00:00:00.000Z` (JavaScript's `toISOString`)
    Rfc3339Millis,
    /// `2026-01-01T00:00:00+00:00` (Python's `isoformat`)
    Rfc3339Offset,
}

/// What an operation does.
#[derive(Debug, Clone)]
pub struct OperationBehaviour {
    /// The store action.
    pub action: Action,
    /// The resource it acts on.
    pub resource: String,
    /// Path parameter holding the record key (get, update, delete).
    pub key: Option<String>,
    /// Path parameter holding the parent record's key.
    pub parent: Option<String>,
    /// Success status (default: the operation's lowest documented 2xx).
    pub status: Option<u16>,
    /// Response body template (default: the record, or the list of records).
    pub body: Option<Template>,
    /// Response header templates, by header name.
    pub headers: Vec<(String, Template)>,
    /// Merge strategy for update (default `merge`).
    pub merge: Merge,
    /// Strategies for particular JSON pointers inside the body.
    pub paths: BTreeMap<String, Merge>,
    /// Fill in the `default`s of the request body schema before storing (create, update).
    pub schema_defaults: bool,
    /// Values for fields the record lacks after the body is applied, by JSON pointer.
    pub defaults: Vec<(String, Value)>,
    /// Values written into the record after the body (create, update), by JSON pointer.
    pub set: Vec<(String, SetValue)>,
    /// Template for each item of a list (default: the record).
    pub item: Option<Template>,
    /// Write-only fields this operation's response shows anyway (a secret shown once, on create).
    pub reveal: Vec<String>,
}

/// Store actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// All records (of a parent).
    List,
    /// One record by key.
    Get,
    /// Insert a record.
    Create,
    /// Change a record.
    Update,
    /// Remove a record.
    Delete,
}

impl Action {
    /// The keyword used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::List => "list",
            Action::Get => "get",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// How a request body is combined with a stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Merge {
    /// The new value replaces the old one.
    Replace,
    /// Top-level keys of the new object replace the old ones; `null` is stored.
    Merge,
    /// Nested objects merge recursively; `null` is stored (clears a nullable field).
    DeepMerge,
    /// RFC 7396: nested objects merge recursively; `null` removes the key.
    MergePatch,
    /// Arrays are concatenated (old then new).
    Append,
    /// A `null` leaves the old value alone; anything else replaces it.
    IgnoreNull,
}

// === Raw file shapes ===

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawScenario {
    #[serde(default)]
    description: String,
    errors: Option<RawErrors>,
    #[serde(default)]
    resources: serde_json::Map<String, Value>,
    #[serde(default)]
    operations: BTreeMap<String, RawOperation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawErrors {
    content_type: Option<String>,
    body: Value,
    details: Option<Value>,
    #[serde(default)]
    codes: BTreeMap<String, String>,
    #[serde(default)]
    messages: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawResource {
    #[serde(default = "default_key")]
    key: String,
    id: Option<RawId>,
    parent: Option<Parent>,
    timestamps: Option<Timestamps>,
    schema: Option<String>,
    #[serde(default)]
    write_only: Vec<WriteOnly>,
    #[serde(default)]
    seed: Vec<Value>,
}

fn default_key() -> String {
    "id".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawId {
    #[serde(default)]
    prefix: String,
    alphabet: Option<Alphabet>,
    length: Option<usize>,
    template: Option<String>,
    #[serde(default)]
    encoding: Encoding,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOperation {
    list: Option<String>,
    get: Option<String>,
    create: Option<String>,
    update: Option<String>,
    delete: Option<String>,
    key: Option<String>,
    parent: Option<String>,
    status: Option<u16>,
    body: Option<Value>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    merge: Option<Merge>,
    #[serde(default)]
    paths: BTreeMap<String, Merge>,
    #[serde(default)]
    schema_defaults: bool,
    #[serde(default)]
    defaults: serde_json::Map<String, Value>,
    #[serde(default)]
    set: serde_json::Map<String, Value>,
    item: Option<Value>,
    #[serde(default)]
    reveal: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRandom {
    random: RawRandomSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRandomSpec {
    alphabet: Alphabet,
    length: usize,
}

/// Loads a scenario file. Names of operations and resources are checked against each other
/// here; against the contract in `catalog.rs`.
pub fn load(file: &TextFile) -> Result<Scenario, LoadError> {
    let name = file.file_name.trim_end_matches(".yaml").trim_end_matches(".yml").to_owned();
    let options = serde_saphyr::options! { strict_booleans: true };
    let raw: RawScenario = serde_saphyr::from_str_with_options(&file.text, options)
        .map_err(|e| LoadError::Syntax { file: file.name.clone(), message: e.to_string() })?;
    build(file, name, raw)
}

fn build(file: &TextFile, name: String, raw: RawScenario) -> Result<Scenario, LoadError> {
    let invalid =
        |pointer: &str, message: String| LoadError::invalid(&file.name, "-", pointer, message);
    let template = |value: &Value, pointer: &str| {
        Template::parse(value).map_err(|e| invalid(pointer, e.to_string()))
    };

    let errors = match raw.errors {
        None => Errors::default(),
        Some(errors) => {
            for kind in errors.messages.keys() {
                if !ERROR_KINDS.contains(&kind.as_str()) {
                    let message =
                        format!("unknown error kind `{kind}` (known: {})", ERROR_KINDS.join(", "));
                    return Err(invalid(&format!("/errors/messages/{kind}"), message));
                }
            }
            for key in errors.codes.keys() {
                if !ERROR_KINDS.contains(&key.as_str()) && key.parse::<u16>().is_err() {
                    let message = format!("`{key}` is neither a status code nor an error kind");
                    return Err(invalid(&format!("/errors/codes/{key}"), message));
                }
            }
            let mut messages = BTreeMap::new();
            for (kind, text) in &errors.messages {
                let pointer = format!("/errors/messages/{kind}");
                messages.insert(kind.clone(), template(&Value::String(text.clone()), &pointer)?);
            }
            Errors {
                content_type: errors.content_type.unwrap_or_else(|| "application/json".into()),
                body: template(&errors.body, "/errors/body")?,
                details: errors
                    .details
                    .as_ref()
                    .map(|d| template(d, "/errors/details"))
                    .transpose()?,
                codes: errors.codes,
                messages,
            }
        }
    };

    let mut resources = Vec::new();
    for (name, r) in raw.resources {
        let pointer = format!("/resources/{name}");
        // Resources are read in a second step so that their errors name the resource.
        let r: RawResource =
            serde_json::from_value(r).map_err(|e| invalid(&pointer, e.to_string()))?;
        let id = match r.id {
            None => {
                IdGenerator::Random { prefix: String::new(), alphabet: Alphabet::Hex, length: 24 }
            }
            Some(RawId { template: Some(text), encoding, prefix, alphabet, length }) => {
                if !prefix.is_empty() || alphabet.is_some() || length.is_some() {
                    let message = "`id` takes either `template` (+ `encoding`) or `prefix`/`alphabet`/`length`, not both".into();
                    return Err(invalid(&format!("{pointer}/id"), message));
                }
                let template = template(&Value::String(text), &format!("{pointer}/id/template"))?;
                IdGenerator::Sequence { template, encoding }
            }
            Some(RawId { prefix, alphabet, length, .. }) => IdGenerator::Random {
                prefix,
                alphabet: alphabet.unwrap_or(Alphabet::Alphanumeric),
                length: length.unwrap_or(16),
            },
        };
        for (i, hidden) in r.write_only.iter().enumerate() {
            for field in std::iter::once(&hidden.field).chain(&hidden.flag) {
                if !field.starts_with('/') {
                    let message =
                        format!("`{field}` must be a JSON pointer such as `/config/api_key`");
                    return Err(invalid(&format!("{pointer}/write-only/{i}"), message));
                }
            }
        }
        for (i, record) in r.seed.iter().enumerate() {
            if record.get(&r.key).is_none_or(|k| !k.is_string() && !k.is_number()) {
                let message =
                    format!("a seed record needs its key field `{}` (a string or a number)", r.key);
                return Err(invalid(&format!("{pointer}/seed/{i}"), message));
            }
        }
        resources.push(Resource {
            name,
            key: r.key,
            id,
            parent: r.parent,
            timestamps: r.timestamps,
            schema: r.schema,
            write_only: r.write_only,
            seed: r.seed,
        });
    }
    for resource in &resources {
        if let Some(parent) = &resource.parent
            && !resources.iter().any(|r| r.name == parent.resource)
        {
            let message = format!("parent resource `{}` is not defined", parent.resource);
            return Err(invalid(&format!("/resources/{}/parent", resource.name), message));
        }
    }

    let mut operations = BTreeMap::new();
    for (id, op) in raw.operations {
        let pointer = format!("/operations/{id}");
        let actions = [
            (Action::List, op.list),
            (Action::Get, op.get),
            (Action::Create, op.create),
            (Action::Update, op.update),
            (Action::Delete, op.delete),
        ];
        let mut chosen = actions.into_iter().filter_map(|(a, r)| r.map(|r| (a, r)));
        let Some((action, resource)) = chosen.next() else {
            let message =
                "needs one action: list, get, create, update or delete (with the resource name)"
                    .into();
            return Err(invalid(&pointer, message));
        };
        if let Some((other, _)) = chosen.next() {
            let message =
                format!("has two actions, `{}` and `{}`", action.as_str(), other.as_str());
            return Err(invalid(&pointer, message));
        }
        let Some(definition) = resources.iter().find(|r| r.name == resource) else {
            let message = format!("resource `{resource}` is not defined under `resources`");
            return Err(invalid(&format!("{pointer}/{}", action.as_str()), message));
        };
        if matches!(action, Action::Get | Action::Update | Action::Delete) && op.key.is_none() {
            let message = format!(
                "`{}` needs `key`: the path parameter holding the record key",
                action.as_str()
            );
            return Err(invalid(&pointer, message));
        }
        if op.parent.is_some() && definition.parent.is_none() {
            let message = format!("`parent` is set but resource `{resource}` has no parent");
            return Err(invalid(&format!("{pointer}/parent"), message));
        }
        for path in op.paths.keys() {
            if !path.starts_with('/') {
                let message =
                    format!("`{path}` must be a JSON pointer such as `/config/llmProviders`");
                return Err(invalid(&format!("{pointer}/paths"), message));
            }
        }
        let body = op.body.as_ref().map(|b| template(b, &format!("{pointer}/body"))).transpose()?;
        let mut headers = Vec::new();
        for (name, text) in &op.headers {
            let header_pointer = format!("{pointer}/headers/{name}");
            if http::HeaderName::try_from(name.as_str()).is_err() {
                return Err(invalid(&header_pointer, format!("`{name}` is not a header name")));
            }
            headers.push((name.clone(), template(&Value::String(text.clone()), &header_pointer)?));
        }
        for field in op.defaults.keys() {
            if !field.starts_with('/') {
                let message = format!("`{field}` must be a JSON pointer such as `/scopings`");
                return Err(invalid(&format!("{pointer}/defaults"), message));
            }
        }
        let mut set = Vec::new();
        for (field, value) in op.set {
            let set_pointer = format!("{pointer}/set/{field}");
            if !field.starts_with('/') {
                let message = format!("`{field}` must be a JSON pointer such as `/status`");
                return Err(invalid(&set_pointer, message));
            }
            let value = if value.get("random").is_some() {
                let RawRandom { random } = serde_json::from_value(value)
                    .map_err(|e| invalid(&set_pointer, e.to_string()))?;
                SetValue::Random { alphabet: random.alphabet, length: random.length }
            } else {
                SetValue::Template(template(&value, &set_pointer)?)
            };
            set.push((field, value));
        }
        let item = op.item.as_ref().map(|i| template(i, &format!("{pointer}/item"))).transpose()?;
        for field in &op.reveal {
            if !definition.write_only.iter().any(|w| &w.field == field) {
                let message =
                    format!("`{field}` is not a write-only field of resource `{resource}`");
                return Err(invalid(&format!("{pointer}/reveal"), message));
            }
        }
        operations.insert(
            id,
            OperationBehaviour {
                action,
                resource,
                key: op.key,
                parent: op.parent,
                status: op.status,
                body,
                headers,
                merge: op.merge.unwrap_or(Merge::Merge),
                paths: op.paths,
                schema_defaults: op.schema_defaults,
                defaults: op.defaults.into_iter().collect(),
                set,
                item,
                reveal: op.reveal,
            },
        );
    }

    Ok(Scenario {
        name,
        file: file.name.clone(),
        description: raw.description,
        errors,
        resources,
        operations,
    })
}

impl Scenario {
    /// The scenario an API gets when it has no scenario file: no resources, every operation
    /// answered from the contract's examples, errors as RFC 9457 problem details.
    pub fn fallback() -> Scenario {
        Scenario {
            name: "default".into(),
            file: "(built in)".into(),
            description: "No scenario file: responses come from the contract's examples.".into(),
            errors: Errors::default(),
            resources: Vec::new(),
            operations: BTreeMap::new(),
        }
    }

    /// A resource by name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> TextFile {
        TextFile {
            name: "s/default.yaml".into(),
            file_name: "default.yaml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_full_scenario_loads() {
        let scenario = load(&file(
            r#"
description: test
errors:
  content-type: application/json
  body: {message: "{{message}}", status: "{{status}}", code: "{{code}}"}
  codes: {"400": validation_error, invalid-json: bad_json}
resources:
  spaces:
    seed: [{id: spc1}]
  integrations:
    id: {prefix: int, length: 4}
    parent: {resource: spaces, field: spaceId}
    timestamps: {created: createdTime, format: rfc3339-millis}
    seed: [{id: int1, spaceId: spc1}]
operations:
  list: {list: integrations, parent: spaceId}
  update: {update: integrations, key: integrationId, merge: merge, paths: {/enable: ignore-null}}
"#,
        ))
        .unwrap();
        assert_eq!(scenario.name, "default");
        let names: Vec<_> = scenario.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["spaces", "integrations"]);
        assert_eq!(
            scenario.resources[1].id,
            IdGenerator::Random {
                prefix: "int".into(),
                alphabet: Alphabet::Alphanumeric,
                length: 4
            }
        );
        assert_eq!(scenario.operations["update"].paths["/enable"], Merge::IgnoreNull);
        assert_eq!(scenario.errors.codes["invalid-json"], "bad_json");
    }

    #[test]
    fn unknown_keys_and_names_are_load_errors() {
        let error = load(&file("resources: {a: {colour: red}}\n")).unwrap_err().to_string();
        assert!(error.contains("/resources/a") && error.contains("colour"), "{error}");
        let error = load(&file("operations: {op: {list: nothing}}\n")).unwrap_err().to_string();
        assert!(error.contains("resource `nothing` is not defined"), "{error}");
        let error = load(&file("resources: {a: {}}\noperations: {op: {get: a}}\n"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("needs `key`"), "{error}");
        let error =
            load(&file("errors: {body: {}, messages: {nope: x}}\n")).unwrap_err().to_string();
        assert!(error.contains("unknown error kind `nope`"), "{error}");
        let error = load(&file("resources: {a: {seed: [{name: x}]}}\n")).unwrap_err().to_string();
        assert!(
            error.contains("/resources/a/seed/0") && error.contains("key field `id`"),
            "{error}"
        );
    }

    #[test]
    fn bad_yaml_names_the_file() {
        let error = load(&file("resources: [\n")).unwrap_err().to_string();
        assert!(error.starts_with("s/default.yaml: ") && error.contains("line"), "{error}");
    }
}

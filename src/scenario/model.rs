//! The loaded scenario: what the rest of the crate reads, once the file has been checked.
//!
//! A scenario turns a contract into a working service: which collections exist and what they
//! hold at start (`resources`), what each operation does with them (`operations`), who may call
//! (`tokens`), how often (`limits`), and what the API's errors look like (`errors`). Every name
//! in these types has been checked and every template parsed when the file loaded (`build`),
//! so the catalog, the engine and `lint` use them without looking back at the YAML. How the
//! file spells them is `format`; what the rules *do* is the engine's business (`mock/engine/`).

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::scenario::errors::Errors;
use crate::scenario::template::Template;

// === The scenario ===

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
    /// Whether failures the operation documents are answered with its documented body.
    pub documented_errors: bool,
    /// Whether store answers are fitted to the answer's schema (`contract/shape.rs`): what it
    /// requires and the record lacks filled in, what it forbids left out.
    pub fit_answers: bool,
    /// Accepted tokens (`None`: any well-formed token).
    pub tokens: Option<BTreeMap<String, Token>>,
    /// Rate limits (`None`: unlimited).
    pub limits: Option<Limits>,
    /// Collections, in file order.
    pub resources: Vec<Resource>,
    /// Behaviour per operationId; one map for every scenario of the API made from the same
    /// `resources` and `operations` (`load.rs`).
    pub operations: Arc<BTreeMap<String, OperationBehaviour>>,
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
            documented_errors: false,
            fit_answers: false,
            tokens: None,
            limits: None,
            resources: Vec::new(),
            operations: Arc::default(),
        }
    }

    /// A resource by name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }
}

// === Tokens and limits ===

/// What a bearer token may do.
#[derive(Debug, Clone, Default)]
pub struct Token {
    /// A name for logs and the journal (default: the token's first characters).
    pub name: Option<String>,
    /// Whether writes (anything but GET, HEAD, OPTIONS) are refused.
    pub read_only: bool,
    /// Message of a refused write (`{{operation}}` names the operation).
    pub read_only_message: Option<Template>,
    /// Path parameter → the values this token may use; other values are denied.
    pub allow: BTreeMap<String, Vec<String>>,
    /// Status of a denial by `allow` (403, or 404 where the vendor hides what exists).
    pub deny_status: u16,
    /// Message of a denial by `allow` (`{{field}}` names the parameter, `{{value}}` its value).
    pub deny_message: Option<Template>,
    /// Extra values templates see as `principal.<name>`.
    pub claims: serde_json::Map<String, Value>,
}

/// Rate limits of an API.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Fixed windows; a request must fit all of them.
    pub windows: Vec<Window>,
    /// Headers sent on every response of a limited request (the tightest window's numbers).
    pub headers: Vec<(http::HeaderName, Template)>,
    /// Headers sent only with 429.
    pub exceeded_headers: Vec<(http::HeaderName, Template)>,
}

/// One fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Requests allowed in the window.
    pub requests: u64,
    /// Length of the window in seconds.
    pub seconds: u64,
}

// === Resources ===

/// A collection of records.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its name.
    pub name: String,
    /// What identifies a record.
    pub key: ResourceKey,
    /// How new keys are made.
    pub id: IdGenerator,
    /// Whether a key the request gives (the body's key field on create, the path's on a
    /// `create-missing` update) is kept rather than generated.
    pub client_keys: bool,
    /// The parent collection, if records belong to one.
    pub parent: Option<Parent>,
    /// Timestamp fields maintained on create and update.
    pub timestamps: Option<Timestamps>,
    /// Pointer to the contract schema seed records must satisfy (`#/components/schemas/X`).
    pub schema: Option<String>,
    /// Fields that are stored but never returned.
    pub write_only: Vec<WriteOnly>,
    /// Keys matching this pattern exist on first use (created with `on_create`).
    pub auto_create: Option<Regex>,
    /// Records created in other resources whenever a record of this one is created.
    pub on_create: Vec<(String, Vec<Value>)>,
    /// Records present when a store is created; kept once for every scenario of the API
    /// that has the same ones (`load.rs`).
    pub seed: Arc<[Value]>,
}

/// What identifies a record of a resource.
#[derive(Debug, Clone)]
pub enum ResourceKey {
    /// A field of the record (`id`), generated on create.
    Field(String),
    /// A template over the record's fields (`{{integration}}/{{space}}`): a composite key,
    /// stored nowhere.
    Composite(Template),
}

impl Resource {
    /// The key of a record, as text.
    pub fn key_of(&self, record: &Value) -> String {
        match &self.key {
            ResourceKey::Field(field) => crate::json::text::key_text(record.get(field)),
            ResourceKey::Composite(template) => {
                crate::json::text::as_text(&template.render(record))
            }
        }
    }

    /// The key field, unless the key is composite.
    pub fn key_field(&self) -> Option<&str> {
        match &self.key {
            ResourceKey::Field(field) => Some(field),
            ResourceKey::Composite(_) => None,
        }
    }
}

/// A field that is stored but never returned, optionally shown by a derived flag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOnly {
    /// JSON pointer of the field (`/config/api_key`).
    pub field: String,
    /// JSON pointer of a boolean set to whether the field holds a non-null value
    /// (`/config/has_api_key`).
    pub flag: Option<String>,
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
    /// A template over `n` (a per-collection counter starting after the seed records) and
    /// `record` (the record being created).
    Sequence {
        /// The template (`LlmIntegration:{{n}}`).
        template: Template,
        /// How the rendered text is encoded.
        encoding: Encoding,
    },
    /// JSON integers counting up from after the seed records (`1`, `2`...).
    Integer,
    /// Random version 4 UUIDs.
    Uuid,
    /// Random text matching a pattern (a contract's `pattern` for the id).
    Pattern(crate::random::Pattern),
}

/// Characters a random id is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// As rendered.
    #[default]
    None,
    /// Standard base64 with padding.
    Base64,
}

/// Records of a resource belong to records of another.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parent {
    /// The parent resource.
    pub resource: String,
    /// The field of the child holding the parent's key.
    pub field: String,
}

/// Timestamp fields of a resource.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
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

// === Operations ===

/// What an operation does.
#[derive(Debug, Clone)]
pub struct OperationBehaviour {
    /// The store action.
    pub action: Action,
    /// The resource it acts on.
    pub resource: String,
    /// Where the record key comes from (get, update, delete).
    pub key: Option<KeySource>,
    /// Path parameter holding the parent record's key.
    pub parent: Option<String>,
    /// Success status (default: the operation's lowest documented 2xx).
    pub status: Option<u16>,
    /// Response body template (default: the record, or the list of records).
    pub body: Option<Template>,
    /// Response header templates, by header name.
    pub headers: Vec<(http::HeaderName, Template)>,
    /// Whether the body or header templates read `stored` (the record with its write-only
    /// fields).
    pub reads_stored: bool,
    /// Whether the body or header templates read `count` (which takes a pass over every
    /// record of a list).
    pub reads_count: bool,
    /// Whether any template of the operation reads `request` (the body as sent).
    pub reads_request: bool,
    /// Template for each item of a list (default: the record).
    pub item: Option<Template>,
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
    /// Write-only fields this operation's response shows anyway (a secret shown once, on create).
    pub reveal: Vec<String>,
    /// Records that must exist, or the request gets 404.
    pub exists: Vec<Exists>,
    /// List: filters on query parameters.
    pub filters: Vec<Filter>,
    /// List: order of records.
    pub order: Order,
    /// List: pagination.
    pub pagination: Option<Pagination>,
    /// List: only records whose key appears in another resource's field.
    pub via: Option<Via>,
    /// Create: update the record matching these fields instead of creating another.
    pub upsert: Option<Upsert>,
    /// Fields whose combination must be unique in the collection (→ 409).
    pub unique: Vec<Rule>,
    /// Fields whose stored value may not change (→ 422).
    pub immutable: Vec<Rule>,
    /// At least one of these fields must be sent (→ 400).
    pub require_any: Option<Rule>,
    /// Body fields accepted only for some values of a record's field (422).
    pub only_with: Vec<OnlyWith>,
    /// Conditions on the stored record (→ 403).
    pub precondition: Vec<Precondition>,
    /// Delete: what a missing record answers (default 404).
    pub missing: Option<u16>,
    /// Update: a key nothing holds yet creates the record under it.
    pub create_missing: bool,
    /// Canned answers for matching requests, checked before the action.
    pub respond: Vec<Canned>,
    /// Delay before this operation's answers (`Prefer: delay` still wins).
    pub delay: Option<crate::duration::Latency>,
}

/// Where a record key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A path parameter.
    Param(String),
    /// A template over the operation context (`{{principal.installation}}`).
    Template(Template),
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
    pub(crate) fn as_str(self) -> &'static str {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
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

/// A record that must exist.
#[derive(Debug, Clone)]
pub struct Exists {
    /// Its resource.
    pub resource: String,
    /// Its key (a template).
    pub key: Template,
    /// Fields it must have, with their values (templates).
    pub fields: Vec<(String, Template)>,
}

/// A list filter.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The query parameter it reads (`None`: always applied, e.g. `match: present`).
    pub query: Option<String>,
    /// The fields compared (JSON pointers; `*` matches every array item).
    pub fields: Vec<String>,
    /// How.
    pub matching: Matching,
}

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Matching {
    /// Equal as text.
    Equals,
    /// Contains the text.
    Contains,
    /// Contains the text, ignoring case.
    ContainsCi,
    /// The field is present and not empty (no query parameter).
    Present,
}

/// The order of listed records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Order {
    /// Insertion order.
    #[default]
    OldestFirst,
    /// Reverse insertion order.
    NewestFirst,
    /// By a field.
    Field {
        /// JSON pointer.
        field: String,
        /// Whether descending.
        descending: bool,
    },
}

/// How a list is paginated.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// The style.
    pub style: PageStyle,
    /// Query parameter with the page size.
    pub limit_query: String,
    /// Page size when none is asked for.
    pub default_limit: usize,
    /// Largest page size (larger requests are cut down to it).
    pub max_limit: usize,
    /// Query parameter with the page or cursor.
    pub position_query: String,
}

/// Pagination styles of the bundled vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PageStyle {
    /// `?page=N`; the body has `next: {page}` when there is more (GitBook).
    Page,
    /// An opaque cursor valid only for the query it was made for (Arize).
    Cursor,
    /// The id of the first record of the page (Ada).
    IdCursor,
}

/// Restricts a list to records referenced from another resource.
#[derive(Debug, Clone)]
pub struct Via {
    /// The referencing resource.
    pub resource: String,
    /// Which of its records count: field → value template.
    pub filter: Vec<(String, Template)>,
    /// Its field holding the listed record's key.
    pub field: String,
}

/// Create: update a matching record instead of adding one.
#[derive(Debug, Clone)]
pub struct Upsert {
    /// Fields (JSON pointers) a record must share with the request to be updated.
    pub fields: Vec<String>,
    /// Merge strategy for the update.
    pub merge: Merge,
    /// Strategies per pointer.
    pub paths: BTreeMap<String, Merge>,
    /// Status of an upsert that updated (default: the create status).
    pub status: Option<u16>,
}

/// A rule on fields, with the answer when it fails.
#[derive(Debug, Clone)]
pub struct Rule {
    /// JSON pointers of the fields.
    pub fields: Vec<String>,
    /// Status when the rule fails, as the scenario gives it (`None`: the engine's, see
    /// `mock/engine/rules.rs`).
    pub status: Option<u16>,
    /// Message when the rule fails (`{{field}}`, `{{value}}`).
    pub message: Option<Template>,
}

/// Body fields accepted only when a field of the record has one of some values.
#[derive(Debug, Clone)]
pub struct OnlyWith {
    /// JSON pointers of the body fields the rule is about.
    pub fields: Vec<String>,
    /// JSON pointer of the deciding field (stored record on update, body on create).
    pub field: String,
    /// The values of `field` with which `fields` may be sent.
    pub values: Vec<Value>,
    /// Status when a field comes with another value (`None`: the engine's).
    pub status: Option<u16>,
    /// Message (`{{field}}`, `{{value}}`).
    pub message: Option<Template>,
}

/// A condition on the stored record.
#[derive(Debug, Clone)]
pub struct Precondition {
    /// JSON pointer of the field.
    pub field: String,
    /// The value it must have.
    pub equals: Value,
    /// Status when it does not (`None`: the engine's).
    pub status: Option<u16>,
    /// Message when it does not.
    pub message: Option<Template>,
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Canned {
    /// What the request must match.
    pub when: When,
    /// Status (default 200).
    pub status: u16,
    /// Headers.
    pub headers: Vec<(http::HeaderName, Template)>,
    /// Body.
    pub body: Option<Template>,
    /// Delay before answering, in milliseconds.
    pub delay_ms: u64,
    /// A fault instead of an answer.
    pub fault: Option<Fault>,
}

/// A request matcher: every listed value must be equal.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Path parameters.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Query parameters.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Headers (names case-insensitive).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Fields of the JSON body (a subset match).
    pub body: Option<Value>,
}

/// Faults a canned answer can cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Close the connection without answering.
    Drop,
}

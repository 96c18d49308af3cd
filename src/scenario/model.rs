//! Scenario files: seed data and behaviour of one API in one named situation.
//!
//! A scenario turns a contract into a working service: which collections exist and what they
//! hold at start (`resources`), what each operation does with them (`operations`), who may call
//! (`tokens`), how often (`limits`), and what the API's errors look like (`errors`). Loading
//! resolves `extends`, parses every template once, and checks that the file names only
//! operations, resources, parameters and strategies that exist, so a typo stops start-up with
//! the file and the key instead of surfacing as a wrong response later. What the rules *do*
//! is `engine.rs`'s business.
//!
//! `understudy schema scenario` prints the JSON Schema of this format (generated from the
//! types below, so it cannot drift from the parser), for editors to complete and check.
//!
//! # Format
//!
//! ```yaml
//! description: What this scenario is for, and every choice it makes that the vendor's
//!   documentation does not (inferred behaviour is written down here, not in the contract).
//! extends: default              # start from another scenario of the same API (maps merge,
//!                               # the rest is replaced; `resources.X.seed` replaces the seed)
//!
//! errors:                       # the API's error envelope
//!   content-type: application/json
//!   body: {message: "{{message}}", status: "{{status}}", code: "{{code}}"}
//!   details: {parameter: "{{jsonpath}}", location: "{{location}}", message: "{{message}}"}
//!   codes: {"400": validation_error, invalid-json: bad_json}   # status or kind → {{code}}
//!   messages: {unauthorized: "Unauthorized"}                   # kind → {{message}} template
//!
//! tokens:                       # without this section any well-formed bearer token is accepted
//!   dev-token: {}                                   # everything
//!   readonly-token: {read-only: true, read-only-message: "cannot {{operation}}"}   # writes → 403
//!   space-token: {allow: {spaceId: [spc1]}, deny-status: 403, deny-message: "not allowed to space {{value}}"}
//!   installation-token: {claims: {installation: "66f3..."}}   # {{principal.installation}}
//!
//! limits:                       # per token, fixed windows starting at the token's first request
//!   windows: [{requests: 10, seconds: 1}, {requests: 100, seconds: 60}]
//!   headers: {X-RateLimit-Limit: "{{limit}}", X-RateLimit-Remaining: "{{remaining}}", X-RateLimit-Reset: "{{reset}}"}
//!   exceeded-headers: {Retry-After: "{{retry_after}}"}         # only on 429
//!
//! resources:
//!   spaces:
//!     auto-create: {pattern: "^spc[0-9a-zA-Z]{16}$"}   # a new id of this form exists on first use
//!     on-create: {integrations: [{type: AI, enable: false, config: {llmProviders: []}}]}
//!   integrations:
//!     key: id                   # field that identifies a record (default `id`), or a composite
//!                               # key as a template over the record: "{{integration}}/{{space}}"
//!     id: {prefix: int, alphabet: alphanumeric, length: 16}      # or {template: "X:{{n}}", encoding: base64}
//!     parent: {resource: spaces, field: spaceId}                 # records belong to a parent record
//!     timestamps: {created: createdTime, updated: lastModifiedTime, format: rfc3339-millis}
//!     schema: "#/components/schemas/IntegrationItem"             # what `lint` checks seed records against
//!     write-only: [{field: /config/apiKey, flag: /config/hasApiKey}]  # stored, never returned
//!     seed: [{id: int0000000000000001, spaceId: spc0000000000000001}]
//!
//! operations:                   # operationId → one action on one resource, and its rules
//!   listIntegrations:
//!     list: integrations
//!     parent: spaceId           # path parameter holding the parent key (unknown parent → 404)
//!     filters: [{query: name, fields: [/name, /title], match: contains-ci}]
//!     order: newest-first       # oldest-first (default), or {field: /name, direction: asc}
//!     pagination: {style: cursor, limit: {query: limit, default: 50, max: 100}, cursor: {query: cursor}}
//!     item: {name: "{{record.name}}"}       # each listed record (default: the record)
//!     body: {data: "{{items}}", next: "{{next_cursor}}"}
//!   createIntegration:
//!     create: integrations
//!     parent: spaceId
//!     status: 201
//!     schema-defaults: true     # fill in the request schema's defaults
//!     defaults: {/tags: []}     # ...and these, when missing
//!     set: {/status: development, /secret: {random: {alphabet: hex, length: 64}}}
//!     reveal: [/secret]         # a write-only field this response shows (once)
//!     upsert: {match: [/type], merge: merge, paths: {/config/llmProviders: append}}
//!     unique: [{fields: [/type, /name]}]                # → 409
//!     headers: {Location: "/things/{{record.id}}"}
//!     delay: 100ms..400ms       # every answer waits (a fixed `300ms` or a range)
//!   updateIntegration:
//!     update: integrations
//!     key: integrationId        # path parameter (or a template: "{{principal.installation}}")
//!     merge: deep-merge         # replace | merge | deep-merge | merge-patch
//!     paths: {/scopings: replace, /enable: ignore-null}
//!     immutable: [{field: /type}]                       # a different value → 422
//!     require-any: {fields: [/name, /config]}           # none of them → 400
//!     precondition: [{field: /status, equals: development}]   # otherwise → 403
//!   deleteIntegration:
//!     delete: integrations
//!     key: integrationId
//!     status: 205
//!     missing: {status: 204}    # deleting what is not there answers this instead of 404
//!     respond:                  # canned answers first, for matching requests
//!       - when: {params: {integrationId: broken}}
//!         status: 500
//!         body: {message: "Internal Server Error"}
//!       - when: {headers: {x-fault: drop}}
//!         fault: drop           # close the connection without an answer
//! ```
//!
//! Error kinds (keys of `codes` and `messages`): `validation`, `invalid-json`, `missing-body`,
//! `unsupported-media-type`, `unauthorized`, `forbidden`, `route-not-found`,
//! `method-not-allowed`, `not-found`, `bad-prefer`, `payload-too-large`, `self-check`,
//! `conflict`, `unprocessable`, `rate-limited`, and `error` (any other status).
//! Variables of the error templates: `status`, `title` (the reason phrase), `code`, `message`,
//! `details` (the rendered `details` list, or `null` when there are no violations),
//! `violations` (all violations as one line), `method`, `path`, `allowed`, `kind`; for
//! `not-found`, `resource`, `item` (the resource named in the singular: `Installation`) and
//! `id`; for `invalid-json`, `error`, `line` and `column`. Rule
//! messages (`message` of unique, immutable, require-any, precondition; a token's
//! `deny-message`) see `field`, `value`, and `values` (one per field of a unique rule). A violation (in `details`) has `message`, `pointer`,
//! `jsonpath` (`$.config.name`), `location` (`body`, `query`, `path`, `header`) and
//! `parameter` (the parameter name, or the JSON path for body fields).
//!
//! Variables of operation templates (`body`, `headers`, `set`, `key`, `exists`, `via`,
//! `respond`): `record` (the record as clients see it: write-only fields removed, flags
//! derived), `stored` (with its write-only fields), `items` and `count` (list: the page, and
//! the total after filters), `next` (`{page}` object, page style), `next_cursor` and
//! `has_more` (cursor styles), `next_url` (the request's URL for the next page), `params`
//! (path parameters), `query`, `request` (the request body), `principal` (`token`, `name`
//! and the token's `claims`). Id templates see `n` (a per-resource counter starting after the
//! seed) and `record`.
//!
//! Merge strategies: `replace`, `merge` (top-level keys), `deep-merge` (nested objects merged,
//! explicit `null` stored as `null`), `merge-patch` (RFC 7396: `null` removes), `append`
//! (arrays concatenated), `ignore-null` (a `null` leaves the stored value alone).

use std::collections::BTreeMap;

use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::error::LoadError;
use crate::files::TextFile;
use crate::scenario::template::Template;

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

// === The loaded model ===

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
    /// Accepted tokens (`None`: any well-formed token).
    pub tokens: Option<BTreeMap<String, Token>>,
    /// Rate limits (`None`: unlimited).
    pub limits: Option<Limits>,
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

/// A collection of records.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its name.
    pub name: String,
    /// What identifies a record.
    pub key: ResourceKey,
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
    /// Keys matching this pattern exist on first use (created with `on_create`).
    pub auto_create: Option<Regex>,
    /// Records created in other resources whenever a record of this one is created.
    pub on_create: Vec<(String, Vec<Value>)>,
    /// Records present when a store is created.
    pub seed: Vec<Value>,
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
    /// Conditions on the stored record (→ 403).
    pub precondition: Vec<Precondition>,
    /// Delete: what a missing record answers (default 404).
    pub missing: Option<u16>,
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
    /// Status when the rule fails.
    pub status: u16,
    /// Message when the rule fails (`{{field}}`, `{{value}}`).
    pub message: Option<Template>,
}

/// A condition on the stored record.
#[derive(Debug, Clone)]
pub struct Precondition {
    /// JSON pointer of the field.
    pub field: String,
    /// The value it must have.
    pub equals: Value,
    /// Status when it does not (default 403).
    pub status: u16,
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

// === Raw file shapes (what `understudy schema scenario` describes) ===

/// A scenario file: seed data, tokens, limits, behaviour rules and the error envelope of one
/// API in one named situation.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "understudy scenario")]
pub struct RawScenario {
    /// What this scenario is for, and the choices it makes that the vendor does not document.
    #[serde(default)]
    description: String,
    /// Another scenario of the same API this one starts from.
    #[allow(dead_code)]
    // resolved before parsing (`resolve_extends`); kept for the JSON Schema
    extends: Option<String>,
    /// The API's error envelope.
    errors: Option<RawErrors>,
    /// Accepted bearer tokens (absent: any well-formed token).
    tokens: Option<BTreeMap<String, RawToken>>,
    /// Rate limits per token.
    limits: Option<RawLimits>,
    /// Collections of records, by name.
    #[serde(default)]
    resources: BTreeMap<String, RawResource>,
    /// Behaviour per operationId.
    #[serde(default)]
    operations: BTreeMap<String, RawOperation>,
}

/// The API's error envelope.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawErrors {
    /// Content type of error responses (default `application/json`).
    content_type: Option<String>,
    /// The envelope, a JSON template.
    body: Value,
    /// One violation inside `{{details}}`, a JSON template.
    details: Option<Value>,
    /// `{{code}}` by status (`"404"`) or error kind.
    #[serde(default)]
    codes: BTreeMap<String, String>,
    /// `{{message}}` templates by error kind.
    #[serde(default)]
    messages: BTreeMap<String, String>,
}

/// What a bearer token may do.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawToken {
    /// A name for logs and the journal.
    name: Option<String>,
    /// Refuse writes (→ 403).
    #[serde(default)]
    read_only: bool,
    /// Message of a refused write (`{{operation}}`).
    read_only_message: Option<String>,
    /// Path parameter → values this token may use.
    #[serde(default)]
    allow: BTreeMap<String, Vec<String>>,
    /// Status when `allow` denies (default 403).
    deny_status: Option<u16>,
    /// Message when `allow` denies (`{{field}}`, `{{value}}`).
    deny_message: Option<String>,
    /// Extra values templates see as `principal.<name>`.
    #[serde(default)]
    claims: serde_json::Map<String, Value>,
}

/// Rate limits per token.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    /// Fixed windows; a request must fit all of them.
    windows: Vec<Window>,
    /// Headers on every response: `{{limit}}`, `{{remaining}}`, `{{reset}}` (epoch seconds),
    /// `{{retry_after}}` (seconds).
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Headers only on 429.
    #[serde(default)]
    exceeded_headers: BTreeMap<String, String>,
}

/// A collection of records.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawResource {
    /// Field holding each record's key (default `id`), or a template over the record's fields
    /// for a composite key (`"{{integration}}/{{space}}"`).
    #[serde(default = "default_key")]
    key: String,
    /// How new keys are made.
    id: Option<RawId>,
    /// The parent collection.
    parent: Option<Parent>,
    /// Timestamp fields.
    timestamps: Option<Timestamps>,
    /// Contract schema seed records must satisfy (`#/components/schemas/X`).
    schema: Option<String>,
    /// Fields stored but never returned.
    #[serde(default)]
    write_only: Vec<WriteOnly>,
    /// Keys matching a pattern exist on first use.
    auto_create: Option<RawAutoCreate>,
    /// Records created in other resources with each new record of this one.
    #[serde(default)]
    on_create: BTreeMap<String, Vec<Value>>,
    /// Records present at start.
    #[serde(default)]
    seed: Vec<Value>,
}

fn default_key() -> String {
    "id".into()
}

/// Keys matching a pattern exist on first use.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawAutoCreate {
    /// A regular expression the whole key must match.
    pattern: String,
}

/// How new keys are made: `prefix` + random characters, or a `template` over `n`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawId {
    /// Text before the random part.
    #[serde(default)]
    prefix: String,
    /// Characters of the random part (default alphanumeric).
    alphabet: Option<Alphabet>,
    /// Length of the random part (default 16).
    length: Option<usize>,
    /// A template over `n` and `record` instead of random characters.
    template: Option<String>,
    /// Encoding of the rendered template.
    #[serde(default)]
    encoding: Encoding,
}

/// Behaviour of one operation: exactly one of list, get, create, update, delete.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOperation {
    /// List the records of this resource.
    list: Option<String>,
    /// Get one record of this resource.
    get: Option<String>,
    /// Create a record of this resource.
    create: Option<String>,
    /// Update a record of this resource.
    update: Option<String>,
    /// Delete a record of this resource.
    delete: Option<String>,
    /// Path parameter (or template) holding the record key.
    key: Option<String>,
    /// Path parameter holding the parent key.
    parent: Option<String>,
    /// Success status.
    status: Option<u16>,
    /// Response body template.
    body: Option<Value>,
    /// Response header templates.
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Template for each listed record.
    item: Option<Value>,
    /// Merge strategy of update.
    merge: Option<Merge>,
    /// Strategies per JSON pointer.
    #[serde(default)]
    paths: BTreeMap<String, Merge>,
    /// Fill in the request schema's defaults.
    #[serde(default)]
    schema_defaults: bool,
    /// Values for missing fields, by JSON pointer.
    #[serde(default)]
    defaults: serde_json::Map<String, Value>,
    /// Values written into the record, by JSON pointer: a template, or `{random: {alphabet, length}}`.
    #[serde(default)]
    set: serde_json::Map<String, Value>,
    /// Write-only fields this response shows.
    #[serde(default)]
    reveal: Vec<String>,
    /// Records that must exist (→ 404).
    #[serde(default)]
    exists: Vec<RawExists>,
    /// List filters.
    #[serde(default)]
    filters: Vec<RawFilter>,
    /// List order: `oldest-first`, `newest-first`, or `{field, direction}`.
    order: Option<RawOrder>,
    /// List pagination.
    pagination: Option<RawPagination>,
    /// List only records referenced from another resource.
    via: Option<RawVia>,
    /// Create: update the record sharing these fields instead.
    upsert: Option<RawUpsert>,
    /// Unique field combinations (→ 409).
    #[serde(default)]
    unique: Vec<RawRule>,
    /// Fields that may not change (→ 422).
    #[serde(default)]
    immutable: Vec<RawImmutable>,
    /// At least one of these fields must be sent (→ 400).
    require_any: Option<RawRule>,
    /// Conditions on the stored record (→ 403).
    #[serde(default)]
    precondition: Vec<RawPrecondition>,
    /// Delete: what a missing record answers.
    missing: Option<RawMissing>,
    /// Canned answers for matching requests.
    #[serde(default)]
    respond: Vec<RawCanned>,
    /// Delay before answering: `300ms`, or a range `100ms..500ms`.
    delay: Option<String>,
}

/// A record that must exist.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawExists {
    /// Its resource.
    resource: String,
    /// Its key, a template.
    key: String,
    /// Fields it must have (values are templates).
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// A list filter.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    /// Query parameter read (omit for `match: present`).
    query: Option<String>,
    /// One field (JSON pointer, `*` for every array item).
    field: Option<String>,
    /// Several fields: any of them may match.
    #[serde(default)]
    fields: Vec<String>,
    /// How values compare (default `equals`).
    #[serde(rename = "match")]
    matching: Option<Matching>,
}

/// List order.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
enum RawOrder {
    /// `oldest-first` or `newest-first`.
    Named(NamedOrder),
    /// By a field.
    Field {
        /// JSON pointer.
        field: String,
        /// `asc` (default) or `desc`.
        #[serde(default)]
        direction: Direction,
    },
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum NamedOrder {
    OldestFirst,
    NewestFirst,
}

#[derive(Deserialize, JsonSchema, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Direction {
    #[default]
    Asc,
    Desc,
}

/// List pagination.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPagination {
    /// `page`, `cursor` or `id-cursor`.
    style: PageStyle,
    /// The page size parameter.
    #[serde(default)]
    limit: RawLimit,
    /// The page parameter (page style; default `page`).
    page: Option<RawQuery>,
    /// The cursor parameter (cursor styles; default `cursor`).
    cursor: Option<RawQuery>,
}

/// The page size parameter.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    /// Query parameter (default `limit`).
    #[serde(default = "default_limit_query")]
    query: String,
    /// Size when none is asked for.
    #[serde(default = "default_limit")]
    default: usize,
    /// Largest size.
    #[serde(default = "default_max_limit")]
    max: usize,
}

impl Default for RawLimit {
    fn default() -> Self {
        RawLimit {
            query: default_limit_query(),
            default: default_limit(),
            max: default_max_limit(),
        }
    }
}

fn default_limit_query() -> String {
    "limit".into()
}
fn default_limit() -> usize {
    50
}
fn default_max_limit() -> usize {
    100
}

/// A query parameter name.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawQuery {
    /// Its name.
    query: String,
}

/// List only records referenced from another resource.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawVia {
    /// The referencing resource.
    resource: String,
    /// Which of its records count: field → value template.
    #[serde(default, rename = "where")]
    filter: BTreeMap<String, String>,
    /// Its field holding the listed record's key.
    field: String,
}

/// Create: update the record sharing these fields instead.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawUpsert {
    /// JSON pointers of the fields to match.
    #[serde(rename = "match")]
    fields: Vec<String>,
    /// Merge strategy (default `merge`).
    merge: Option<Merge>,
    /// Strategies per JSON pointer.
    #[serde(default)]
    paths: BTreeMap<String, Merge>,
    /// Status when an existing record was updated.
    status: Option<u16>,
}

/// A rule on fields.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRule {
    /// JSON pointers of the fields.
    fields: Vec<String>,
    /// Status when it fails.
    status: Option<u16>,
    /// Message when it fails.
    message: Option<String>,
}

/// A field whose stored value may not change.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawImmutable {
    /// JSON pointer of the field.
    field: String,
    /// Status when it changes (default 422).
    status: Option<u16>,
    /// Message when it changes.
    message: Option<String>,
}

/// A condition on the stored record.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPrecondition {
    /// JSON pointer of the field.
    field: String,
    /// The value it must have.
    equals: Value,
    /// Status when it does not (default 403).
    status: Option<u16>,
    /// Message when it does not.
    message: Option<String>,
}

/// What deleting a missing record answers.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawMissing {
    /// The status (e.g. 204).
    status: u16,
}

/// A canned answer.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawCanned {
    /// What the request must match.
    #[serde(default)]
    when: When,
    /// Status (default 200).
    status: Option<u16>,
    /// Header templates.
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Body template.
    body: Option<Value>,
    /// Delay in milliseconds.
    #[serde(default)]
    delay: u64,
    /// A fault instead of an answer.
    fault: Option<Fault>,
}

/// The JSON Schema of scenario files.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(RawScenario)).expect("a schema serializes")
}

// === Loading ===

/// Loads every scenario of one API (resolving `extends` among them), by name.
pub fn load_all(files: &[TextFile]) -> Result<BTreeMap<String, Scenario>, LoadError> {
    let mut values = BTreeMap::new();
    for file in files {
        let value: Value = crate::files::parse_yaml(&file.text)
            .map_err(|e| LoadError::Syntax { file: file.name.clone(), message: e.to_string() })?;
        let value = if value.is_null() { Value::Object(Default::default()) } else { value };
        values.insert(name_of(file), (file, value));
    }
    let mut scenarios = BTreeMap::new();
    for (name, (file, _)) in &values {
        let value = resolve_extends(&values, name, &mut Vec::new())?;
        scenarios.insert(name.clone(), from_value(file, name.clone(), value)?);
    }
    Ok(scenarios)
}

/// Loads one scenario file that extends nothing.
pub fn load(file: &TextFile) -> Result<Scenario, LoadError> {
    let mut scenarios = load_all(std::slice::from_ref(file))?;
    Ok(scenarios.remove(&name_of(file)).expect("the file was loaded"))
}

fn name_of(file: &TextFile) -> String {
    file.file_name.trim_end_matches(".yaml").trim_end_matches(".yml").to_owned()
}

/// The scenario's value with its `extends` chain merged in (parents first).
fn resolve_extends(
    values: &BTreeMap<String, (&TextFile, Value)>,
    name: &str,
    chain: &mut Vec<String>,
) -> Result<Value, LoadError> {
    let (file, value) = &values[name];
    let Some(parent) = value.get("extends") else { return Ok(value.clone()) };
    let invalid = |message: String| LoadError::invalid(&file.name, "-", "/extends", message);
    let Some(parent) = parent.as_str() else {
        return Err(invalid("`extends` names another scenario of this API".into()));
    };
    if !values.contains_key(parent) {
        let names: Vec<&str> = values.keys().map(String::as_str).collect();
        return Err(invalid(format!(
            "no scenario `{parent}` to extend (available: {})",
            names.join(", ")
        )));
    }
    chain.push(name.to_owned());
    if chain.iter().any(|n| n == parent) {
        return Err(invalid(format!(
            "`extends` goes round in a circle: {} → {parent}",
            chain.join(" → ")
        )));
    }
    let mut merged = resolve_extends(values, parent, chain)?;
    let mut own = value.clone();
    if let Some(map) = own.as_object_mut() {
        map.remove("extends");
        // A child's description replaces the parent's; its absence must not inherit it.
        if let Some(parent_map) = merged.as_object_mut() {
            parent_map.remove("description");
        }
    }
    overlay(&mut merged, own);
    Ok(merged)
}

/// Merges `child` over `parent`: maps merge key by key, anything else is replaced.
fn overlay(parent: &mut Value, child: Value) {
    match (parent, child) {
        (Value::Object(parent), Value::Object(child)) => {
            for (key, value) in child {
                match parent.get_mut(&key) {
                    Some(existing) => overlay(existing, value),
                    None => {
                        parent.insert(key, value);
                    }
                }
            }
        }
        (parent, child) => *parent = child,
    }
}

fn from_value(file: &TextFile, name: String, value: Value) -> Result<Scenario, LoadError> {
    let raw: RawScenario = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let pointer =
            if path == "." { String::new() } else { format!("/{}", path.replace('.', "/")) };
        LoadError::invalid(&file.name, "-", pointer, e.into_inner().to_string())
    })?;
    Builder { file: &file.name }.build(name, raw)
}

struct Builder<'a> {
    file: &'a str,
}

impl Builder<'_> {
    fn invalid(&self, pointer: &str, message: impl Into<String>) -> LoadError {
        LoadError::invalid(self.file, "-", pointer, message)
    }

    fn template(&self, value: &Value, pointer: &str) -> Result<Template, LoadError> {
        Template::parse(value).map_err(|e| self.invalid(pointer, e.to_string()))
    }

    fn text_template(&self, text: &str, pointer: &str) -> Result<Template, LoadError> {
        self.template(&Value::String(text.to_owned()), pointer)
    }

    fn pointer(&self, text: &str, at: &str) -> Result<String, LoadError> {
        if text.starts_with('/') {
            Ok(text.to_owned())
        } else {
            Err(self.invalid(at, format!("`{text}` must be a JSON pointer such as `/name`")))
        }
    }

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

    fn build(&self, name: String, raw: RawScenario) -> Result<Scenario, LoadError> {
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
            tokens,
            limits,
            resources,
            operations,
        })
    }

    fn errors(&self, errors: RawErrors) -> Result<Errors, LoadError> {
        for kind in errors.messages.keys() {
            if !ERROR_KINDS.contains(&kind.as_str()) {
                let message =
                    format!("unknown error kind `{kind}` (known: {})", ERROR_KINDS.join(", "));
                return Err(self.invalid(&format!("/errors/messages/{kind}"), message));
            }
        }
        for key in errors.codes.keys() {
            if !ERROR_KINDS.contains(&key.as_str()) && key.parse::<u16>().is_err() {
                let message = format!("`{key}` is neither a status code nor an error kind");
                return Err(self.invalid(&format!("/errors/codes/{key}"), message));
            }
        }
        let mut messages = BTreeMap::new();
        for (kind, text) in &errors.messages {
            messages.insert(
                kind.clone(),
                self.text_template(text, &format!("/errors/messages/{kind}"))?,
            );
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

    fn resource(&self, name: String, r: RawResource) -> Result<Resource, LoadError> {
        let pointer = format!("/resources/{name}");
        let id = match r.id {
            None => {
                IdGenerator::Random { prefix: String::new(), alphabet: Alphabet::Hex, length: 24 }
            }
            Some(RawId { template: Some(text), encoding, prefix, alphabet, length }) => {
                if !prefix.is_empty() || alphabet.is_some() || length.is_some() {
                    let message = "`id` takes either `template` (+ `encoding`) or `prefix`/`alphabet`/`length`, not both";
                    return Err(self.invalid(&format!("{pointer}/id"), message));
                }
                IdGenerator::Sequence {
                    template: self.text_template(&text, &format!("{pointer}/id/template"))?,
                    encoding,
                }
            }
            Some(RawId { prefix, alphabet, length, .. }) => IdGenerator::Random {
                prefix,
                alphabet: alphabet.unwrap_or(Alphabet::Alphanumeric),
                length: length.unwrap_or(16),
            },
        };
        for (i, hidden) in r.write_only.iter().enumerate() {
            for field in std::iter::once(&hidden.field).chain(&hidden.flag) {
                self.pointer(field, &format!("{pointer}/write-only/{i}"))?;
            }
        }
        let key = if r.key.contains("{{") {
            ResourceKey::Composite(self.text_template(&r.key, &format!("{pointer}/key"))?)
        } else {
            ResourceKey::Field(r.key.clone())
        };
        for (i, record) in r.seed.iter().enumerate() {
            let keyed = match &key {
                ResourceKey::Field(field) => {
                    record.get(field).is_some_and(|k| k.is_string() || k.is_number())
                }
                ResourceKey::Composite(template) => template
                    .variables()
                    .iter()
                    .all(|v| record.pointer(&format!("/{}", v.replace('.', "/"))).is_some()),
            };
            if !keyed {
                let message =
                    format!("a seed record needs its key `{}` (string or number fields)", r.key);
                return Err(self.invalid(&format!("{pointer}/seed/{i}"), message));
            }
        }
        let auto_create = match r.auto_create {
            Some(auto) => Some(Regex::new(&format!("^(?:{})$", auto.pattern)).map_err(|e| {
                self.invalid(
                    &format!("{pointer}/auto-create/pattern"),
                    format!("not a regular expression: {e}"),
                )
            })?),
            None => None,
        };
        Ok(Resource {
            name,
            key,
            id,
            parent: r.parent,
            timestamps: r.timestamps,
            schema: r.schema,
            write_only: r.write_only,
            auto_create,
            on_create: r.on_create.into_iter().collect(),
            seed: r.seed,
        })
    }

    fn check_resources(&self, resources: &[Resource]) -> Result<(), LoadError> {
        let known = |name: &str| resources.iter().any(|r| r.name == name);
        for resource in resources {
            if let Some(parent) = &resource.parent
                && !known(&parent.resource)
            {
                let message = format!("parent resource `{}` is not defined", parent.resource);
                return Err(self.invalid(&format!("/resources/{}/parent", resource.name), message));
            }
            for (child, _) in &resource.on_create {
                let child_parent =
                    resources.iter().find(|r| &r.name == child).and_then(|r| r.parent.as_ref());
                if child_parent.is_none_or(|p| p.resource != resource.name) {
                    let message =
                        format!("`{child}` must be a resource whose parent is `{}`", resource.name);
                    return Err(self.invalid(
                        &format!("/resources/{}/on-create/{child}", resource.name),
                        message,
                    ));
                }
            }
        }
        Ok(())
    }

    fn rule(&self, raw: RawRule, default_status: u16, at: &str) -> Result<Rule, LoadError> {
        if raw.fields.is_empty() {
            return Err(self.invalid(at, "needs at least one field"));
        }
        for field in &raw.fields {
            self.pointer(field, &format!("{at}/fields"))?;
        }
        Ok(Rule {
            fields: raw.fields,
            status: raw.status.unwrap_or(default_status),
            message: raw
                .message
                .map(|m| self.text_template(&m, &format!("{at}/message")))
                .transpose()?,
        })
    }

    fn operation(
        &self,
        id: &str,
        op: RawOperation,
        resources: &[Resource],
    ) -> Result<OperationBehaviour, LoadError> {
        let at = format!("/operations/{id}");
        let actions = [
            (Action::List, op.list),
            (Action::Get, op.get),
            (Action::Create, op.create),
            (Action::Update, op.update),
            (Action::Delete, op.delete),
        ];
        let mut chosen = actions.into_iter().filter_map(|(a, r)| r.map(|r| (a, r)));
        let Some((action, resource)) = chosen.next() else {
            return Err(self.invalid(
                &at,
                "needs one action: list, get, create, update or delete (with the resource name)",
            ));
        };
        if let Some((other, _)) = chosen.next() {
            let message =
                format!("has two actions, `{}` and `{}`", action.as_str(), other.as_str());
            return Err(self.invalid(&at, message));
        }
        let known = |name: &str| resources.iter().find(|r| r.name == name);
        let Some(definition) = known(&resource) else {
            let message = format!("resource `{resource}` is not defined under `resources`");
            return Err(self.invalid(&format!("{at}/{}", action.as_str()), message));
        };
        let key = match op.key {
            Some(text) if text.contains("{{") => {
                Some(KeySource::Template(self.text_template(&text, &format!("{at}/key"))?))
            }
            Some(text) => Some(KeySource::Param(text)),
            None => None,
        };
        if matches!(action, Action::Get | Action::Update | Action::Delete) && key.is_none() {
            let message = format!(
                "`{}` needs `key`: the path parameter holding the record key",
                action.as_str()
            );
            return Err(self.invalid(&at, message));
        }
        if op.parent.is_some() && definition.parent.is_none() {
            let message = format!("`parent` is set but resource `{resource}` has no parent");
            return Err(self.invalid(&format!("{at}/parent"), message));
        }
        for path in op.paths.keys() {
            self.pointer(path, &format!("{at}/paths"))?;
        }
        for field in op.defaults.keys() {
            self.pointer(field, &format!("{at}/defaults"))?;
        }
        let mut set = Vec::new();
        for (field, value) in op.set {
            let pointer = format!("{at}/set/{field}");
            self.pointer(&field, &pointer)?;
            let value = match value.get("random") {
                Some(random) if value.as_object().is_some_and(|m| m.len() == 1) => {
                    #[derive(Deserialize)]
                    #[serde(deny_unknown_fields)]
                    struct Spec {
                        alphabet: Alphabet,
                        length: usize,
                    }
                    let spec: Spec = serde_json::from_value(random.clone())
                        .map_err(|e| self.invalid(&pointer, e.to_string()))?;
                    SetValue::Random { alphabet: spec.alphabet, length: spec.length }
                }
                _ => SetValue::Template(self.template(&value, &pointer)?),
            };
            set.push((field, value));
        }
        for field in &op.reveal {
            if !definition.write_only.iter().any(|w| &w.field == field) {
                let message =
                    format!("`{field}` is not a write-only field of resource `{resource}`");
                return Err(self.invalid(&format!("{at}/reveal"), message));
            }
        }
        let mut exists = Vec::new();
        for (i, raw) in op.exists.into_iter().enumerate() {
            let pointer = format!("{at}/exists/{i}");
            if known(&raw.resource).is_none() {
                return Err(
                    self.invalid(&pointer, format!("resource `{}` is not defined", raw.resource))
                );
            }
            let fields = raw
                .fields
                .iter()
                .map(|(field, text)| {
                    Ok((self.pointer(field, &pointer)?, self.text_template(text, &pointer)?))
                })
                .collect::<Result<_, LoadError>>()?;
            exists.push(Exists {
                resource: raw.resource,
                key: self.text_template(&raw.key, &format!("{pointer}/key"))?,
                fields,
            });
        }
        let mut filters = Vec::new();
        for (i, raw) in op.filters.into_iter().enumerate() {
            let pointer = format!("{at}/filters/{i}");
            let fields: Vec<String> = raw.field.into_iter().chain(raw.fields).collect();
            if fields.is_empty() {
                return Err(self.invalid(&pointer, "needs `field` or `fields`"));
            }
            for field in &fields {
                self.pointer(field, &pointer)?;
            }
            let matching = raw.matching.unwrap_or(Matching::Equals);
            if (matching == Matching::Present) != raw.query.is_none() {
                return Err(self.invalid(
                    &pointer,
                    "`query` names the parameter compared; only `match: present` goes without one",
                ));
            }
            filters.push(Filter { query: raw.query, fields, matching });
        }
        let order = match op.order {
            None | Some(RawOrder::Named(NamedOrder::OldestFirst)) => Order::OldestFirst,
            Some(RawOrder::Named(NamedOrder::NewestFirst)) => Order::NewestFirst,
            Some(RawOrder::Field { field, direction }) => Order::Field {
                field: self.pointer(&field, &format!("{at}/order"))?,
                descending: direction == Direction::Desc,
            },
        };
        let pagination = op.pagination.map(|p| {
            let default_position = if p.style == PageStyle::Page { "page" } else { "cursor" };
            let position = match p.style {
                PageStyle::Page => p.page,
                _ => p.cursor,
            };
            Pagination {
                style: p.style,
                limit_query: p.limit.query,
                default_limit: p.limit.default.max(1),
                max_limit: p.limit.max.max(1),
                position_query: position.map_or_else(|| default_position.to_owned(), |q| q.query),
            }
        });
        let via = match op.via {
            Some(raw) => {
                let pointer = format!("{at}/via");
                if known(&raw.resource).is_none() {
                    return Err(self
                        .invalid(&pointer, format!("resource `{}` is not defined", raw.resource)));
                }
                let filter = raw
                    .filter
                    .iter()
                    .map(|(field, text)| Ok((field.clone(), self.text_template(text, &pointer)?)))
                    .collect::<Result<_, LoadError>>()?;
                Some(Via { resource: raw.resource, filter, field: raw.field })
            }
            None => None,
        };
        let upsert = match op.upsert {
            Some(raw) => {
                let pointer = format!("{at}/upsert");
                for field in raw.fields.iter().chain(raw.paths.keys()) {
                    self.pointer(field, &pointer)?;
                }
                Some(Upsert {
                    fields: raw.fields,
                    merge: raw.merge.unwrap_or(Merge::Merge),
                    paths: raw.paths,
                    status: raw.status,
                })
            }
            None => None,
        };
        let unique: Vec<Rule> = op
            .unique
            .into_iter()
            .enumerate()
            .map(|(i, r)| self.rule(r, 409, &format!("{at}/unique/{i}")))
            .collect::<Result<_, _>>()?;
        let immutable: Vec<Rule> = op
            .immutable
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                self.rule(
                    RawRule { fields: vec![r.field], status: r.status, message: r.message },
                    422,
                    &format!("{at}/immutable/{i}"),
                )
            })
            .collect::<Result<_, _>>()?;
        let require_any =
            op.require_any.map(|r| self.rule(r, 400, &format!("{at}/require-any"))).transpose()?;
        let precondition: Vec<Precondition> = op
            .precondition
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let pointer = format!("{at}/precondition/{i}");
                Ok(Precondition {
                    field: self.pointer(&p.field, &pointer)?,
                    equals: p.equals,
                    status: p.status.unwrap_or(403),
                    message: p.message.map(|m| self.text_template(&m, &pointer)).transpose()?,
                })
            })
            .collect::<Result<_, LoadError>>()?;
        let mut respond = Vec::new();
        for (i, raw) in op.respond.into_iter().enumerate() {
            let pointer = format!("{at}/respond/{i}");
            respond.push(Canned {
                when: raw.when,
                status: raw.status.unwrap_or(200),
                headers: self.headers(&raw.headers, &format!("{pointer}/headers"))?,
                body: raw
                    .body
                    .as_ref()
                    .map(|b| self.template(b, &format!("{pointer}/body")))
                    .transpose()?,
                delay_ms: raw.delay,
                fault: raw.fault,
            });
        }
        let body = op.body.as_ref().map(|b| self.template(b, &format!("{at}/body"))).transpose()?;
        let item = op.item.as_ref().map(|i| self.template(i, &format!("{at}/item"))).transpose()?;
        let action_rules = [
            ("filters", !filters.is_empty(), action == Action::List),
            ("pagination", pagination.is_some(), action == Action::List),
            ("via", via.is_some(), action == Action::List),
            ("item", item.is_some(), action == Action::List),
            ("upsert", upsert.is_some(), action == Action::Create),
            ("missing", op.missing.is_some(), action == Action::Delete),
            ("immutable", !immutable.is_empty(), action == Action::Update),
            (
                "precondition",
                !precondition.is_empty(),
                matches!(action, Action::Update | Action::Delete),
            ),
        ];
        for (name, used, allowed) in action_rules {
            if used && !allowed {
                return Err(self.invalid(
                    &format!("{at}/{name}"),
                    format!("`{name}` does not apply to `{}`", action.as_str()),
                ));
            }
        }
        let headers = self.headers(&op.headers, &format!("{at}/headers"))?;
        // What templates read (the first segment of a variable), so the engine builds only that.
        let reads = |templates: &[&Template], name: &str| {
            templates.iter().flat_map(|t| t.variables()).any(|v| v.split('.').next() == Some(name))
        };
        // The answer's templates, for `stored` and `count`.
        let answer: Vec<&Template> = body.iter().chain(headers.iter().map(|(_, t)| t)).collect();
        let (reads_stored, reads_count) = (reads(&answer, "stored"), reads(&answer, "count"));
        // Every template that sees the operation context, for `request` (the body as sent).
        let mut everywhere = answer;
        everywhere.extend(&item);
        if let Some(KeySource::Template(t)) = &key {
            everywhere.push(t);
        }
        for e in &exists {
            everywhere.push(&e.key);
            everywhere.extend(e.fields.iter().map(|(_, t)| t));
        }
        everywhere.extend(via.iter().flat_map(|v| v.filter.iter().map(|(_, t)| t)));
        everywhere.extend(set.iter().filter_map(|(_, v)| match v {
            SetValue::Template(t) => Some(t),
            SetValue::Random { .. } => None,
        }));
        for canned in &respond {
            everywhere.extend(canned.body.iter().chain(canned.headers.iter().map(|(_, t)| t)));
        }
        let reads_request = reads(&everywhere, "request");
        Ok(OperationBehaviour {
            action,
            resource,
            key,
            parent: op.parent,
            status: op.status,
            body,
            headers,
            reads_stored,
            reads_count,
            reads_request,
            item,
            merge: op.merge.unwrap_or(Merge::Merge),
            paths: op.paths,
            schema_defaults: op.schema_defaults,
            defaults: op.defaults.into_iter().collect(),
            set,
            reveal: op.reveal,
            exists,
            filters,
            order,
            pagination,
            via,
            upsert,
            unique,
            immutable,
            require_any,
            precondition,
            missing: op.missing.map(|m| m.status),
            respond,
            delay: op
                .delay
                .as_deref()
                .map(|d| {
                    crate::duration::Latency::parse(d)
                        .map_err(|e| self.invalid(&format!("{at}/delay"), e.to_string()))
                })
                .transpose()?,
        })
    }
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
            tokens: None,
            limits: None,
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

    fn file(name: &str, text: &str) -> TextFile {
        TextFile {
            name: format!("s/{name}.yaml"),
            file_name: format!("{name}.yaml"),
            text: text.into(),
        }
    }

    #[test]
    fn a_full_scenario_loads() {
        let scenario = load(&file(
            "default",
            r#"
description: test
errors:
  content-type: application/json
  body: {message: "{{message}}", status: "{{status}}", code: "{{code}}"}
  codes: {"400": validation_error, invalid-json: bad_json}
tokens:
  dev: {}
  ro: {read-only: true}
limits:
  windows: [{requests: 2, seconds: 60}]
  headers: {X-RateLimit-Limit: "{{limit}}"}
resources:
  spaces:
    auto-create: {pattern: "spc[0-9]+"}
    on-create: {integrations: [{type: AI}]}
    seed: [{id: spc1}]
  integrations:
    id: {prefix: int, length: 4}
    parent: {resource: spaces, field: spaceId}
    timestamps: {created: createdTime, format: rfc3339-millis}
    seed: [{id: int1, spaceId: spc1}]
operations:
  list:
    list: integrations
    parent: spaceId
    filters: [{query: q, fields: [/name], match: contains-ci}]
    order: newest-first
    pagination: {style: cursor, limit: {default: 10, max: 20}}
  update: {update: integrations, key: integrationId, merge: merge, paths: {/enable: ignore-null}, immutable: [{field: /type}]}
"#,
        ))
        .unwrap();
        assert_eq!(scenario.name, "default");
        let names: Vec<_> = scenario.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(scenario.resources[0].key_of(&serde_json::json!({"id": "int1"})), "int1");
        assert_eq!(names, ["integrations", "spaces"]);
        assert_eq!(
            scenario.resources[0].id,
            IdGenerator::Random {
                prefix: "int".into(),
                alphabet: Alphabet::Alphanumeric,
                length: 4
            }
        );
        assert!(scenario.resources[1].auto_create.as_ref().unwrap().is_match("spc12"));
        assert!(!scenario.resources[1].auto_create.as_ref().unwrap().is_match("xspc12"));
        let update = &scenario.operations["update"];
        assert_eq!(update.paths["/enable"], Merge::IgnoreNull);
        assert_eq!(update.immutable[0].status, 422);
        let list = &scenario.operations["list"];
        assert_eq!(list.order, Order::NewestFirst);
        assert_eq!(list.pagination.as_ref().unwrap().max_limit, 20);
        assert!(scenario.tokens.as_ref().unwrap()["ro"].read_only);
        assert_eq!(scenario.errors.codes["invalid-json"], "bad_json");
    }

    #[test]
    fn unknown_keys_and_names_are_load_errors() {
        let error = |text: &str| load(&file("default", text)).unwrap_err().to_string();
        let e = error("resources: {a: {colour: red}}\n");
        assert!(e.contains("/resources/a") && e.contains("colour"), "{e}");
        let e = error("operations: {op: {list: nothing}}\n");
        assert!(e.contains("resource `nothing` is not defined"), "{e}");
        let e = error("resources: {a: {}}\noperations: {op: {get: a}}\n");
        assert!(e.contains("needs `key`"), "{e}");
        let e = error("errors: {body: {}, messages: {nope: x}}\n");
        assert!(e.contains("unknown error kind `nope`"), "{e}");
        let e = error("resources: {a: {seed: [{name: x}]}}\n");
        assert!(e.contains("/resources/a/seed/0") && e.contains("needs its key `id`"), "{e}");
        let e = error(
            "resources: {a: {}}\noperations: {op: {get: a, key: k, upsert: {match: [/x]}}}\n",
        );
        assert!(e.contains("`upsert` does not apply to `get`"), "{e}");
        let e = error(
            "resources: {a: {}}\noperations: {op: {list: a, filters: [{field: name, query: q}]}}\n",
        );
        assert!(e.contains("JSON pointer"), "{e}");
        let e = error("limits: {windows: []}\n");
        assert!(e.contains("/limits/windows"), "{e}");
    }

    #[test]
    fn extends_merges_maps_and_replaces_the_rest() {
        let default = file(
            "default",
            "description: base\ntokens: {dev: {}}\nresources:\n  a: {seed: [{id: '1'}, {id: '2'}]}\n  b: {seed: [{id: x}]}\noperations: {op: {list: a}}\n",
        );
        let empty = file("empty", "extends: default\nresources:\n  a: {seed: []}\n");
        let scenarios = load_all(&[default, empty]).unwrap();
        let empty = &scenarios["empty"];
        assert_eq!(empty.description, "");
        assert!(empty.resource("a").unwrap().seed.is_empty());
        assert_eq!(empty.resource("b").unwrap().seed.len(), 1);
        assert!(empty.tokens.as_ref().unwrap().contains_key("dev"));
        assert!(empty.operations.contains_key("op"));
    }

    #[test]
    fn extends_rejects_missing_and_circular_parents() {
        let a = file("a", "extends: b\n");
        let b = file("b", "extends: a\n");
        let error = load_all(&[a, b]).unwrap_err().to_string();
        assert!(error.contains("circle"), "{error}");
        let error = load_all(&[file("a", "extends: nope\n")]).unwrap_err().to_string();
        assert!(error.contains("no scenario `nope`"), "{error}");
    }

    #[test]
    fn bad_yaml_names_the_file() {
        let error = load(&file("default", "resources: [\n")).unwrap_err().to_string();
        assert!(error.starts_with("s/default.yaml: ") && error.contains("line"), "{error}");
    }

    #[test]
    fn the_json_schema_describes_the_format() {
        let schema = json_schema();
        assert_eq!(schema["title"], "understudy scenario");
        let properties = schema["properties"].as_object().unwrap();
        for key in
            ["description", "extends", "errors", "tokens", "limits", "resources", "operations"]
        {
            assert!(properties.contains_key(key), "{key}");
        }
    }
}

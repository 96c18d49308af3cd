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
pub(crate) struct RawScenario {
    /// What this scenario is for, and the choices it makes that the vendor does not document.
    #[serde(default)]
    pub(crate) description: String,
    /// Another scenario of the same API this one starts from.
    #[allow(dead_code)]
    // resolved before parsing (`resolve_extends`); kept for the JSON Schema
    extends: Option<String>,
    /// The API's error envelope.
    pub(crate) errors: Option<RawErrors>,
    /// Accepted bearer tokens (absent: any well-formed token).
    pub(crate) tokens: Option<BTreeMap<String, RawToken>>,
    /// Rate limits per token.
    pub(crate) limits: Option<RawLimits>,
    /// Collections of records, by name.
    #[serde(default)]
    pub(crate) resources: BTreeMap<String, RawResource>,
    /// Behaviour per operationId.
    #[serde(default)]
    pub(crate) operations: BTreeMap<String, RawOperation>,
}

/// The API's error envelope.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawErrors {
    /// Content type of error responses (default `application/json`).
    pub(crate) content_type: Option<String>,
    /// The envelope, a JSON template.
    pub(crate) body: Value,
    /// One violation inside `{{details}}`, a JSON template.
    pub(crate) details: Option<Value>,
    /// `{{code}}` by status (`"404"`) or error kind.
    #[serde(default)]
    pub(crate) codes: BTreeMap<String, String>,
    /// `{{message}}` templates by error kind.
    #[serde(default)]
    pub(crate) messages: BTreeMap<String, String>,
}

/// What a bearer token may do.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawToken {
    /// A name for logs and the journal.
    pub(crate) name: Option<String>,
    /// Refuse writes (→ 403).
    #[serde(default)]
    pub(crate) read_only: bool,
    /// Message of a refused write (`{{operation}}`).
    pub(crate) read_only_message: Option<String>,
    /// Path parameter → values this token may use.
    #[serde(default)]
    pub(crate) allow: BTreeMap<String, Vec<String>>,
    /// Status when `allow` denies (default 403).
    pub(crate) deny_status: Option<u16>,
    /// Message when `allow` denies (`{{field}}`, `{{value}}`).
    pub(crate) deny_message: Option<String>,
    /// Extra values templates see as `principal.<name>`.
    #[serde(default)]
    pub(crate) claims: serde_json::Map<String, Value>,
}

/// Rate limits per token.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawLimits {
    /// Fixed windows; a request must fit all of them.
    pub(crate) windows: Vec<Window>,
    /// Headers on every response: `{{limit}}`, `{{remaining}}`, `{{reset}}` (epoch seconds),
    /// `{{retry_after}}` (seconds).
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Headers only on 429.
    #[serde(default)]
    pub(crate) exceeded_headers: BTreeMap<String, String>,
}

/// A collection of records.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawResource {
    /// Field holding each record's key (default `id`), or a template over the record's fields
    /// for a composite key (`"{{integration}}/{{space}}"`).
    #[serde(default = "default_key")]
    pub(crate) key: String,
    /// How new keys are made.
    pub(crate) id: Option<RawId>,
    /// The parent collection.
    pub(crate) parent: Option<Parent>,
    /// Timestamp fields.
    pub(crate) timestamps: Option<Timestamps>,
    /// Contract schema seed records must satisfy (`#/components/schemas/X`).
    pub(crate) schema: Option<String>,
    /// Fields stored but never returned.
    #[serde(default)]
    pub(crate) write_only: Vec<WriteOnly>,
    /// Keys matching a pattern exist on first use.
    pub(crate) auto_create: Option<RawAutoCreate>,
    /// Records created in other resources with each new record of this one.
    #[serde(default)]
    pub(crate) on_create: BTreeMap<String, Vec<Value>>,
    /// Records present at start.
    #[serde(default)]
    pub(crate) seed: Vec<Value>,
}

fn default_key() -> String {
    "id".into()
}

/// Keys matching a pattern exist on first use.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAutoCreate {
    /// A regular expression the whole key must match.
    pub(crate) pattern: String,
}

/// How new keys are made: `prefix` + random characters, or a `template` over `n`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawId {
    /// Text before the random part.
    #[serde(default)]
    pub(crate) prefix: String,
    /// Characters of the random part (default alphanumeric).
    pub(crate) alphabet: Option<Alphabet>,
    /// Length of the random part (default 16).
    pub(crate) length: Option<usize>,
    /// A template over `n` and `record` instead of random characters.
    pub(crate) template: Option<String>,
    /// Encoding of the rendered template.
    #[serde(default)]
    pub(crate) encoding: Encoding,
}

/// Behaviour of one operation: exactly one of list, get, create, update, delete.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawOperation {
    /// List the records of this resource.
    pub(crate) list: Option<String>,
    /// Get one record of this resource.
    pub(crate) get: Option<String>,
    /// Create a record of this resource.
    pub(crate) create: Option<String>,
    /// Update a record of this resource.
    pub(crate) update: Option<String>,
    /// Delete a record of this resource.
    pub(crate) delete: Option<String>,
    /// Path parameter (or template) holding the record key.
    pub(crate) key: Option<String>,
    /// Path parameter holding the parent key.
    pub(crate) parent: Option<String>,
    /// Success status.
    pub(crate) status: Option<u16>,
    /// Response body template.
    pub(crate) body: Option<Value>,
    /// Response header templates.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Template for each listed record.
    pub(crate) item: Option<Value>,
    /// Merge strategy of update.
    pub(crate) merge: Option<Merge>,
    /// Strategies per JSON pointer.
    #[serde(default)]
    pub(crate) paths: BTreeMap<String, Merge>,
    /// Fill in the request schema's defaults.
    #[serde(default)]
    pub(crate) schema_defaults: bool,
    /// Values for missing fields, by JSON pointer.
    #[serde(default)]
    pub(crate) defaults: serde_json::Map<String, Value>,
    /// Values written into the record, by JSON pointer: a template, or `{random: {alphabet, length}}`.
    #[serde(default)]
    pub(crate) set: serde_json::Map<String, Value>,
    /// Write-only fields this response shows.
    #[serde(default)]
    pub(crate) reveal: Vec<String>,
    /// Records that must exist (→ 404).
    #[serde(default)]
    pub(crate) exists: Vec<RawExists>,
    /// List filters.
    #[serde(default)]
    pub(crate) filters: Vec<RawFilter>,
    /// List order: `oldest-first`, `newest-first`, or `{field, direction}`.
    pub(crate) order: Option<RawOrder>,
    /// List pagination.
    pub(crate) pagination: Option<RawPagination>,
    /// List only records referenced from another resource.
    pub(crate) via: Option<RawVia>,
    /// Create: update the record sharing these fields instead.
    pub(crate) upsert: Option<RawUpsert>,
    /// Unique field combinations (→ 409).
    #[serde(default)]
    pub(crate) unique: Vec<RawRule>,
    /// Fields that may not change (→ 422).
    #[serde(default)]
    pub(crate) immutable: Vec<RawImmutable>,
    /// At least one of these fields must be sent (→ 400).
    pub(crate) require_any: Option<RawRule>,
    /// Conditions on the stored record (→ 403).
    #[serde(default)]
    pub(crate) precondition: Vec<RawPrecondition>,
    /// Delete: what a missing record answers.
    pub(crate) missing: Option<RawMissing>,
    /// Canned answers for matching requests.
    #[serde(default)]
    pub(crate) respond: Vec<RawCanned>,
    /// Delay before answering: `300ms`, or a range `100ms..500ms`.
    pub(crate) delay: Option<String>,
}

/// A record that must exist.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExists {
    /// Its resource.
    pub(crate) resource: String,
    /// Its key, a template.
    pub(crate) key: String,
    /// Fields it must have (values are templates).
    #[serde(default)]
    pub(crate) fields: BTreeMap<String, String>,
}

/// A list filter.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFilter {
    /// Query parameter read (omit for `match: present`).
    pub(crate) query: Option<String>,
    /// One field (JSON pointer, `*` for every array item).
    pub(crate) field: Option<String>,
    /// Several fields: any of them may match.
    #[serde(default)]
    pub(crate) fields: Vec<String>,
    /// How values compare (default `equals`).
    #[serde(rename = "match")]
    pub(crate) matching: Option<Matching>,
}

/// List order.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum RawOrder {
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
pub(crate) enum NamedOrder {
    OldestFirst,
    NewestFirst,
}

#[derive(Deserialize, JsonSchema, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Direction {
    #[default]
    Asc,
    Desc,
}

/// List pagination.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPagination {
    /// `page`, `cursor` or `id-cursor`.
    pub(crate) style: PageStyle,
    /// The page size parameter.
    #[serde(default)]
    pub(crate) limit: RawLimit,
    /// The page parameter (page style; default `page`).
    pub(crate) page: Option<RawQuery>,
    /// The cursor parameter (cursor styles; default `cursor`).
    pub(crate) cursor: Option<RawQuery>,
}

/// The page size parameter.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimit {
    /// Query parameter (default `limit`).
    #[serde(default = "default_limit_query")]
    pub(crate) query: String,
    /// Size when none is asked for.
    #[serde(default = "default_limit")]
    pub(crate) default: usize,
    /// Largest size.
    #[serde(default = "default_max_limit")]
    pub(crate) max: usize,
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
pub(crate) struct RawQuery {
    /// Its name.
    pub(crate) query: String,
}

/// List only records referenced from another resource.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVia {
    /// The referencing resource.
    pub(crate) resource: String,
    /// Which of its records count: field → value template.
    #[serde(default, rename = "where")]
    pub(crate) filter: BTreeMap<String, String>,
    /// Its field holding the listed record's key.
    pub(crate) field: String,
}

/// Create: update the record sharing these fields instead.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUpsert {
    /// JSON pointers of the fields to match.
    #[serde(rename = "match")]
    pub(crate) fields: Vec<String>,
    /// Merge strategy (default `merge`).
    pub(crate) merge: Option<Merge>,
    /// Strategies per JSON pointer.
    #[serde(default)]
    pub(crate) paths: BTreeMap<String, Merge>,
    /// Status when an existing record was updated.
    pub(crate) status: Option<u16>,
}

/// A rule on fields.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    /// JSON pointers of the fields.
    pub(crate) fields: Vec<String>,
    /// Status when it fails.
    pub(crate) status: Option<u16>,
    /// Message when it fails.
    pub(crate) message: Option<String>,
}

/// A field whose stored value may not change.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawImmutable {
    /// JSON pointer of the field.
    pub(crate) field: String,
    /// Status when it changes (default 422).
    pub(crate) status: Option<u16>,
    /// Message when it changes.
    pub(crate) message: Option<String>,
}

/// A condition on the stored record.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrecondition {
    /// JSON pointer of the field.
    pub(crate) field: String,
    /// The value it must have.
    pub(crate) equals: Value,
    /// Status when it does not (default 403).
    pub(crate) status: Option<u16>,
    /// Message when it does not.
    pub(crate) message: Option<String>,
}

/// What deleting a missing record answers.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMissing {
    /// The status (e.g. 204).
    pub(crate) status: u16,
}

/// A canned answer.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCanned {
    /// What the request must match.
    #[serde(default)]
    pub(crate) when: When,
    /// Status (default 200).
    pub(crate) status: Option<u16>,
    /// Header templates.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Body template.
    pub(crate) body: Option<Value>,
    /// Delay in milliseconds.
    #[serde(default)]
    pub(crate) delay: u64,
    /// A fault instead of an answer.
    pub(crate) fault: Option<Fault>,
}

/// The JSON Schema of scenario files.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(RawScenario)).expect("a schema serializes")
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

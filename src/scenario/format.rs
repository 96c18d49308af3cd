//! The scenario file format: what a scenario file may say, as the serde types it is read into.
//!
//! The `Raw*` types below are the file as written, before any name in it is checked; `build`
//! turns them into the model (`model`), and `load` reads files into them. `understudy schema
//! scenario` prints the JSON Schema of this format (generated from these types, so it cannot
//! drift from the parser), for editors to complete and check. Their doc comments are the
//! schema's descriptions.
//!
//! # Format
//!
//! ```yaml
//! description: What this scenario is for, and every choice it makes that the vendor's
//!   documentation does not (inferred behaviour is written down here, not in the contract).
//! extends: default              # start from another scenario of the same API (maps merge,
//!                               # the rest is replaced; `resources.X.seed` replaces the seed)
//!
//! documented-errors: false      # true: a failure whose status the operation documents is
//!                               # answered with that documented body instead of `errors`
//! fit-answers: false            # true: store answers get what the answer's schema requires
//!                               # and the record lacks (its default, else its sample), and
//!                               # lose what it forbids (writeOnly, closed objects); the
//!                               # store keeps the record as sent (inferred scenarios say true)
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
//!     id: {prefix: int, alphabet: alphanumeric, length: 16}      # or {template: "X:{{n}}", encoding: base64},
//!                               # {kind: integer}, {kind: uuid}, {pattern: "^[a-z]{26}$"}; `client: true`
//!                               # keeps a key the request gives
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
//!     create-missing: true      # a key nothing holds yet is created (PUT /users/{username})
//!     only-with:                # body fields accepted only for some values of a field → 422
//!       - {fields: [/config/model_names], field: /config/provider, in: [CUSTOM, LITELLM]}
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
//! A rule's `status` is answered as given. Without one, the rule's status above (and 409 for a
//! create onto a key that exists) is answered when the operation documents it; otherwise the
//! first of 400, 422 and 409 it documents, with the same message.
//!
//! Error kinds (keys of `codes` and `messages`): `validation`, `invalid-json`, `missing-body`,
//! `unsupported-media-type`, `not-acceptable`, `unauthorized`, `forbidden`, `route-not-found`,
//! `method-not-allowed`, `not-found`, `bad-prefer`, `payload-too-large`, `self-check`,
//! `conflict`, `unprocessable`, `rate-limited`, and `error` (any other status).
//! Variables of the error templates: `status`, `title` (the reason phrase), `code`, `message`,
//! `details` (the rendered `details` list, or `null` when there are no violations),
//! `violations` (all violations as one line), `method`, `path`, `allowed`, `kind`; for
//! `not-found`, `resource`, `item` (the resource named in the singular: `Installation`) and
//! `id`; for `invalid-json`, `error`, `line` and `column`. Rule messages (`message` of unique,
//! immutable, require-any, precondition; a token's `deny-message`) see `field`, `value`, and
//! `values` (one per field of a unique rule). A violation (in `details`) has `message`,
//! `pointer`, `jsonpath` (`$.config.name`), `location` (`body`, `query`, `path`, `header`) and
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

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::scenario::model::{
    Alphabet, Encoding, Fault, Matching, Merge, PageStyle, Parent, Timestamps, When, Window,
    WriteOnly,
};

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
    // resolved before parsing (`load::resolve_extends`); kept for the JSON Schema
    extends: Option<String>,
    /// The API's error envelope.
    pub(crate) errors: Option<RawErrors>,
    /// Answer a failure whose status the operation documents with that documented answer
    /// (its example, or a body generated from its schema) instead of the envelope.
    #[serde(default)]
    pub(crate) documented_errors: bool,
    /// Fit the answers of store actions to the operation's answer schema: what it requires and
    /// the record lacks (nested too) filled in with the schema's default, else its sample; what
    /// it forbids (`writeOnly` properties, properties a closed object does not declare) left
    /// out. The stored record keeps what was sent.
    #[serde(default)]
    pub(crate) fit_answers: bool,
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
    /// `integer` (JSON numbers counting up) or `uuid`, instead of the above.
    pub(crate) kind: Option<IdKind>,
    /// Random text matching this regular expression, instead of the above.
    pub(crate) pattern: Option<String>,
    /// Keep a key the request gives (the body's key field on create, the path's on an update
    /// that creates what is missing); generate one only when it gives none.
    #[serde(default)]
    pub(crate) client: bool,
}

/// Ids that are not text templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum IdKind {
    /// JSON integers counting up from after the seed records.
    Integer,
    /// Random version 4 UUIDs.
    Uuid,
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
    /// Body fields accepted only for some values of a record's field (→ 422).
    #[serde(default)]
    pub(crate) only_with: Vec<RawOnlyWith>,
    /// Delete: what a missing record answers.
    pub(crate) missing: Option<RawMissing>,
    /// Update: a key nothing holds yet creates the record under it (a `PUT` to a key the
    /// client chooses) instead of answering 404.
    #[serde(default)]
    pub(crate) create_missing: bool,
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

/// Body fields accepted only when a field of the record has one of some values (a provider's
/// own settings, say).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOnlyWith {
    /// JSON pointers of the body fields the rule is about.
    pub(crate) fields: Vec<String>,
    /// JSON pointer of the record field that decides: read from the stored record on update,
    /// from the request body on create.
    pub(crate) field: String,
    /// The values of `field` with which `fields` may be sent.
    #[serde(rename = "in")]
    pub(crate) values: Vec<Value>,
    /// Status when a field comes with another value (default 422).
    pub(crate) status: Option<u16>,
    /// Message when it does (sees `field`: the body field, `value`: the deciding value).
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

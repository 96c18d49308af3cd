//! `understudy lint`: are contracts and scenarios consistent with themselves and each other?
//!
//! Unlike `serve`, which stops at the first broken file, lint keeps going and reports every
//! problem it finds:
//!
//! * each contract loads (YAML/JSON, version, references, schemas compile);
//! * every example in a contract (media types, parameters, headers, schemas) is valid against
//!   the schema it illustrates, in the direction it travels;
//! * each scenario loads, names only operations and path parameters its contract has, and
//!   each seed record is valid against the schema its resource names (`schema:`);
//! * each exchange of the conformance suites loads, its operation exists and its path routes to
//!   it, the request of a case expecting success is valid, and the recorded response is valid
//!   against the contract (captures are filled from the recorded responses they name).

use serde_json::Value;

use crate::catalog::{self, ApiOptions, CatalogOptions};
use crate::conformance::exchange::{
    self, Capture, Exchange, HeaderExpectation, Rule, RuleKeyword, Variables,
};
use crate::contract::check::{self, Check, RequestProblem, Severity};
use crate::contract::document;
use crate::contract::schema::Direction;
use crate::contract::{self, Contract, Operation};
use crate::error::LoadError;
use crate::files::Tree;
use crate::json::pointer::push_token;
use crate::request::{Request, media_essence};
use crate::scenario;

/// What lint found.
#[derive(Debug, Default)]
pub struct Report {
    /// Every problem, one line each.
    pub problems: Vec<String>,
    /// How many contracts, scenarios, examples and seed records were checked.
    pub checked: Counts,
}

/// What lint looked at.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Contract files.
    pub contracts: usize,
    /// Scenario files.
    pub scenarios: usize,
    /// Examples.
    pub examples: usize,
    /// Seed records.
    pub records: usize,
    /// Exchanges.
    pub exchanges: usize,
}

/// Lints every API under `contracts` with its scenarios. An unreadable folder is an error (the
/// lint could not run); everything else is a problem in the report.
pub fn run(contracts: &Tree, scenarios: &Tree, suites: &Tree) -> Result<Report, LoadError> {
    let mut report = Report::default();
    for api in contracts.apis()? {
        // Every version folder, or the API's own folder when it has no versions (or holds a
        // contract itself: its subfolders are then files its `$ref`s name, as `serve` reads it).
        let mut folders = contracts.subfolders(&api)?;
        let own = contracts.files(&api, &[".yaml", ".yml", ".json"])?;
        let versions = crate::catalog::versions::VERSIONS_FILE;
        if !own.iter().any(|f| f.file_name == versions) && !own.is_empty() {
            folders.clear();
        }
        if folders.is_empty() {
            version(&Folders { contracts, scenarios, suites }, &api, None, &mut report)?;
        }
        for folder in &folders {
            version(&Folders { contracts, scenarios, suites }, &api, Some(folder), &mut report)?;
        }
    }
    Ok(report)
}

/// Where the three kinds of files come from.
struct Folders<'a> {
    contracts: &'a Tree,
    scenarios: &'a Tree,
    suites: &'a Tree,
}

/// Lints one version of an API (`version: None` for an API without versions): its dialects,
/// its scenarios against them, its suite.
fn version(
    folders: &Folders<'_>,
    api: &str,
    version: Option<&str>,
    report: &mut Report,
) -> Result<(), LoadError> {
    let Folders { contracts, scenarios, suites } = *folders;
    let folder = match version {
        Some(version) => format!("{api}/{version}"),
        None => api.to_owned(),
    };
    {
        let mut loaded = Vec::new();
        let mut files = contracts.files(&folder, &[".yaml", ".yml", ".json"])?;
        files.retain(|f| f.file_name != crate::catalog::versions::VERSIONS_FILE);
        for file in files {
            report.checked.contracts += 1;
            match contract::load(&file) {
                Ok(contract) => {
                    examples(&contract, report);
                    loaded.push(contract);
                }
                Err(error) => report.problems.push(error.to_string()),
            }
        }
        if loaded.is_empty() {
            return Ok(());
        }
        for contract in &loaded {
            exchanges(&folder, contract, suites, report)?;
        }
        let files = scenarios.files(&folder, &[".yaml", ".yml"])?;
        report.checked.scenarios += files.len();
        let loaded_scenarios = match scenario::load_all(&files) {
            Ok(loaded) => loaded,
            Err(error) => {
                report.problems.push(error.to_string());
                return Ok(());
            }
        };
        for scenario in loaded_scenarios.values() {
            // The same checks `serve` makes, for each contract version the scenario may meet.
            for contract_file in loaded.iter().map(|c| c.file_name.clone()) {
                let options = CatalogOptions {
                    contracts: contracts.clone(),
                    scenarios: scenarios.clone(),
                    only: vec![api.to_owned()],
                    apis: [(
                        api.to_owned(),
                        ApiOptions {
                            contract: Some(contract_file),
                            scenario: Some(scenario.name.clone()),
                            version: version.map(str::to_owned),
                            mount: None,
                        },
                    )]
                    .into(),
                };
                if let Err(error) = catalog::Catalog::load(&options) {
                    let line = error.to_string();
                    if !report.problems.contains(&line) {
                        report.problems.push(line);
                    }
                }
            }
            for contract in &loaded {
                rule_fields(scenario, contract, report);
            }
            for resource in &scenario.resources {
                let Some(pointer) = &resource.schema else { continue };
                for contract in &loaded {
                    let target = pointer.strip_prefix('#').unwrap_or(pointer);
                    if contract.document.pointer(target).is_none() {
                        report.problems.push(format!(
                            "{}: resources.{}.schema: `{pointer}` is not in {}",
                            scenario.file, resource.name, contract.file
                        ));
                        continue;
                    }
                    let compiled = match contract.compile(Direction::Response, target) {
                        Ok(compiled) => compiled,
                        Err(error) => {
                            report.problems.push(format!("{}: {pointer}: {error}", contract.file));
                            continue;
                        }
                    };
                    for (i, record) in resource.seed.iter().enumerate() {
                        report.checked.records += 1;
                        // What clients see: write-only fields removed, their flags derived.
                        let record = crate::mock::engine::view(resource, record, &[]);
                        for error in compiled.errors(&record) {
                            report.problems.push(format!(
                                "{}: resources.{}.seed[{i}]{}: {} (against {pointer} of {})",
                                scenario.file,
                                resource.name,
                                error.pointer,
                                error.message,
                                contract.file_name
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Checks the exchanges of an API's suite against one contract version.
fn exchanges(
    api: &str,
    contract: &Contract,
    suites: &Tree,
    report: &mut Report,
) -> Result<(), LoadError> {
    let files = suites.files(api, &[".json"])?;
    if files.is_empty() {
        return Ok(());
    }
    let cases = match exchange::load_suite(&files) {
        Ok(cases) => cases,
        Err(error) => {
            let line = error.to_string();
            if !report.problems.contains(&line) {
                report.problems.push(line);
            }
            return Ok(());
        }
    };
    let Ok(ordered) = crate::conformance::plan::plan(&cases, &[], &[]) else { return Ok(()) };
    let mut variables = Variables::default();
    for case in &ordered {
        report.checked.exchanges += 1;
        for message in exchange_problems(contract, &case.exchange, &mut variables) {
            report.problems.push(format!("{}: {message} (per {})", case.file, contract.file_name));
        }
    }
    Ok(())
}

/// What is wrong with one exchange against one contract version: its operation, its request
/// (S001, S002) and its recorded response (L001). Its captures, taken from the recorded
/// response, go into `variables` for the exchanges after it.
fn exchange_problems(
    contract: &Contract,
    exchange: &Exchange,
    variables: &mut Variables,
) -> Vec<String> {
    // Env placeholders without a fallback lint as an arbitrary value.
    for name in exchange::env_names(exchange) {
        variables.env.entry(name).or_insert_with(|| "x".into());
    }
    let Some(operation) = contract.operation(&exchange.operation) else {
        return vec![format!("S001 operation `{}` is not in the contract", exchange.operation)];
    };
    let method = http::Method::from_bytes(exchange.request.method.to_ascii_uppercase().as_bytes())
        .unwrap_or(http::Method::GET);
    let mut problems = Vec::new();
    problems.extend(request_problem(contract, operation, exchange, variables, &method));
    let expected =
        exchange.expect.body.as_ref().map(|b| variables.json(b).unwrap_or_else(|_| b.clone()));
    problems.extend(response_problems(operation, exchange, expected.as_ref(), &method));
    for (name, capture) in &exchange.capture {
        if let Capture::Body(pointer) = capture
            && let Some(value) = expected.as_ref().and_then(|b| b.pointer(pointer))
        {
            variables.captures.insert(name.clone(), value.clone());
        }
    }
    problems
}

/// Whether the recorded request routes to its operation (S001) and, for a case expecting
/// success, is valid (S002).
fn request_problem(
    contract: &Contract,
    operation: &Operation,
    exchange: &Exchange,
    variables: &Variables,
    method: &http::Method,
) -> Option<String> {
    let path =
        variables.text(&exchange.request.path).unwrap_or_else(|_| exchange.request.path.clone());
    let request = recorded_request(exchange, variables, method, &path);
    let ignored = crate::mock::prefer::QUERY_KEYS;
    Some(match check::request(contract, operation, &request, exchange.expect.status, ignored)? {
        RequestProblem::RoutesElsewhere { routed } => {
            format!("S001 {method} {path} routes to `{routed}`, not `{}`", operation.id)
        }
        RequestProblem::NoRoute => format!("S001 {method} {path} matches no operation"),
        RequestProblem::Invalid(rejection) => {
            format!("S002 the recorded request is not valid: {rejection:?}")
        }
    })
}

/// Where the recorded response breaks the contract (L001). What the suite does not record
/// (ignored values, headers it does not list exactly) cannot be judged and is left out.
fn response_problems(
    operation: &Operation,
    exchange: &Exchange,
    expected: Option<&Value>,
    method: &http::Method,
) -> Vec<String> {
    let mut headers = http::HeaderMap::new();
    for (name, expectation) in &exchange.expect.headers {
        if let HeaderExpectation::Exact(value) = expectation
            && let (Ok(n), Ok(v)) =
                (http::HeaderName::try_from(name.as_str()), http::HeaderValue::from_str(value))
        {
            headers.append(n, v);
        }
    }
    let media = headers.get("content-type").and_then(|v| v.to_str().ok()).and_then(media_essence);
    let ignored = |pointer: &str| {
        let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
        exchange.rules.iter().any(|(pattern, rule)| {
            let pattern: Vec<&str> = pattern.split('/').skip(1).collect();
            matches!(rule, Rule::Keyword(RuleKeyword::Ignore))
                && pattern.len() <= tokens.len()
                && pattern.iter().zip(&tokens).all(|(p, t)| *p == "*" || p == t)
        })
    };
    let status = exchange.expect.status;
    let head = method == http::Method::HEAD;
    let mut problems = Vec::new();
    for finding in check::findings(operation, status, &headers, media.as_deref(), expected, head) {
        let unlisted_header = finding.check == Check::HeadersConform
            && finding.violation.parameter.as_ref().is_some_and(|h| {
                !matches!(
                    exchange.expect.headers.get(&h.to_ascii_lowercase()),
                    Some(HeaderExpectation::Exact(_))
                )
            });
        if finding.severity == Severity::Error
            && !unlisted_header
            && !ignored(&finding.violation.pointer)
        {
            problems.push(format!(
                "L001 the recorded response breaks the contract: {} {}",
                finding.check, finding.violation
            ));
        }
    }
    problems
}

/// The request an exchange records, placeholders filled in (an undefined one left as written).
fn recorded_request(
    exchange: &Exchange,
    variables: &Variables,
    method: &http::Method,
    path: &str,
) -> Request {
    let mut headers = http::HeaderMap::new();
    for (name, value) in &exchange.request.headers {
        let value = variables.text(value).unwrap_or_else(|_| value.clone());
        if let (Ok(n), Ok(v)) =
            (http::HeaderName::try_from(name.as_str()), http::HeaderValue::from_str(&value))
        {
            headers.append(n, v);
        }
    }
    let body = match (&exchange.request.body, &exchange.request.body_text) {
        (Some(json), _) => {
            serde_json::to_vec(&variables.json(json).unwrap_or_else(|_| json.clone()))
                .unwrap_or_default()
        }
        (None, Some(text)) => text.clone().into_bytes(),
        (None, None) => Vec::new(),
    };
    let query: Vec<(String, String)> = exchange
        .request
        .query
        .iter()
        .flat_map(|(k, v)| v.values().into_iter().map(move |v| (k.clone(), v.to_owned())))
        .collect();
    let target = if query.is_empty() {
        path.to_owned()
    } else {
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
        format!("{path}?{query}")
    };
    Request::new(method.clone(), &target, headers, body)
}

/// Every field a rule of the scenario names must exist in the resource's schema or in the
/// operation's request body schema (when there is one to look in).
fn rule_fields(scenario: &crate::scenario::Scenario, contract: &Contract, report: &mut Report) {
    let document = &contract.document;
    for (id, behaviour) in scenario.operations.iter() {
        let Some(operation) = contract.operation(id) else { continue };
        let Some(resource) = scenario.resource(&behaviour.resource) else { continue };
        let mut schemas: Vec<&Value> = Vec::new();
        if let Some(schema) =
            resource.schema.as_deref().and_then(|p| document.pointer(p.trim_start_matches('#')))
        {
            schemas.push(schema);
        }
        let body = operation.body.iter().flat_map(|b| &b.content).filter_map(|m| m.schema.as_ref());
        schemas.extend(body.filter_map(|s| document.pointer(&s.pointer)));
        if schemas.is_empty() {
            continue;
        }
        let mut named: Vec<(&str, &str)> = Vec::new();
        named.extend(
            behaviour.filters.iter().flat_map(|f| f.fields.iter().map(|p| ("filters", p.as_str()))),
        );
        if let crate::scenario::Order::Field { field, .. } = &behaviour.order {
            named.push(("order", field));
        }
        named.extend(
            behaviour.unique.iter().flat_map(|r| r.fields.iter().map(|p| ("unique", p.as_str()))),
        );
        named.extend(
            behaviour
                .immutable
                .iter()
                .flat_map(|r| r.fields.iter().map(|p| ("immutable", p.as_str()))),
        );
        named.extend(
            behaviour
                .require_any
                .iter()
                .flat_map(|r| r.fields.iter().map(|p| ("require-any", p.as_str()))),
        );
        named.extend(behaviour.precondition.iter().map(|p| ("precondition", p.field.as_str())));
        named.extend(
            behaviour
                .only_with
                .iter()
                .flat_map(|r| r.fields.iter().chain([&r.field]).map(|p| ("only-with", p.as_str()))),
        );
        named.extend(behaviour.paths.keys().map(|p| ("paths", p.as_str())));
        named.extend(
            behaviour.upsert.iter().flat_map(|u| {
                u.fields.iter().chain(u.paths.keys()).map(|p| ("upsert", p.as_str()))
            }),
        );
        for (rule, pointer) in named {
            if !schemas.iter().any(|schema| has_field(document, schema, pointer)) {
                report.problems.push(format!(
                    "{}: operations.{id}.{rule}: `{pointer}` is in neither the schema of resource `{}` nor the request body of `{id}` in {}",
                    scenario.file, resource.name, contract.file_name
                ));
            }
        }
        for filter in &behaviour.filters {
            let Some(query) = &filter.query else { continue };
            let declared = operation.parameters.iter().any(|p| {
                p.location == crate::contract::ParameterLocation::Query && &p.name == query
            });
            if !declared {
                report.problems.push(format!(
                    "{}: operations.{id}.filters: query parameter `{query}` is not declared by `{id}` in {}",
                    scenario.file, contract.file_name
                ));
            }
        }
    }
}

/// Whether a JSON pointer (`/config/provider`, `/scopings/*/space_id`) names a property the
/// schema declares, looking through `$ref`, compositions and array items.
fn has_field(document: &Value, schema: &Value, pointer: &str) -> bool {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| crate::json::pointer::unescape_token(t).into_owned())
        .collect();
    has_path(document, schema, &tokens, 0)
}

fn has_path(document: &Value, schema: &Value, tokens: &[String], depth: usize) -> bool {
    let Some((first, rest)) = tokens.split_first() else { return true };
    if depth > 32 {
        return false;
    }
    let schema = document::deref(document, schema);
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if let Some(branches) = schema.get(keyword).and_then(Value::as_array)
            && branches.iter().any(|b| has_path(document, b, tokens, depth + 1))
        {
            return true;
        }
    }
    if (first == "*" || first.parse::<usize>().is_ok())
        && let Some(items) = schema.get("items")
    {
        return has_path(document, items, rest, depth + 1);
    }
    if let Some(property) = schema.get("properties").and_then(|p| p.get(first.as_str())) {
        return has_path(document, property, rest, depth + 1);
    }
    // A map of free-form keys (`additionalProperties: {schema}`) holds any name.
    match schema.get("additionalProperties") {
        Some(extra @ Value::Object(_)) => has_path(document, extra, rest, depth + 1),
        _ => false,
    }
}

/// Checks every example of a contract against its schema.
fn examples(contract: &Contract, report: &mut Report) {
    let document = &contract.document;
    let mut check = |holder_pointer: &str,
                     schema_pointer: &str,
                     direction: Direction,
                     name: &str,
                     value: &Value| {
        report.checked.examples += 1;
        let schema = match contract.compile(direction, schema_pointer) {
            Ok(schema) => schema,
            Err(error) => {
                report.problems.push(format!("{}: {schema_pointer}: {error}", contract.file));
                return;
            }
        };
        for error in schema.errors(value) {
            report.problems.push(format!(
                "{}: example `{name}` at {holder_pointer}: {}{}: {}",
                contract.file,
                if error.pointer.is_empty() { "" } else { "value " },
                error.pointer,
                error.message
            ));
        }
    };
    // Media types, parameters and headers: `example` and `examples`.
    document::for_each_schema_position(document, &mut |schema_pointer| {
        let Some(holder_pointer) = schema_pointer.strip_suffix("/schema") else {
            // A component schema: its own `example`.
            if let Some(example) = document.pointer(schema_pointer).and_then(|s| s.get("example")) {
                let direction = Direction::Response;
                check(schema_pointer, schema_pointer, direction, "example", example);
            }
            return;
        };
        let Some(holder) = document.pointer(holder_pointer) else { return };
        let direction = if holder_pointer.contains("/responses/")
            || holder_pointer.starts_with("/components/responses")
        {
            Direction::Response
        } else {
            Direction::Request
        };
        if let Some(example) = holder.get("example") {
            check(holder_pointer, schema_pointer, direction, "example", example);
        }
        if let Some(map) = holder.get("examples").and_then(Value::as_object) {
            for (name, example) in map {
                let example = document::deref(document, example);
                if let Some(value) = example.get("value") {
                    check(
                        &push_token(&format!("{holder_pointer}/examples"), name),
                        schema_pointer,
                        direction,
                        name,
                        value,
                    );
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_field_looks_through_refs_compositions_and_items() {
        let document = serde_json::json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"config": {"oneOf": [{"$ref": "#/components/schemas/B"}]},
                   "scopings": {"type": "array", "items": {"properties": {"space_id": {"type": "string"}}}}}},
            "B": {"properties": {"provider": {"type": "string"}}}
        }}});
        let a = &document["components"]["schemas"]["A"];
        assert!(has_field(&document, a, "/config/provider"));
        assert!(has_field(&document, a, "/scopings/*/space_id"));
        assert!(!has_field(&document, a, "/config/colour"));
        assert!(!has_field(&document, a, "/nope"));
    }

    #[test]
    fn the_embedded_contracts_and_scenarios_are_clean() {
        let report = run(
            &Tree::embedded_contracts(),
            &Tree::embedded_scenarios(),
            &Tree::embedded_conformance(),
        )
        .unwrap();
        assert_eq!(report.problems, Vec::<String>::new());
        assert!(
            report.checked.contracts >= 5 && report.checked.examples > 20,
            "{:?}",
            report.checked
        );
    }
}

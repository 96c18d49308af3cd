//! `understudy lint`: are contracts and scenarios consistent with themselves and each other?
//!
//! Unlike `serve`, which stops at the first broken file, lint keeps going and reports every
//! problem it finds:
//!
//! * each contract loads (YAML/JSON, version, references, schemas compile);
//! * every example in a contract (media types, parameters, headers, schemas) is valid against
//!   the schema it illustrates, in the direction it travels;
//! * each scenario loads, names only operations and path parameters its contract has, and
//!   each seed record is valid against the schema its resource names (`schema:`).

use serde_json::Value;

use crate::catalog::{self, ApiOptions, CatalogOptions};
use crate::contract::{self, Contract};
use crate::error::LoadError;
use crate::files::Tree;
use crate::scenario;
use crate::schema::{self, Direction, push_token};

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
}

/// Lints every API under `contracts` with its scenarios. An unreadable folder is an error (the
/// lint could not run); everything else is a problem in the report.
pub fn run(contracts: &Tree, scenarios: &Tree) -> Result<Report, LoadError> {
    let mut report = Report::default();
    for api in contracts.apis()? {
        let mut loaded = Vec::new();
        for file in contracts.files(&api, &[".yaml", ".yml", ".json"])? {
            report.checked.contracts += 1;
            match contract::load(&file) {
                Ok(contract) => {
                    examples(&contract, &mut report);
                    loaded.push(contract);
                }
                Err(error) => report.problems.push(error.to_string()),
            }
        }
        if loaded.is_empty() {
            continue;
        }
        let files = scenarios.files(&api, &[".yaml", ".yml"])?;
        report.checked.scenarios += files.len();
        let loaded_scenarios = match scenario::load_all(&files) {
            Ok(loaded) => loaded,
            Err(error) => {
                report.problems.push(error.to_string());
                continue;
            }
        };
        for scenario in loaded_scenarios.values() {
            // The same checks `serve` makes, for each contract version the scenario may meet.
            for contract_file in loaded.iter().map(|c| c.file_name.clone()) {
                let options = CatalogOptions {
                    contracts: contracts.clone(),
                    scenarios: scenarios.clone(),
                    only: vec![api.clone()],
                    apis: [(
                        api.clone(),
                        ApiOptions {
                            contract: Some(contract_file),
                            scenario: Some(scenario.name.clone()),
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
                        let record = crate::engine::view(resource, record, &[]);
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
    Ok(report)
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
    schema::for_each_schema_position(document, &mut |schema_pointer| {
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
                let example = schema::deref(document, example);
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
    fn the_embedded_contracts_and_scenarios_are_clean() {
        let report = run(&Tree::embedded_contracts(), &Tree::embedded_scenarios()).unwrap();
        assert_eq!(report.problems, Vec::<String>::new());
        assert!(
            report.checked.contracts >= 5 && report.checked.examples > 20,
            "{:?}",
            report.checked
        );
    }
}

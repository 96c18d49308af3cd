//! The embedded contracts are compiled on first use, not at start-up (`src/contract/load/` says
//! why), so this is where a broken one is caught: every schema position, sample and example of
//! every version and dialect is made here, and must equal what an eager load of the same
//! documents makes at load.

use std::path::Path;

use serde_json::Value;
use understudy::Catalog;
use understudy::catalog::{CatalogOptions, Version};
use understudy::contract::schema::Schema;
use understudy::contract::{Contract, MediaType, Operation};
use understudy::files::Tree;

/// Every schema position of an operation: parameters, request bodies, response bodies and
/// response headers.
fn positions(operation: &Operation) -> Vec<&Schema> {
    let parameters = operation.parameters.iter().filter_map(|p| p.schema.as_ref());
    let bodies = media_types(operation).filter_map(|m| m.schema.as_ref());
    let headers = operation.responses.iter().flat_map(|r| &r.headers);
    parameters.chain(bodies).chain(headers.filter_map(|h| h.schema.as_ref())).collect()
}

fn media_types(operation: &Operation) -> impl Iterator<Item = &MediaType> {
    let requests = operation.body.iter().flat_map(|b| &b.content);
    requests.chain(operation.responses.iter().flat_map(|r| &r.content))
}

fn versions(catalog: &Catalog) -> impl Iterator<Item = &Version> {
    catalog.apis.iter().flat_map(|a| &a.versions)
}

/// What a contract makes on first use, in document order, to compare two loads by.
fn made(contract: &Contract) -> Vec<(String, Value)> {
    let mut made = Vec::new();
    for operation in &contract.operations {
        for (i, media) in media_types(operation).enumerate() {
            let at = format!("{} media type {i} ({})", operation.id, media.media);
            made.push((format!("{at}: sample"), media.sample.clone().unwrap_or(Value::Null)));
            for example in &media.examples {
                let shown = serde_json::json!({"value": example.value, "valid": example.valid});
                made.push((format!("{at}: example {}", example.name), shown));
            }
        }
        for response in &operation.responses {
            for header in &response.headers {
                let at = format!("{} {} header {}", operation.id, response.status, header.name);
                made.push((at, header.sample.clone().map_or(Value::Null, Value::String)));
            }
        }
    }
    made
}

#[test]
fn every_schema_of_every_embedded_version_and_dialect_compiles() {
    // Arrange: the embedded catalog as `serve` loads it, nothing compiled yet.
    let catalog = Catalog::load(&CatalogOptions::embedded()).expect("the embedded catalog loads");

    // Act
    let mut failures = Vec::new();
    let mut checked = 0;
    for contract in versions(&catalog).flat_map(|v| &v.contracts) {
        for schema in contract.operations.iter().flat_map(positions) {
            checked += 1;
            if let Err(error) = schema.check() {
                failures.push(format!("{} {}: {error}", contract.file, schema.pointer));
            }
        }
    }

    // Assert
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let dialects = versions(&catalog).map(|v| v.contracts.len()).sum::<usize>();
    assert!(dialects >= 8 && checked > 300, "{dialects} documents, {checked} schemas");
}

#[test]
fn the_embedded_contracts_made_on_first_use_equal_an_eager_load_of_the_same_files() {
    // Arrange: the same documents, embedded (compiled on first use) and read from the
    // repository's folder (a directory given by a user: compiled at load).
    let lazy = Catalog::load(&CatalogOptions::embedded()).expect("the embedded catalog loads");
    let mut options = CatalogOptions::embedded();
    options.contracts = Tree::disk(Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts"));
    let eager = Catalog::load(&options).expect("the contracts folder loads");

    // Act + Assert: every sample, example check and header sample, in order.
    let pairs: Vec<(&Contract, &Contract)> = versions(&lazy)
        .zip(versions(&eager))
        .flat_map(|(l, e)| l.contracts.iter().zip(&e.contracts))
        .map(|(l, e)| (&**l, &**e))
        .collect();
    assert!(pairs.len() >= 8, "{} documents", pairs.len());
    for (lazy, eager) in pairs {
        assert_eq!(lazy.file_name, eager.file_name);
        let (lazy_made, eager_made) = (made(lazy), made(eager));
        assert_eq!(lazy_made.len(), eager_made.len(), "{}", lazy.file);
        for (l, e) in lazy_made.iter().zip(&eager_made) {
            assert_eq!(l, e, "{}", lazy.file);
        }
    }
}

//! The scenario understudy infers for a contract nobody wrote one for.
//!
//! A frontend developer points understudy at their own OpenAPI document and expects it to
//! remember writes from the first request, with nothing to write. The paths say most of it:
//!
//! * `/pets` with `GET` and `POST`, `/pets/{petId}` with `GET`, `PUT`, `PATCH`, `DELETE`: one
//!   collection, `pets`, keyed by the item schema's id property (`petId` if the schema has
//!   it, else `id`); `GET /pets/findByStatus` answering an array of pets lists them too, its
//!   query parameters filtering on same-named properties; `PUT /pets` with a body carrying the
//!   key updates that record.
//! * `/users/{userId}/posts`: a collection scoped by its parent `users` (an unknown `userId`
//!   is 404; a parent that is no collection of its own exists for any id).
//! * Ids fit the key property's schema: integers count up, `uuid`s are random UUIDs,
//!   `pattern`s are drawn from the pattern; a key the client chooses (`PUT /user/{username}`,
//!   a `username` the create body requires) is kept.
//! * Lists answer in the contract's shape: a plain array, or the wrapper object its schema
//!   declares (`{"data": [...], "total": 3}`); records are seeded from the contract's examples
//!   that fit their schema; created records get the fields the response requires and the
//!   request did not send, from the schema.
//! * Credentials: any well-formed one for the declared schemes (no `tokens`); failures the
//!   operation documents are answered with that documented answer (`documented-errors`).
//! * Records are stored as sent and answered as the answer's schema says (`fit-answers`):
//!   what it requires below the top level too (an `id` the request could not send) from its
//!   defaults and samples, without what it forbids (`writeOnly` fields, a form's `file` part
//!   in a closed object).
//!
//! Operations that fit no collection answer from the contract (their example, or a body built
//! from their schema); one that documents no 2xx answers with a status it documents.
//! `understudy infer FILE` prints what this module infers, as a scenario file to edit.

use serde_json::{Map, Value, json};

use crate::contract::Contract;

mod collection;
mod resource;
mod schema;

use collection::{collections, parents_without_collection};
use resource::{behaviour, resource};

/// A scenario file's value as the YAML text of the file.
pub fn to_yaml(scenario: &Value) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(&crate::json::plain::Plain(scenario))
}

/// The scenario for `contract`, as a scenario file's value (`resources`, `operations`...).
pub fn infer(contract: &Contract) -> Value {
    let collections = collections(contract);
    let mut resources = Map::new();
    let mut operations = Map::new();
    for collection in &collections {
        resources.insert(collection.name.clone(), resource(contract, collection));
        for (operation, role) in &collection.operations {
            if let Some(behaviour) = behaviour(contract, collection, operation, *role) {
                operations.insert(operation.id.clone(), behaviour);
            }
        }
    }
    for parent in parents_without_collection(&collections) {
        resources
            .entry(parent.clone())
            .or_insert_with(|| json!({"key": "id", "auto-create": {"pattern": ".+"}}));
    }
    let names: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
    json!({
        "description": format!(
            "Inferred by understudy {} from {} ({}): {}. Edit it to take control: \
             `understudy infer FILE > scenarios/<api>/default.yaml`.",
            env!("CARGO_PKG_VERSION"),
            contract.file_name,
            contract.title,
            if names.is_empty() {
                "no collection found; every operation answers from the contract".to_owned()
            } else {
                format!("collections {}", names.join(", "))
            }
        ),
        "documented-errors": true,
        "fit-answers": true,
        "resources": resources,
        "operations": operations,
    })
}

//! Which cases a run takes, and in what order: those `--only` selects (all by default) and
//! `--skip` does not, with every case they `need`, dependencies first and otherwise in suite
//! order (the order of the file names). Ids are matched with `*` wildcards.
//!
//! Running the cases is `runner.rs`; this file only decides the list, so that `lint` can walk a
//! suite in the order `check` would run it.

use std::collections::{BTreeMap, BTreeSet};

use crate::conformance::exchange::Case;
use crate::conformance::runner::RunError;

/// Selects and orders the cases: those matching `only` (all when empty) and not `skip`, with
/// everything they need, dependencies first, otherwise in suite order.
pub fn plan(cases: &[Case], only: &[String], skip: &[String]) -> Result<Vec<Case>, RunError> {
    let by_id: BTreeMap<&str, &Case> = cases.iter().map(|c| (c.exchange.id.as_str(), c)).collect();
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = cases
        .iter()
        .map(|c| c.exchange.id.as_str())
        .filter(|id| only.is_empty() || only.iter().any(|pattern| glob(pattern, id)))
        .filter(|id| !skip.iter().any(|pattern| glob(pattern, id)))
        .collect();
    if stack.is_empty() {
        let detail = match (only.is_empty(), skip.is_empty()) {
            (true, true) => ": the suite is empty".to_owned(),
            (false, _) => format!(": no case id matches {} (after --skip)", only.join(", ")),
            (true, false) => format!(": --skip {} leaves nothing", skip.join(", ")),
        };
        return Err(RunError::NoCases(detail));
    }
    while let Some(id) = stack.pop() {
        if wanted.insert(id)
            && let Some(case) = by_id.get(id)
        {
            stack.extend(case.exchange.needs.iter().map(String::as_str));
        }
    }
    // Kahn's algorithm, taking ready cases in suite order.
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut ordered = Vec::new();
    while ordered.len() < wanted.len() {
        let next = cases.iter().find(|c| {
            let id = c.exchange.id.as_str();
            wanted.contains(id)
                && !done.contains(id)
                && c.exchange.needs.iter().all(|n| done.contains(n.as_str()))
        });
        let Some(next) = next else {
            let stuck: Vec<&str> =
                wanted.iter().filter(|id| !done.contains(*id)).copied().collect();
            return Err(RunError::Cycle(stuck.join(", ")));
        };
        done.insert(&next.exchange.id);
        ordered.push(next.clone());
    }
    Ok(ordered)
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::exchange::{Exchange, Expectation, RequestSpec};

    fn case(id: &str, needs: &[&str]) -> Case {
        Case {
            exchange: Exchange {
                id: id.into(),
                operation: "op".into(),
                description: String::new(),
                needs: needs.iter().map(|n| n.to_string()).collect(),
                request: RequestSpec {
                    method: "GET".into(),
                    path: "/".into(),
                    query: Default::default(),
                    headers: Default::default(),
                    body: None,
                    body_text: None,
                },
                expect: Expectation { status: 200, headers: Default::default(), body: None },
                rules: Default::default(),
                capture: Default::default(),
                recorded: None,
            },
            file: format!("{id}.json"),
        }
    }

    fn ids(cases: Vec<Case>) -> Vec<String> {
        cases.into_iter().map(|c| c.exchange.id).collect()
    }

    #[test]
    fn dependencies_run_first_and_only_pulls_them_in() {
        let cases = vec![case("c", &["b"]), case("a", &[]), case("b", &["a"]), case("d", &[])];
        assert_eq!(ids(plan(&cases, &[], &[]).unwrap()), ["a", "b", "c", "d"]);
        assert_eq!(ids(plan(&cases, &["c".into()], &[]).unwrap()), ["a", "b", "c"]);
        assert_eq!(ids(plan(&cases, &["*d".into()], &[]).unwrap()), ["d"]);
        assert_eq!(ids(plan(&cases, &[], &["d".into()]).unwrap()), ["a", "b", "c"]);
        assert!(matches!(plan(&cases, &["zzz".into()], &[]), Err(RunError::NoCases(_))));
        assert!(matches!(plan(&cases, &[], &["*".into()]), Err(RunError::NoCases(_))));
        let cycle = vec![case("x", &["y"]), case("y", &["x"])];
        assert!(matches!(plan(&cycle, &[], &[]), Err(RunError::Cycle(_))));
    }

    #[test]
    fn globs_match_any_run() {
        assert!(glob("create-*", "create-llm-201"));
        assert!(glob("*-201", "create-llm-201"));
        assert!(glob("c*l*1", "create-llm-201"));
        assert!(!glob("create-*", "delete-204"));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
    }
}

//! Capture links: a value an earlier response gave (an id) and a later request sends back
//! becomes `${capture.NAME}`, with the earlier case in `needs` and a `capture` on it, so the
//! suite replays against a fresh server whose ids differ.
//!
//! Only values the recording already treats as volatile (a rule on them, not `ignore`) are
//! remembered, and only those the server made: a value the request itself sent (a space id in
//! the path) is the client's. The rules themselves are `rules.rs`.

use serde_json::Value;

use crate::conformance::exchange::{
    Capture, Exchange, HeaderExpectation, QueryValue, Rule, RuleKeyword,
};

/// A volatile value a recorded response gave.
#[derive(Debug, Clone)]
struct Given {
    /// The value.
    value: String,
    /// The index of the case whose response gave it.
    case: usize,
    /// Where in that response's body.
    pointer: String,
}

/// The volatile values earlier responses gave, in recording order.
#[derive(Debug, Default)]
pub(crate) struct Links {
    given: Vec<Given>,
}

impl Links {
    /// Remembers the volatile values of the response of case `index`, for later requests to
    /// refer to. A value the request itself sent is the client's, not the server's: it is not
    /// remembered.
    pub(crate) fn remember(&mut self, index: usize, exchange: &Exchange) {
        let Some(body) = &exchange.expect.body else { return };
        let sent = serde_json::to_string(&exchange.request).unwrap_or_default();
        for pointer in exchange.rules.keys().filter(|p| !p.contains('*')) {
            if let Some(Value::String(text)) = body.pointer(pointer)
                && text.len() >= 3
                && !sent.contains(text.as_str())
                && !matches!(exchange.rules[pointer], Rule::Keyword(RuleKeyword::Ignore))
            {
                self.given.push(Given {
                    value: text.clone(),
                    case: index,
                    pointer: pointer.clone(),
                });
            }
        }
    }

    /// Replaces values earlier responses gave by captures of those responses: in the request's
    /// path, query and body, and in the expected body and headers. The earlier cases gain the
    /// captures, the exchange the `needs`.
    pub(crate) fn link(&self, cases: &mut [Exchange], exchange: &mut Exchange) {
        let mut used: Vec<(String, usize, String)> = Vec::new();
        let mut substitute = |text: &str| -> Option<String> {
            // The most recent response that gave this value.
            let given = self.given.iter().rev().find(|g| text.contains(g.value.as_str()))?;
            let name = capture_name(&cases[given.case].id, &given.pointer);
            used.push((name.clone(), given.case, given.pointer.clone()));
            Some(text.replace(&given.value, &format!("${{capture.{name}}}")))
        };
        let segments: Vec<String> = exchange
            .request
            .path
            .split('/')
            .map(|segment| {
                let decoded = crate::contract::route::decode(segment);
                match substitute(&decoded) {
                    Some(replaced) if decoded.len() == segment.len() || !replaced.contains('%') => {
                        replaced
                    }
                    _ => segment.to_owned(),
                }
            })
            .collect();
        exchange.request.path = segments.join("/");
        for value in exchange.request.query.values_mut() {
            *value = match value {
                QueryValue::One(v) => QueryValue::One(substitute(v).unwrap_or_else(|| v.clone())),
                QueryValue::Many(all) => QueryValue::Many(
                    all.iter().map(|v| substitute(v).unwrap_or_else(|| v.clone())).collect(),
                ),
            };
        }
        if let Some(body) = &mut exchange.request.body {
            substitute_strings(body, &mut substitute);
        }
        // The answer may name the value too (`Integration int… not found`).
        if let Some(body) = &mut exchange.expect.body {
            substitute_strings(body, &mut substitute);
        }
        for expectation in exchange.expect.headers.values_mut() {
            if let HeaderExpectation::Exact(text) = expectation
                && let Some(replaced) = substitute(text)
            {
                *text = replaced;
            }
        }
        for (name, index, pointer) in used {
            cases[index].capture.insert(name, Capture::Body(pointer));
            let need = cases[index].id.clone();
            if !exchange.needs.contains(&need) {
                exchange.needs.push(need);
            }
        }
    }
}

fn substitute_strings(value: &mut Value, substitute: &mut impl FnMut(&str) -> Option<String>) {
    match value {
        Value::String(text) => {
            if let Some(replaced) = substitute(text) {
                *text = replaced;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute_strings(i, substitute)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute_strings(v, substitute)),
        _ => {}
    }
}

/// `create-llm-201` + `/id` → `create_llm_201_id`.
fn capture_name(case: &str, pointer: &str) -> String {
    let raw = format!("{case}{}", pointer.replace('/', "_"));
    raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::exchange::{Expectation, RequestSpec};
    use serde_json::json;

    fn exchange(id: &str, path: &str, body: Value, rules: &[&str]) -> Exchange {
        Exchange {
            id: id.into(),
            operation: "op".into(),
            description: String::new(),
            needs: Vec::new(),
            request: RequestSpec {
                method: "GET".into(),
                path: path.into(),
                query: Default::default(),
                headers: Default::default(),
                body: None,
                body_text: None,
            },
            expect: Expectation { status: 200, headers: Default::default(), body: Some(body) },
            rules: rules
                .iter()
                .map(|p| (p.to_string(), Rule::Keyword(RuleKeyword::Type)))
                .collect(),
            capture: Default::default(),
            recorded: None,
        }
    }

    #[test]
    fn a_value_an_earlier_response_gave_becomes_a_capture_and_a_need() {
        // Arrange: a create whose response gave an id, then a get of that id.
        let mut links = Links::default();
        let create = exchange("create-201", "/things", json!({"id": "abc123"}), &["/id"]);
        links.remember(0, &create);
        let mut cases = vec![create];
        let mut get = exchange("get-200", "/things/abc123", json!({"id": "abc123"}), &["/id"]);

        // Act
        links.link(&mut cases, &mut get);

        // Assert
        assert_eq!(get.request.path, "/things/${capture.create_201_id}");
        assert_eq!(get.needs, ["create-201"]);
        assert_eq!(cases[0].capture["create_201_id"], Capture::Body("/id".into()));
    }
}

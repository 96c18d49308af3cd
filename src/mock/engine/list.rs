//! Lists: the records of a collection that belong to the scope, filtered, ordered and cut
//! into the API's pages (`page` numbers, opaque `cursor`s, or `id-cursor`s naming the next
//! record), with what templates need for the next page's link.
//!
//! The records are visited as references, in order, and only a page of them is copied, so
//! that a list costs the same with ten records as with a hundred thousand whenever the order
//! is the store's own and nothing asks for the total.

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::contract::validate::{Location, Rejection, Violation};
use crate::json::text::{as_text, key_text};
use crate::mock::engine::call::{Call, Page, Scope};
use crate::mock::respond::Failure;
use crate::mock::store::Tx;
use crate::request::Request;
use crate::scenario::{
    Filter, Matching, OperationBehaviour, Order, PageStyle, Pagination, Resource,
};

pub(crate) fn list(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &Tx<'_>,
    context: &Value,
) -> Result<Page, Failure> {
    // The records are visited as references, in order, and only a page of them is copied, so
    // that a list costs the same with ten records as with a hundred thousand whenever the
    // order is the store's own and nothing asks for the total.
    let via: Option<HashSet<String>> = behaviour.via.as_ref().map(|via| {
        let wanted: Vec<(String, String)> =
            via.filter.iter().map(|(f, t)| (f.clone(), t.render_text(context))).collect();
        tx.records(&via.resource)
            .filter(|r| wanted.iter().all(|(f, v)| key_text(r.get(f)) == *v))
            .map(|r| key_text(r.get(&via.field)))
            .collect()
    });
    let query = call.request.query_pairs();
    let filters: Vec<(&Filter, Option<String>)> = behaviour
        .filters
        .iter()
        .filter_map(|filter| match &filter.query {
            Some(name) => {
                let (_, value) = query.iter().find(|(k, _)| k == name)?;
                let needle = match filter.matching {
                    Matching::ContainsCi => value.to_lowercase(),
                    _ => value.clone(),
                };
                Some((filter, Some(needle)))
            }
            None => Some((filter, None)),
        })
        .collect();
    let keep = |record: &Value| {
        scope.belongs(record)
            && via.as_ref().is_none_or(|keys| keys.contains(&scope.resource.key_of(record)))
            && filters.iter().all(|(filter, needle)| passes(record, filter, needle.as_deref()))
    };
    let records = tx.records(&scope.resource.name);
    let ordered: Box<dyn Iterator<Item = &Value> + '_> = match &behaviour.order {
        Order::OldestFirst => Box::new(records.filter(move |r| keep(r))),
        Order::NewestFirst => Box::new(records.rev().filter(move |r| keep(r))),
        Order::Field { field, descending } => {
            let mut sorted: Vec<&Value> = records.filter(|r| keep(r)).collect();
            sorted.sort_by(|a, b| compare(a.pointer(field), b.pointer(field)));
            if *descending {
                sorted.reverse();
            }
            Box::new(sorted.into_iter())
        }
    };
    let Some(pagination) = &behaviour.pagination else {
        let records: Vec<Value> = ordered.cloned().collect();
        let count = records.len();
        return Ok(Page { records, count: Some(count), limit: None, next: Map::new() });
    };
    paginate(call, scope.resource, pagination, ordered, query, behaviour.reads_count)
}

/// Whether a record passes a list filter (`needle`: the query value, lower-cased for
/// `contains-ci`; `None` for filters that take no query parameter).
fn passes(record: &Value, filter: &Filter, needle: Option<&str>) -> bool {
    filter.fields.iter().any(|field| {
        values_at(record, field).into_iter().any(|value| match (&filter.matching, needle) {
            (Matching::Present, _) => !is_empty(value),
            (Matching::Equals, Some(n)) => as_text(value) == n,
            (Matching::Contains, Some(n)) => as_text(value).contains(n),
            (Matching::ContainsCi, Some(n)) => as_text(value).to_lowercase().contains(n),
            (_, None) => true,
        })
    })
}

/// Every value at a pointer, where a `*` token matches each item of an array.
fn values_at<'a>(value: &'a Value, pointer: &str) -> Vec<&'a Value> {
    let mut current = vec![value];
    for token in pointer.split('/').skip(1) {
        let token = crate::json::pointer::unescape_token(token);
        current = current
            .into_iter()
            .flat_map(|v| match (v, token.as_ref()) {
                (Value::Array(items), "*") => items.iter().collect::<Vec<_>>(),
                (Value::Array(items), index) => {
                    index.parse::<usize>().ok().and_then(|i| items.get(i)).into_iter().collect()
                }
                (Value::Object(map), key) => map.get(key).into_iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    current
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            a.as_f64().partial_cmp(&b.as_f64()).unwrap_or(std::cmp::Ordering::Equal)
        }
        (Some(a), Some(b)) => as_text(a).cmp(&as_text(b)),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

fn bad_query(name: &str, message: &str) -> Failure {
    Failure::Rejected(Rejection::Invalid(vec![Violation {
        location: Location::Query,
        parameter: Some(name.to_owned()),
        pointer: String::new(),
        message: message.to_owned(),
        schema: None,
    }]))
}

/// A page number or size as written: digits, any number of them (one past what memory can
/// count is as good as the largest: a page past the end, or the largest page size).
fn whole_number(text: &str) -> Option<usize> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<usize>().unwrap_or(usize::MAX))
}

fn paginate<'a>(
    call: &Call<'_>,
    resource: &Resource,
    pagination: &Pagination,
    mut records: Box<dyn Iterator<Item = &'a Value> + 'a>,
    query: &[(String, String)],
    counted: bool,
) -> Result<Page, Failure> {
    let raw = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let limit = match raw(&pagination.limit_query) {
        Some(text) => match whole_number(text) {
            Some(n) if n >= 1 => n.min(pagination.max_limit),
            _ => return Err(bad_query(&pagination.limit_query, "must be a positive integer")),
        },
        None => pagination.default_limit,
    };
    let position = raw(&pagination.position_query);
    let invalid_cursor = || {
        bad_query(
            &pagination.position_query,
            "is not a cursor this list issued (or was issued for another query)",
        )
    };
    // Skip to the page: by number, by offset (opaque cursor), or to the record named.
    let mut passed = 0usize;
    let mut first = None;
    match (pagination.style, position) {
        (_, None) => {}
        (PageStyle::Page, Some(page)) => match whole_number(page) {
            Some(page) if page >= 1 => {
                let start = (page - 1).saturating_mul(limit);
                passed = records.by_ref().take(start).count();
            }
            _ => return Err(bad_query(&pagination.position_query, "must be a page number from 1")),
        },
        (PageStyle::Cursor, Some(cursor)) => {
            let start = decode_cursor(cursor, &fingerprint(query, pagination))
                .ok_or_else(invalid_cursor)?;
            passed = records.by_ref().take(start).count();
        }
        (PageStyle::IdCursor, Some(cursor)) => {
            for record in records.by_ref() {
                if resource.key_of(record) == cursor {
                    first = Some(record);
                    break;
                }
                passed += 1;
            }
            if first.is_none() {
                return Err(invalid_cursor());
            }
        }
    }
    let page: Vec<Value> = first.into_iter().chain(records.by_ref()).take(limit).cloned().collect();
    let following = records.next();
    let end = passed + page.len();
    // The total only when the answer shows it: it takes a pass over every other record.
    let count = counted.then(|| end + following.map_or(0, |_| 1 + records.count()));
    let mut next = Map::new();
    next.insert("has_more".into(), Value::Bool(following.is_some()));
    if let Some(following) = following {
        match pagination.style {
            PageStyle::Page => {
                let page = end / limit + 1;
                next.insert("next".into(), json!({"page": page.to_string()}));
                next.insert("next_position".into(), Value::String(page.to_string()));
            }
            PageStyle::Cursor => {
                let cursor = encode_cursor(end, &fingerprint(query, pagination));
                next.insert("next_cursor".into(), Value::String(cursor.clone()));
                next.insert("next_position".into(), Value::String(cursor));
            }
            PageStyle::IdCursor => {
                let id = resource.key_of(following);
                next.insert("next_cursor".into(), Value::String(id.clone()));
                next.insert("next_position".into(), Value::String(id));
            }
        }
        if let Some(position) = next.get("next_position").map(as_text) {
            next.insert(
                "next_url".into(),
                Value::String(next_url(call.request, pagination, &position, limit)),
            );
        }
    }
    Ok(Page { records: page, count, limit: Some(limit), next })
}

/// The query a cursor belongs to: every parameter but the cursor and the page size.
fn fingerprint(query: &[(String, String)], pagination: &Pagination) -> u64 {
    let mut pairs: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| *k != pagination.position_query && *k != pagination.limit_query)
        .collect();
    pairs.sort();
    // FNV-1a: stable across runs and versions, which a cursor handed to a client must be.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in pairs {
        for byte in k.bytes().chain([0]).chain(v.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn encode_cursor(offset: usize, fingerprint: &u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("v1:{offset}:{fingerprint:016x}"))
}

fn decode_cursor(cursor: &str, fingerprint: &u64) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(':');
    let (Some("v1"), Some(offset), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (hash == format!("{fingerprint:016x}")).then(|| offset.parse().ok()).flatten()
}

/// The request's own URL with the page position and size of the next page.
fn next_url(request: &Request, pagination: &Pagination, position: &str, limit: usize) -> String {
    let host = request.header("host").unwrap_or("localhost");
    let scheme = request.header("x-forwarded-proto").unwrap_or("http");
    let limit = limit.to_string();
    let mut query: Vec<(&str, &str)> = request
        .query_pairs()
        .iter()
        .filter(|(k, _)| *k != pagination.position_query && *k != pagination.limit_query)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    query.push((&pagination.position_query, position));
    query.push((&pagination.limit_query, &limit));
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
    format!("{scheme}://{host}{}?{encoded}", request.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_at_follows_wildcards() {
        let record =
            json!({"scopings": [{"space_id": "a"}, {"space_id": null}, {"space_id": "b"}]});
        let found: Vec<&Value> = values_at(&record, "/scopings/*/space_id");
        assert_eq!(found, [&json!("a"), &Value::Null, &json!("b")]);
        assert!(values_at(&record, "/nope/*").is_empty());
    }

    #[test]
    fn page_numbers_and_sizes_of_any_length_are_numbers() {
        assert_eq!(whole_number("3"), Some(3));
        assert_eq!(whole_number("+3"), Some(3));
        assert_eq!(whole_number("58664490171080374222848"), Some(usize::MAX));
        for bad in ["", "-1", "1.5", "x", "+"] {
            assert_eq!(whole_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_only_for_their_query() {
        let pagination = Pagination {
            style: PageStyle::Cursor,
            limit_query: "limit".into(),
            default_limit: 2,
            max_limit: 10,
            position_query: "cursor".into(),
        };
        let query =
            vec![("type".to_owned(), "llm".to_owned()), ("limit".to_owned(), "2".to_owned())];
        let print = fingerprint(&query, &pagination);
        let cursor = encode_cursor(4, &print);
        assert_eq!(decode_cursor(&cursor, &print), Some(4));
        let other = fingerprint(&[("type".to_owned(), "agent".to_owned())], &pagination);
        assert_eq!(decode_cursor(&cursor, &other), None);
        assert_eq!(decode_cursor("not-a-cursor", &print), None);
        // The page size is not part of the query a cursor belongs to.
        assert_eq!(print, fingerprint(&[("type".to_owned(), "llm".to_owned())], &pagination));
    }
}

//! Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data`, read into the
//! JSON object of their fields.
//!
//! A form sends every field as text. OpenAPI's encoding rules say how the text maps to the
//! schema: a field is converted to the type its property declares (`age=7` → `7`), an array
//! property collects every value of its repeated name, an object property (and any part sent
//! as `application/json`) is JSON text. A file part of a multipart body stands for the file:
//! its text when it is UTF-8 and small, else a short placeholder naming the file, its media type
//! and its size, so that the record the engine stores stays a readable JSON value. The object
//! is then validated and handed on exactly as a JSON body is (`validate.rs`).

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::contract::model::{FormField, ValueKind};

/// Converts one text value to a JSON type (`validate::scalar`).
pub(crate) type Convert = fn(&str, ValueKind) -> Value;

/// A file part larger than this is kept as a placeholder, not as its text.
const FILE_TEXT_LIMIT: usize = 4096;

/// The fields of an urlencoded body.
pub(crate) fn urlencoded(
    body: &[u8],
    fields: &BTreeMap<String, FormField>,
    convert: Convert,
) -> Value {
    let pairs =
        form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), Part::Text(v.into_owned())));
    assemble(pairs.collect(), fields, convert)
}

/// The fields of a multipart body whose `Content-Type` header is `content_type`; a body that
/// is not multipart gives the parser's message.
pub(crate) fn multipart(
    body: Bytes,
    content_type: &str,
    fields: &BTreeMap<String, FormField>,
    convert: Convert,
) -> Result<Value, String> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
    let stream =
        futures_util::stream::once(std::future::ready(Ok::<_, std::convert::Infallible>(body)));
    let mut reader = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    loop {
        let Some(field) = ready(reader.next_field())? else { break };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let media = field.content_type().map(|m| m.essence_str().to_ascii_lowercase());
        let bytes = ready(field.bytes())?;
        let part = match (file_name, media) {
            (_, Some(media)) if media == "application/json" || media.ends_with("+json") => {
                match serde_json::from_slice(&bytes) {
                    Ok(value) => Part::Json(value),
                    Err(e) => return Err(format!("part `{name}` is not JSON: {e}")),
                }
            }
            (Some(file_name), media) => Part::Text(file_text(&file_name, media, &bytes)),
            (None, _) => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => Part::Text(text),
                Err(_) => Part::Text(file_text("", None, &bytes)),
            },
        };
        parts.push((name, part));
    }
    Ok(assemble(parts, fields, convert))
}

/// A multipart future over a body already in memory is ready at its first poll: it is polled
/// once, never waited for.
fn ready<T>(
    future: impl std::future::Future<Output = Result<T, multer::Error>>,
) -> Result<T, String> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(result) => result.map_err(|e| describe(&e)),
        std::task::Poll::Pending => Err("the multipart body ends too early".into()),
    }
}

/// The parser's error, with its cause where the parser's own words say too little.
fn describe(error: &multer::Error) -> String {
    match error {
        // httparse's cause says which: a part's header holding characters a header cannot
        // carry (a control character in a field name), or a line that is no header.
        multer::Error::ReadHeaderFailed(cause) => {
            format!(
                "a part's headers cannot be read ({cause}: control characters or a malformed line)"
            )
        }
        other => other.to_string(),
    }
}

/// What a file part stands for in the stored fields.
fn file_text(file_name: &str, media: Option<String>, bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if bytes.len() <= FILE_TEXT_LIMIT && media.as_deref().is_none_or(is_text) => {
            text.to_owned()
        }
        _ => {
            let media = media.unwrap_or_else(|| "application/octet-stream".into());
            let name = if file_name.is_empty() { "file" } else { file_name };
            format!("{name} ({media}, {} bytes)", bytes.len())
        }
    }
}

fn is_text(media: &str) -> bool {
    media.starts_with("text/")
}

/// One field as sent.
enum Part {
    Text(String),
    Json(Value),
}

/// The object of the fields, in the order they were first sent: declared fields converted to
/// their types (arrays collect every value of their name), others kept as text (an array of
/// texts when repeated).
fn assemble(
    parts: Vec<(String, Part)>,
    fields: &BTreeMap<String, FormField>,
    convert: Convert,
) -> Value {
    let mut grouped: Vec<(String, Vec<Part>)> = Vec::new();
    for (name, part) in parts {
        match grouped.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(part),
            None => grouped.push((name, vec![part])),
        }
    }
    let mut object = Map::new();
    for (name, values) in grouped {
        let one = |part: Part, kind: ValueKind| match part {
            Part::Json(value) => value,
            Part::Text(text) => convert(&text, kind),
        };
        let value = match fields.get(&name) {
            Some(field) if field.kind == ValueKind::Array => {
                Value::Array(values.into_iter().map(|p| one(p, field.item_kind)).collect())
            }
            Some(field) => values.into_iter().next().map_or(Value::Null, |p| one(p, field.kind)),
            None if values.len() > 1 => {
                Value::Array(values.into_iter().map(|p| one(p, ValueKind::String)).collect())
            }
            None => values.into_iter().next().map_or(Value::Null, |p| one(p, ValueKind::String)),
        };
        object.insert(name, value);
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What `validate::scalar` does, for the types these tests use.
    fn scalar(text: &str, kind: ValueKind) -> Value {
        let converted = match kind {
            ValueKind::Integer => text.parse::<i64>().ok().map(Value::from),
            ValueKind::Boolean => text.parse::<bool>().ok().map(Value::Bool),
            ValueKind::Object => serde_json::from_str(text).ok(),
            _ => None,
        };
        converted.unwrap_or_else(|| Value::String(text.to_owned()))
    }

    fn fields() -> BTreeMap<String, FormField> {
        let field = |kind, item_kind| FormField { kind, item_kind };
        BTreeMap::from([
            ("age".to_owned(), field(ValueKind::Integer, ValueKind::String)),
            ("tags".to_owned(), field(ValueKind::Array, ValueKind::String)),
            ("ids".to_owned(), field(ValueKind::Array, ValueKind::Integer)),
            ("meta".to_owned(), field(ValueKind::Object, ValueKind::String)),
            ("ok".to_owned(), field(ValueKind::Boolean, ValueKind::String)),
        ])
    }

    #[test]
    fn urlencoded_fields_take_the_types_their_properties_declare() {
        let body = b"name=Rex+the+dog&age=7&tags=a&tags=b&ids=1&meta=%7B%22k%22%3A1%7D&ok=true&age=8&x=1&x=2";
        assert_eq!(
            urlencoded(body, &fields(), scalar),
            json!({"name": "Rex the dog", "age": 7, "tags": ["a", "b"], "ids": [1], "meta": {"k": 1}, "ok": true, "x": ["1", "2"]})
        );
        // Text that does not convert stays text, for the schema to refuse.
        assert_eq!(urlencoded(b"age=old", &fields(), scalar), json!({"age": "old"}));
    }

    #[test]
    fn multipart_parts_become_fields_and_files_stand_for_themselves() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"age\"\r\n\r\n7\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"k\": [1]}\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"mars.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u{1}\u{2}\u{3}\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"notes\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
            --XyZ--\r\n";
        let value =
            multipart(Bytes::from(body), "multipart/form-data; boundary=XyZ", &fields(), scalar)
                .unwrap();
        assert_eq!(
            value,
            json!({"age": 7, "meta": {"k": [1]}, "image": "mars.jpg (image/jpeg, 3 bytes)", "notes": "hello"})
        );
    }

    #[test]
    fn a_broken_multipart_body_is_an_error_not_a_panic() {
        let error = multipart(Bytes::from("nonsense"), "multipart/form-data", &fields(), scalar)
            .unwrap_err();
        assert!(!error.is_empty());
        let error = multipart(
            Bytes::from("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"),
            "multipart/form-data; boundary=XyZ",
            &fields(),
            scalar,
        )
        .unwrap_err();
        assert!(!error.is_empty());
    }

    #[test]
    fn a_part_name_holding_control_characters_is_refused_saying_why() {
        // See: issue 12 (Schemathesis puts raw control characters into part names).
        let body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"\u{11}a\"\r\n\r\n1\r\n--XyZ--\r\n";
        let error =
            multipart(Bytes::from(body), "multipart/form-data; boundary=XyZ", &fields(), scalar)
                .unwrap_err();
        assert!(
            error.starts_with("a part's headers cannot be read (invalid header value"),
            "{error}"
        );
    }
}

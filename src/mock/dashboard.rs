//! The dashboard: a page in the browser at `/__understudy/` (for a client that accepts HTML)
//! with its scripts and styles under `/__understudy/ui/`, compiled into the binary.
//!
//! The page names its files under `/__understudy/ui/<build>/`, where `<build>` is a hash of
//! them all: a browser keeps them for good (`immutable`) and a later load asks for the page
//! alone, while a new binary, with new files, names a new folder. (The page's modules import
//! each other by relative paths, so they all come from the same folder; every module is
//! preloaded, so the browser asks for all of them at once rather than one level of imports
//! after another.) The same files answer at `/__understudy/ui/<name>`, revalidated each time.
//!
//! Plain HTML, CSS and JavaScript modules (no build step, no framework, nothing fetched from
//! elsewhere: it works offline). The files hold no data: everything the page shows comes from
//! the JSON admin API, with the admin token when one is set (the page asks for it and keeps it
//! in the tab's `sessionStorage`, sending it as `Authorization: Bearer`; no cookie, so no other
//! site can make the browser send it). The files themselves are served without the token.
//! A strict Content-Security-Policy allows the page's own scripts, styles and requests only,
//! and no framing.

use std::sync::OnceLock;

use bytes::Bytes;
use http::StatusCode;

use crate::mock::respond::{Body, Reply};
use crate::request::Request;

/// The files, by name under `/__understudy/ui/`.
const FILES: &[(&str, &str)] = &[
    ("app.js", include_str!("dashboard/app.js")),
    ("util.js", include_str!("dashboard/util.js")),
    ("vlist.js", include_str!("dashboard/vlist.js")),
    ("journal.js", include_str!("dashboard/journal.js")),
    ("state.js", include_str!("dashboard/state.js")),
    ("scenarios.js", include_str!("dashboard/scenarios.js")),
    ("contracts.js", include_str!("dashboard/contracts.js")),
    ("style.css", include_str!("dashboard/style.css")),
    ("icon.svg", include_str!("dashboard/icon.svg")),
];

/// The page, naming its files under `/__understudy/ui/{build}/`.
const INDEX: &str = include_str!("dashboard/index.html");

/// The page with `{build}` filled in, and the build's hash.
fn page() -> &'static (String, String) {
    static PAGE: OnceLock<(String, String)> = OnceLock::new();
    PAGE.get_or_init(|| {
        let all: String =
            FILES.iter().map(|(name, content)| format!("{name}\n{content}")).collect();
        let build = etag(&all).trim_matches('"')[..12].to_owned();
        (INDEX.replace("{build}", &build), build)
    })
}

/// What the page may load and send: its own files and the admin API, nothing else.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                      connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The answer for a dashboard route (`route` is the admin path without `/__understudy`),
/// or `None` when it is not one: the page for `/` when the client accepts HTML, a file under
/// `/ui/`.
pub(crate) fn answer(route: &str, request: &Request) -> Option<Reply> {
    if !matches!(request.method, http::Method::GET | http::Method::HEAD) {
        return None;
    }
    let mut immutable = false;
    let (content, media) = if route.is_empty() {
        let accepts_html = request.header_list("accept").contains("text/html");
        if !accepts_html {
            return None;
        }
        (page().0.as_str(), "text/html; charset=utf-8")
    } else {
        let mut name = route.strip_prefix("/ui/")?;
        // `<build>/<name>`: kept for good when it is this build's; another build's folder
        // (a page of an older binary) gets today's files, revalidated.
        if let Some((folder, file)) = name.split_once('/') {
            immutable = folder == page().1;
            name = file;
        }
        let content = FILES.iter().find(|(file, _)| *file == name).map(|(_, content)| *content);
        let Some(content) = content else {
            let mut reply = Reply::json(
                StatusCode::NOT_FOUND,
                serde_json::json!({"error": format!("no dashboard file `{name}`")}),
                "application/json",
            );
            reply.insert_header("cache-control", "no-store");
            return Some(reply);
        };
        (content, media_type(name))
    };
    let tag = etag(content);
    let fresh = request.header_list("if-none-match").split(',').any(|t| t.trim() == tag);
    let mut reply = if fresh {
        Reply::empty(StatusCode::NOT_MODIFIED)
    } else {
        let mut reply = Reply::empty(StatusCode::OK);
        reply.body = Body::Serialized(Bytes::from_static(content.as_bytes()));
        reply.insert_header("content-type", media);
        reply
    };
    reply.insert_header("etag", &tag);
    if immutable {
        reply.insert_header("cache-control", "public, max-age=31536000, immutable");
    } else {
        // Revalidated on every load (a new binary serves new files), answered 304 when unchanged.
        reply.insert_header("cache-control", "no-cache");
    }
    reply.insert_header("x-content-type-options", "nosniff");
    reply.insert_header("referrer-policy", "no-referrer");
    if route.is_empty() {
        reply.insert_header("content-security-policy", POLICY);
        reply.insert_header("x-frame-options", "DENY");
    }
    Some(reply)
}

fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A strong validator for a file: a hash of its content (FNV-1a: the same for the same binary).
fn etag(content: &str) -> String {
    let hash = content
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("\"{hash:016x}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, headers: &[(&str, &str)]) -> Option<Reply> {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let request = Request::new(http::Method::GET, path, map, Bytes::new());
        answer(path, &request)
    }

    #[test]
    fn the_page_is_served_to_browsers_only_with_a_strict_policy() {
        assert!(get("", &[("accept", "application/json")]).is_none(), "JSON clients keep the API");
        let page = get("", &[("accept", "text/html,application/xhtml+xml")]).unwrap();
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let html = String::from_utf8_lossy(&page.body_bytes()).into_owned();
        let build = &super::page().1;
        assert!(html.contains(&format!("/__understudy/ui/{build}/app.js")), "{html}");
        assert!(!html.contains("{build}"), "{html}");
    }

    #[test]
    fn the_files_of_this_build_are_kept_for_good_and_every_module_is_preloaded() {
        let build = &super::page().1;
        let script = get(&format!("/ui/{build}/journal.js"), &[]).unwrap();
        assert_eq!(script.status, StatusCode::OK);
        assert_eq!(script.headers["cache-control"], "public, max-age=31536000, immutable");
        // Another build's folder: today's files, revalidated.
        let other = get("/ui/0123456789ab/journal.js", &[]).unwrap();
        assert_eq!(other.headers["cache-control"], "no-cache");
        assert_eq!(other.body_bytes(), script.body_bytes());
        assert_eq!(
            get(&format!("/ui/{build}/nothing.js"), &[]).unwrap().status,
            StatusCode::NOT_FOUND
        );
        for (name, _) in FILES.iter().filter(|(name, _)| name.ends_with(".js") && *name != "app.js")
        {
            let link =
                format!("<link rel=\"modulepreload\" href=\"/__understudy/ui/{{build}}/{name}\">");
            assert!(INDEX.contains(&link), "the page preloads {name}");
        }
    }

    #[test]
    fn files_are_revalidated_by_their_etag() {
        let script = get("/ui/app.js", &[]).unwrap();
        assert_eq!(script.headers["content-type"], "text/javascript; charset=utf-8");
        let tag = script.headers["etag"].to_str().unwrap().to_owned();
        let again = get("/ui/app.js", &[("if-none-match", &tag)]).unwrap();
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body_bytes().is_empty());
        assert_eq!(get("/ui/nothing.js", &[]).unwrap().status, StatusCode::NOT_FOUND);
        assert!(get("/journal", &[]).is_none());
    }

    #[test]
    fn every_module_the_page_imports_is_served() {
        for (name, content) in FILES {
            for line in content.lines().filter(|l| l.starts_with("import ")) {
                let Some(from) = line.split('"').nth(1) else { continue };
                let file = from.trim_start_matches("./");
                assert!(FILES.iter().any(|(f, _)| *f == file), "{name} imports {from}, not served");
            }
        }
    }
}

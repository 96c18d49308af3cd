//! The dashboard: a page in the browser at `/__understudy/` (for a client that accepts HTML),
//! compiled into the binary and sent whole in one response.
//!
//! Its sources are plain HTML, CSS and JavaScript modules in `dashboard/` (no build step, no
//! framework, nothing fetched from elsewhere: it works offline). The page carries them all: the
//! style sheet in a `<style>`, the icon as inline SVG, and the modules as one module script,
//! put together here when the page is first asked for ([`bundle`]). One response rather than
//! one per file: profiled on a first visit (headless Chromium, two shared cores), the page's
//! nine files went over six connections, five of them new, the modules ran 39–54 ms after the
//! page was parsed, and the browser's network service spent three times the CPU it spends on
//! one response. Now the page asks for nothing but the admin API; a later visit revalidates it
//! by its ETag (304).
//!
//! The page holds no data: everything it shows comes from the JSON admin API, with the admin
//! token when one is set (the page asks for it and keeps it in the tab's `sessionStorage`,
//! sending it as `Authorization: Bearer`; no cookie, so no other site can make the browser
//! send it). The page itself is served without the token. A strict Content-Security-Policy
//! allows the page's own script and style only (named by their SHA-256), requests to its own
//! origin, and no framing.

use std::fmt::Write as _;
use std::sync::OnceLock;

use base64::Engine as _;
use bytes::Bytes;
use http::StatusCode;

use crate::mock::respond::{Body, Reply};
use crate::request::Request;

/// The page's modules, by file name; `app.js` is the one the page runs, the others are what it
/// imports.
const MODULES: &[(&str, &str)] = &[
    ("app.js", include_str!("dashboard/app.js")),
    ("util.js", include_str!("dashboard/util.js")),
    ("vlist.js", include_str!("dashboard/vlist.js")),
    ("journal.js", include_str!("dashboard/journal.js")),
    ("state.js", include_str!("dashboard/state.js")),
    ("scenarios.js", include_str!("dashboard/scenarios.js")),
    ("contracts.js", include_str!("dashboard/contracts.js")),
];
const ENTRY: &str = "app.js";
const STYLE: &str = include_str!("dashboard/style.css");
const ICON: &str = include_str!("dashboard/icon.svg");
/// The page, with `{favicon}`, `{style}`, `{script}` and `{icon}` where those go.
const INDEX: &str = include_str!("dashboard/index.html");

/// The page as sent: its HTML, ETag and Content-Security-Policy.
struct Page {
    html: String,
    etag: String,
    policy: String,
}

fn page() -> &'static Page {
    static PAGE: OnceLock<Page> = OnceLock::new();
    PAGE.get_or_init(|| {
        let script = bundle(MODULES, ENTRY);
        let favicon = format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(ICON.trim_end())
        );
        let icon = ICON.trim_end().replacen(
            "<svg ",
            r#"<svg width="22" height="22" aria-hidden="true" "#,
            1,
        );
        let html = fill(
            INDEX,
            &[
                ("{favicon}", &favicon),
                ("{style}", STYLE),
                ("{script}", &script),
                ("{icon}", &icon),
            ],
        );
        // What the page may load and send: its own script and style, data: images (its icon)
        // and requests to the admin API, nothing else.
        let policy = format!(
            "default-src 'none'; script-src '{}'; style-src '{}'; img-src data:; \
             connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            sha256(&script),
            sha256(STYLE)
        );
        Page { etag: etag(&html), html, policy }
    })
}

/// The answer for a dashboard route (`route` is the admin path without `/__understudy`),
/// or `None` when it is not one: the page for `/` when the client accepts HTML.
pub(crate) fn answer(route: &str, request: &Request) -> Option<Reply> {
    if !matches!(request.method, http::Method::GET | http::Method::HEAD) || !route.is_empty() {
        return None;
    }
    if !request.header_list("accept").contains("text/html") {
        return None;
    }
    let page = page();
    let fresh = request.header_list("if-none-match").split(',').any(|t| t.trim() == page.etag);
    let mut reply = if fresh {
        Reply::empty(StatusCode::NOT_MODIFIED)
    } else {
        let mut reply = Reply::empty(StatusCode::OK);
        reply.body = Body::Serialized(Bytes::from_static(page.html.as_bytes()));
        reply.insert_header("content-type", "text/html; charset=utf-8");
        reply
    };
    reply.insert_header("etag", &page.etag);
    // Revalidated on every load (a new binary serves a new page), answered 304 when unchanged.
    reply.insert_header("cache-control", "no-cache");
    reply.insert_header("x-content-type-options", "nosniff");
    reply.insert_header("referrer-policy", "no-referrer");
    reply.insert_header("content-security-policy", &page.policy);
    reply.insert_header("x-frame-options", "DENY");
    Some(reply)
}

/// The modules as one module script, run as the browser would run them apart: each module
/// once, after the modules it imports (depth first from `entry`, in the order of its
/// imports). Each keeps its names to itself in a function of its own, which returns what it
/// exports; its imports read those of the modules run before it.
///
/// The modules keep to the forms this reads, at the start of a line: `import * as name from
/// "./file.js";`, `import { a, b as c } from "./file.js";`, and `export` before a `function`,
/// `async function`, `class` or `const`. What a module exports never changes after it has
/// run, so a copy of the binding is the binding (the tests check all of it).
fn bundle(modules: &[(&str, &str)], entry: &str) -> String {
    let mut order = Vec::new();
    run_after_imports(entry, modules, &mut order);
    let mut script = String::new();
    for name in order {
        let Some((_, source)) = modules.iter().find(|(file, _)| *file == name) else { continue };
        let mut exports = Vec::new();
        let _ = writeln!(script, "// {name}\nconst {} = (() => {{", binding(name));
        for line in source.lines() {
            if let Some(import) = import_of(line) {
                script.push_str(&import);
            } else if let Some((declaration, exported)) = export_of(line) {
                exports.push(exported);
                script.push_str(declaration);
            } else {
                script.push_str(line);
            }
            script.push('\n');
        }
        let _ = writeln!(script, "return {{ {} }};\n}})();", exports.join(", "));
    }
    script
}

/// Adds `name` to `order` after the modules it imports (each once; a loop is cut where it
/// closes, and the tests check there is none).
fn run_after_imports<'a>(name: &'a str, modules: &[(&'a str, &str)], order: &mut Vec<&'a str>) {
    let Some(&(name, source)) = modules.iter().find(|(file, _)| *file == name) else { return };
    if order.contains(&name) {
        return;
    }
    for from in source.lines().filter_map(|line| import_parts(line).map(|(_, from)| from)) {
        if let Some(&(file, _)) = modules.iter().find(|(file, _)| *file == from)
            && !order.contains(&file)
        {
            run_after_imports(file, modules, order);
        }
    }
    if !order.contains(&name) {
        order.push(name);
    }
}

/// `import <what> from "./<file>";` as `(what, file)`.
fn import_parts(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("import ")?;
    let (what, from) = rest.split_once(" from ")?;
    let file = from.trim_end().strip_suffix(';')?.trim_matches('"').strip_prefix("./")?;
    Some((what.trim(), file))
}

/// An import line as the reading of the exports of a module run before.
fn import_of(line: &str) -> Option<String> {
    let (what, file) = import_parts(line)?;
    if let Some(name) = what.strip_prefix("* as ") {
        return Some(format!("const {} = {};", name.trim(), binding(file)));
    }
    let names = what.strip_prefix('{')?.strip_suffix('}')?;
    let names: Vec<String> = names
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| match name.split_once(" as ") {
            Some((exported, local)) => format!("{}: {}", exported.trim(), local.trim()),
            None => name.to_owned(),
        })
        .collect();
    Some(format!("const {{ {} }} = {};", names.join(", "), binding(file)))
}

/// An exported declaration as `(the declaration, the name it exports)`.
fn export_of(line: &str) -> Option<(&str, &str)> {
    let declaration = line.strip_prefix("export ")?;
    let named = ["async function ", "function ", "class ", "const "]
        .iter()
        .find_map(|keyword| declaration.strip_prefix(keyword))?;
    let end = named.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))?;
    (end > 0).then(|| (declaration, &named[..end]))
}

/// The name a module's exports go by in the bundle (`journal.js`: `module_journal_js`).
fn binding(file: &str) -> String {
    let name: String =
        file.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("module_{name}")
}

/// `template` with each placeholder replaced by its value, in one pass over the template (a
/// value is never searched for placeholders).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some((at, (key, value))) = values
        .iter()
        .filter_map(|pair| rest.find(pair.0).map(|at| (at, pair)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + key.len()..];
    }
    out.push_str(rest);
    out
}

/// A Content-Security-Policy hash source for an inline script or style.
fn sha256(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
}

/// A strong validator: a hash of the content (FNV-1a: the same for the same binary).
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

    fn html() -> String {
        let page = get("", &[("accept", "text/html,application/xhtml+xml")]).unwrap();
        String::from_utf8(page.body_bytes().to_vec()).unwrap()
    }

    /// The text of the page's first `<tag>` element.
    fn element(html: &str, open: &str, close: &str) -> String {
        let start = html.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
        let end = start + html[start..].find(close).unwrap();
        html[start..end].to_owned()
    }

    #[test]
    fn the_page_is_served_to_browsers_only_with_a_strict_policy() {
        assert!(get("", &[("accept", "application/json")]).is_none(), "JSON clients keep the API");
        let page = get("", &[("accept", "text/html,application/xhtml+xml")]).unwrap();
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
        let policy = page.headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(!policy.contains("unsafe") && !policy.contains("'self'; style"), "{policy}");
        assert!(get("/ui/app.js", &[("accept", "text/html")]).is_none(), "no file but the page");
        assert!(get("/journal", &[]).is_none());
    }

    #[test]
    fn the_page_carries_its_script_and_style_named_by_the_policy_and_nothing_else() {
        let html = html();
        let policy = page().policy.clone();
        let script = element(&html, "<script type=\"module\">", "</script>");
        let style = element(&html, "<style>", "</style>");
        assert_eq!(script, bundle(MODULES, ENTRY));
        assert_eq!(style, STYLE);
        // The hashes the browser computes: of the element's text as parsed (no CR to fold).
        assert!(!html.contains('\r'));
        assert!(policy.contains(&format!("script-src '{}'", sha256(&script))), "{policy}");
        assert!(policy.contains(&format!("style-src '{}'", sha256(&style))), "{policy}");
        // One script and one style sheet, neither closed early by its own text.
        assert_eq!(html.matches("<script").count(), 1);
        assert_eq!(html.matches("</script").count(), 1);
        assert_eq!(html.matches("<style").count(), 1);
        assert_eq!(html.matches("</style").count(), 1);
        // Nothing named to fetch: every src and href is data: or a view of the page.
        for attribute in ["src=\"", "href=\""] {
            for value in html.split(attribute).skip(1) {
                assert!(value.starts_with("data:") || value.starts_with('#'), "{attribute}{value}");
            }
        }
        for placeholder in ["{favicon}", "{style}", "{script}", "{icon}"] {
            assert!(INDEX.contains(placeholder) && !html.contains(placeholder), "{placeholder}");
        }
    }

    #[test]
    fn the_page_is_revalidated_by_its_etag() {
        let page = get("", &[("accept", "text/html")]).unwrap();
        assert_eq!(page.headers["cache-control"], "no-cache");
        let tag = page.headers["etag"].to_str().unwrap().to_owned();
        let again = get("", &[("accept", "text/html"), ("if-none-match", &tag)]).unwrap();
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body_bytes().is_empty());
        let other = get("", &[("accept", "text/html"), ("if-none-match", "\"0\"")]).unwrap();
        assert_eq!(other.status, StatusCode::OK);
    }

    #[test]
    fn every_module_runs_once_after_the_modules_it_imports() {
        let mut order = Vec::new();
        run_after_imports(ENTRY, MODULES, &mut order);
        assert_eq!(
            order,
            [
                "util.js",
                "vlist.js",
                "journal.js",
                "state.js",
                "scenarios.js",
                "contracts.js",
                "app.js"
            ]
        );
        for (name, source) in MODULES {
            assert!(order.contains(name), "{name} is not imported by the page");
            let at = order.iter().position(|n| n == name).unwrap();
            for line in source.lines().filter(|l| l.starts_with("import")) {
                let (_, from) = import_parts(line).unwrap_or_else(|| panic!("{name}: {line}"));
                let before = order.iter().position(|n| *n == from);
                assert!(before.is_some_and(|b| b < at), "{name} imports {from}: not run before it");
            }
        }
    }

    #[test]
    fn the_bundle_keeps_every_import_and_export_of_the_modules() {
        let script = bundle(MODULES, ENTRY);
        for line in script.lines() {
            assert!(!line.starts_with("import") && !line.starts_with("export"), "left: {line}");
        }
        for (name, source) in MODULES {
            let exported: Vec<&str> =
                source.lines().filter_map(export_of).map(|(_, n)| n).collect();
            let all = source.lines().filter(|l| l.starts_with("export")).count();
            assert_eq!(exported.len(), all, "{name}: an export of another form");
            let returned = format!("return {{ {} }};", exported.join(", "));
            assert!(script.contains(&returned), "{name}: {returned}");
            // Every name imported is one the module exports.
            for (what, from) in source.lines().filter_map(import_parts) {
                let Some(names) = what.strip_prefix('{') else { continue };
                let (_, other) = MODULES.iter().find(|(f, _)| *f == from).unwrap();
                let theirs: Vec<&str> =
                    other.lines().filter_map(export_of).map(|(_, n)| n).collect();
                for imported in names.trim_end_matches('}').split(',').map(str::trim) {
                    let imported = imported.split(" as ").next().unwrap().trim();
                    assert!(theirs.contains(&imported), "{name} imports {imported} from {from}");
                }
            }
        }
    }

    #[test]
    fn imports_and_exports_are_read_as_the_browser_reads_them() {
        assert_eq!(
            import_of(r#"import { a, b as c } from "./util.js";"#).unwrap(),
            "const { a, b: c } = module_util_js;"
        );
        assert_eq!(
            import_of(r#"import * as journal from "./journal.js";"#).unwrap(),
            "const journal = module_journal_js;"
        );
        assert_eq!(
            export_of("export async function draw(x) {"),
            Some(("async function draw(x) {", "draw"))
        );
        assert_eq!(export_of("export const ADMIN = 1;"), Some(("const ADMIN = 1;", "ADMIN")));
        assert_eq!(export_of("export let x = 1;"), None, "a binding that may change is refused");
        assert_eq!(fill("a{x}b{y}", &[("{x}", "{y}"), ("{y}", "!")]), "a{y}b!");
    }
}

//! What `serve` tells people about the catalog: the start-up banner, and the APIs and versions
//! `--print-config` lists after the configuration.

use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::catalog::Catalog;

/// The lines after `listening on ...`: each API at its mount, with its contract and scenario,
/// and for an API with versions each version at `/<api>@<version>` (the default marked).
pub fn banner(catalog: &Catalog, address: SocketAddr) -> String {
    let mut out = String::new();
    for api in &catalog.apis {
        let default = api.default_version();
        let _ = writeln!(
            out,
            "  {:<10} http://{address}{}{}  ({}, scenario {}{})",
            api.name,
            api.mount,
            default.contract.base_path,
            default.contract.file_name,
            default.scenario.name,
            default.name.as_deref().map(|v| format!(", version {v}")).unwrap_or_default()
        );
        for version in api.versions.iter().filter(|v| v.name.is_some()) {
            let name = version.name.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<10} http://{address}{}@{name}{}  ({}, scenario {}){}",
                "",
                api.mount,
                version.contract.base_path,
                version.contract.file_name,
                version.scenario.name,
                if std::ptr::eq(version, default) { ", the default" } else { "" }
            );
        }
    }
    let _ = writeln!(out, "  {:<10} http://{address}/__understudy/", "dashboard");
    out
}

/// The APIs and their versions as TOML comments, for `--print-config`.
pub fn comment(catalog: &Catalog) -> String {
    let mut out = String::from("\n# APIs served (mount, versions: how clients are recognised)\n");
    for api in &catalog.apis {
        let default = api.default_version();
        let _ = writeln!(out, "# {}: {}{}", api.name, api.mount, default.contract.base_path);
        for version in api.versions.iter().filter(|v| v.name.is_some()) {
            let name = version.name.as_deref().unwrap_or_default();
            let marker = if std::ptr::eq(version, default) { " (default)" } else { "" };
            let clients = version.clients.describe();
            let clients = if clients.is_empty() { "-".to_owned() } else { clients.join(" | ") };
            let _ = writeln!(out, "#   {}@{name}{marker}: {clients}", api.mount);
        }
    }
    out
}

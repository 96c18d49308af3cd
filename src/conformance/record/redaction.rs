//! Secrets never reach a recorded file: they become `${env.NAME}` placeholders, which the
//! runner fills from the environment on replay.
//!
//! `Authorization` keeps its scheme and loses its credential (`Bearer ${env.TOKEN}`; a second
//! distinct credential is `${env.TOKEN_2}`, so a read-only token's case replays with the
//! read-only token). Other secret-looking headers (`*token*`, `*secret*`, `*key*`, `cookie`) and
//! body fields (`api_key`, `token`, `secret`, `password`, `client_secret`...) become
//! `${env.NAME}` after their name. Every secret value seen is remembered for the whole recording
//! and scrubbed from anything written later (a config echoed back as text), because a secret sent
//! once may come back in any later response.
//!
//! Secrets a server makes (in responses) are not placeholders but `ignore` rules: `rules.rs`.

use std::collections::BTreeMap;

use serde_json::Value;

pub(crate) use crate::json::secret::is_secret_name;

/// A secret value and the placeholder that stands for it.
pub(crate) type Secret = (String, String);

/// What a recording knows of secrets so far.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    /// Credentials seen, in order: the first is `TOKEN`, the next `TOKEN_2`...
    tokens: Vec<String>,
    /// Every secret value seen so far, with its placeholder: a secret sent once may come back
    /// in any later response.
    known: Vec<Secret>,
}

impl Secrets {
    /// The request's headers as they are recorded (lower-case names, secrets as placeholders);
    /// the secrets replaced go to `found`.
    pub(crate) fn headers(
        &mut self,
        headers: &[(String, String)],
        found: &mut Vec<Secret>,
    ) -> BTreeMap<String, String> {
        let mut recorded = BTreeMap::new();
        for (name, value) in headers {
            let lower = name.to_ascii_lowercase();
            let value = if lower == "authorization" {
                let (scheme, secret) = value.split_once(' ').unwrap_or(("", value.as_str()));
                let placeholder = self.credential(secret);
                found.push((secret.to_owned(), placeholder.clone()));
                if scheme.is_empty() { placeholder } else { format!("{scheme} {placeholder}") }
            } else if is_secret_name(&lower) {
                let placeholder = format!("${{env.{}}}", env_name(&lower));
                found.push((value.clone(), placeholder.clone()));
                placeholder
            } else {
                value.clone()
            };
            recorded.insert(lower, value);
        }
        recorded
    }

    /// The placeholder of a credential: `${env.TOKEN}` for the first one seen, `${env.TOKEN_2}`
    /// for the second...
    fn credential(&mut self, secret: &str) -> String {
        let index = match self.tokens.iter().position(|t| t == secret) {
            Some(index) => index,
            None => {
                self.tokens.push(secret.to_owned());
                self.tokens.len() - 1
            }
        };
        if index == 0 { "${env.TOKEN}".to_owned() } else { format!("${{env.TOKEN_{}}}", index + 1) }
    }

    /// Remembers secrets found in a request, for every later file.
    pub(crate) fn learn(&mut self, found: Vec<Secret>) {
        for secret in found {
            if !self.known.contains(&secret) {
                self.known.push(secret);
            }
        }
    }

    /// Replaces every secret known so far wherever it appears in a document.
    pub(crate) fn scrub(&self, value: &mut Value) {
        scrub(value, &self.known);
    }
}

/// `x-api-key` → `X_API_KEY`, `apiKey` → `API_KEY`.
fn env_name(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' });
    }
    out
}

/// Replaces secret-looking string fields of a request body by `${env.NAME}`.
pub(crate) fn redact_request(value: &mut Value, secrets: &mut Vec<Secret>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if is_secret_name(key)
                    && let Value::String(secret) = child
                    && !secret.is_empty()
                {
                    let placeholder = format!("${{env.{}}}", env_name(key));
                    secrets.push((secret.clone(), placeholder.clone()));
                    *child = Value::String(placeholder);
                } else {
                    redact_request(child, secrets);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| redact_request(i, secrets)),
        _ => {}
    }
}

/// Replaces every occurrence of a secret value in the strings of a document.
fn scrub(value: &mut Value, secrets: &[Secret]) {
    match value {
        Value::String(text) => {
            for (secret, placeholder) in secrets {
                if secret.len() >= 4 && text.contains(secret.as_str()) && text != placeholder {
                    *text = text.replace(secret.as_str(), placeholder);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scrub(i, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| scrub(v, secrets)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_and_their_variables() {
        for name in [
            "api_key",
            "apiKey",
            "x-api-key",
            "client_secret",
            "token",
            "password",
            "Cookie",
            "secretKey",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["name", "type", "models", "title"] {
            assert!(!is_secret_name(name), "{name}");
        }
        assert_eq!(env_name("x-api-key"), "X_API_KEY");
        assert_eq!(env_name("apiKey"), "API_KEY");
        assert_eq!(env_name("client_secret"), "CLIENT_SECRET");
    }

    #[test]
    fn request_secrets_become_placeholders_and_are_scrubbed_everywhere() {
        let mut body = json!({"config": {"api_key": "sk-123456", "llmProviders": [{"apiKey": "sk-abcdef", "name": "x"}]}});
        let mut secrets = Vec::new();
        redact_request(&mut body, &mut secrets);
        assert_eq!(
            body,
            json!({"config": {"api_key": "${env.API_KEY}", "llmProviders": [{"apiKey": "${env.API_KEY}", "name": "x"}]}})
        );
        let mut echoed = json!({"config": "{\"apiKey\":\"sk-abcdef\"}"});
        scrub(&mut echoed, &secrets);
        assert_eq!(echoed, json!({"config": "{\"apiKey\":\"${env.API_KEY}\"}"}));
    }
}

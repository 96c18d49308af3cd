//! Authentication: does the request carry the credentials its operation requires?
//!
//! Two steps. [`authenticate`]: an operation lists alternative security requirements and the
//! request must satisfy one of them completely, with credentials present and well formed
//! (`Authorization: Bearer <token68>`); failing that is 401. [`authorize`]: when the scenario
//! lists `tokens`, the credential must be one of them (else 401), a read-only token may not
//! write (403), and a token limited to some path parameter values may not use others (403, or
//! 404 where the vendor hides what exists).

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::contract::{Contract, Operation, ParameterLocation, SecurityScheme};
use crate::mock::respond::Failure;
use crate::request::{Authorization, Request};
use crate::scenario::Scenario;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Principal {
    /// The credential that authenticated the request (`None`: the operation is open).
    pub token: Option<String>,
    /// The token's name in the scenario.
    pub name: Option<String>,
    /// The token's claims (`installation`...).
    pub claims: Map<String, Value>,
}

impl Principal {
    /// The principal as templates see it: `token`, `name` and every claim.
    pub(crate) fn to_value(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("token".into(), self.token.clone().map_or(Value::Null, Value::String));
        map.insert("name".into(), self.name.clone().map_or(Value::Null, Value::String));
        map.extend(self.claims.clone());
        Value::Object(map)
    }
}

/// Applies the scenario's `tokens`: known token, read-only, allowed parameter values.
pub(crate) fn authorize(
    scenario: &Scenario,
    operation: &Operation,
    request: &Request,
    params: &[(String, String)],
    mut principal: Principal,
) -> Result<Principal, Failure> {
    let (Some(tokens), Some(token)) = (&scenario.tokens, principal.token.as_deref()) else {
        return Ok(principal);
    };
    let Some(rules) = tokens.get(token) else {
        return Err(Failure::Unauthorized { reason: "The token is not valid".into() });
    };
    if rules.read_only && !matches!(request.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let message = match &rules.read_only_message {
            Some(template) => template.render_text(&json!({"operation": operation.id})),
            None => format!("This token is read-only: it cannot call `{}`", operation.id),
        };
        return Err(Failure::Rule { status: StatusCode::FORBIDDEN, message: Some(message) });
    }
    for (name, allowed) in &rules.allow {
        let Some((_, value)) = params.iter().find(|(n, _)| n == name) else { continue };
        if !allowed.contains(value) {
            let context = json!({"field": name, "value": value});
            let message = match &rules.deny_message {
                Some(template) => template.render_text(&context),
                None => format!("This token may not access {name} `{value}`"),
            };
            return Err(Failure::Rule {
                status: StatusCode::from_u16(rules.deny_status).unwrap_or(StatusCode::FORBIDDEN),
                message: Some(message),
            });
        }
    }
    principal.name = rules.name.clone();
    principal.claims = rules.claims.clone();
    Ok(principal)
}

/// Checks the operation's security requirements.
pub(crate) fn authenticate(
    contract: &Contract,
    operation: &Operation,
    request: &Request,
) -> Result<Principal, Failure> {
    if operation.security.is_empty() {
        return Ok(Principal::default());
    }
    let mut first_problem = None;
    for requirement in &operation.security {
        let mut token = None;
        let mut problem = None;
        for name in requirement {
            let Some(scheme) = contract.security_schemes.get(name) else { continue };
            match credential(scheme, request) {
                Ok(found) => token = token.or(Some(found)),
                Err(missing) => {
                    problem = Some(missing.to_string());
                    break;
                }
            }
        }
        match problem {
            None => return Ok(Principal { token, ..Principal::default() }),
            Some(reason) => {
                first_problem.get_or_insert(reason);
            }
        }
    }
    Err(Failure::Unauthorized { reason: first_problem.unwrap_or_else(|| "Unauthorized".into()) })
}

/// Why a request carries no usable credential for a scheme: the text of a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Missing {
    /// No `Authorization` header.
    #[error("Missing Authorization header")]
    Header,
    /// An `Authorization` header that is not text.
    #[error("The Authorization header is not valid text")]
    NotText,
    /// An `Authorization` header of another shape or scheme.
    #[error("The Authorization header must be `{0} <token>`")]
    Malformed(&'static str),
    /// No API key where the scheme puts it.
    #[error("Missing API key: send it in the {location} `{name}`")]
    ApiKey {
        /// `header`, `query` or `cookie`.
        location: &'static str,
        /// The key's name.
        name: String,
    },
}

/// The credential a scheme finds in the request, or why it finds none.
fn credential(scheme: &SecurityScheme, request: &Request) -> Result<String, Missing> {
    match scheme {
        SecurityScheme::Bearer => authorization(request, "Bearer"),
        SecurityScheme::Basic => authorization(request, "Basic"),
        SecurityScheme::ApiKey { location, name } => {
            let value = match location {
                ParameterLocation::Header => request.header(name),
                ParameterLocation::Query => request.query_value(name),
                ParameterLocation::Cookie => {
                    request.cookies().iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
                }
                ParameterLocation::Path => None,
            };
            value
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| Missing::ApiKey { location: location.as_str(), name: name.clone() })
        }
    }
}

/// Reads `Authorization: <scheme> <token68>`.
fn authorization(request: &Request, scheme: &'static str) -> Result<String, Missing> {
    match request.authorization() {
        Authorization::Missing => Err(Missing::Header),
        Authorization::NotText => Err(Missing::NotText),
        Authorization::Credential { scheme: given, token }
            if given.eq_ignore_ascii_case(scheme) && is_token68(token) =>
        {
            Ok(token.clone())
        }
        _ => Err(Missing::Malformed(scheme)),
    }
}

/// RFC 9110 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, Method};

    fn request(authorization: Option<&str>) -> Request {
        let mut headers = HeaderMap::new();
        if let Some(value) = authorization {
            headers.insert("authorization", HeaderValue::from_str(value).unwrap());
        }
        Request::new(Method::GET, "/", headers, "")
    }

    #[test]
    fn bearer_tokens_must_be_well_formed() {
        assert_eq!(
            authorization(&request(Some("Bearer abc.DEF-1_~+/=")), "Bearer"),
            Ok("abc.DEF-1_~+/=".into())
        );
        assert_eq!(
            authorization(&request(Some("bearer teable_x_y")), "Bearer"),
            Ok("teable_x_y".into())
        );
        for bad in ["Bearer", "Bearer ", "Token abc", "Bearer a b", "Bearer ===", "Basic abc"] {
            assert!(authorization(&request(Some(bad)), "Bearer").is_err(), "{bad}");
        }
        assert_eq!(
            authorization(&request(None), "Bearer").map_err(|e| e.to_string()),
            Err("Missing Authorization header".into())
        );
    }
}

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
use crate::request::Request;
use crate::scenario::Scenario;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Principal {
    /// The credential that authenticated the request (`None`: the operation is open).
    pub token: Option<String>,
    /// The token's name in the scenario.
    pub name: Option<String>,
    /// The token's claims (`installation`...).
    pub claims: Map<String, Value>,
}

impl Principal {
    /// The principal as templates see it: `token`, `name` and every claim.
    pub fn to_value(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("token".into(), self.token.clone().map_or(Value::Null, Value::String));
        map.insert("name".into(), self.name.clone().map_or(Value::Null, Value::String));
        map.extend(self.claims.clone());
        Value::Object(map)
    }
}

/// Applies the scenario's `tokens`: known token, read-only, allowed parameter values.
pub fn authorize(
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
pub fn authenticate(
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
                Err(reason) => {
                    problem = Some(reason);
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

/// The credential a scheme finds in the request, or why it finds none.
fn credential(scheme: &SecurityScheme, request: &Request) -> Result<String, String> {
    match scheme {
        SecurityScheme::Bearer => authorization(request, "Bearer"),
        SecurityScheme::Basic => authorization(request, "Basic"),
        SecurityScheme::ApiKey { location, name } => {
            let value = match location {
                ParameterLocation::Header => request.header(name).map(str::to_owned),
                ParameterLocation::Query => {
                    request.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
                }
                ParameterLocation::Cookie => request
                    .header_list("cookie")
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim() == name)
                    .map(|(_, v)| v.trim().to_owned()),
                ParameterLocation::Path => None,
            };
            value.filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("Missing API key: send it in the {} `{name}`", location.as_str())
            })
        }
    }
}

/// Reads `Authorization: <scheme> <token68>`.
fn authorization(request: &Request, scheme: &str) -> Result<String, String> {
    let Some(value) = request.header("authorization") else {
        return Err(if request.headers.contains_key("authorization") {
            "The Authorization header is not valid text".into()
        } else {
            "Missing Authorization header".into()
        });
    };
    let malformed = || format!("The Authorization header must be `{scheme} <token>`");
    let (given, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !given.eq_ignore_ascii_case(scheme) || !is_token68(token) {
        return Err(malformed());
    }
    Ok(token.to_owned())
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
            authorization(&request(None), "Bearer"),
            Err("Missing Authorization header".into())
        );
    }
}

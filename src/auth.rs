//! Authentication: does the request carry the credentials its operation requires?
//!
//! An operation lists alternative security requirements; the request must satisfy one of
//! them completely. This module checks that credentials are present and well formed
//! (`Authorization: Bearer <token68>`), and names the principal by its token. Which tokens a
//! scenario accepts, and what each may touch, is decided on top of this by the scenario's
//! `tokens` (DESIGN §7).

use crate::contract::{Contract, Operation, ParameterLocation, SecurityScheme};
use crate::request::Request;
use crate::respond::Failure;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Principal {
    /// The credential that authenticated the request (`None`: the operation is open).
    pub token: Option<String>,
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
            None => return Ok(Principal { token }),
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

//! The session cookie: `__Host-` prefixed and `Secure` over TLS, always HttpOnly and
//! SameSite=Lax, no expiry attribute (the server decides when a session ends).

use axum::http::{HeaderMap, HeaderValue, header};

fn name(tls: bool) -> &'static str {
    if tls {
        "__Host-kapflow_session"
    } else {
        "kapflow_session"
    }
}

/// The session token the browser sent, if any.
pub fn read(headers: &HeaderMap, tls: bool) -> Option<String> {
    let wanted = name(tls);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == wanted)
        .map(|(_, v)| v.to_owned())
        .filter(|v| kapflow_domain::token::looks_like_token(v))
}

pub fn set(token: &str, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}",
        name(tls)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear(tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        name(tls)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_round_trip_and_only_tokens_are_read() {
        let token = "a".repeat(64);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; kapflow_session={token}")).expect("v"),
        );
        assert_eq!(read(&h, false).as_deref(), Some(token.as_str()));
        assert_eq!(
            read(&h, true),
            None,
            "over TLS only the __Host- cookie counts"
        );
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("kapflow_session=short"),
        );
        assert_eq!(read(&h, false), None);
        let set = set(&token, true);
        let s = set.to_str().expect("s");
        assert!(
            s.starts_with("__Host-kapflow_session=")
                && s.contains("Secure")
                && s.contains("HttpOnly")
        );
    }
}

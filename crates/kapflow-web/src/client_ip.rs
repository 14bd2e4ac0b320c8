//! The caller's IP address, for audit rows and rate limits.
//!
//! The TCP peer, unless the peer is one of the operator's trusted proxies
//! (`KAPFLOW_TRUSTED_PROXIES`). Behind a proxy every connection comes from the proxy, so the
//! address is the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy: each
//! proxy appends the address it saw, and anything further left was written by the client and
//! may be forged. With no trusted proxies set, forwarding headers are ignored entirely.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// The proxies whose `X-Forwarded-For` is believed: networks (CIDR) or single addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list such as `10.0.0.0/8, 192.0.2.7`; empty means none.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                IpNet::from_str(s)
                    .or_else(|_| IpAddr::from_str(s).map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an IP address or network (CIDR)"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The client's address from the peer and the forwarding headers, as the module comment says.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.trusts(peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match IpAddr::from_str(hop) {
            Ok(ip) if trusted.trusts(ip) => continue,
            Ok(ip) => return Some(ip),
            // Garbage where an address should be: a proxy we trust did not write it, so stop
            // and count the request against the last proxy that did.
            Err(_) => break,
        }
    }
    // Every readable hop was a trusted proxy: the one farthest from us is nearest the client.
    hops.iter()
        .rev()
        .map_while(|h| IpAddr::from_str(h).ok())
        .last()
        .or(Some(peer))
}

/// `None` when the server was not started with connection info (in-process tests).
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(
            client_ip(peer, &parts.headers, &state.config.trusted_proxies).map(|ip| ip.to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(IpAddr::from_str(s).expect("ip"))
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            client_ip(ip("203.0.113.9"), &xff(&["198.51.100.1"]), &none),
            ip("203.0.113.9")
        );
        assert_eq!(client_ip(None, &xff(&["198.51.100.1"]), &none), None);
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").expect("parse");
        // A forged entry on the left is ignored; the proxy chain on the right is skipped.
        let h = xff(&["1.2.3.4, 198.51.100.20", "10.1.1.1"]);
        assert_eq!(client_ip(ip("192.0.2.7"), &h, &t), ip("198.51.100.20"));
        // Two clients behind the same proxy are two addresses.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &xff(&["198.51.100.21"]), &t),
            ip("198.51.100.21")
        );
        // A peer that is not a trusted proxy is the client, whatever it claims.
        assert_eq!(client_ip(ip("203.0.113.9"), &h, &t), ip("203.0.113.9"));
        // No header, or only garbage: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &HeaderMap::new(), &t),
            ip("10.0.0.5")
        );
        assert_eq!(
            client_ip(ip("10.0.0.5"), &xff(&["nonsense"]), &t),
            ip("10.0.0.5")
        );
        // IPv6 works the same way.
        let t6 = TrustedProxies::parse("::1").expect("parse");
        assert_eq!(
            client_ip(ip("::1"), &xff(&["2001:db8::7"]), &t6),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn the_setting_refuses_what_is_not_an_address() {
        assert!(TrustedProxies::parse("").expect("empty").0.is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
    }
}

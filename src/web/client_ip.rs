//! Who the client is. Behind a reverse proxy the TCP peer is the proxy, so
//! the forwarding headers say who the client is, but any client can send
//! them too: they are read only when the peer is one of
//! `KASSA_TRUSTED_PROXIES`, and then from the right, where the trusted
//! proxies appended what they saw, skipping every trusted hop. The first
//! untrusted address is the client: whatever lies left of it was written by
//! the client and proves nothing.
//!
//! The result feeds the log-in limiter, Trustly's `IP` attribute, the
//! request logs and the `/metrics` allow list.
//!
//! No crate fits: `axum-client-ip` takes the right-most entry without a
//! list of trusted proxies, and `trusted-proxies` misreads a bare IPv6
//! address in `X-Forwarded-For` (what nginx writes) as its first group.

use std::{
    convert::Infallible,
    net::{IpAddr, Ipv4Addr, SocketAddr},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, HeaderMap},
};

use crate::config::OpsConfig;

/// The client's address, put on every request by [`super::ops::prepare`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        if let Some(ip) = parts.extensions.get::<ClientIp>() {
            return Ok(*ip);
        }
        // Outside the layer (unit tests of single routes): the peer.
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_canonical())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// Whether the request carries forwarding headers at all.
pub fn forwarded(headers: &HeaderMap) -> bool {
    headers.contains_key(header::FORWARDED) || headers.contains_key("x-forwarded-for")
}

/// The client of a request that came from `peer` with `headers`.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, ops: &OpsConfig) -> IpAddr {
    let peer = peer.to_canonical();
    if !ops.is_trusted_proxy(peer) {
        return peer;
    }
    let mut chain = forwarded_for(headers);
    if chain.is_empty() {
        chain = x_forwarded_for(headers);
    }
    let mut nearest = peer;
    for hop in chain.iter().rev() {
        match parse_node(hop) {
            Some(ip) if ops.is_trusted_proxy(ip) => nearest = ip,
            Some(ip) => return ip,
            // "unknown", an obfuscated name or garbage, written by the
            // trusted hop next to it: the client is not known beyond it.
            None => return nearest,
        }
    }
    // Every hop is trusted: the one that started the chain.
    nearest
}

/// Every `X-Forwarded-For` entry, in order, over all its header lines.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The `for=` of every `Forwarded` element (RFC 7239), in order. An
/// element without `for=` counts as unknown.
fn forwarded_for(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
                .unwrap_or_else(|| "unknown".into())
        })
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:5678`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sa) = node.parse::<SocketAddr>() {
        return Some(sa.ip().to_canonical());
    }
    let bracketed = node.strip_prefix('[')?.split(']').next()?;
    bracketed.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_nets;
    use axum::http::HeaderValue;

    fn ops(trusted: &str) -> OpsConfig {
        OpsConfig {
            trusted_proxies: parse_nets("t", trusted).unwrap(),
            metrics_allow: vec![],
            log_format: crate::config::LogFormat::Text,
            shutdown_grace_ms: 0,
            shutdown_drain_ms: 0,
            session_cleanup_interval_ms: 1,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let h = headers(&[("x-forwarded-for", "1.1.1.1"), ("forwarded", "for=2.2.2.2")]);
        assert_eq!(
            resolve(ip("9.9.9.9"), &h, &ops("10.0.0.0/8")),
            ip("9.9.9.9")
        );
        assert_eq!(resolve(ip("10.0.0.1"), &h, &ops("")), ip("10.0.0.1"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let o = ops("10.0.0.0/8, 192.168.0.1");
        // The client put 6.6.6.6 there itself; 1.1.1.1 is what our proxy saw.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 1.1.1.1, 192.168.0.1")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("1.1.1.1"));
        // Several header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "1.1.1.1"),
        ]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("1.1.1.1"));
        // Bare IPv6 (nginx), with ports, bracketed.
        let h = headers(&[("x-forwarded-for", "2001:db8::7")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("2001:db8::7"));
        let h = headers(&[("x-forwarded-for", "[2001:db8::7]:443, 1.2.3.4:80")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("1.2.3.4"));
        // A dual-stack listener's mapped peer address is trusted as IPv4.
        let h = headers(&[("x-forwarded-for", "1.1.1.1")]);
        assert_eq!(resolve(ip("::ffff:10.0.0.2"), &h, &o), ip("1.1.1.1"));
    }

    #[test]
    fn forwarded_is_read_first() {
        let o = ops("10.0.0.0/8");
        let h = headers(&[
            (
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.9",
            ),
            ("x-forwarded-for", "3.3.3.3"),
        ]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("2001:db8::1"));
    }

    #[test]
    fn no_header_or_only_trusted_hops_or_garbage() {
        let o = ops("10.0.0.0/8");
        assert_eq!(
            resolve(ip("10.0.0.2"), &HeaderMap::new(), &o),
            ip("10.0.0.2")
        );
        let h = headers(&[("x-forwarded-for", "10.0.0.5, 10.0.0.3")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("10.0.0.5"));
        // Unknown left of a trusted hop: that hop is the best we know.
        let h = headers(&[("forwarded", "for=unknown, for=10.0.0.3")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("10.0.0.3"));
        let h = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &o), ip("10.0.0.2"));
    }
}

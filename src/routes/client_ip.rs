//! Whose address counts for the per-IP limit on `POST /login`. Without trusted proxies it is
//! the peer of the connection, and `X-Forwarded-For` is ignored (anyone can send it). When the
//! peer is one of the configured reverse proxies, it is the last address in
//! `X-Forwarded-For` that is not itself a trusted proxy: the one the outermost trusted proxy
//! saw, which a client cannot forge.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use actix_governor::{KeyExtractor, SimpleKeyExtractionError};
use actix_web::dev::ServiceRequest;

#[derive(Clone, Debug, Default)]
pub struct ClientIpKeyExtractor {
    trusted: Arc<Vec<IpAddr>>,
}

impl ClientIpKeyExtractor {
    pub fn new(trusted: Vec<IpAddr>) -> Self {
        ClientIpKeyExtractor {
            trusted: Arc::new(trusted),
        }
    }

    /// The client address for a peer and the `X-Forwarded-For` values in order.
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        if !self.trusted.contains(&peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) if self.trusted.contains(&ip) => continue,
                Some(ip) => return ip,
                // Garbage the trusted proxy passed on: count it against the proxy itself.
                None => return peer,
            }
        }
        peer
    }
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv6 clients usually get a whole /56; limit per prefix, as actix-governor's own extractor does.
fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let mut octets = v6.octets();
            octets[7..16].fill(0);
            IpAddr::V6(octets.into())
        }
        v4 => v4,
    }
}

impl KeyExtractor for ClientIpKeyExtractor {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, Self::KeyExtractionError> {
        let peer = req
            .peer_addr()
            .map(|s| s.ip())
            .ok_or_else(|| SimpleKeyExtractionError::new("no peer address"))?;
        let values = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok());
        Ok(bucket(self.client(peer, values)))
    }
}

/// Parse `--trusted-proxy`: comma-separated IP addresses.
pub fn parse_trusted(list: &str) -> Result<Vec<IpAddr>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpAddr>().map_err(|_| {
                format!("--trusted-proxy 中的地址无效: {s:?}（应为逗号分隔的 IP 地址）")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let x = ClientIpKeyExtractor::new(vec![]);
        assert_eq!(
            x.client(ip("10.0.0.9"), ["1.2.3.4"].into_iter()),
            ip("10.0.0.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_untrusted_hop_counts() {
        let x = ClientIpKeyExtractor::new(vec![ip("10.0.0.1"), ip("10.0.0.2")]);
        // The client may prepend anything; the proxy appends what it saw.
        assert_eq!(
            x.client(ip("10.0.0.1"), ["6.6.6.6, 1.2.3.4"].into_iter()),
            ip("1.2.3.4")
        );
        // Chained trusted proxies are skipped, across several header lines too.
        assert_eq!(
            x.client(ip("10.0.0.1"), ["9.9.9.9, 1.2.3.4", "10.0.0.2"].into_iter()),
            ip("1.2.3.4")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(x.client(ip("10.0.0.1"), [].into_iter()), ip("10.0.0.1"));
        assert_eq!(
            x.client(ip("10.0.0.1"), ["1.2.3.4, nonsense"].into_iter()),
            ip("10.0.0.1")
        );
        // An untrusted peer's header is ignored.
        assert_eq!(
            x.client(ip("10.0.0.7"), ["1.2.3.4"].into_iter()),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn trusted_list_parses_or_says_what_is_wrong() {
        assert_eq!(
            parse_trusted("127.0.0.1, ::1,").expect("valid"),
            vec![ip("127.0.0.1"), ip("::1")]
        );
        assert!(parse_trusted("10.0.0.0/8").is_err());
    }
}

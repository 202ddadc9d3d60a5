//! `--trusted-proxies`: whose `X-Forwarded-For` / `Forwarded` headers name
//! the client. From any other peer those headers are ignored (a client could
//! otherwise pick its own rate-limit bucket); from a trusted one the client
//! is the right-most address in the chain that is not itself a trusted proxy.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// The configured proxy networks; empty (the default) trusts no one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses CIDRs (`10.0.0.0/8`) or bare addresses (one host).
    pub fn parse(list: &[String]) -> Result<Self, String> {
        list.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("--trusted-proxies: {s:?} is not a CIDR or an IP address"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    /// Whether `peer` is one of the trusted proxies.
    pub fn trusts_peer(&self, peer: IpAddr) -> bool {
        self.trusts(peer)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's IP for a request from `peer` with `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if self.0.is_empty() || !self.trusts(peer) {
            return peer;
        }
        let mut chain: Vec<IpAddr> = Vec::new();
        for v in headers.get_all("forwarded") {
            let Ok(v) = v.to_str() else { continue };
            for element in v.split(',') {
                for pair in element.split(';') {
                    if let Some((k, val)) = pair.trim().split_once('=')
                        && k.trim().eq_ignore_ascii_case("for")
                        && let Some(ip) = parse_node(val)
                    {
                        chain.push(ip);
                    }
                }
            }
        }
        if chain.is_empty() {
            for v in headers.get_all("x-forwarded-for") {
                let Ok(v) = v.to_str() else { continue };
                chain.extend(v.split(',').filter_map(parse_node));
            }
        }
        chain
            .into_iter()
            .rev()
            .find(|ip| !self.trusts(*ip))
            .unwrap_or(peer)
    }
}

/// `1.2.3.4`, `"[2001:db8::1]:443"`, `1.2.3.4:80`.
fn parse_node(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    s.rsplit_once(':').and_then(|(h, _)| h.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_peers() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let xff = headers(&[("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.9.9.9")]);
        assert_eq!(
            proxies.client_ip(peer, &xff),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "8.8.8.8".parse().unwrap();
        assert_eq!(proxies.client_ip(stranger, &xff), stranger);
        assert_eq!(TrustedProxies::default().client_ip(peer, &xff), peer);
        let fwd = headers(&[(
            "forwarded",
            "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2",
        )]);
        assert_eq!(
            proxies.client_ip(peer, &fwd),
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(proxies.client_ip(peer, &HeaderMap::new()), peer);
        assert!(TrustedProxies::parse(&["nonsense".into()]).is_err());
    }
}

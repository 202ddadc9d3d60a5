//! Open-connection caps: at most [`MAX_CONNECTIONS`] in all and
//! [`MAX_CONNECTIONS_PER_IP`] from one peer address (trusted proxies are
//! exempt from the per-address cap). A connection over a cap is answered once
//! — 503 `SERVER_BUSY` (global) or 429 `TOO_MANY_CONNECTIONS` (per address),
//! `Connection: close` — and closed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use http::{HeaderValue, StatusCode, header};

/// Most connections open at once.
pub(crate) const MAX_CONNECTIONS: usize = 10_000;
/// Most connections open at once from one peer address.
pub const MAX_CONNECTIONS_PER_IP: usize = 256;

/// Counts of open connections.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    inner: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// [`MAX_CONNECTIONS`].
    Global,
    /// [`MAX_CONNECTIONS_PER_IP`].
    PerIp,
}

/// An open connection's place in the counts; given back on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    conns: Arc<Connections>,
    ip: Option<IpAddr>,
}

impl Connections {
    /// Takes a slot for a connection from `ip` (`None`: not counted per address).
    pub(crate) fn open(self: &Arc<Self>, ip: Option<IpAddr>) -> Result<Slot, Refused> {
        self.open_within(ip, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP)
    }

    fn open_within(
        self: &Arc<Self>,
        ip: Option<IpAddr>,
        global: usize,
        per_ip: usize,
    ) -> Result<Slot, Refused> {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if g.0 >= global {
            return Err(Refused::Global);
        }
        if let Some(ip) = ip {
            let n = g.1.entry(ip).or_insert(0);
            if *n >= per_ip {
                return Err(Refused::PerIp);
            }
            *n += 1;
        }
        g.0 += 1;
        Ok(Slot {
            conns: self.clone(),
            ip,
        })
    }

    /// Connections open now.
    #[cfg(test)]
    pub(crate) fn open_count(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut g = self
            .conns
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.0 -= 1;
        if let Some(ip) = self.ip
            && let Some(n) = g.1.get_mut(&ip)
        {
            *n -= 1;
            if *n == 0 {
                g.1.remove(&ip);
            }
        }
    }
}

/// The one answer a refused connection gets.
pub(crate) fn refusal(why: Refused) -> http::Response<axum::body::Body> {
    let (status, code, message) = match why {
        Refused::Global => (
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_BUSY",
            "The server has too many open connections; retry shortly",
        ),
        Refused::PerIp => (
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_CONNECTIONS",
            "Too many open connections from this address",
        ),
    };
    let body = serde_json::json!({"error": code, "message": message}).to_string();
    let mut res = http::Response::new(axum::body::Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_on_both_sides_and_slots_come_back() {
        let c = Arc::new(Connections::default());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let s1 = c.open_within(Some(a), 3, 2).unwrap();
        let _s2 = c.open_within(Some(a), 3, 2).unwrap();
        assert_eq!(c.open_within(Some(a), 3, 2).unwrap_err(), Refused::PerIp);
        let _s3 = c.open_within(Some(b), 3, 2).unwrap();
        assert_eq!(c.open_within(Some(b), 3, 2).unwrap_err(), Refused::Global);
        drop(s1);
        let _s4 = c.open_within(Some(a), 3, 2).unwrap();
        assert_eq!(c.open_count(), 3);
    }
}

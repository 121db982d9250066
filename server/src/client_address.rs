//! The client address of the request being answered, for the throttling of
//! password and signature guessing (`core::throttle`). A middleware reads it
//! from the socket peer (or, behind a proxy and only when the operator says
//! so, from `X-Forwarded-For`) and keeps it in a task-local for the
//! request's handler: the generated handlers pass the dialects only
//! credentials, headers and input, and the core knows no HTTP.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static CURRENT: Option<String>;
}

/// The address of the request this task answers; `None` outside a request
/// or when the server was not served with connection info (a router driven
/// in-process by a test).
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok().flatten()
}

/// How an IP becomes a throttle key: IPv4 as is; IPv6 by its /64, the
/// block one subscriber usually holds whole (one key per address would give
/// an IPv6 guesser 2^64 keys).
pub fn key_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The client of `req`: the last `X-Forwarded-For` entry (the one the
/// trusted proxy appended; earlier ones are whatever the client sent) when
/// `trust_forwarded_for`, else the socket peer.
pub fn of_request(req: &Request, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = forwarded {
            return Some(key_of(ip));
        }
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| key_of(peer.ip()))
}

/// Runs the rest of the request with its client address known to [`current`].
pub async fn layer(State(trust_forwarded_for): State<bool>, req: Request, next: Next) -> Response {
    let address = of_request(&req, trust_forwarded_for);
    CURRENT.scope(address, next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(peer: &str, forwarded: Option<&str>) -> Request {
        let mut req = Request::builder().uri("/x");
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        req
    }

    #[test]
    fn forwarded_for_is_read_only_when_trusted() {
        let req = request("10.0.0.1:5000", Some("1.1.1.1, 203.0.113.7"));
        assert_eq!(of_request(&req, false).as_deref(), Some("10.0.0.1"));
        assert_eq!(of_request(&req, true).as_deref(), Some("203.0.113.7"));
        let garbage = request("10.0.0.1:5000", Some("not an ip"));
        assert_eq!(of_request(&garbage, true).as_deref(), Some("10.0.0.1"));
        let v6 = request("[2001:db8:1:2:3:4:5:6]:5000", None);
        assert_eq!(of_request(&v6, false).as_deref(), Some("2001:db8:1:2::/64"));
    }
}

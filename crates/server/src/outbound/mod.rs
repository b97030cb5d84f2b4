//! The one way out: every HTTP request Debrief makes to a URL someone gave it (outgoing
//! webhooks, status page subscriber webhooks, and every integration to come) goes through
//! [`Outbound`], so nobody can make the server call its own loopback, a private network or a
//! cloud metadata service (server-side request forgery, issue 9.3).
//!
//! The [`DestinationPolicy`] refuses every address that is not on the public internet (see
//! [`address`]) unless the operator allows it: all of them (`--allow-private-destinations`) or
//! some networks (`--allow-destination CIDR`). It is enforced in three places:
//! - when a URL is saved ([`DestinationPolicy::check_url`]): a host that is a refused address
//!   is a validation error (URL parsing has already turned decimal `2130706433` and octal
//!   `0177.0.0.1` forms into `127.0.0.1`);
//! - before a request is sent ([`Outbound::post`]): the same check, since a URL whose host is an
//!   address is connected to without any lookup;
//! - when a host name is resolved: the client's resolver (`CheckedResolver`) drops every
//!   refused address and fails when none is left. The client connects to the addresses the
//!   resolver returned, so the address checked is the address used (a second lookup that
//!   answers differently cannot slip in between).
//!
//! No redirect is followed (a redirect would be a new destination), and no proxy is used (a
//! proxy would resolve names itself, beyond the policy's reach).

pub mod address;
pub mod slack;
pub mod webpush;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A network an operator allows as a destination: `10.0.0.0/8`, `fd00::/8`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(ipnet::IpNet);

impl Network {
    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Self(ipnet::IpNet::from(ip)));
        }
        s.parse::<ipnet::IpNet>()
            .map(|n| Self(n.trunc()))
            .map_err(|_| {
                format!("'{s}' is not a network like 10.0.0.0/8 or fd00::/8, or an IP address")
            })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which addresses Debrief may send requests to. The default refuses every address that is
/// not on the public internet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    /// Every address is allowed, private ones included (`--allow-private-destinations`).
    pub allow_private: bool,
    /// Networks allowed even though they are private (`--allow-destination`).
    pub allowed: Vec<Network>,
}

impl DestinationPolicy {
    /// A policy that allows every destination (for a server whose integrations all live on
    /// its own network, and for tests with loopback receivers).
    pub fn allow_all() -> Self {
        Self {
            allow_private: true,
            allowed: Vec::new(),
        }
    }

    /// Whether a request may go to `ip`.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refusal> {
        if self.allow_private {
            return Ok(());
        }
        // `::ffff:10.0.0.1` is 10.0.0.1 to the socket: an allowed IPv4 network allows it too.
        let canonical = ip.to_canonical();
        if self
            .allowed
            .iter()
            .any(|n| n.contains(ip) || n.contains(canonical))
        {
            return Ok(());
        }
        match address::refused_range(ip) {
            None => Ok(()),
            Some(range) => Err(Refusal::Address { ip, range }),
        }
    }

    /// Parses a URL to be saved (a webhook's): it must be `http` or `https` with a host, and a
    /// host that is an address must be allowed. Host names are checked when they are resolved,
    /// at delivery: looking them up now would tell the public what our resolver sees.
    pub fn check_url(&self, url: &str) -> Result<Url, Refusal> {
        let url = Url::parse(url.trim()).map_err(|_| Refusal::NotHttp)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Refusal::NotHttp);
        }
        if let Some(ip) = literal_ip(&url) {
            self.check(ip)?;
        }
        Ok(url)
    }
}

/// The host of `url` when it is an IP address (`[::1]` without its brackets).
fn literal_ip(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// Why a request was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not an absolute `http` or `https` URL with a host.
    #[error("must be an http:// or https:// URL")]
    NotHttp,
    /// The host is an address the policy refuses.
    #[error(
        "{ip} is {range}; Debrief sends nothing to private destinations unless its operator allows them"
    )]
    Address {
        /// The address.
        ip: IpAddr,
        /// What it is (`a loopback address`, …).
        range: &'static str,
    },
    /// The host name resolved only to addresses the policy refuses.
    #[error(
        "{host} resolves only to addresses Debrief does not send to ({}); private destinations need the operator's permission",
        list(.refused)
    )]
    Resolved {
        /// The host name.
        host: String,
        /// Each address it resolved to, with what it is.
        refused: Vec<(IpAddr, &'static str)>,
    },
}

fn list(refused: &[(IpAddr, &'static str)]) -> String {
    refused
        .iter()
        .map(|(ip, range)| format!("{ip} is {range}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Refusal {
    /// The refusal among the causes of a failed request, if the policy is why it failed.
    pub fn of(e: &reqwest::Error) -> Option<&Refusal> {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(inner) = source {
            if let Some(r) = inner.downcast_ref::<Refusal>() {
                return Some(r);
            }
            source = inner.source();
        }
        None
    }
}

/// The resolver of the outgoing client: the system's lookup, less the refused addresses.
#[derive(Debug)]
struct CheckedResolver {
    policy: Arc<DestinationPolicy>,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
                .into_iter()
                .partition(|a| policy.check(a.ip()).is_ok());
            if allowed.is_empty() {
                let refused = refused
                    .iter()
                    .filter_map(|a| match policy.check(a.ip()) {
                        Err(Refusal::Address { ip, range }) => Some((ip, range)),
                        _ => None,
                    })
                    .collect();
                return Err(Box::new(Refusal::Resolved { host, refused }) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The outgoing HTTP client: one per server, shared by every job that sends requests.
#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: Arc<DestinationPolicy>,
}

impl Outbound {
    /// The client for `policy`; requests time out after `timeout`.
    pub fn new(policy: DestinationPolicy, timeout: Duration) -> Self {
        crate::install_crypto_provider();
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .user_agent(concat!("Debrief/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver {
                policy: policy.clone(),
            }))
            .timeout(timeout)
            .build()
            .expect("the outgoing HTTP client builds");
        Self { client, policy }
    }

    /// The policy requests are checked against.
    pub fn policy(&self) -> &DestinationPolicy {
        &self.policy
    }

    /// A `POST` to `url`, refused before anything is sent when the URL is not `http(s)` or its
    /// host is a refused address; a host name is checked when the request resolves it (a
    /// failed send then carries the [`Refusal`]: see [`Refusal::of`]).
    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, Refusal> {
        let url = self.policy.check_url(url)?;
        Ok(self.client.post(url))
    }

    /// A `GET` of `url` (an OpenID provider's discovery document and keys), checked as
    /// [`Outbound::post`] is.
    pub fn get(&self, url: &str) -> Result<reqwest::RequestBuilder, Refusal> {
        let url = self.policy.check_url(url)?;
        Ok(self.client.get(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refuses(policy: &DestinationPolicy, url: &str) -> bool {
        matches!(policy.check_url(url), Err(Refusal::Address { .. }))
    }

    #[test]
    fn decimal_octal_hex_and_mapped_forms_of_loopback_are_refused() {
        let p = DestinationPolicy::default();
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.0.0.1/",
            "http://127.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://0.0.0.0:80/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/",
            "https://[fd00::1]/",
            "http://[fe80::1]/",
        ] {
            assert!(refuses(&p, url), "{url}");
        }
    }

    #[test]
    fn public_addresses_and_host_names_pass_the_save_check() {
        let p = DestinationPolicy::default();
        for url in [
            "https://hooks.example.com/in",
            "http://localhost:8080/",
            "https://8.8.8.8/",
            "https://[2606:4700:4700::1111]/",
        ] {
            assert!(p.check_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn urls_that_are_not_http_are_refused() {
        let p = DestinationPolicy::default();
        for url in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "not a url",
            "http://",
        ] {
            assert_eq!(p.check_url(url), Err(Refusal::NotHttp), "{url}");
        }
    }

    #[test]
    fn an_allowed_network_admits_its_addresses_and_no_others() {
        let p = DestinationPolicy {
            allow_private: false,
            allowed: vec!["127.0.0.0/8".parse().expect("a network")],
        };
        assert!(p.check_url("http://127.0.0.1:9/").is_ok());
        assert!(p.check_url("http://[::ffff:127.0.0.1]:9/").is_ok());
        assert!(refuses(&p, "http://[::1]:9/"));
        assert!(refuses(&p, "http://10.0.0.1/"));
        assert!(
            DestinationPolicy::allow_all()
                .check_url("http://10.0.0.1/")
                .is_ok()
        );
    }

    #[test]
    fn networks_parse_from_cidrs_and_single_addresses() {
        let n: Network = "10.1.2.3/8".parse().expect("a network");
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(n.contains("10.200.0.1".parse().expect("an IP")));
        let one: Network = "::1".parse().expect("an address");
        assert_eq!(one.to_string(), "::1/128");
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("example.com".parse::<Network>().is_err());
    }

    #[tokio::test]
    async fn a_host_name_that_resolves_to_loopback_is_refused_by_the_resolver() {
        let r = CheckedResolver {
            policy: Arc::new(DestinationPolicy::default()),
        };
        let e = match r.resolve("localhost".parse().expect("a name")).await {
            Ok(_) => panic!("localhost resolved to an allowed address"),
            Err(e) => e,
        };
        let refusal = e.downcast_ref::<Refusal>().expect("a refusal");
        assert!(
            matches!(refusal, Refusal::Resolved { host, refused } if host == "localhost" && !refused.is_empty()),
            "{refusal}"
        );
    }

    #[tokio::test]
    async fn a_request_to_a_name_for_loopback_fails_with_the_refusal_and_connects_nowhere() {
        // Arrange: a listener on loopback that counts connections.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("an address").port();
        let outbound = Outbound::new(DestinationPolicy::default(), Duration::from_secs(5));

        // Act
        let sent = outbound
            .post(&format!("http://localhost:{port}/hook"))
            .expect("a host name passes the literal check")
            .send()
            .await;

        // Assert: the error names the refusal; nothing connected.
        let e = sent.expect_err("refused");
        assert!(
            matches!(Refusal::of(&e), Some(Refusal::Resolved { .. })),
            "{e:?}"
        );
        let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
        assert!(accepted.is_err(), "a connection reached the listener");
    }
}

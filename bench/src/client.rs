//! A lean HTTP/1.1 client on one keep-alive connection (hyper's connection API, no pool, no
//! redirects, no TLS), so the load generator spends as little of the machine as it can.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// One request of a load: what to send and what counts as success.
#[derive(Debug, Clone, Default)]
pub struct Call {
    /// GET or POST.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// JSON body (empty for GET).
    pub body: Bytes,
    /// Request headers beyond `Host`, `Authorization` and `Content-Type`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The status of a successful answer.
    pub expect: StatusCode,
    /// Answer headers a successful answer must carry with exactly this value (`None`: must not
    /// carry at all), like `Content-Type`.
    pub expect_headers: Vec<(HeaderName, Option<HeaderValue>)>,
    /// Text a successful answer's body must contain (for answers that are `200` whatever
    /// happened, like Slack's ephemeral messages).
    pub expect_text: Option<String>,
}

impl Call {
    /// A `GET` of `path` that expects `200 OK`.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            ..Self::default()
        }
    }
}

/// A whole answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body, as sent (still compressed if it was).
    pub body: Bytes,
}

/// One keep-alive connection to a server.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    auth: Option<String>,
}

impl Conn {
    /// Opens a connection; `token`, when given, is sent as `Authorization: Bearer`.
    pub async fn open(addr: SocketAddr, token: Option<&str>) -> Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("Failed to connect to {addr}"))?;
        stream
            .set_nodelay(true)
            .context("Failed to set TCP_NODELAY")?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("Failed to start an HTTP/1.1 connection")?;
        tokio::spawn(async move {
            // The connection ends when the worker drops its sender; errors show up there.
            let _ = conn.await;
        });
        Ok(Self {
            sender,
            host: addr.to_string(),
            auth: token.map(|t| format!("Bearer {t}")),
        })
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(&mut self, call: &Call) -> Result<Answer> {
        let mut req = Request::builder()
            .method(call.method.clone())
            .uri(&call.path)
            .header(HOST, &self.host);
        if let Some(a) = &self.auth {
            req = req.header(AUTHORIZATION, a);
        }
        let typed = call.headers.iter().any(|(n, _)| n == CONTENT_TYPE);
        if !call.body.is_empty() && !typed {
            req = req.header(CONTENT_TYPE, "application/json");
        }
        for (name, value) in &call.headers {
            req = req.header(name, value);
        }
        let req = req
            .body(Full::new(call.body.clone()))
            .context("Failed to build a request")?;
        self.sender.ready().await.context("The connection closed")?;
        let res = self
            .sender
            .send_request(req)
            .await
            .context("Failed to send a request")?;
        let (parts, body) = res.into_parts();
        let body = body
            .collect()
            .await
            .context("Failed to read an answer")?
            .to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// Whether the connection is gone (the server closed it or it failed).
    pub fn closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends one request and fails unless it gets the expected status and headers; returns the
    /// answer.
    pub async fn expect(&mut self, call: &Call) -> Result<Answer> {
        let answer = self.send(call).await?;
        let body = &answer.body;
        if answer.status != call.expect {
            bail!(
                "{} {} answered {}, expected {}: {}",
                call.method,
                call.path,
                answer.status,
                call.expect,
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        for (name, want) in &call.expect_headers {
            let got = answer.headers.get(name);
            if got != want.as_ref() {
                bail!(
                    "{} {} answered {name}: {got:?}, expected {want:?}",
                    call.method,
                    call.path,
                );
            }
        }
        if let Some(want) = &call.expect_text
            && !String::from_utf8_lossy(body).contains(want.as_str())
        {
            bail!(
                "{} {} answered without '{want}': {}",
                call.method,
                call.path,
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        Ok(answer)
    }
}

/// Whether `GET /healthz` on a fresh connection answers 200 (false while nobody listens).
/// Gives up on an attempt after two seconds.
pub async fn healthz(addr: SocketAddr) -> bool {
    let limit = std::time::Duration::from_secs(2);
    tokio::time::timeout(limit, healthz_once(addr))
        .await
        .unwrap_or(false)
}

async fn healthz_once(addr: SocketAddr) -> bool {
    let mut conn = match Conn::open(addr, None).await {
        Ok(c) => c,
        Err(_) => return false,
    };
    let call = Call::get("/healthz");
    matches!(conn.send(&call).await, Ok(a) if a.status == StatusCode::OK)
}

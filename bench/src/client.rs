//! A lean HTTP/1.1 client on one keep-alive connection (hyper's connection API, no pool, no
//! redirects, no TLS), so the load generator spends as little of the machine as it can.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// One request of a load: what to send and what status counts as success.
#[derive(Debug, Clone)]
pub struct Call {
    /// GET or POST.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// JSON body (empty for GET).
    pub body: Bytes,
    /// The status of a successful answer.
    pub expect: StatusCode,
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

    /// Sends one request and reads the whole answer: its status and body.
    pub async fn send(&mut self, call: &Call) -> Result<(StatusCode, Bytes)> {
        let mut req = Request::builder()
            .method(call.method.clone())
            .uri(&call.path)
            .header(HOST, &self.host);
        if let Some(a) = &self.auth {
            req = req.header(AUTHORIZATION, a);
        }
        if !call.body.is_empty() {
            req = req.header(CONTENT_TYPE, "application/json");
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
        let status = res.status();
        let body = res
            .into_body()
            .collect()
            .await
            .context("Failed to read an answer")?
            .to_bytes();
        Ok((status, body))
    }

    /// Whether the connection is gone (the server closed it or it failed).
    pub fn closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends one request and fails unless it gets the expected status; returns the body.
    pub async fn expect(&mut self, call: &Call) -> Result<Bytes> {
        let (status, body) = self.send(call).await?;
        if status != call.expect {
            bail!(
                "{} {} answered {status}, expected {}: {}",
                call.method,
                call.path,
                call.expect,
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        Ok(body)
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
    let call = Call {
        method: Method::GET,
        path: "/healthz".into(),
        body: Bytes::new(),
        expect: StatusCode::OK,
    };
    matches!(conn.send(&call).await, Ok((StatusCode::OK, _)))
}

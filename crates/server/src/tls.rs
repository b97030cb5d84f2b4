//! HTTPS: the server's certificate and key, read from PEM files, and a listener that terminates
//! TLS in front of axum (`debrief serve --tls-cert … --tls-key …`).
//!
//! Some senders refuse plain HTTP: PagerDuty's own `pagerduty` library and its CLI only accept
//! `https://` base URLs (issue 11), so the server speaks TLS itself rather than needing a proxy.
//!
//! [`TlsListener`] accepts TCP connections and runs each TLS handshake in its own task, so a
//! slow or broken client never holds up the others; a handshake that fails or takes longer than
//! [`HANDSHAKE_TIMEOUT`] is logged at debug level and dropped. A plain HTTP request sent to the
//! TLS port is answered `400` with a sentence saying to use `https://`. Only HTTP/1.1 is offered
//! (ALPN), as the server speaks nothing else.
//!
//! The private key never reaches a log or an error message: errors about the key file name the
//! file and what is wrong with it, never its content.

use axum::serve::Listener;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client may take to finish its TLS handshake before its connection is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes under way at most; past it, new connections wait in the kernel's backlog until
/// one finishes.
const MAX_PENDING_HANDSHAKES: usize = 1024;

/// What is said to a plain HTTP request on the TLS port (the connection closes after it).
const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Length: 60\r\n\
Connection: close\r\n\
\r\n\
This server speaks HTTPS only: use an https:// address here\n";

/// Why the certificate or the key cannot be used. Each names its file; none quotes the key.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read.
    #[error("Failed to read the TLS certificate file {path}")]
    ReadCertificate {
        /// The file given.
        path: PathBuf,
        /// Why reading failed.
        source: io::Error,
    },
    /// The certificate file holds no usable PEM certificate.
    #[error("The TLS certificate file {path} is not a PEM certificate: {reason}")]
    Certificate {
        /// The file given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key file could not be read.
    #[error("Failed to read the TLS key file {path}")]
    ReadKey {
        /// The file given.
        path: PathBuf,
        /// Why reading failed.
        source: io::Error,
    },
    /// The key file holds no usable PEM private key.
    #[error("The TLS key file {path} is not a PEM private key: {reason}")]
    Key {
        /// The file given.
        path: PathBuf,
        /// What is wrong with it (never its content).
        reason: &'static str,
    },
    /// The key is not the one of the certificate (the first in its file).
    #[error("The TLS key file {key} does not hold the private key of the certificate {cert}")]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The certificate and key were read but do not make a server configuration (the key type
    /// is not supported, for example).
    #[error("The TLS certificate {cert} and key {key} cannot be used together")]
    Config {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls refused.
        source: rustls::Error,
    },
}

/// Reads the certificate chain (`cert`, PEM, the server's certificate first) and its private key
/// (`key`, PEM: PKCS#8, PKCS#1 or SEC1, unencrypted) and builds the TLS configuration of the
/// server: TLS 1.2 and 1.3 on ring, no client certificates, ALPN `http/1.1`.
pub fn load_server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs = read_certificates(cert)?;
    let private_key = read_private_key(key)?;
    let config_error = |source| match source {
        rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            TlsError::KeyMismatch {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
            }
        }
        source => TlsError::Config {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            source,
        },
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(config_error)?
        .with_no_client_auth()
        .with_single_cert(certs, private_key)
        .map_err(config_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::ReadCertificate {
        path: path.to_path_buf(),
        source,
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Certificate {
            path: path.to_path_buf(),
            reason: "it has no BEGIN CERTIFICATE section".into(),
        });
    }
    Ok(certs)
}

fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::ReadKey {
        path: path.to_path_buf(),
        source,
    })?;
    // pem::Error's messages may quote the file (a line, a base64 error): say what is wrong in
    // our own words instead, so nothing of the key is ever printed.
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::Key {
        path: path.to_path_buf(),
        reason: match e {
            pem::Error::NoItemsFound => {
                "it has no unencrypted PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY section \
                 (decrypt an encrypted key first, e.g. with `openssl pkey`)"
            }
            pem::Error::MissingSectionEnd { .. } => "a section has no END line",
            pem::Error::IllegalSectionStart { .. } => "a BEGIN line is malformed",
            pem::Error::Base64Decode(_) => "a section is not valid base64",
            _ => "it cannot be read as PEM",
        },
    })
}

/// A TCP listener that hands axum connections whose TLS handshake is done. Handshakes run
/// concurrently, each in its own task (see the [module docs](self)).
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    /// Handshakes under way; dropped (aborted) with the listener.
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl TlsListener {
    /// Terminates TLS with `config` on the connections `tcp` accepts.
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> Self {
        Self {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener")
            .field("local_addr", &self.tcp.local_addr().ok())
            .field("handshakes", &self.handshakes.len())
            .finish_non_exhaustive()
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    // Cancel safe, as axum needs (it drops this future at shutdown): the TCP accept and
    // `join_next` are, and a new connection is moved into the set without an await between.
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept(), if self.handshakes.len() < MAX_PENDING_HANDSHAKES => {
                    match accepted {
                        Ok((tcp, peer)) => {
                            self.handshakes.spawn(handshake(self.acceptor.clone(), tcp, peer));
                        }
                        Err(e) => handle_accept_error(e).await,
                    }
                }
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    match done {
                        Ok(Some(connection)) => return connection,
                        Ok(None) => {}
                        Err(e) => tracing::debug!(error = %e, "A TLS handshake task ended abnormally"),
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// One connection's handshake; `None` when it failed (logged here, at debug: a client's
/// mistake, or a port scan, is nothing for an operator to act on).
async fn handshake(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<(TlsStream<TcpStream>, SocketAddr)> {
    let attempt = async {
        // A TLS client speaks first with a handshake record (0x16); an HTTP request starts with
        // its method's letters.
        let mut first = [0u8; 1];
        if tcp.peek(&mut first).await? == 1 && first[0].is_ascii_uppercase() {
            answer_plain_http(tcp).await?;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a plain HTTP request on the TLS port (answered 400)",
            ));
        }
        acceptor.accept(tcp).await
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, attempt).await {
        Ok(Ok(tls)) => Some((tls, peer)),
        Ok(Err(e)) => {
            tracing::debug!(peer = %peer, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(peer = %peer, "TLS handshake timed out");
            None
        }
    }
}

/// Answers a plain HTTP request with a 400 saying to use HTTPS, then reads what the client
/// still sends until it closes (closing with unread input would reset the connection before
/// the client reads the answer).
async fn answer_plain_http(mut tcp: TcpStream) -> io::Result<()> {
    tcp.write_all(PLAIN_HTTP_ANSWER).await?;
    tcp.shutdown().await?;
    let mut sink = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        let n = tcp.read(&mut sink).await?;
        if n == 0 {
            break;
        }
        left = left.saturating_sub(n);
    }
    Ok(())
}

/// What axum does with a failed TCP accept: connection errors concern one client and are
/// skipped; others (out of file descriptors) are logged and retried a second later.
async fn handle_accept_error(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "Failed to accept a connection; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_http_answer_has_the_length_it_says() {
        let text = std::str::from_utf8(PLAIN_HTTP_ANSWER).expect("ASCII");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
    }

    #[test]
    fn a_missing_key_file_is_named_and_nothing_is_quoted() {
        let dir = std::env::temp_dir();
        let cert = dir.join("debrief-no-such-cert.pem");
        let err = load_server_config(&cert, &dir.join("k.pem")).expect_err("no such file");
        assert!(
            err.to_string().contains("debrief-no-such-cert.pem"),
            "{err}"
        );
        assert!(
            std::error::Error::source(&err).is_some(),
            "the I/O error is its source"
        );
    }

    #[test]
    fn a_key_file_without_a_key_says_so_without_quoting_it() {
        let dir = std::env::temp_dir().join(format!("debrief-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let key = dir.join("key.pem");
        std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IQ==\n").expect("write");
        let err = read_private_key(&key).expect_err("no END line");
        let text = err.to_string();
        assert!(text.contains("key.pem") && text.contains("END"), "{text}");
        assert!(!text.contains("c2VjcmV0"), "{text}");
        std::fs::write(&key, "not pem at all").expect("write");
        let text = read_private_key(&key).expect_err("no key").to_string();
        assert!(text.contains("no unencrypted PRIVATE KEY"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! A self-signed loopback certificate for HTTPS tests, made by the `openssl` command as
//! `shared/research/real-clients.md` (section 2) does, and an HTTP client that trusts it.
//!
//! One extension is added to that command: `basicConstraints=critical,CA:FALSE`. Without it
//! `openssl req -x509` marks the certificate as a CA, which OpenSSL-based clients (Python's)
//! accept as a server's own certificate but rustls refuses (`CaUsedAsEndEntity`), and the tests
//! read the API with reqwest on rustls.

use super::sinks::TempDir;
use std::path::PathBuf;

/// A certificate for `127.0.0.1` and `localhost` with its key, in a temporary directory.
pub struct TestCert {
    /// The certificate (PEM): what the server presents and what clients trust.
    pub cert: PathBuf,
    /// The private key (PEM, PKCS#8, unencrypted).
    pub key: PathBuf,
    _dir: TempDir,
}

impl TestCert {
    /// Generates a fresh RSA certificate valid for two days. Fails (never skips) when `openssl`
    /// is missing.
    pub async fn generate() -> TestCert {
        let dir = std::env::temp_dir().join(super::db::unique_name("debrief_tls"));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
        let out = tokio::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args(["-days", "2", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .output()
            .await
            .expect("run openssl (Debian package openssl; scripts/install-test-deps installs it)");
        assert!(
            out.status.success(),
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TestCert {
            cert,
            key,
            _dir: TempDir(dir),
        }
    }

    /// An HTTP client that trusts this certificate, and only it.
    pub fn client(&self) -> reqwest::Client {
        debrief_server::install_crypto_provider();
        let pem = std::fs::read(&self.cert).expect("read the certificate");
        let cert = reqwest::Certificate::from_pem(&pem).expect("a PEM certificate");
        reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([cert])
            .build()
            .expect("an HTTPS client")
    }
}

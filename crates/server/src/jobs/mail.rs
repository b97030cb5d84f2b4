//! `email` jobs: a message sent over SMTP with lettre.
//!
//! The SMTP server is one URL: `smtp://host:port` (no encryption: loopback and development
//! only), `smtp+starttls://host:587` (upgraded with STARTTLS, required) or `smtps://host:465`
//! (TLS from the first byte), with `user:password@` when the relay wants AUTH (percent-encode
//! reserved characters). The password never reaches a log: [`SmtpConfig`]'s `Debug` and
//! [`SmtpConfig::redacted`] hide it.

use super::{JobContext, JobKind, Outcome};
use crate::AppError;
use base64::Engine;
use debrief_core::validation::ValidationError;
use debrief_store::jobs::Job;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: none (loopback and development only).
    Plain,
    /// `smtp+starttls://`: upgraded with STARTTLS, which the server must offer.
    StartTls,
    /// `smtps://`: TLS from the start.
    Tls,
}

/// Where and as whom e-mail is sent.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Connection security.
    pub security: SmtpSecurity,
    /// Host name (also checked against the TLS certificate).
    pub host: String,
    /// Port.
    pub port: u16,
    /// AUTH user, if any.
    pub username: Option<String>,
    /// AUTH password: never printed.
    password: Option<String>,
    /// The `From` mailbox, e.g. `Debrief <debrief@example.com>`.
    pub from: Mailbox,
}

impl SmtpConfig {
    /// Parses an SMTP URL and a `From` address.
    pub fn parse(url: &str, from: &str) -> Result<Self, String> {
        let u = reqwest::Url::parse(url.trim())
            .map_err(|e| format!("the SMTP URL is not a URL ({e}); use smtp://host:port"))?;
        let (security, default_port) = match u.scheme() {
            "smtp" => (SmtpSecurity::Plain, 25),
            "smtp+starttls" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            other => {
                return Err(format!(
                    "unsupported SMTP URL scheme '{other}'; use smtp://, smtp+starttls:// or smtps://"
                ));
            }
        };
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the SMTP URL has no host")?
            .trim_matches(['[', ']'])
            .to_string();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    "the SMTP user or password is not UTF-8 once percent-decoded".to_string()
                })
        };
        let username = match u.username() {
            "" => None,
            name => Some(decode(name)?),
        };
        let password = u.password().map(decode).transpose()?;
        if password.is_some() && username.is_none() {
            return Err("the SMTP URL has a password but no user".into());
        }
        let from = from.trim().parse::<Mailbox>().map_err(|e| {
            format!("the sender '{from}' is not an e-mail address ({e}); e.g. Debrief <debrief@example.com>")
        })?;
        Ok(Self {
            security,
            host,
            port: u.port().unwrap_or(default_port),
            username,
            password,
            from,
        })
    }

    /// The URL with the password replaced by `***`, for logs and messages.
    pub fn redacted(&self) -> String {
        let scheme = match self.security {
            SmtpSecurity::Plain => "smtp",
            SmtpSecurity::StartTls => "smtp+starttls",
            SmtpSecurity::Tls => "smtps",
        };
        let user = match (&self.username, &self.password) {
            (Some(u), Some(_)) => format!("{u}:***@"),
            (Some(u), None) => format!("{u}@"),
            _ => String::new(),
        };
        format!("{scheme}://{user}{}:{}", self.host, self.port)
    }

    /// The transport: a small connection pool, 30 s per SMTP command.
    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let tls = |host: &str| {
            TlsParameters::new(host.into()).map_err(|e| format!("TLS set-up failed: {e}"))
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.as_str())
            .port(self.port)
            .timeout(Some(Duration::from_secs(30)));
        b = match self.security {
            SmtpSecurity::Plain => b.tls(Tls::None),
            SmtpSecurity::StartTls => b.tls(Tls::Required(tls(&self.host)?)),
            SmtpSecurity::Tls => b.tls(Tls::Wrapper(tls(&self.host)?)),
        };
        if let Some(user) = &self.username {
            b = b.credentials(Credentials::new(
                user.clone(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(b.build())
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &self.redacted())
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// The sender the worker uses: the configuration and its transport (built once, pooled).
pub(crate) struct Mailer {
    config: SmtpConfig,
    transport: Result<AsyncSmtpTransport<Tokio1Executor>, String>,
}

impl Mailer {
    pub(crate) fn new(config: SmtpConfig) -> Self {
        Self {
            transport: config.transport(),
            config,
        }
    }
}

/// A file attached to an e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The file name people see.
    pub filename: String,
    /// Its media type with parameters, e.g. `text/calendar; method=REQUEST; charset=UTF-8`.
    pub content_type: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub content_base64: String,
}

impl Attachment {
    /// An attachment of `bytes`.
    pub fn new(filename: &str, content_type: &str, bytes: &[u8]) -> Self {
        Self {
            filename: filename.into(),
            content_type: content_type.into(),
            content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

/// An e-mail to send: the payload of an `email` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailMessage {
    /// Recipients (`ada@example.com` or `Ada <ada@example.com>`).
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// An HTML alternative of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Files, e.g. an `.ics` invitation as `text/calendar; method=REQUEST`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Extra headers (e.g. `In-Reply-To`, `X-Debrief-Incident`); not the ones the message
    /// structure owns (From, To, Subject, Content-*, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// Headers the message builds itself; a job may not set them.
const OWNED_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "sender",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
];

impl EmailMessage {
    /// Checks everything that would make the message unsendable, so it fails when enqueued
    /// rather than in a worker hours later.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut e = ValidationError::default();
        if self.to.is_empty() {
            e.push("to", "needs at least one recipient");
        }
        for (i, to) in self.to.iter().enumerate() {
            if to.parse::<Mailbox>().is_err() {
                e.push(format!("to[{i}]"), "is not an e-mail address");
            }
        }
        if self.subject.trim().is_empty() {
            e.push("subject", "must not be empty");
        }
        for (i, a) in self.attachments.iter().enumerate() {
            if a.filename.trim().is_empty() || a.filename.contains(['\r', '\n']) {
                e.push(format!("attachments[{i}].filename"), "must be one line");
            }
            if ContentType::parse(&a.content_type).is_err() {
                e.push(
                    format!("attachments[{i}].content_type"),
                    "is not a media type like text/calendar; method=REQUEST",
                );
            }
            if base64::engine::general_purpose::STANDARD
                .decode(&a.content_base64)
                .is_err()
            {
                e.push(format!("attachments[{i}].content_base64"), "is not base64");
            }
        }
        for (name, value) in &self.headers {
            let valid = HeaderName::new_from_ascii(name.clone()).is_ok()
                && !OWNED_HEADERS.contains(&name.to_ascii_lowercase().as_str());
            if !valid {
                e.push(
                    format!("headers.{name}"),
                    "is not a header name a message may set",
                );
            }
            if value.contains(['\r', '\n']) {
                e.push(format!("headers.{name}"), "must be one line");
            }
        }
        e.into_result(())
    }

    /// The message as lettre builds it. The `Message-ID` comes from the job's dedupe key, so a
    /// message sent again (a worker that died after the server accepted it) is recognisably the
    /// same one.
    fn build(&self, from: &Mailbox, dedupe_key: &str) -> Result<Message, String> {
        self.validate().map_err(|v| {
            let fields: Vec<_> = v
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            format!("the message is invalid ({})", fields.join("; "))
        })?;
        let digest = Sha256::digest(dedupe_key.as_bytes());
        let id: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let domain = from.email.domain().to_string();
        let mut b = Message::builder()
            .from(from.clone())
            .subject(self.subject.clone())
            .message_id(Some(format!("<{id}@{domain}>")))
            // RFC 3834: auto-responders do not answer machine-sent mail.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ));
        for to in &self.to {
            b = b.to(to.parse().map_err(|e| format!("bad recipient: {e}"))?);
        }
        for (name, value) in &self.headers {
            let name = HeaderName::new_from_ascii(name.clone())
                .map_err(|_| format!("bad header name '{name}'"))?;
            b = b.raw_header(HeaderValue::new(name, value.clone()));
        }
        let alternative = self
            .html
            .as_ref()
            .map(|html| MultiPart::alternative_plain_html(self.text.clone(), html.clone()));
        let plain = || SinglePart::plain(self.text.clone());
        let message = if self.attachments.is_empty() {
            match alternative {
                Some(alt) => b.multipart(alt),
                None => b.singlepart(plain()),
            }
        } else {
            let mut mixed = match alternative {
                Some(alt) => MultiPart::mixed().multipart(alt),
                None => MultiPart::mixed().singlepart(plain()),
            };
            for a in &self.attachments {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&a.content_base64)
                    .map_err(|_| format!("attachment {} is not base64", a.filename))?;
                let ct = ContentType::parse(&a.content_type)
                    .map_err(|_| format!("attachment {} has a bad type", a.filename))?;
                mixed = mixed.singlepart(LettreAttachment::new(a.filename.clone()).body(bytes, ct));
            }
            b.multipart(mixed)
        };
        message.map_err(|e| format!("the message could not be built: {e}"))
    }
}

/// The `email` job: one message over SMTP, through the mailer the context's [`super::Jobs`]
/// keeps (any context: e-mail needs nothing of the server's state).
pub(crate) struct EmailJob;

impl<C: JobContext> JobKind<C> for EmailJob {
    const KIND: &'static str = super::EMAIL_KIND;
    type Payload = EmailMessage;

    fn summary(m: &EmailMessage) -> String {
        let n = m.to.len();
        let s = if n == 1 { "" } else { "s" };
        format!("e-mail to {n} recipient{s}: {}", m.subject)
    }

    async fn run(ctx: &C, job: &Job, message: EmailMessage) -> Outcome {
        deliver(ctx.jobs().mailer.as_ref(), &job.dedupe_key, message).await
    }
}

/// Sends a message now through `mailer`; `key` makes its `Message-ID` (the same key, the same
/// id, so a receiver can tell a repeat). Used by the `email` job and by on-call notifications,
/// which record their own outcome.
pub(crate) async fn deliver(mailer: Option<&Mailer>, key: &str, message: EmailMessage) -> Outcome {
    let Some(mailer) = mailer else {
        return Outcome::GiveUp("SMTP is not configured (set DEBRIEF_SMTP_URL)".into());
    };
    let built = match message.build(&mailer.config.from, key) {
        Ok(m) => m,
        Err(reason) => return Outcome::GiveUp(reason),
    };
    let transport = match &mailer.transport {
        Ok(t) => t,
        Err(reason) => return Outcome::GiveUp(reason.clone()),
    };
    let server = format!("{}:{}", mailer.config.host, mailer.config.port);
    match tokio::time::timeout(Duration::from_secs(120), transport.send(built)).await {
        Ok(Ok(_)) => Outcome::Done,
        Err(_) => Outcome::Retry(format!("SMTP server {server} timed out after 120 s")),
        Ok(Err(e)) if e.is_permanent() => {
            Outcome::GiveUp(format!("SMTP server {server} refused the message: {e}"))
        }
        Ok(Err(e)) if e.is_timeout() => {
            Outcome::Retry(format!("SMTP server {server} timed out after 30 s"))
        }
        Ok(Err(e)) => Outcome::Retry(format!("SMTP server {server}: {}", chain(&e))),
    }
}

/// An error with its sources, e.g. `Connection error: Connection refused (os error 111)`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

/// Checks a message before it is enqueued: a validation error is the caller's mistake.
pub(crate) fn check(message: &EmailMessage) -> Result<(), AppError> {
    message.validate().map_err(AppError::Validation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse_with_percent_decoded_credentials_and_hide_the_password() {
        let c = SmtpConfig::parse(
            "smtp+starttls://ops%40example.com:p%40ss%3Aword@mail.example.com",
            "Debrief <debrief@example.com>",
        )
        .unwrap();
        assert_eq!(c.security, SmtpSecurity::StartTls);
        assert_eq!((c.host.as_str(), c.port), ("mail.example.com", 587));
        assert_eq!(c.username.as_deref(), Some("ops@example.com"));
        assert_eq!(c.password.as_deref(), Some("p@ss:word"));
        let shown = format!("{c:?} {}", c.redacted());
        assert!(
            !shown.contains("p@ss") && !shown.contains("p%40ss"),
            "{shown}"
        );
        assert!(shown.contains("ops@example.com:***@mail.example.com:587"));
    }

    #[test]
    fn each_scheme_has_its_security_and_default_port() {
        let from = "debrief@example.com";
        let plain = SmtpConfig::parse("smtp://127.0.0.1:2525", from).unwrap();
        assert_eq!((plain.security, plain.port), (SmtpSecurity::Plain, 2525));
        let tls = SmtpConfig::parse("smtps://mail.example.com", from).unwrap();
        assert_eq!((tls.security, tls.port), (SmtpSecurity::Tls, 465));
        assert!(SmtpConfig::parse("http://mail.example.com", from).is_err());
        assert!(SmtpConfig::parse("smtp://mail.example.com", "not an address").is_err());
    }

    #[test]
    fn a_message_with_a_calendar_attachment_builds() {
        let m = EmailMessage {
            to: vec!["Ada <ada@example.com>".into()],
            subject: "Review of INC-7".into(),
            text: "See the invitation.".into(),
            html: Some("<p>See the invitation.</p>".into()),
            attachments: vec![Attachment::new(
                "invite.ics",
                "text/calendar; method=REQUEST; charset=UTF-8",
                b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            )],
            headers: BTreeMap::from([("X-Debrief-Incident".into(), "INC-7".into())]),
        };
        let from: Mailbox = "debrief@example.com".parse().unwrap();
        let raw = String::from_utf8(m.build(&from, "k1").unwrap().formatted()).unwrap();
        assert!(raw.contains("text/calendar; method=REQUEST"), "{raw}");
        assert!(raw.contains("X-Debrief-Incident: INC-7"));
        assert!(raw.contains("Auto-Submitted: auto-generated"));
    }

    #[test]
    fn messages_that_cannot_be_sent_are_refused_with_their_fields() {
        let m = EmailMessage {
            to: vec!["nobody".into()],
            subject: " ".into(),
            text: String::new(),
            html: None,
            attachments: vec![],
            headers: BTreeMap::from([("Subject".into(), "x".into())]),
        };
        let fields: Vec<_> = m
            .validate()
            .unwrap_err()
            .fields
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["to[0]", "subject", "headers.Subject"]);
    }
}

//! Password hashing under a bound (issue 9: 200 concurrent sign-ins grew the server to 11 GiB).
//!
//! Every Argon2id computation (sign-in, the dummy check for unknown addresses, set-up, a new
//! password) runs on one of a fixed set of threads, as many as the machine has cores, each
//! computation taking about 19 MiB while it runs. Beyond them waits a short queue; past it a
//! request is answered at once with `503` and `Retry-After`, so memory stays bounded and the
//! server keeps answering whatever arrives. The threads live as long as the server, so the
//! memory a computation used is reused by the next one on that thread rather than spread over
//! a growing pool of blocking threads (whose allocator arenas never give it back).
//!
//! Sign-in attempts are also limited per client address ([`AddressLimiter`]), beside the
//! per-address-of-e-mail limit of failures in [`crate::limiter`].

use crate::AppError;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// One computation for a worker thread.
type Work = Box<dyn FnOnce() + Send>;

/// The bounded pool of threads that run Argon2.
pub struct PasswordGate {
    queue: SyncSender<Work>,
    threads: usize,
}

impl std::fmt::Debug for PasswordGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordGate")
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

impl PasswordGate {
    /// `threads` workers (at least one) and room for `queued` computations waiting.
    pub fn new(threads: usize, queued: usize) -> Self {
        let threads = threads.max(1);
        let (queue, work) = mpsc::sync_channel::<Work>(queued);
        let work = Arc::new(Mutex::new(work));
        for i in 0..threads {
            let work = work.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("debrief-argon2-{i}"))
                .spawn(move || {
                    loop {
                        // Hold the lock only to take the next item, not while computing.
                        let next = work.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match next {
                            Ok(job) => job(),
                            Err(_) => return, // the gate was dropped
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "Could not start a password-hashing thread");
            }
        }
        Self { queue, threads }
    }

    /// One thread per core, and a queue of four computations per thread (each takes tens of
    /// milliseconds, so a queued one waits well under a second).
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self::new(cores, 4 * cores)
    }

    /// Runs `f` on a worker, or fails at once with `503` when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        self.submit(f)?
            .await
            .map_err(|_| AppError::Internal("a password computation was lost".into()))
    }

    /// Queues `f` for a worker (or refuses it at once when the queue is full); the receiver
    /// gets its result.
    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<oneshot::Receiver<T>, AppError> {
        let (tx, rx) = oneshot::channel();
        let work: Work = Box::new(move || {
            let _ = tx.send(f());
        });
        match self.queue.try_send(work) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AppError::Unavailable {
                    detail: "too many sign-ins at once; try again in a moment".into(),
                    retry_after_secs: 1,
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::Internal("password threads stopped".into()));
            }
        }
        Ok(rx)
    }

    /// Hashes a password with Argon2id (the crate's default parameters) into a PHC string.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_phc(password.as_bytes()))
            .await?
            .map_err(|e| AppError::Internal(e.to_string().into()))
    }

    /// Checks a password against a PHC string (`false` for a malformed one).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, AppError> {
        self.run(move || verify_phc(password.as_bytes(), &phc))
            .await
    }
}

/// The most memory a stored hash may ask for (256 MiB); a larger one is refused unchecked.
const MAX_BLOCKS: usize = 256 * 1024;

thread_local! {
    /// Argon2's working memory, kept by each password thread for its whole life: allocating
    /// 19 MiB per computation left each thread's allocator arena holding several of them.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with at least `blocks` blocks of this thread's working memory.
fn with_memory<R>(blocks: usize, f: impl FnOnce(&mut [argon2::Block]) -> R) -> R {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < blocks {
            m.resize(blocks, argon2::Block::new());
        }
        f(&mut m[..blocks])
    })
}

/// Argon2id with the default parameters and a random 16-byte salt, as a PHC string.
fn hash_phc(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
    let params = argon2::Params::default();
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
    );
    let salt = argon2::password_hash::generate_salt();
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    with_memory(params.block_count(), |memory| {
        argon.hash_password_into_with_memory(password, &salt, &mut out, memory)
    })?;
    Ok(PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(Salt::new(&salt)?),
        hash: Some(Output::new(&out)?),
    }
    .to_string())
}

/// Whether `password` matches the PHC string `phc` (with the parameters it names).
fn verify_phc(password: &[u8], phc: &str) -> bool {
    use argon2::password_hash::phc::{Output, PasswordHash};
    let check = || -> Result<bool, argon2::password_hash::Error> {
        let parsed = PasswordHash::new(phc)?;
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return Ok(false);
        };
        let params = argon2::Params::try_from(&parsed)?;
        if params.block_count() > MAX_BLOCKS {
            return Ok(false);
        }
        let algorithm = argon2::Algorithm::new(parsed.algorithm.as_str())?;
        let version = match parsed.version {
            Some(v) => argon2::Version::try_from(v)?,
            None => argon2::Version::default(),
        };
        let argon = argon2::Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0u8; expected.len()];
        with_memory(params.block_count(), |memory| {
            argon.hash_password_into_with_memory(password, salt, &mut out, memory)
        })?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(&out)? == *expected)
    };
    check().unwrap_or(false)
}

/// Sign-in attempts per client address/// Sign-in attempts per client address in a sliding minute, whatever their outcome.
#[derive(Debug)]
pub struct AddressLimiter {
    per_minute: usize,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

/// The window of [`AddressLimiter`].
const MINUTE: Duration = Duration::from_secs(60);

impl AddressLimiter {
    /// At most `per_minute` attempts per address (0: no limit).
    pub fn new(per_minute: usize) -> Self {
        Self {
            per_minute,
            seen: Mutex::default(),
        }
    }

    /// Counts an attempt from `ip`; `Err(wait)` when it is over the limit (not counted then).
    pub fn attempt(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < MINUTE));
        }
        let q = seen.entry(ip).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= MINUTE) {
            q.pop_front();
        }
        if q.len() >= self.per_minute {
            let oldest = q.front().copied().unwrap_or(now);
            return Err(MINUTE.saturating_sub(now.duration_since(oldest)));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_made_here_and_by_the_argon2_crate_verify_each_other() {
        use argon2::PasswordHasher;
        use argon2::PasswordVerifier;
        let ours = hash_phc(b"correct horse").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = argon2::password_hash::phc::PasswordHash::new(&ours).unwrap();
        assert!(
            argon2::Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        let theirs = argon2::Argon2::default()
            .hash_password(b"correct horse")
            .unwrap()
            .to_string();
        assert!(verify_phc(b"correct horse", &theirs));
        assert!(!verify_phc(b"correct horsE", &theirs));
        // A stored hash asking for absurd memory is refused, not computed.
        let greedy = theirs.replace("m=19456", "m=4000000");
        assert!(!verify_phc(b"correct horse", &greedy));
    }

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let gate = PasswordGate::new(1, 2);
        let phc = gate.hash("correct horse".into()).await.unwrap();
        assert!(
            gate.verify("correct horse".into(), phc.clone())
                .await
                .unwrap()
        );
        assert!(!gate.verify("wrong".into(), phc).await.unwrap());
        assert!(!gate.verify("x".into(), "not a phc".into()).await.unwrap());
    }

    #[tokio::test]
    async fn past_the_queue_a_computation_is_refused_at_once_with_retry_after() {
        // Arrange: the one thread busy until released, and the queue of one filled.
        let gate = PasswordGate::new(1, 1);
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let busy = gate
            .submit(move || {
                let _ = started_tx.send(());
                hold.recv().is_ok()
            })
            .unwrap();
        started
            .recv()
            .expect("the worker took the first computation");
        let queued = gate.submit(|| 1).unwrap();

        // Act
        let refused = gate.submit(|| 2);

        // Assert: refused at once with 503 and Retry-After; the others still finish.
        let Err(err) = refused else {
            panic!("the computation past the queue was accepted")
        };
        assert_eq!(err.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(err.retry_after_secs(), Some(1));
        release.send(()).unwrap();
        assert!(busy.await.unwrap());
        assert_eq!(queued.await.unwrap(), 1);
    }

    #[test]
    fn an_address_gets_its_attempts_per_minute_then_waits() {
        let limiter = AddressLimiter::new(3);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.attempt(a, t0).is_ok());
        }
        let wait = limiter
            .attempt(a, t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            limiter.attempt(b, t0).is_ok(),
            "another address is not limited"
        );
        assert!(limiter.attempt(a, t0 + MINUTE).is_ok(), "the window slid");
    }
}

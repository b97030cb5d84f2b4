//! Job kinds by registration: what the runner knows of a kind is the [`JobKind`] trait.
//!
//! A kind is a type implementing [`JobKind`], in the module whose work it does (e-mail in
//! [`super::mail`], status page notices in `status::notices`, maintenance steps in
//! `actions::maintenance`). Kinds are registered once, where the server is assembled
//! (`crate::kinds`), into a [`Registry`] that [`super::Jobs`] keeps. The runner and the
//! deliveries page ask the registry, by the stored kind name, to run a job or to sum it up, so
//! `jobs/` imports no domain module, and adding a kind is one new `impl` and one registration
//! line.
//!
//! `JobKind<C>` and `Registry<C>` are generic over the context `C` a job runs with: the
//! server's state, which implements [`JobContext`]. A domain kind implements `JobKind<AppState>`
//! (it may reach anything a handler can); the kinds of this module (e-mail, webhooks) work with
//! any context, so `jobs/` never names the state that keeps it.
//!
//! The stored format is the kind name and the payload as JSON, as before kinds were types:
//! queued jobs survive an upgrade. A payload that no longer parses, or a kind no one registered,
//! is given up with the reason (the job is dead, and the deliveries page says why); never a panic.

use super::{JobContext, Outcome};
use debrief_core::Timestamp;
use debrief_store::jobs::{Job, NewJob};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::{Deserialize, DeserializeOwned};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;

/// A kind of job: its stored name, its typed payload, how to sum it up and how to run it with
/// the context `C` (the server's state).
pub(crate) trait JobKind<C>: Send + Sync + 'static {
    /// The stored kind name (`email`); unique among registered kinds, never renamed (queued
    /// jobs carry it).
    const KIND: &'static str;

    /// What the job needs, stored as JSON. Parsing ignores fields it does not know (a store
    /// operation may add some, e.g. `maintenance_id`) unless the type says otherwise.
    type Payload: Serialize + DeserializeOwned + Send + Sync;

    /// How long a worker holds a job of this kind before another may claim it again; `None`
    /// (the default): the server's lease. A kind whose delay matters (a page) says less, and
    /// bounds its own run below it.
    const LEASE: Option<std::time::Duration> = None;

    /// One line for the deliveries page and API: what the job sends, without bodies or secrets.
    fn summary(payload: &Self::Payload) -> String;

    /// Runs the job once; the runner records the outcome (and retries or gives up).
    fn run(ctx: &C, job: &Job, payload: Self::Payload) -> impl Future<Output = Outcome> + Send;

    /// What happens when a job of this kind is given up (dead), beyond recording it. Nothing,
    /// unless the kind says otherwise.
    fn given_up(_ctx: &C, _job: &Job, _reason: &str) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// The job of kind `K` with `payload`, to enqueue (alone with [`super::enqueue`], or with a
/// domain change). `dedupe_key` is the whole key; by convention it starts with `K::KIND`.
pub(crate) fn new_job<K: JobKind<C>, C: JobContext>(
    ctx: &C,
    dedupe_key: String,
    payload: &K::Payload,
    run_at: Timestamp,
) -> NewJob {
    NewJob {
        kind: K::KIND.into(),
        dedupe_key,
        run_at,
        payload: serde_json::to_value(payload).expect("a job payload serializes to JSON"),
        max_attempts: ctx.jobs_config().max_attempts,
        lease: K::LEASE,
    }
}

/// The payload of a job of kind `K`, or why it does not parse.
pub(crate) fn parse<K: JobKind<C>, C>(payload: &Value) -> Result<K::Payload, String> {
    K::Payload::deserialize(payload)
        .map_err(|e| format!("the {} payload does not parse: {e}", K::KIND))
}

/// A [`JobKind`] behind a trait object, so the registry can hold kinds of different payloads.
trait ErasedKind<C>: Send + Sync {
    fn summary(&self, payload: &Value) -> String;
    fn run<'a>(&self, ctx: &'a C, job: &'a Job) -> BoxFuture<'a, Outcome>;
    fn given_up<'a>(&self, ctx: &'a C, job: &'a Job, reason: &'a str) -> BoxFuture<'a, ()>;
}

/// The [`ErasedKind`] of `K`.
struct Erased<K>(PhantomData<fn() -> K>);

impl<C, K: JobKind<C>> ErasedKind<C> for Erased<K> {
    fn summary(&self, payload: &Value) -> String {
        match parse::<K, C>(payload) {
            Ok(p) => K::summary(&p),
            Err(_) => format!("{} job whose payload does not parse", K::KIND),
        }
    }

    fn run<'a>(&self, ctx: &'a C, job: &'a Job) -> BoxFuture<'a, Outcome> {
        match parse::<K, C>(&job.payload) {
            Ok(p) => Box::pin(K::run(ctx, job, p)),
            Err(reason) => Box::pin(std::future::ready(Outcome::GiveUp(reason))),
        }
    }

    fn given_up<'a>(&self, ctx: &'a C, job: &'a Job, reason: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(K::given_up(ctx, job, reason))
    }
}

/// The registered job kinds of context `C`, by kind name.
pub(crate) struct Registry<C> {
    kinds: BTreeMap<&'static str, Box<dyn ErasedKind<C>>>,
}

impl<C> Default for Registry<C> {
    fn default() -> Self {
        Self {
            kinds: BTreeMap::new(),
        }
    }
}

impl<C> std::fmt::Debug for Registry<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.kinds.keys()).finish()
    }
}

impl<C> Registry<C> {
    /// Registers kind `K`. Panics when a kind of that name is registered already: two kinds
    /// sharing a stored name is a programming error, found at start-up.
    pub(crate) fn register<K: JobKind<C>>(&mut self) -> &mut Self {
        let before = self
            .kinds
            .insert(K::KIND, Box::new(Erased::<K>(PhantomData)));
        assert!(
            before.is_none(),
            "job kind '{}' is registered twice",
            K::KIND
        );
        self
    }

    /// Runs a claimed job: by its kind, with its parsed payload. A kind no one registered, or a
    /// payload that does not parse, is given up with the reason.
    pub(crate) async fn run(&self, ctx: &C, job: &Job) -> Outcome {
        match self.kinds.get(job.kind.as_str()) {
            Some(kind) => kind.run(ctx, job).await,
            None => Outcome::GiveUp(format!("no worker runs jobs of kind '{}'", job.kind)),
        }
    }

    /// What happens when `job` is given up, by its kind.
    pub(crate) async fn given_up(&self, ctx: &C, job: &Job, reason: &str) {
        if let Some(kind) = self.kinds.get(job.kind.as_str()) {
            kind.given_up(ctx, job, reason).await;
        }
    }

    /// The one-line summary of a job for the deliveries page: its kind's, or the kind name
    /// when no one registered it.
    pub(crate) fn summary(&self, job: &Job) -> String {
        match self.kinds.get(job.kind.as_str()) {
            Some(kind) => kind.summary(&job.payload),
            None => job.kind.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    /// A kind for the tests: a page and a count.
    struct CountJob;

    #[derive(Debug, Serialize, Deserialize)]
    struct Count {
        page_id: i64,
        n: u32,
    }

    /// The tests' context: nothing.
    type NoContext = ();

    impl JobKind<NoContext> for CountJob {
        const KIND: &'static str = "count";
        type Payload = Count;

        fn summary(p: &Count) -> String {
            format!("{} on page {}", p.n, p.page_id)
        }

        async fn run(_: &NoContext, _: &Job, _: Count) -> Outcome {
            Outcome::Done
        }
    }

    fn job(kind: &str, payload: Value) -> Job {
        let t = Timestamp::UNIX_EPOCH;
        Job {
            id: 1,
            kind: kind.into(),
            dedupe_key: "k".into(),
            payload,
            status: debrief_store::jobs::JobStatus::Running,
            attempts: 1,
            max_attempts: 8,
            run_at: t,
            locked_until: None,
            last_error: None,
            created_at: t,
            updated_at: t,
            done_at: None,
        }
    }

    #[test]
    fn a_payload_that_does_not_parse_names_its_kind_and_the_reason() {
        let err = parse::<CountJob, NoContext>(&json!({"page_id": "seven", "n": 1})).unwrap_err();
        assert!(
            err.starts_with("the count payload does not parse: invalid type: string \"seven\""),
            "{err}"
        );
        assert!(
            parse::<CountJob, NoContext>(&json!({"page_id": 7, "n": 1, "extra": true})).is_ok()
        );
    }

    #[test]
    fn summaries_come_from_the_kind_and_never_fail() {
        let mut r = Registry::<NoContext>::default();
        r.register::<CountJob>();
        assert_eq!(
            r.summary(&job("count", json!({"page_id": 7, "n": 2}))),
            "2 on page 7"
        );
        assert_eq!(
            r.summary(&job("count", json!({"page_id": 7}))),
            "count job whose payload does not parse"
        );
        assert_eq!(r.summary(&job("gone", json!({}))), "gone");
        assert_eq!(format!("{r:?}"), r#"{"count"}"#);
    }

    #[test]
    #[should_panic(expected = "job kind 'count' is registered twice")]
    fn a_kind_name_is_registered_once() {
        Registry::<NoContext>::default()
            .register::<CountJob>()
            .register::<CountJob>();
    }
}

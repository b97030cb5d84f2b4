//! The job queue's rules on the store alone: claims, leases, retries, dead jobs.

use crate::harness::{Backend, TestDb, open_store};
use debrief_core::Timestamp;
use debrief_store::jobs::{JobFilter, JobStatus, NewJob};
use serde_json::json;
use std::time::Duration;

/// The queue's rules, on the store alone (no worker runs): due jobs are claimed once until
/// their lease ends, a run that lost its lease cannot finish the job, failures wait for their
/// retry time, exhausted jobs are dead, and a job whose worker died on its last attempt is dead
/// instead of run again.
async fn the_queue_claims_each_job_once_and_reclaims_expired_leases(backend: Backend) {
    // Arrange
    let db = TestDb::create(backend).await;
    let store = open_store(db.url()).await;
    let t0 = Timestamp::now();
    let at = |secs: i64| t0 + jiff::SignedDuration::from_secs(secs);
    let job = |key: &str, run_at, max_attempts| NewJob {
        kind: "test".into(),
        dedupe_key: key.into(),
        run_at,
        payload: json!({"key": key}),
        max_attempts,
        lease: None,
    };
    let lease = Duration::from_secs(10);
    let ids = store
        .enqueue_jobs(
            &[
                job("due-before", at(-1), 3),
                job("due-now", at(0), 3),
                job("later", at(3600), 3),
            ],
            t0,
        )
        .await
        .expect("enqueue");
    let (first, second) = (ids[0].expect("an id"), ids[1].expect("an id"));

    // Act + Assert: claimed once, earliest first, and not again while leased.
    let claimed = store.claim_jobs(at(0), lease, 10).await.expect("claim");
    let got: Vec<_> = claimed.iter().map(|j| (j.id, j.attempts)).collect();
    assert_eq!(got, [(first, 1), (second, 1)]);
    assert!(claimed.iter().all(|j| j.status == JobStatus::Running));
    assert!(
        store
            .claim_jobs(at(5), lease, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert!(store.complete_job(first, 1, at(1)).await.expect("complete"));
    assert!(
        !store
            .complete_job(first, 1, at(1))
            .await
            .expect("complete again")
    );

    // The second job's lease ends: it is claimed again, and its first run cannot finish it.
    let reclaimed = store.claim_jobs(at(11), lease, 10).await.expect("claim");
    assert_eq!(
        reclaimed
            .iter()
            .map(|j| (j.id, j.attempts))
            .collect::<Vec<_>>(),
        [(second, 2)]
    );
    assert!(
        !store
            .complete_job(second, 1, at(12))
            .await
            .expect("stale run")
    );
    assert_eq!(
        store
            .fail_job(second, 1, "late", None, at(12))
            .await
            .expect("stale fail"),
        None
    );

    // A failure waits for its retry time; the last attempt's failure is dead.
    assert_eq!(
        store
            .fail_job(second, 2, "HTTP 500", Some(at(30)), at(12))
            .await
            .expect("fail"),
        Some(JobStatus::Failed)
    );
    assert!(
        store
            .claim_jobs(at(29), lease, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let third = store.claim_jobs(at(30), lease, 10).await.expect("claim");
    assert_eq!(
        third.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        [(second, 3)]
    );
    assert_eq!(
        store
            .fail_job(second, 3, "HTTP 503", Some(at(60)), at(31))
            .await
            .expect("fail"),
        Some(JobStatus::Dead)
    );
    let dead = store.job(second).await.expect("the job");
    assert_eq!(
        (dead.status, dead.last_error.as_deref()),
        (JobStatus::Dead, Some("HTTP 503"))
    );

    // An admin's retry gives it one more attempt; a queued job cannot be retried.
    let retried = store.retry_job(second, at(40)).await.expect("retry");
    assert_eq!(
        (retried.status, retried.max_attempts),
        (JobStatus::Queued, 4)
    );
    assert!(matches!(
        store.retry_job(second, at(40)).await,
        Err(debrief_store::StoreError::Conflict(_))
    ));

    // A worker that died on the last attempt: dead once the lease ends, never run again.
    let last = store
        .enqueue_job(&job("crashes", at(41), 1), at(41))
        .await
        .expect("enqueue")
        .expect("an id");
    let claimed = store.claim_jobs(at(41), lease, 10).await.expect("claim");
    assert!(claimed.iter().any(|j| j.id == last));
    let after = store.claim_jobs(at(52), lease, 10).await.expect("claim");
    assert!(after.iter().all(|j| j.id != last), "{after:#?}");
    let crashed = store.job(last).await.expect("the job");
    assert_eq!(crashed.status, JobStatus::Dead);
    assert!(crashed.last_error.is_some_and(|e| e.contains("stopped")));
    let listed = store
        .list_jobs(&JobFilter {
            status: Some(JobStatus::Dead),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list");
    // The retried job was claimed with it for its last attempt, and died the same way.
    assert_eq!(
        listed.iter().map(|j| j.id).collect::<Vec<_>>(),
        [last, second]
    );
    store.close().await;
    db.remove().await;
}

crate::e2e_test!(
    the_queue_claims_each_job_once_and_reclaims_expired_leases,
    backend
);

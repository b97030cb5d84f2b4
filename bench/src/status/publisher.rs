//! The background publisher of the "during publishing" runs: every [`INTERVAL`] it publishes a
//! status update that flips a component between `degraded_performance` and `operational`, so
//! every update changes what the page shows and Debrief must rebuild the page's snapshot.
//!
//! It posts to a resolved incident, so the page changes but does not grow: the index lists a
//! resolved incident by name only, and so the figures compare with the quiet run's on the same
//! size of page. It runs on the load generator's thread, like the load.

use super::setup::{self, SLUG};
use crate::client::Conn;
use crate::stats::Latencies;
use anyhow::Result;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Time between two published updates.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// What the publisher did during one run.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// Updates published (each one changed the page).
    pub updates: u64,
    /// Updates refused or failed.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// Median time to publish one update (its POST), ms.
    pub p50_ms: f64,
    /// Slowest publish, ms.
    pub max_ms: f64,
}

/// A publisher running in the background.
pub struct Publisher {
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<Published>>,
}

impl Publisher {
    /// Opens its connection and starts publishing (the first update goes out at once).
    pub async fn start(
        addr: SocketAddr,
        token: &str,
        incident: &str,
        component: i64,
    ) -> Result<Self> {
        let conn = Conn::open(addr, Some(token)).await?;
        let (stop, stopped) = watch::channel(false);
        let path = format!("/api/v1/incidents/{incident}/status-updates");
        let task = tokio::spawn(publish(conn, path, component, stopped));
        Ok(Self { stop, task })
    }

    /// Stops publishing, puts the component back to `operational`, and returns the figures.
    pub async fn finish(self) -> Result<Published> {
        let _ = self.stop.send(true);
        self.task.await?
    }
}

async fn publish(
    mut conn: Conn,
    path: String,
    component: i64,
    mut stopped: watch::Receiver<bool>,
) -> Result<Published> {
    let mut tick = tokio::time::interval(INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut figures = Published::default();
    let mut latencies = Latencies::with_capacity(128);
    let mut degraded = false;
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            _ = tick.tick() => {}
        }
        let state = if degraded {
            "operational"
        } else {
            "degraded_performance"
        };
        let update = json!({"page": SLUG, "status": "resolved",
            "body": format!("Follow-up check {}: the API is {state}.", figures.updates + figures.errors),
            "components": [{"id": component, "state": state}]});
        let t0 = Instant::now();
        match setup::post(&mut conn, &path, &update).await {
            Ok(_) => {
                latencies.record(t0.elapsed());
                figures.updates += 1;
                degraded = !degraded;
            }
            Err(e) => {
                figures.errors += 1;
                figures.first_error.get_or_insert_with(|| format!("{e:#}"));
                if conn.closed() {
                    break;
                }
            }
        }
    }
    if degraded {
        // Outside the measured run: leave the page as the baseline's copy shows it.
        let update = json!({"page": SLUG, "status": "resolved",
            "body": "Follow-up check: the API is operational.",
            "components": [{"id": component, "state": "operational"}]});
        setup::post(&mut conn, &path, &update).await?;
    }
    figures.p50_ms = latencies.percentile_ms(50.0);
    figures.max_ms = latencies.max_ms();
    Ok(figures)
}

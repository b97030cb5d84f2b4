//! The storage baseline on PostgreSQL: one sqlx `PgConnection` per worker (see the parent
//! module for what it sends).

use super::*;

impl Storage {
    pub(super) fn run_pg(&self, scenario: Scenario, plan: Plan) -> Result<RunFigures> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("Failed to start the storage baseline's runtime")?;
        rt.block_on(async {
            let mut conns = Vec::with_capacity(plan.concurrency);
            for _ in 0..plan.concurrency {
                let mut c = PgConnection::connect(&self.url)
                    .await
                    .context("Failed to connect to PostgreSQL")?;
                // As Debrief's pool sets it (custom plans for the dynamic list filters).
                sqlx::raw_sql("SET plan_cache_mode = force_custom_plan")
                    .execute(&mut c)
                    .await?;
                conns.push(c);
            }
            let started = Instant::now();
            let budget = Arc::new(Budget {
                sent: AtomicU64::new(0),
                requests: plan.requests,
                deadline: started + plan.max,
            });
            let sql = read_sql(scenario, Backend::Postgres);
            let mut workers = tokio::task::JoinSet::new();
            for (worker, mut conn) in conns.into_iter().enumerate() {
                let (me, budget, sql) = (self.clone(), budget.clone(), sql.clone());
                workers.spawn(async move {
                    let mut rng = Rng::new(worker as u64 + 1);
                    let mut part = Part::default();
                    while let Some(n) = budget.next() {
                        let t0 = Instant::now();
                        let outcome = me
                            .pg_once(
                                &mut conn,
                                &sql,
                                scenario,
                                &mut rng,
                                (worker, n),
                                plan.incidents,
                            )
                            .await;
                        part.record(t0, outcome);
                    }
                    conn.close().await.ok();
                    part
                });
            }
            let mut parts = Vec::new();
            while let Some(p) = workers.join_next().await {
                parts.push(p.context("A storage worker panicked")?);
            }
            Ok(Part::figures(parts, started.elapsed()))
        })
    }

    async fn pg_once(
        &self,
        conn: &mut PgConnection,
        sql: &Arc<str>,
        scenario: Scenario,
        rng: &mut Rng,
        (worker, n): (usize, u64),
        incidents: u64,
    ) -> Result<()> {
        let (uid, name) = (self.user_id, &self.user_name);
        let now = now_ms();
        match scenario {
            Scenario::Declare => {
                let title =
                    format!("Checkout errors above 2% (storage worker {worker}, request {n})");
                let events = serde_json::json!([
                    {"i": 0, "kind": "declared", "at": now, "source": "api", "author_id": uid,
                     "body": format!("{name} declared the incident as SEV2: {title}"), "links": "[]",
                     "data": self.declared_json(&title), "starred": 0, "created_at": now},
                    {"i": 1, "kind": "role_change", "at": now, "source": "api", "author_id": uid,
                     "body": format!("{name} is the commander"), "links": "[]",
                     "data": self.commander_json(), "starred": 0, "created_at": now},
                ]);
                let rows: Vec<(i64, i64)> = sqlx::query_as(PG_DECLARE)
                    .bind(&title)
                    .bind(None::<&str>)
                    .bind("SEV2")
                    .bind("triage")
                    .bind("default")
                    .bind("[]")
                    .bind(0i64)
                    .bind(0i64)
                    .bind(None::<i64>)
                    .bind(now)
                    .bind(Some(uid))
                    .bind(format!("{title}\n").to_lowercase())
                    .bind(None::<i64>)
                    .bind(Some("commander"))
                    .bind(Some(uid))
                    .bind(events.to_string())
                    .bind(self.roles_json())
                    .fetch_all(&mut *conn)
                    .await?;
                anyhow::ensure!(rows.len() == 2, "{} events declared, not 2", rows.len());
            }
            Scenario::Timeline => {
                let id = (rng.below(incidents) + 1) as i64;
                let private: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql.clone()))
                    .bind(uid)
                    .bind(0i64)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                anyhow::ensure!(private.is_some(), "INC-{id} is not visible");
                let events = serde_json::json!([
                    {"i": 0, "kind": "note", "at": now, "source": "api", "author_id": uid,
                     "body": format!("Rolled back the canary (storage {worker}/{n})"), "links": "[]",
                     "data": "{}", "starred": 0, "created_at": now},
                ]);
                let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(PG_ADD_EVENTS)
                    .bind(id)
                    .bind(events.to_string())
                    .fetch_all(&mut *conn)
                    .await?;
                anyhow::ensure!(rows.len() == 1, "no event written");
            }
            Scenario::Alert => {
                // Debrief's PostgreSQL alert write: a transaction with the upsert, and the
                // routing job when the alert is new.
                let key = crate::load::alert_key(rng, worker, n);
                let (summary, details, payload) = alert_parts(&key);
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                let (id, count): (i64, i64) = sqlx::query_as(ALERT_UPSERT)
                    .bind(self.integration_id())
                    .bind(&key)
                    .bind(summary)
                    .bind(details)
                    .bind(payload)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                if count == 1 {
                    sqlx::query(ALERT_JOB)
                        .bind(format!("alert.route:{id}:opened:{now}"))
                        .bind(format!(r#"{{"alert_id":{id},"change":"opened"}}"#))
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            Scenario::Search => {
                use sqlx::Row;
                let q = search::query(Backend::Postgres, &crate::load::search_words(rng));
                let rows = sqlx::query(AssertSqlSafe(sql.clone()))
                    .bind(uid)
                    .bind(0i64)
                    .bind(q)
                    .fetch_all(&mut *conn)
                    .await?;
                for r in &rows {
                    r.try_get::<String, _>("snippet")?;
                    r.try_get::<i64, _>("total")?;
                }
            }
            Scenario::Get | Scenario::List => {
                use sqlx::Row;
                let q = sqlx::query(AssertSqlSafe(sql.clone())).bind(uid).bind(0i64);
                let q = match scenario {
                    Scenario::List => q.bind("investigating").bind("SEV2"),
                    _ => q.bind((rng.below(incidents) + 1) as i64),
                };
                let rows = q.fetch_all(&mut *conn).await?;
                anyhow::ensure!(!rows.is_empty(), "no incident read");
                // Read every column, as a decoder would; the roles come with the rows.
                for r in &rows {
                    r.try_get::<i64, _>("id")?;
                    r.try_get::<String, _>("roles")?;
                }
            }
        }
        Ok(())
    }
}

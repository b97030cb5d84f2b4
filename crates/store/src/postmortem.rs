//! Postmortems, their reviews and templates, and attachments.
//!
//! A postmortem is written through [`Store::apply`] with the incident change that causes it
//! ([`crate::incident::IncidentWrite::postmortem`]), so a decision, a workflow step and the
//! timeline events they cause commit together; its own `version` guards against lost edits.

use crate::read::Row;
use crate::write::{Arg, WriteTx};
use crate::{Store, StoreError, StoreResult, ms};
use debrief_core::Timestamp;
use debrief_core::postmortem::{
    DEFAULT_TEMPLATE, PmStatus, Postmortem, Review, Template, Verdict, default_template,
};

const COLUMNS: &str = "incident_id, status, decision, decided_at, requested, waiver_reason, owner_id, \
     facilitator_id, reviewers, template, sections, customer_summary, approvals_required, review_round, \
     draft_due_at, review_due_at, drafted_at, submitted_at, published_at, lint_acknowledged, version, \
     created_at, updated_at";

/// A postmortem from the columns of [`COLUMNS`], by name.
fn from_row(r: &Row) -> StoreResult<Postmortem> {
    Ok(Postmortem {
        incident_id: r.get("incident_id")?,
        status: r.parse("status")?,
        decision: r.opt_json("decision")?,
        decided_at: r.opt_time("decided_at")?,
        requested: r.get("requested")?,
        waiver_reason: r.opt("waiver_reason")?,
        owner_id: r.opt("owner_id")?,
        facilitator_id: r.opt("facilitator_id")?,
        reviewer_ids: r.json("reviewers")?,
        template: r.get("template")?,
        sections: r.json("sections")?,
        customer_summary: r.get("customer_summary")?,
        approvals_required: r.get("approvals_required")?,
        review_round: r.get("review_round")?,
        draft_due_at: r.opt_time("draft_due_at")?,
        review_due_at: r.opt_time("review_due_at")?,
        drafted_at: r.opt_time("drafted_at")?,
        submitted_at: r.opt_time("submitted_at")?,
        published_at: r.opt_time("published_at")?,
        lint_acknowledged: r.get("lint_acknowledged")?,
        version: r.get("version")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// An attachment's description from `id, filename, content_type, size, sha256, created_by,
/// created_at`, by name.
fn attachment_from(r: &Row) -> StoreResult<Attachment> {
    Ok(Attachment {
        id: r.get("id")?,
        filename: r.get("filename")?,
        content_type: r.get("content_type")?,
        size: r.get("size")?,
        sha256: r.get("sha256")?,
        created_by: r.opt("created_by")?,
        created_at: r.time("created_at")?,
    })
}

/// A review to record with a change.
#[derive(Debug, Clone)]
pub struct NewReview {
    /// Who.
    pub reviewer_id: i64,
    /// Approved or changes requested.
    pub verdict: Verdict,
    /// What they said.
    pub comment: String,
    /// The round.
    pub round: i64,
    /// When.
    pub at: Timestamp,
}

/// Writes a postmortem inside a transaction: inserted when `p.version` is 0, else updated if it
/// is still at `p.version` (a conflict otherwise).
pub(crate) async fn write_postmortem(
    tx: &mut WriteTx,
    p: &Postmortem,
    reviews: &[NewReview],
    now: Timestamp,
) -> StoreResult<()> {
    let decision = p
        .decision
        .as_ref()
        .map(|d| serde_json::to_string(d).expect("a decision serializes"));
    let reviewers = serde_json::to_string(&p.reviewer_ids).expect("ids serialize");
    let sections = serde_json::to_string(&p.sections).expect("sections serialize");
    let o = |t: Option<Timestamp>| t.map(ms);
    let args = [
        Arg::I(p.incident_id),
        Arg::S(p.status.as_str()),
        Arg::OS(decision.as_deref()),
        Arg::OI(o(p.decided_at)),
        Arg::I(i64::from(p.requested)),
        Arg::OS(p.waiver_reason.as_deref()),
        Arg::OI(p.owner_id),
        Arg::OI(p.facilitator_id),
        Arg::S(&reviewers),
        Arg::S(&p.template),
        Arg::S(&sections),
        Arg::S(&p.customer_summary),
        Arg::I(p.approvals_required),
        Arg::I(p.review_round),
        Arg::OI(o(p.draft_due_at)),
        Arg::OI(o(p.review_due_at)),
        Arg::OI(o(p.drafted_at)),
        Arg::OI(o(p.submitted_at)),
        Arg::OI(o(p.published_at)),
        Arg::I(i64::from(p.lint_acknowledged)),
        Arg::I(p.version),
        Arg::I(ms(p.created_at)),
        Arg::I(ms(now)),
    ];
    let n = if p.version == 0 {
        tx.exec(
            "INSERT INTO postmortems (incident_id, status, decision, decided_at, requested, waiver_reason, \
             owner_id, facilitator_id, reviewers, template, sections, customer_summary, approvals_required, \
             review_round, draft_due_at, review_due_at, drafted_at, submitted_at, published_at, \
             lint_acknowledged, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
             $19, $20, $21 + 1, $22, $23)",
            &args,
        )
        .await?
    } else {
        tx.exec(
            "UPDATE postmortems SET status = $2, decision = $3, decided_at = $4, requested = $5, \
             waiver_reason = $6, owner_id = $7, facilitator_id = $8, reviewers = $9, template = $10, \
             sections = $11, customer_summary = $12, approvals_required = $13, review_round = $14, \
             draft_due_at = $15, review_due_at = $16, drafted_at = $17, submitted_at = $18, \
             published_at = $19, lint_acknowledged = $20, version = $21 + 1, updated_at = $23 \
             WHERE incident_id = $1 AND version = $21 AND created_at = $22",
            &args,
        )
        .await?
    };
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "the postmortem of INC-{} was changed by someone else since version {}; reload it and try again",
            p.incident_id, p.version
        )));
    }
    for r in reviews {
        tx.exec(
            "INSERT INTO postmortem_reviews (incident_id, reviewer_id, verdict, comment, round, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                Arg::I(p.incident_id),
                Arg::I(r.reviewer_id),
                Arg::S(r.verdict.as_str()),
                Arg::S(&r.comment),
                Arg::I(r.round),
                Arg::I(ms(r.at)),
            ],
        )
        .await?;
    }
    Ok(())
}

/// An attachment's description (its bytes are read separately).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attachment {
    /// Its number.
    pub id: i64,
    /// The file name given at upload.
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Who uploaded it.
    pub created_by: Option<i64>,
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub created_at: Timestamp,
}

/// An attachment to store.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    /// The incident.
    pub incident_id: i64,
    /// File name.
    pub filename: &'a str,
    /// Media type.
    pub content_type: &'a str,
    /// The bytes.
    pub bytes: &'a [u8],
    /// SHA-256 of the bytes, hex.
    pub sha256: &'a str,
    /// Who uploads it.
    pub created_by: i64,
    /// When.
    pub now: Timestamp,
}

impl Store {
    /// The postmortem of an incident, if one was ever decided, requested or waived.
    pub async fn postmortem(&self, incident_id: i64) -> StoreResult<Option<Postmortem>> {
        let sql = format!("SELECT {COLUMNS} FROM postmortems WHERE incident_id = $1");
        self.read_row(&sql, &[Arg::I(incident_id)])
            .await?
            .map(|r| from_row(&r))
            .transpose()
    }

    /// Postmortems in any of `statuses` (every one when empty), newest incident first.
    pub async fn postmortems(&self, statuses: &[PmStatus]) -> StoreResult<Vec<Postmortem>> {
        // Statuses are a closed set of fixed words, so they are spelled into the SQL.
        let filter = match statuses {
            [] => String::new(),
            s => format!(
                "WHERE status IN ({})",
                s.iter()
                    .map(|x| format!("'{}'", x.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let sql = format!("SELECT {COLUMNS} FROM postmortems {filter} ORDER BY incident_id DESC");
        self.read_rows(&sql, &[])
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    /// The reviews of a postmortem, oldest first.
    pub async fn reviews(&self, incident_id: i64) -> StoreResult<Vec<Review>> {
        let rows = self
            .read_rows(
                "SELECT r.reviewer_id, u.name AS reviewer, r.verdict, r.comment, r.round, r.at \
                 FROM postmortem_reviews r JOIN users u ON u.id = r.reviewer_id \
                 WHERE r.incident_id = $1 ORDER BY r.id",
                &[Arg::I(incident_id)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Review {
                    reviewer_id: r.get("reviewer_id")?,
                    reviewer: r.get("reviewer")?,
                    verdict: r.parse::<VerdictText>("verdict")?.0,
                    comment: r.get("comment")?,
                    round: r.get("round")?,
                    at: r.time("at")?,
                })
            })
            .collect()
    }

    /// Every template, the default first (built in until an admin saves their own version).
    pub async fn templates(&self) -> StoreResult<Vec<Template>> {
        let rows = self
            .read_rows("SELECT body FROM postmortem_templates ORDER BY key", &[])
            .await?;
        let mut out: Vec<Template> = rows
            .iter()
            .map(|r| r.json("body"))
            .collect::<StoreResult<_>>()?;
        if !out.iter().any(|t| t.key == DEFAULT_TEMPLATE) {
            out.insert(0, default_template());
        } else if let Some(i) = out.iter().position(|t| t.key == DEFAULT_TEMPLATE) {
            let d = out.remove(i);
            out.insert(0, d);
        }
        Ok(out)
    }

    /// Saves a template (replacing one with the same key).
    pub async fn put_template(&self, t: &Template, now: Timestamp) -> StoreResult<()> {
        let body = serde_json::to_string(t).expect("a template serializes");
        let mut tx = self.begin_write().await?;
        tx.exec(
            "DELETE FROM postmortem_templates WHERE key = $1",
            &[Arg::S(&t.key)],
        )
        .await?;
        tx.exec(
            "INSERT INTO postmortem_templates (key, body, updated_at) VALUES ($1, $2, $3)",
            &[Arg::S(&t.key), Arg::S(&body), Arg::I(ms(now))],
        )
        .await?;
        tx.commit().await
    }

    /// Removes a template; `false` when there was none.
    pub async fn delete_template(&self, key: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let n = tx
            .exec(
                "DELETE FROM postmortem_templates WHERE key = $1",
                &[Arg::S(key)],
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Stores an attachment of an incident's postmortem.
    pub async fn add_attachment(&self, a: &NewAttachment<'_>) -> StoreResult<Attachment> {
        let NewAttachment {
            incident_id,
            filename,
            content_type,
            bytes,
            sha256,
            created_by,
            now,
        } = *a;
        let mut tx = self.begin_write().await?;
        let id = tx
            .int(
                "INSERT INTO attachments (incident_id, filename, content_type, size, sha256, content, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    Arg::I(incident_id),
                    Arg::S(filename),
                    Arg::S(content_type),
                    Arg::I(bytes.len() as i64),
                    Arg::S(sha256),
                    Arg::B(bytes),
                    Arg::I(created_by),
                    Arg::I(ms(now)),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Other("no id for the attachment".into()))?;
        tx.commit().await?;
        Ok(Attachment {
            id,
            filename: filename.into(),
            content_type: content_type.into(),
            size: bytes.len() as i64,
            sha256: sha256.into(),
            created_by: Some(created_by),
            created_at: now,
        })
    }

    /// The attachments of an incident.
    pub async fn attachments(&self, incident_id: i64) -> StoreResult<Vec<Attachment>> {
        let rows = self
            .read_rows(
                "SELECT id, filename, content_type, size, sha256, created_by, created_at FROM attachments \
                 WHERE incident_id = $1 ORDER BY id",
                &[Arg::I(incident_id)],
            )
            .await?;
        rows.iter().map(attachment_from).collect()
    }

    /// An attachment's description and bytes.
    pub async fn attachment(
        &self,
        incident_id: i64,
        id: i64,
    ) -> StoreResult<(Attachment, Vec<u8>)> {
        let rows = self
            .read_rows(
                "SELECT id, filename, content_type, size, sha256, created_by, created_at, content \
                 FROM attachments WHERE incident_id = $1 AND id = $2",
                &[Arg::I(incident_id), Arg::I(id)],
            )
            .await?;
        let r = rows
            .first()
            .ok_or_else(|| StoreError::NotFound(format!("attachment {id} of INC-{incident_id}")))?;
        Ok((attachment_from(r)?, r.get("content")?))
    }
}

/// A stored verdict (`approved`, `changes_requested`).
struct VerdictText(Verdict);

impl std::str::FromStr for VerdictText {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        [Verdict::Approved, Verdict::ChangesRequested]
            .into_iter()
            .find(|v| v.as_str() == s)
            .map(VerdictText)
            .ok_or(())
    }
}

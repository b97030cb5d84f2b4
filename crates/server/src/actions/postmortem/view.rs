//! The postmortem as people read it: what they wrote, rendered safely, and what Debrief knows of
//! the incident, filled in at every read so it is never stale.

use crate::actions::incident::key_timestamps;
use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::action_item::ActionItem;
use debrief_core::incident::{Incident, IncidentRef};
use debrief_core::metrics::{self, IncidentMetrics};
use debrief_core::postmortem::{Postmortem, Review, approvals};
use debrief_core::timeline::{EventKind, TimelineEvent};
use debrief_core::timestamps::KeyTimestamps;
use debrief_store::action_item::ItemFilter;
use debrief_store::postmortem::Attachment;
use serde::Serialize;

/// A user named in a postmortem.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// User id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// A section with its rendered HTML.
#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    /// Key.
    pub key: String,
    /// Heading.
    pub title: String,
    /// The question it answers.
    pub prompt: String,
    /// Markdown.
    pub body: String,
    /// Safe HTML of `body`.
    pub html: String,
}

/// What Debrief knows of the incident, filled into the document.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// The incident's title.
    pub title: String,
    /// Severity key.
    pub severity: String,
    /// Incident type.
    #[serde(rename = "type")]
    pub incident_type: String,
    /// Affected services.
    pub services: Vec<String>,
    /// Whether customers were affected.
    pub customer_impact: bool,
    /// The incident's status.
    pub incident_status: String,
    /// Start of impact (UTC).
    #[serde(with = "debrief_core::ts_opt")]
    pub start: Option<Timestamp>,
    /// End: resolution (UTC).
    #[serde(with = "debrief_core::ts_opt")]
    pub end: Option<Timestamp>,
    /// Key timestamps.
    pub key_timestamps: KeyTimestamps,
    /// Metrics.
    pub metrics: IncidentMetrics,
    /// Everyone who acted on the timeline, in order of first action.
    pub participants: Vec<String>,
    /// Starred and key events, in time order.
    pub timeline: Vec<TimelineEvent>,
    /// Action items of the incident.
    pub action_items: Vec<ActionItem>,
    /// Attachments (screenshots, graphs).
    pub attachments: Vec<Attachment>,
}

/// The whole document.
#[derive(Debug, Clone, Serialize)]
pub struct PostmortemView {
    /// The incident (`INC-42`).
    pub incident: String,
    /// The stored record.
    #[serde(flatten)]
    pub record: Postmortem,
    /// Sections with HTML (replaces the record's plain sections in the JSON).
    pub sections: Vec<SectionView>,
    /// The customer summary as safe HTML.
    pub customer_summary_html: String,
    /// Owner.
    pub owner: Option<Person>,
    /// Facilitator.
    pub facilitator: Option<Person>,
    /// Reviewers.
    pub reviewers: Vec<Person>,
    /// Approvals in the current round.
    pub approvals: usize,
    /// Every review given.
    pub reviews: Vec<Review>,
    /// The draft is past due and writing has not been submitted.
    pub draft_overdue: bool,
    /// The review deadline passed before publication.
    pub review_overdue: bool,
    /// What Debrief knows.
    pub facts: Facts,
    /// Blameless-check findings in the written text.
    pub findings: Vec<debrief_core::blameless::Finding>,
}

/// Whether an event belongs in the postmortem's timeline: starred, or a key moment.
fn is_key(e: &TimelineEvent) -> bool {
    e.starred
        || matches!(
            e.kind,
            EventKind::Declared | EventKind::StatusChange | EventKind::SeverityChange
        )
}

/// Everyone who acted on the timeline (people only), in order of first action.
pub fn participants(events: &[TimelineEvent]) -> Vec<String> {
    let mut sorted: Vec<&TimelineEvent> = events.iter().collect();
    sorted.sort_by_key(|e| (e.at, e.id));
    let mut out: Vec<String> = Vec::new();
    for e in sorted {
        if let Some(name) = &e.author_name
            && e.source.is_person()
            && !out.contains(name)
        {
            out.push(name.clone());
        }
    }
    out
}

/// Builds the document of an incident the actor may see.
pub async fn postmortem_view(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
) -> Result<PostmortemView, AppError> {
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let record = state
        .store
        .postmortem(r.0)
        .await?
        .unwrap_or_else(|| Postmortem::empty(r.0, incident.declared_at));
    let events = state.store.list_events(r.0).await?;
    build(state, incident, record, &events).await
}

/// Builds the document from what was read.
pub async fn build(
    state: &AppState,
    incident: Incident,
    record: Postmortem,
    events: &[TimelineEvent],
) -> Result<PostmortemView, AppError> {
    let users = state.store.list_users().await?;
    let person = |id: i64| {
        users.iter().find(|u| u.id == id).map(|u| Person {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
        })
    };
    let reviews = state.store.reviews(incident.id).await?;
    let today = super::today(state).await?;
    let action_items = state
        .store
        .action_items(
            &ItemFilter {
                incident_id: Some(incident.id),
                ..Default::default()
            },
            today,
        )
        .await?;
    let key = key_timestamps(&incident, events);
    let now = state.clock.now();
    let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    let people: Vec<&str> = names.iter().map(String::as_str).collect();
    let findings = debrief_core::blameless::check(&record.written_text(), &people);
    let unpublished = record.published_at.is_none() && record.status.has_document();
    Ok(PostmortemView {
        incident: incident.reference.clone(),
        sections: record
            .sections
            .iter()
            .map(|s| SectionView {
                key: s.key.clone(),
                title: s.title.clone(),
                prompt: s.prompt.clone(),
                body: s.body.clone(),
                html: crate::markdown::to_html(&s.body),
            })
            .collect(),
        customer_summary_html: crate::markdown::to_html(&record.customer_summary),
        owner: record.owner_id.and_then(person),
        facilitator: record.facilitator_id.and_then(person),
        reviewers: record
            .reviewer_ids
            .iter()
            .filter_map(|id| person(*id))
            .collect(),
        approvals: approvals(&reviews, record.review_round),
        reviews,
        draft_overdue: unpublished
            && record.submitted_at.is_none()
            && record.draft_due_at.is_some_and(|d| d < now),
        review_overdue: unpublished && record.review_due_at.is_some_and(|d| d < now),
        facts: Facts {
            title: incident.title.clone(),
            severity: incident.severity.clone(),
            incident_type: incident.incident_type.clone(),
            services: incident.services.clone(),
            customer_impact: incident.customer_impact,
            incident_status: incident.status.as_str().to_string(),
            start: key.started_at,
            end: key.resolved_at,
            metrics: metrics::compute(&key, &incident.services),
            key_timestamps: key,
            participants: participants(events),
            timeline: events.iter().filter(|e| is_key(e)).cloned().collect(),
            action_items,
            attachments: state.store.attachments(incident.id).await?,
        },
        findings,
        record,
    })
}

//! Postmortem meetings with `.ics` invitations, the recurring postmortem review with an agenda
//! per occurrence, and each user's calendar feed.

use crate::actions::incident::draft_event;
use crate::actions::postmortem::today;
use crate::auth::{Actor, hash_secret, new_secret};
use crate::{AppError, AppState};
use debrief_core::Timestamp;
use debrief_core::access::AccountRole;
use debrief_core::ics::{self, Attendee, EventStatus, IcsEvent, Method};
use debrief_core::incident::IncidentRef;
use debrief_core::postmortem::PmStatus;
use debrief_core::recurrence::{DEFAULT_REVIEW_RULE, Rule};
use debrief_core::timeline::{EventKind, Source};
use debrief_core::validation::{ValidationError, optional_text};
use debrief_store::account::User;
use debrief_store::incident::IncidentWrite;
use debrief_store::meeting::Meeting;
use serde::Serialize;
use serde_json::json;

/// The kinds of a postmortem's meetings.
pub const KINDS: [&str; 3] = ["information_gathering", "review", "presentation"];

/// A meeting to schedule for an incident's postmortem.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// `information_gathering`, `review` or `presentation`.
    pub kind: String,
    /// Title (a default from the kind and the incident when absent).
    pub title: Option<String>,
    /// Start, RFC 3339.
    pub starts_at: String,
    /// Length in minutes (default 60).
    pub duration_minutes: Option<i64>,
    /// Where (a room or a video link).
    pub location: Option<String>,
    /// Who attends (user ids).
    #[serde(default)]
    pub attendee_ids: Vec<i64>,
}

/// A recurring postmortem review.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesInput {
    /// Title (default "Postmortem review").
    pub title: Option<String>,
    /// RFC 5545 RRULE (default monthly, first Tuesday).
    pub rrule: Option<String>,
    /// Local start of the series, `YYYY-MM-DDTHH:MM` in `time_zone`; the first occurrence is the
    /// first date of the rule at or after it.
    pub starts: String,
    /// IANA zone (default: the organisation's).
    pub time_zone: Option<String>,
    /// Length in minutes (default 60).
    pub duration_minutes: Option<i64>,
    /// Where.
    pub location: Option<String>,
    /// Who attends.
    #[serde(default)]
    pub attendee_ids: Vec<i64>,
}

fn duration(e: &mut ValidationError, minutes: Option<i64>) -> i64 {
    let m = minutes.unwrap_or(60);
    if !(5..=8 * 60).contains(&m) {
        e.push("duration_minutes", "must be from 5 to 480");
    }
    m
}

fn check_attendees(e: &mut ValidationError, users: &[User], ids: &[i64]) {
    for (i, id) in ids.iter().enumerate() {
        if !users.iter().any(|u| u.id == *id && !u.disabled) {
            e.push_missing(format!("attendee_ids[{i}]"), format!("no active user {id}"));
        }
    }
}

fn uid(state: &AppState) -> String {
    let host = state
        .config
        .public_url
        .split("://")
        .nth(1)
        .unwrap_or("debrief")
        .split(['/', ':'])
        .next()
        .unwrap_or("debrief")
        .to_string();
    format!("{}@{host}", new_secret().trim_start_matches("dbr_"))
}

/// Schedules a meeting of an incident's postmortem; attendees get an invitation.
pub async fn schedule(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &MeetingInput,
    source: Source,
) -> Result<Meeting, AppError> {
    actor.require(AccountRole::Responder)?;
    let incident = state.store.incident(r.0, actor.viewer()).await?;
    let users = state.store.list_users().await?;
    let mut e = ValidationError::default();
    if !KINDS.contains(&input.kind.as_str()) {
        e.push(
            "kind",
            format!("unknown kind '{}' (use {})", input.kind, KINDS.join(", ")),
        );
    }
    let starts = debrief_core::incident::parse_time(
        &mut e,
        "starts_at",
        &input.starts_at,
        jiff::Timestamp::MAX,
    );
    let minutes = duration(&mut e, input.duration_minutes);
    let location = optional_text(&mut e, "location", input.location.as_deref(), 500);
    let title = optional_text(&mut e, "title", input.title.as_deref(), 300);
    check_attendees(&mut e, &users, &input.attendee_ids);
    let starts = e.into_result(starts)?.expect("validated");
    let calendar = state.store.work_calendar().await?;
    let now = state.clock.now();
    let meeting = Meeting {
        id: 0,
        incident: Some(incident.reference.clone()),
        kind: input.kind.clone(),
        title: title.unwrap_or_else(|| {
            format!(
                "{} {}: {}",
                kind_name(&input.kind),
                incident.reference,
                incident.title
            )
        }),
        starts_at: starts,
        ends_at: starts
            .checked_add(jiff::SignedDuration::from_mins(minutes))
            .unwrap_or(starts),
        time_zone: calendar.time_zone.clone(),
        rrule: None,
        location,
        organizer_id: actor.user.id,
        attendee_ids: input.attendee_ids.clone(),
        sequence: 0,
        status: "confirmed".into(),
        uid: uid(state),
        created_at: now,
        updated_at: now,
    };
    let meeting = state.store.add_meeting(&meeting, Some(incident.id)).await?;
    // On the timeline, as a step of the postmortem.
    let body = format!(
        "{} scheduled the {} for {}",
        actor.user.name,
        kind_name(&meeting.kind).to_lowercase(),
        debrief_core::format_utc(meeting.starts_at)
    );
    crate::actions::incident::change_with(state, actor, r, None, false, |current, _, _| {
        let mut w = IncidentWrite::new(current.clone());
        w.events.push(draft_event(
            actor,
            source,
            EventKind::Postmortem,
            now,
            body.clone(),
            json!({"action": "meeting", "meeting_id": meeting.id, "kind": meeting.kind}),
        ));
        Ok(Some(w))
    })
    .await?;
    crate::actions::notify::invite(state, &meeting, Method::Request).await?;
    Ok(meeting)
}

/// Cancels a meeting; attendees get the cancellation.
pub async fn cancel(state: &AppState, actor: &Actor, id: i64) -> Result<Meeting, AppError> {
    actor.require(AccountRole::Responder)?;
    let m = visible_meeting(state, actor, id).await?;
    let m = state.store.cancel_meeting(m.id, state.clock.now()).await?;
    crate::actions::notify::invite(state, &m, Method::Cancel).await?;
    Ok(m)
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "information_gathering" => "Information gathering",
        "review" => "Postmortem review",
        "presentation" => "Postmortem presentation",
        _ => "Postmortem review",
    }
}

/// A meeting the actor may see (its incident visible to them).
pub async fn visible_meeting(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<Meeting, AppError> {
    let m = state.store.meeting(id).await?;
    if let Some(r) = &m.incident {
        let r: IncidentRef = r.parse().map_err(AppError::NotFound)?;
        state
            .store
            .incident(r.0, actor.viewer())
            .await
            .map_err(|_| AppError::NotFound(format!("meeting {id}")))?;
    }
    Ok(m)
}

/// Creates the recurring postmortem review.
pub async fn schedule_series(
    state: &AppState,
    actor: &Actor,
    input: &SeriesInput,
) -> Result<Meeting, AppError> {
    actor.require(AccountRole::Admin)?;
    let users = state.store.list_users().await?;
    let calendar = state.store.work_calendar().await?;
    let mut e = ValidationError::default();
    let rule = match Rule::parse(input.rrule.as_deref().unwrap_or(DEFAULT_REVIEW_RULE)) {
        Ok(r) => Some(r),
        Err(m) => {
            e.push("rrule", m.to_string());
            None
        }
    };
    let zone = input
        .time_zone
        .clone()
        .unwrap_or_else(|| calendar.time_zone.clone());
    let tz = match jiff::tz::TimeZone::get(&zone) {
        Ok(tz) => Some(tz),
        Err(_) if zone.trim().is_empty() => {
            e.push("time_zone", "must name a time zone like Europe/Paris");
            None
        }
        Err(_) => {
            e.push_missing("time_zone", format!("unknown time zone '{zone}'"));
            None
        }
    };
    let local = match input.starts.parse::<jiff::civil::DateTime>() {
        Ok(d) => Some(d),
        Err(_) => {
            e.push(
                "starts",
                "must be a local date and time like 2027-01-05T10:00",
            );
            None
        }
    };
    let minutes = duration(&mut e, input.duration_minutes);
    let location = optional_text(&mut e, "location", input.location.as_deref(), 500);
    let title = optional_text(&mut e, "title", input.title.as_deref(), 300);
    check_attendees(&mut e, &users, &input.attendee_ids);
    e.into_result(())?;
    let (rule, tz, local) = (
        rule.expect("valid"),
        tz.expect("valid"),
        local.expect("valid"),
    );
    let anchor = local
        .to_zoned(tz)
        .map_err(|err| ValidationError::one("starts", err.to_string()))?;
    let first = rule
        .occurrences(&anchor, anchor.timestamp(), 1)
        .into_iter()
        .next()
        .ok_or_else(|| {
            ValidationError::one("rrule", "the rule has no occurrence after the start")
        })?;
    let now = state.clock.now();
    let meeting = Meeting {
        id: 0,
        incident: None,
        kind: "recurring_review".into(),
        title: title.unwrap_or_else(|| "Postmortem review".into()),
        starts_at: first.timestamp(),
        ends_at: first
            .timestamp()
            .checked_add(jiff::SignedDuration::from_mins(minutes))
            .unwrap_or(first.timestamp()),
        time_zone: zone,
        rrule: Some(rule.to_string()),
        location,
        organizer_id: actor.user.id,
        attendee_ids: input.attendee_ids.clone(),
        sequence: 0,
        status: "confirmed".into(),
        uid: uid(state),
        created_at: now,
        updated_at: now,
    };
    let meeting = state.store.add_meeting(&meeting, None).await?;
    crate::actions::notify::invite(state, &meeting, Method::Request).await?;
    Ok(meeting)
}

/// The agenda of one occurrence of the recurring review.
#[derive(Debug, Clone, Serialize)]
pub struct Agenda {
    /// Postmortems waiting for review.
    pub awaiting_review: Vec<AgendaPostmortem>,
    /// Action items past their due day.
    pub overdue_action_items: Vec<debrief_core::action_item::ActionItem>,
    /// Postmortems published since the previous occurrence.
    pub recently_published: Vec<AgendaPostmortem>,
}

/// A postmortem on an agenda.
#[derive(Debug, Clone, Serialize)]
pub struct AgendaPostmortem {
    /// `INC-42`.
    pub incident: String,
    /// The incident's title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Its workflow status.
    pub status: PmStatus,
    /// When it was published, if it was.
    #[serde(with = "debrief_core::ts_opt")]
    pub published_at: Option<Timestamp>,
}

/// One occurrence with its agenda.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    /// Start.
    #[serde(with = "debrief_core::ts")]
    pub starts_at: Timestamp,
    /// End.
    #[serde(with = "debrief_core::ts")]
    pub ends_at: Timestamp,
    /// Start in the series' zone, `2027-01-05T10:00:00+01:00[Europe/Berlin]`.
    pub local: String,
    /// What to discuss.
    pub agenda: Agenda,
}

/// The next `count` occurrences of a recurring review (from now), each with its agenda: for
/// each, what is pending now, and what was published since the occurrence before it.
pub async fn occurrences(
    state: &AppState,
    actor: &Actor,
    id: i64,
    count: usize,
) -> Result<Vec<Occurrence>, AppError> {
    let m = visible_meeting(state, actor, id).await?;
    let (Some(rrule), true) = (m.rrule.as_deref(), m.kind == "recurring_review") else {
        return Err(AppError::NotFound(format!("recurring review {id}")));
    };
    let rule = Rule::parse(rrule).map_err(|e| AppError::Internal(e.to_string().into()))?;
    let tz = jiff::tz::TimeZone::get(&m.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let anchor = m.starts_at.to_zoned(tz);
    let now = state.clock.now();
    let length = m.ends_at.duration_since(m.starts_at);
    // The occurrence before the first one listed, to know what counts as "recently published".
    let all = rule.occurrences(&anchor, anchor.timestamp(), 10_000);
    let upcoming: Vec<_> = all
        .iter()
        .enumerate()
        .filter(|(_, z)| z.timestamp() >= now)
        .take(count.clamp(1, 24))
        .collect();
    let postmortems = state.store.postmortems(&[]).await?;
    let mut visible = Vec::new();
    for pm in &postmortems {
        if let Ok(i) = state.store.incident(pm.incident_id, actor.viewer()).await {
            visible.push((pm, i));
        }
    }
    let board = crate::actions::postmortem::items::board(
        state,
        actor,
        &crate::actions::postmortem::items::BoardQuery {
            overdue: Some(true),
            ..Default::default()
        },
    )
    .await?;
    let _ = today(state).await?;
    let entry = |pm: &debrief_core::postmortem::Postmortem,
                 i: &debrief_core::incident::Incident| AgendaPostmortem {
        incident: i.reference.clone(),
        title: i.title.clone(),
        severity: i.severity.clone(),
        status: pm.status,
        published_at: pm.published_at,
    };
    Ok(upcoming
        .into_iter()
        .map(|(n, z)| {
            let start = z.timestamp();
            let previous = n
                .checked_sub(1)
                .and_then(|p| all.get(p))
                .map_or(m.created_at.min(start), |p| p.timestamp());
            Occurrence {
                starts_at: start,
                ends_at: start.checked_add(length).unwrap_or(start),
                local: z.to_string(),
                agenda: Agenda {
                    awaiting_review: visible
                        .iter()
                        .filter(|(pm, _)| pm.status == PmStatus::InReview)
                        .map(|(pm, i)| entry(pm, i))
                        .collect(),
                    overdue_action_items: board.clone(),
                    recently_published: visible
                        .iter()
                        .filter(|(pm, _)| {
                            pm.status == PmStatus::Published
                                && pm.published_at.is_some_and(|p| p >= previous && p < start)
                        })
                        .map(|(pm, i)| entry(pm, i))
                        .collect(),
                },
            }
        })
        .collect())
}

/// The `.ics` of one meeting (an invitation with METHOD:REQUEST or CANCEL); `redact` gives the
/// version for people who may not see its private incident.
pub async fn invitation(
    state: &AppState,
    m: &Meeting,
    method: Method,
    redact: bool,
) -> Result<String, AppError> {
    let users = state.store.list_users().await?;
    let event = to_event(state, m, &users)?;
    let event = if redact { redacted(event) } else { event };
    ics::calendar(Some(method), ics::PRODID, None, &[event])
        .map_err(|e| AppError::Internal(e.to_string().into()))
}

fn person(users: &[User], id: i64) -> Option<Attendee> {
    users
        .iter()
        .find(|u| u.id == id)
        .map(|u| Attendee::new(Some(&u.name), &u.email))
}

fn to_event(state: &AppState, m: &Meeting, users: &[User]) -> Result<IcsEvent, AppError> {
    let url = match &m.incident {
        Some(r) => format!("{}/incidents/{r}/postmortem", state.config.public_url),
        None => state.config.public_url.clone(),
    };
    let rrule = m
        .rrule
        .as_deref()
        .map(Rule::parse)
        .transpose()
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(IcsEvent {
        uid: m.uid.clone(),
        sequence: m.sequence as u32,
        summary: m.title.clone(),
        description: Some(match &m.incident {
            Some(r) => format!("{} of the postmortem of {r}.\n{url}", kind_name(&m.kind)),
            None => format!(
                "The recurring postmortem review: postmortems awaiting review, overdue action items, recently published postmortems.\n{url}"
            ),
        }),
        location: m.location.clone(),
        url: Some(url),
        start: m.starts_at,
        end: m.ends_at,
        time_zone: m.rrule.as_ref().map(|_| m.time_zone.clone()),
        rrule,
        organizer: person(users, m.organizer_id),
        attendees: m
            .attendee_ids
            .iter()
            .filter_map(|id| person(users, *id))
            .collect(),
        status: if m.status == "cancelled" {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        },
        created: Some(m.created_at),
        last_modified: Some(m.updated_at),
        dtstamp: state.clock.now(),
    })
}

/// Creates (or replaces) the actor's calendar feed; returns its secret URL.
pub async fn create_feed(state: &AppState, actor: &Actor) -> Result<String, AppError> {
    let token = new_secret();
    state
        .store
        .set_calendar_feed(actor.user.id, &hash_secret(&token), state.clock.now())
        .await?;
    Ok(format!(
        "{}/api/v1/feeds/{token}.ics",
        state.config.public_url
    ))
}

/// What others see of a meeting of a private incident they take no part in (issue 9.6).
pub const PRIVATE_MEETING_TITLE: &str = "Private incident meeting";

/// Whether the user `viewer` may see the incident of meeting `m` (meetings of no incident, such
/// as the recurring review, are visible to everyone).
pub async fn meeting_visible_to(
    state: &AppState,
    m: &Meeting,
    viewer: debrief_core::access::Viewer,
) -> Result<bool, AppError> {
    let Some(r) = &m.incident else {
        return Ok(true);
    };
    let Ok(r) = r.parse::<IncidentRef>() else {
        return Ok(false);
    };
    match state.store.incident(r.0, viewer).await {
        Ok(_) => Ok(true),
        Err(debrief_store::StoreError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// `event` as shown to someone who may not see its private incident: the time is kept (it is in
/// their calendar), the title, description, link, location and the other people are not.
pub fn redacted(mut event: IcsEvent) -> IcsEvent {
    event.summary = PRIVATE_MEETING_TITLE.into();
    event.description = Some("A meeting of a private incident you do not take part in.".into());
    event.url = None;
    event.location = None;
    event.attendees.clear();
    event
}

/// The calendar feed with this token: every meeting its user organises or attends, a meeting of
/// a private incident they cannot see shown only as [`PRIVATE_MEETING_TITLE`].
pub async fn feed(state: &AppState, token: &str) -> Result<String, AppError> {
    let user_id = state
        .store
        .calendar_feed_user(&hash_secret(token))
        .await?
        .ok_or_else(|| AppError::NotFound("calendar feed".into()))?;
    let users = state.store.list_users().await?;
    let user = users
        .iter()
        .find(|u| u.id == user_id && !u.disabled)
        .ok_or_else(|| AppError::NotFound("calendar feed".into()))?;
    let viewer = debrief_core::access::Viewer::of(user.id, user.role);
    let meetings = state.store.meetings_of(user_id).await?;
    let mut events = Vec::with_capacity(meetings.len());
    for m in &meetings {
        let event = to_event(state, m, &users)?;
        events.push(if meeting_visible_to(state, m, viewer).await? {
            event
        } else {
            redacted(event)
        });
    }
    ics::calendar(None, ics::PRODID, Some("Debrief postmortems"), &events)
        .map_err(|e| AppError::Internal(e.to_string().into()))
}

//! Pages: opening them (from alerts, declared incidents and people), acknowledging and
//! resolving them (from the web, API, CLI and signed single-use links), and the job that fires
//! each level of their escalation.

use super::*;
use debrief_core::timeline::{EventKind, Source};
use debrief_store::oncall::{NewPage, PageChange, PageFilter};
use debrief_store::timeline::EventDraft;
use serde_json::json;

/// Opens a page with `policy`; `None` when its alert (or its incident, with this policy)
/// already has one.
async fn open(
    state: &AppState,
    policy: &PolicyRow,
    mut new: NewPage,
) -> Result<Option<Page>, AppError> {
    let now = state.clock.now();
    new.policy_id = (policy.id != 0).then_some(policy.id);
    new.policy = policy.policy();
    let page = state
        .store
        .open_page(
            &new,
            |id| {
                escalate::fire_job(
                    state,
                    &escalate::FireStep {
                        page_id: id,
                        pass: 0,
                        level: 0,
                    },
                    now,
                )
            },
            now,
        )
        .await?;
    if let Some(p) = &page {
        tracing::info!(page = p.id, policy = policy.id, "Opened page {}", p.id);
        state.jobs.wake();
    }
    Ok(page)
}

fn new_page(title: &str) -> NewPage {
    NewPage {
        policy_id: None,
        policy: Policy {
            levels: Vec::new(),
            repeat: 0,
        },
        title: title.chars().take(300).collect(),
        details: json!({}),
        service: None,
        team: None,
        incident_id: None,
        alert_id: None,
        opened_by: None,
    }
}

/// Pages the service's policy for an alert (routing decided it pages). `Ok(None)`: the
/// service has no policy, or the alert has paged already.
pub async fn page_for_alert(
    state: &AppState,
    alert: &debrief_store::alert::Alert,
    incident_id: Option<i64>,
) -> Result<Option<Page>, AppError> {
    let Some(policy) = state.store.service_policy(&alert.service).await? else {
        return Ok(None);
    };
    let mut new = new_page(&alert.summary);
    new.details =
        json!({"severity": alert.severity, "source": alert.source, "dedup_key": alert.dedup_key});
    new.service = Some(alert.service.clone());
    new.alert_id = Some(alert.id);
    new.incident_id = incident_id;
    match open(state, &policy, new).await? {
        Some(p) => Ok(Some(p)),
        // Paged before (the routing job ran again after a crash): that page.
        None => Ok(state.store.page_of_alert(alert.id).await?),
    }
}

/// The severity at or above which a declared incident pages its services' policies (none:
/// declared incidents never page). Stored as the setting `oncall.page_declared_at`; by default
/// the second most severe severity (SEV2 of the defaults).
pub async fn page_declared_at(state: &AppState) -> Result<Option<String>, AppError> {
    match state.store.setting("oncall.page_declared_at").await? {
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => Ok(Some(v)),
        None => {
            let mut sevs = crate::actions::incident::severities(state, None).await?;
            sevs.sort_by_key(|s| s.rank);
            Ok(sevs.get(1).or(sevs.first()).map(|s| s.key.clone()))
        }
    }
}

/// Sets the severity at or above which declared incidents page (admins); `None`: never.
pub async fn set_page_declared_at(
    state: &AppState,
    actor: &Actor,
    severity: Option<&str>,
) -> Result<Option<String>, AppError> {
    actor.require(AccountRole::Admin)?;
    if let Some(s) = severity {
        let sevs = crate::actions::incident::severities(state, None).await?;
        if !sevs.iter().any(|x| x.key == s) {
            return Err(ValidationError::missing(
                "page_declared_at",
                format!(
                    "'{s}' is not a severity; use one of {}",
                    sevs.iter()
                        .map(|x| x.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into());
        }
    }
    state
        .store
        .set_setting("oncall.page_declared_at", severity.unwrap_or(""))
        .await?;
    page_declared_at(state).await
}

/// Pages the policies of a newly declared incident's services when its severity is at or
/// above [`page_declared_at`]: one page per policy.
pub async fn page_for_incident(
    state: &AppState,
    incident: &debrief_core::incident::Incident,
) -> Result<Vec<Page>, AppError> {
    if incident.services.is_empty() {
        return Ok(Vec::new());
    }
    let mut policies: Vec<(String, PolicyRow)> = Vec::new();
    for s in &incident.services {
        if let Some(p) = state.store.service_policy(s).await?
            && !policies.iter().any(|(_, x)| x.id == p.id)
        {
            policies.push((s.clone(), p));
        }
    }
    if policies.is_empty() {
        return Ok(Vec::new());
    }
    let Some(threshold) = page_declared_at(state).await? else {
        return Ok(Vec::new());
    };
    let sevs = crate::actions::incident::severities(state, None).await?;
    let rank = |k: &str| sevs.iter().find(|s| s.key == k).map(|s| s.rank);
    let (Some(r), Some(t)) = (rank(&incident.severity), rank(&threshold)) else {
        return Ok(Vec::new());
    };
    if r > t {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (service, policy) in policies {
        let mut new = new_page(&format!("{}: {}", incident.reference, incident.title));
        new.details = json!({"severity": incident.severity});
        new.service = Some(service);
        new.incident_id = Some(incident.id);
        if let Some(p) = open(state, &policy, new).await? {
            out.push(p);
        }
    }
    Ok(out)
}

/// What paging someone by hand needs: exactly one of a policy, a team, a service or users.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PageInput {
    /// What it is about.
    pub title: String,
    /// More words.
    #[serde(default)]
    pub message: Option<String>,
    /// An escalation policy id.
    #[serde(default)]
    pub policy_id: Option<i64>,
    /// A team slug ("page the database team"): the team's policy.
    #[serde(default)]
    pub team: Option<String>,
    /// A service slug: the service's policy.
    #[serde(default)]
    pub service: Option<String>,
    /// Users, paged at once (one level).
    #[serde(default)]
    pub users: Vec<schedules::UserRef>,
    /// The incident it is for (`INC-42` or `42`).
    #[serde(default)]
    pub incident: Option<String>,
}

/// Pages by hand (responders): a policy, a team's or service's policy, or people.
pub async fn page_by_person(
    state: &AppState,
    actor: &Actor,
    input: &PageInput,
) -> Result<Page, AppError> {
    actor.require(AccountRole::Responder)?;
    let mut e = ValidationError::default();
    let title = required_text(&mut e, "title", &input.title, 300);
    let chosen = [
        input.policy_id.is_some(),
        input.team.is_some(),
        input.service.is_some(),
        !input.users.is_empty(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if chosen != 1 {
        e.push(
            "policy_id",
            "give exactly one of policy_id, team, service or users",
        );
    }
    let incident_id = match input.incident.as_deref() {
        Some(r) => {
            let n = r.trim().trim_start_matches("INC-").parse::<i64>().ok();
            match n {
                Some(n) => {
                    state.store.incident(n, actor.viewer()).await?;
                    Some(n)
                }
                None => {
                    e.push("incident", "is not an incident like INC-42");
                    None
                }
            }
        }
        None => None,
    };
    let users = schedules::users_by_id(state).await?;
    let mut user_ids = Vec::new();
    for (n, u) in input.users.iter().enumerate() {
        if let Some(id) = schedules::resolve_user(&users, u, &format!("users[{n}]"), &mut e)
            && !user_ids.contains(&id)
        {
            user_ids.push(id);
        }
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    let policy = if let Some(p) = input.policy_id {
        state.store.escalation_policy(p).await?
    } else if let Some(t) = &input.team {
        if !state.store.list_teams().await?.iter().any(|x| &x.slug == t) {
            return Err(ValidationError::missing("team", format!("'{t}' is not a team")).into());
        }
        team_policy(state, t).await?.ok_or_else(|| {
            AppError::from(ValidationError::conflict(
                "team",
                format!(
                    "team '{t}' has no escalation policy (give it one, or one of its services)"
                ),
            ))
        })?
    } else if let Some(s) = &input.service {
        if !state
            .store
            .list_services()
            .await?
            .iter()
            .any(|x| &x.slug == s)
        {
            return Err(
                ValidationError::missing("service", format!("'{s}' is not a service")).into(),
            );
        }
        state.store.service_policy(s).await?.ok_or_else(|| {
            AppError::from(ValidationError::conflict(
                "service",
                format!("service '{s}' has no escalation policy"),
            ))
        })?
    } else {
        // People, at once: a one-level policy of its own.
        PolicyRow {
            id: 0,
            name: "people".into(),
            description: String::new(),
            team: None,
            levels: vec![Level {
                targets: user_ids.iter().map(|u| Target::User(*u)).collect(),
                delay_minutes: 5,
            }],
            repeat: 0,
            created_by: Some(actor.user.id),
            created_at: state.clock.now(),
            updated_at: state.clock.now(),
        }
    };
    let mut new = new_page(&title);
    new.details = json!({"message": input.message.as_deref().unwrap_or("").trim()});
    new.team = input.team.clone();
    new.service = input.service.clone();
    new.incident_id = incident_id;
    new.opened_by = Some(actor.user.id);
    // Pages people open are never refused as repeats (they may page again on purpose).
    let page = open(state, &policy, new)
        .await?
        .ok_or_else(|| AppError::Conflict("this page exists already".into()))?;
    if let Some(i) = incident_id {
        note_on_incident(
            state,
            i,
            Some(actor),
            format!("{} paged: {}", actor.user.name, page.title),
            json!({"page": page.id}),
        )
        .await?;
    }
    Ok(page)
}

/// Writes a note about a page on an incident's timeline.
pub(crate) async fn note_on_incident(
    state: &AppState,
    incident_id: i64,
    actor: Option<&Actor>,
    body: String,
    data: serde_json::Value,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let draft = EventDraft {
        kind: EventKind::Note,
        at: now,
        source: match actor {
            Some(a) => match a.via {
                crate::auth::Via::Session { .. } | crate::auth::Via::Link => Source::Web,
                crate::auth::Via::Slack => Source::Slack,
                crate::auth::Via::Token { .. } => Source::Api,
            },
            None => Source::System,
        },
        author_id: actor.map(|a| a.user.id),
        author_name: actor.map(|a| a.user.name.clone()),
        body,
        links: Vec::new(),
        data,
        starred: false,
        created_at: now,
    };
    let events = state.store.add_events(incident_id, &[draft]).await?;
    let private = state
        .store
        .incident_private(
            incident_id,
            debrief_core::access::Viewer::of(0, AccountRole::Admin),
        )
        .await?;
    state.live.publish(incident_id, private, &events);
    crate::actions::slack::channels::follow_incident(state, incident_id, &events).await;
    Ok(())
}

/// A page, if the actor may see it: pages of private incidents only to those who see the
/// incident.
pub async fn get_page(state: &AppState, actor: &Actor, id: i64) -> Result<Page, AppError> {
    let page = state.store.oncall_page(id).await?;
    if let Some(i) = page.incident_id {
        state
            .store
            .incident(i, actor.viewer())
            .await
            .map_err(|_| AppError::NotFound(format!("page {id}")))?;
    }
    Ok(page)
}

/// Pages, newest first, leaving out those of incidents the actor cannot see.
pub async fn list_pages(
    state: &AppState,
    actor: &Actor,
    filter: &PageFilter,
) -> Result<Vec<Page>, AppError> {
    let mut out = Vec::new();
    for p in state.store.oncall_pages(filter).await? {
        if let Some(i) = p.incident_id
            && state.store.incident(i, actor.viewer()).await.is_err()
        {
            continue;
        }
        out.push(p);
    }
    Ok(out)
}

/// Acknowledges (`resolve` false) or resolves a page as a person: escalation stops for every
/// firing and contact due from now on.
pub async fn change_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    resolve: bool,
) -> Result<Page, AppError> {
    actor.require(AccountRole::Responder)?;
    get_page(state, actor, id).await?;
    match state
        .store
        .change_page(id, resolve, Some(actor.user.id), None, state.clock.now())
        .await?
    {
        PageChange::Done(p) => {
            after_change(state, Some(actor), &p, resolve).await?;
            Ok(p)
        }
        PageChange::Already(p) => Ok(p),
        PageChange::LinkUsed => Err(AppError::Conflict("this link was used already".into())),
    }
}

pub(crate) async fn after_change(
    state: &AppState,
    actor: Option<&Actor>,
    page: &Page,
    resolve: bool,
) -> Result<(), AppError> {
    let who = match actor {
        Some(a) => a.user.name.clone(),
        None => "someone".into(),
    };
    tracing::info!(
        page = page.id,
        resolve,
        "Page {} {}",
        page.id,
        if resolve { "resolved" } else { "acknowledged" }
    );
    // The alert that opened the page follows it, as its sender's acknowledgement would (the
    // routing job then finds the page already so and changes nothing).
    if let Some(alert) = page.alert_id {
        let to = if resolve {
            debrief_core::alert::AlertStatus::Resolved
        } else {
            debrief_core::alert::AlertStatus::Acknowledged
        };
        if state
            .store
            .set_alert_status(
                alert,
                to,
                &who,
                crate::actions::alerts::ROUTE_KIND,
                state.clock.now(),
            )
            .await?
            .is_some()
        {
            state.jobs.wake();
        }
    }
    crate::actions::slack::pages::follow_page(state, page).await?;
    if let Some(i) = page.incident_id {
        let verb = if resolve { "resolved" } else { "acknowledged" };
        note_on_incident(
            state,
            i,
            actor,
            format!("{who} {verb} the page: {}", page.title),
            json!({"page": page.id, "page_status": page.status}),
        )
        .await?;
    }
    Ok(())
}

/// Resolves an incident's pages (when the incident resolves).
pub async fn resolve_incident_pages(state: &AppState, incident_id: i64) -> Result<(), AppError> {
    for p in state.store.open_pages_of_incident(incident_id).await? {
        if let PageChange::Done(p) = state
            .store
            .change_page(p.id, true, None, None, state.clock.now())
            .await?
        {
            crate::actions::slack::pages::follow_page(state, &p).await?;
        }
    }
    Ok(())
}

/// Acknowledges or resolves the page an alert opened, when its sender acknowledges or
/// resolves the alert.
pub async fn follow_alert(state: &AppState, alert_id: i64, resolve: bool) -> Result<(), AppError> {
    if let Some(p) = state.store.page_of_alert(alert_id).await?
        && p.status != PageStatus::Resolved
        && let PageChange::Done(p) = state
            .store
            .change_page(p.id, resolve, None, None, state.clock.now())
            .await?
    {
        crate::actions::slack::pages::follow_page(state, &p).await?;
    }
    Ok(())
}

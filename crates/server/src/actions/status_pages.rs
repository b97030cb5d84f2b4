//! Status pages: pages and components (admins), component states and public incident updates
//! (responders). A public update is a `status_page_update` event on the incident's timeline,
//! written in the same transaction as the update and the component changes it carries.

use crate::actions::incident::{change_with, draft_event};
use crate::auth::Actor;
use crate::status::notices::{Change, component_changes, notice_job};
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::incident::IncidentRef;
use debrief_core::timeline::{EventKind, Source};
use debrief_core::validation::{ValidationError, not_null, optional_text, required_text, slug};
use debrief_store::incident::IncidentWrite;
use debrief_store::status_page::{
    Component, ComponentChange, PageIncident, PageUpdateWrite, StatusPage,
};
use serde_json::json;

/// The states a component can be in, least to most severe (maintenance apart).
pub const COMPONENT_STATES: [&str; 5] = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];

/// The statuses of a public incident update.
pub const UPDATE_STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];

/// A page's settings as clients send them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageInput {
    /// URL slug (only when creating).
    pub slug: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// IANA zone (default UTC).
    pub time_zone: Option<String>,
    /// Readable by anyone (default true).
    pub public: Option<bool>,
    /// `{logo_url, accent_color, header}`.
    pub branding: Option<Branding>,
    /// A host name the page also answers on (`status.example.com`); `""` removes it.
    pub custom_domain: Option<String>,
}

/// A page's look.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// An https URL of the logo.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    #[serde(default)]
    pub accent_color: Option<String>,
    /// A line under the page name.
    #[serde(default)]
    pub header: Option<String>,
}

fn check_branding(e: &mut ValidationError, b: &Branding) {
    if let Some(u) = &b.logo_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        e.push("branding.logo_url", "must be an http or https link");
    }
    if let Some(c) = &b.accent_color
        && !c
            .strip_prefix('#')
            .is_some_and(|hex| hex.len() == 6 && hex.chars().all(|x| x.is_ascii_hexdigit()))
    {
        e.push("branding.accent_color", "must be a colour like #1f6feb");
    }
    if b.header.as_deref().is_some_and(|h| h.chars().count() > 300) {
        e.push("branding.header", "must be at most 300 characters");
    }
}

/// A custom domain: a host name of letters, digits and hyphens in dot-separated labels (lower
/// case, no port), not taken by another page; `""` for none.
async fn check_domain(
    state: &AppState,
    e: &mut ValidationError,
    page: &StatusPage,
    raw: &str,
) -> Result<Option<String>, AppError> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return Ok(None);
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    if host.len() > 253
        || labels.len() < 2
        || !labels.iter().all(|l| label_ok(l))
        || labels
            .last()
            .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()))
    {
        e.push(
            "custom_domain",
            "must be a host name like status.example.com (no scheme, port or path)",
        );
        return Ok(None);
    }
    if let Some(other) = state.store.page_by_domain(&host).await?
        && other.id != page.id
    {
        e.push_conflict(
            "custom_domain",
            format!("is already the domain of the page '{}'", other.name),
        );
    }
    Ok(Some(host))
}

/// A time zone the server knows: blank is malformed, a name it does not hold is missing (404).
fn check_zone(e: &mut ValidationError, zone: &str) {
    if zone.trim().is_empty() {
        e.push("time_zone", "must name a time zone like Europe/Paris");
    } else if jiff::tz::TimeZone::get(zone).is_err() {
        e.push_missing("time_zone", format!("unknown time zone '{zone}'"));
    }
}

/// Creates a status page (admins).
pub async fn create_page(
    state: &AppState,
    actor: &Actor,
    input: &PageInput,
) -> Result<StatusPage, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut e = ValidationError::default();
    let slug = match &input.slug {
        Some(s) => slug(&mut e, "slug", s),
        None => {
            e.push("slug", "is required");
            String::new()
        }
    };
    let name = required_text(&mut e, "name", input.name.as_deref().unwrap_or(""), 200);
    let zone = input.time_zone.clone().unwrap_or_else(|| "UTC".into());
    check_zone(&mut e, &zone);
    let branding = input.branding.clone().unwrap_or_default();
    check_branding(&mut e, &branding);
    e.into_result(())?;
    let now = state.clock.now();
    Ok(state
        .store
        .create_page(&StatusPage {
            id: 0,
            slug,
            name,
            time_zone: zone,
            public: input.public.unwrap_or(true),
            branding: serde_json::to_value(&branding).expect("branding serializes"),
            custom_domain: None,
            created_at: now,
            updated_at: now,
        })
        .await?)
}

/// Changes a page's name, zone, visibility or branding (admins).
pub async fn update_page(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    input: &PageInput,
) -> Result<StatusPage, AppError> {
    actor.require(AccountRole::Admin)?;
    let mut page = state.store.page_by_slug(page_slug).await?;
    let mut e = ValidationError::default();
    if input.slug.as_deref().is_some_and(|s| s != page.slug) {
        e.push_conflict("slug", "cannot be changed (links to the page would break)");
    }
    if let Some(n) = &input.name {
        page.name = required_text(&mut e, "name", n, 200);
    }
    if let Some(z) = &input.time_zone {
        check_zone(&mut e, z);
        page.time_zone = z.clone();
    }
    if let Some(p) = input.public {
        page.public = p;
    }
    if let Some(b) = &input.branding {
        check_branding(&mut e, b);
        page.branding = serde_json::to_value(b).expect("branding serializes");
    }
    if let Some(d) = &input.custom_domain {
        page.custom_domain = check_domain(state, &mut e, &page, d).await?;
    }
    e.into_result(())?;
    let page = state.store.update_page(&page, state.clock.now()).await?;
    state.status.refresh(&page.slug).await?;
    Ok(page)
}

/// The highest position a client may give a component (the layout numbers them from 1).
const MAX_POSITION: i64 = 10_000;

/// A component as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentInput {
    /// Name.
    #[serde(default, deserialize_with = "not_null")]
    pub name: Option<String>,
    /// What it is.
    pub description: Option<Option<String>>,
    /// Group.
    pub group: Option<Option<String>>,
    /// Order.
    #[serde(default, deserialize_with = "not_null")]
    pub position: Option<i64>,
    /// Debrief services it stands for.
    #[serde(default, deserialize_with = "not_null")]
    pub services: Option<Vec<String>>,
    /// State.
    #[serde(default, deserialize_with = "not_null")]
    pub state: Option<String>,
    /// Why the state changed (for its history).
    pub reason: Option<String>,
}

fn check_state(e: &mut ValidationError, field: &str, s: &str) {
    if !COMPONENT_STATES.contains(&s) {
        e.push(
            field,
            format!("unknown state '{s}' (use {})", COMPONENT_STATES.join(", ")),
        );
    }
}

async fn check_services(
    state: &AppState,
    e: &mut ValidationError,
    services: &[String],
) -> Result<(), AppError> {
    let known = state.store.list_services().await?;
    for (i, s) in services.iter().enumerate() {
        if !known.iter().any(|k| &k.slug == s) {
            e.push_missing(format!("services[{i}]"), format!("unknown service '{s}'"));
        }
    }
    Ok(())
}

fn apply_component(e: &mut ValidationError, c: &mut Component, input: &ComponentInput) {
    if let Some(n) = &input.name {
        c.name = required_text(e, "name", n, 200);
    }
    if let Some(d) = &input.description {
        c.description = optional_text(e, "description", d.as_deref(), 1000);
    }
    if let Some(g) = &input.group {
        c.group = optional_text(e, "group", g.as_deref(), 200);
    }
    if let Some(p) = input.position {
        if !(0..=MAX_POSITION).contains(&p) {
            e.push("position", format!("must be from 0 to {MAX_POSITION}"));
        }
        c.position = p;
    }
    if let Some(s) = &input.services {
        c.services = s.clone();
    }
    if let Some(s) = &input.state {
        check_state(e, "state", s);
        c.state = s.clone();
    }
}

/// Adds a component to a page (admins).
pub async fn add_component(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    input: &ComponentInput,
) -> Result<Component, AppError> {
    actor.require(AccountRole::Admin)?;
    let page = state.store.page_by_slug(page_slug).await?;
    let existing = state.store.components(page.id).await?;
    let now = state.clock.now();
    let mut c = Component {
        id: 0,
        page_id: page.id,
        name: String::new(),
        description: None,
        group: None,
        position: existing
            .iter()
            .map(|c| c.position)
            .max()
            .unwrap_or(0)
            .saturating_add(1),
        services: Vec::new(),
        state: "operational".into(),
        created_at: now,
        updated_at: now,
    };
    let mut e = ValidationError::default();
    if input.name.is_none() {
        e.push("name", "is required");
    }
    apply_component(&mut e, &mut c, input);
    check_services(state, &mut e, &c.services).await?;
    e.into_result(())?;
    let c = state.store.add_component(&c).await?;
    state.status.refresh(page_slug).await?;
    Ok(c)
}

/// Changes a component; a new state goes into its history with the reason (responders).
pub async fn update_component(
    state: &AppState,
    actor: &Actor,
    page_slug: &str,
    id: i64,
    input: &ComponentInput,
) -> Result<Component, AppError> {
    actor.require(AccountRole::Responder)?;
    let page = state.store.page_by_slug(page_slug).await?;
    let mut c = state.store.component(id).await?;
    if c.page_id != page.id {
        return Err(AppError::NotFound(format!(
            "component {id} of '{page_slug}'"
        )));
    }
    let mut e = ValidationError::default();
    apply_component(&mut e, &mut c, input);
    if let Some(s) = &input.services {
        check_services(state, &mut e, s).await?;
    }
    let reason = optional_text(&mut e, "reason", input.reason.as_deref(), 500);
    e.into_result(())?;
    let cause = reason.unwrap_or_else(|| format!("set by {}", actor.user.name));
    let before = state.store.component(c.id).await?.state;
    let at = state.clock.now();
    let told = (before != c.state).then(|| {
        let change = Change::Component {
            id: c.id,
            key: format!(
                "status:{}:component:{}:{}",
                page.id,
                c.id,
                at.as_millisecond()
            ),
            old: before,
            new: c.state.clone(),
            at,
            by_update: false,
        };
        notice_job(
            state,
            page.id,
            change.key(),
            std::slice::from_ref(&change),
            at,
        )
    });
    let c = state
        .store
        .update_component(&c, &cause, told.as_slice(), at)
        .await?;
    state.jobs.wake();
    state.status.refresh(page_slug).await?;
    Ok(c)
}

/// A public update of an incident, as clients send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    /// The page's slug.
    pub page: String,
    /// `investigating`, `identified`, `monitoring` or `resolved`.
    pub status: String,
    /// Customer-facing text.
    pub body: String,
    /// The customer-facing name (the incident's title by default; set on the first update).
    pub name: Option<String>,
    /// Components and their new states.
    #[serde(default)]
    pub components: Vec<ComponentState>,
    /// Also move the incident to the update's status when it is behind it (the API's
    /// `move_incident`; the publish form's box).
    #[serde(default)]
    pub move_incident: bool,
}

/// A component's new state.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentState {
    /// The component.
    pub id: i64,
    /// Its new state.
    pub state: String,
}

fn impact_of(state: &str) -> u8 {
    match state {
        "degraded_performance" => 1,
        "partial_outage" => 2,
        "major_outage" => 3,
        _ => 0,
    }
}

const IMPACTS: [&str; 4] = ["none", "minor", "major", "critical"];

/// Publishes an update of an incident on a status page (responders). Private incidents are
/// refused: they never appear on a page.
pub async fn publish_update(
    state: &AppState,
    actor: &Actor,
    r: IncidentRef,
    input: &PublishInput,
    source: Source,
) -> Result<PageIncident, AppError> {
    actor.require(AccountRole::Responder)?;
    let probe = state.store.incident(r.0, actor.viewer()).await?;
    let mut e = ValidationError::default();
    let page = match state.store.page_by_slug(&input.page).await {
        Ok(p) => Some(p),
        Err(_) => {
            e.push_missing("page", format!("no status page '{}'", input.page));
            None
        }
    };
    if !UPDATE_STATUSES.contains(&input.status.as_str()) {
        e.push(
            "status",
            format!(
                "unknown status '{}' (use {})",
                input.status,
                UPDATE_STATUSES.join(", ")
            ),
        );
    }
    let body = required_text(&mut e, "body", &input.body, 10_000);
    let name = optional_text(&mut e, "name", input.name.as_deref(), 200);
    let components = match &page {
        Some(p) => state.store.components(p.id).await?,
        None => Vec::new(),
    };
    let mut changes = Vec::new();
    for (i, c) in input.components.iter().enumerate() {
        check_state(&mut e, &format!("components[{i}].state"), &c.state);
        match components.iter().find(|x| x.id == c.id) {
            Some(x) => changes.push(ComponentChange {
                component_id: x.id,
                name: x.name.clone(),
                old_state: x.state.clone(),
                new_state: c.state.clone(),
            }),
            None if page.is_some() => e.push_missing(
                format!("components[{i}].id"),
                format!("no component {} on '{}'", c.id, input.page),
            ),
            None => {}
        }
    }
    e.into_result(())?;
    let page = page.expect("validated");
    if probe.private {
        return Err(AppError::Conflict(format!(
            "{} is private; private incidents never appear on a status page",
            probe.reference
        )));
    }
    let before = state.store.page_incident(page.id, probe.id).await?;
    let previous = before
        .as_ref()
        .and_then(|b| IMPACTS.iter().position(|i| *i == b.impact))
        .unwrap_or(0) as u8;
    let now = state
        .clock
        .now_after(before.as_ref().and_then(|b| b.updates.last()).map(|u| u.at));
    let impact = changes
        .iter()
        .map(|c| impact_of(&c.new_state))
        .chain([previous])
        .max()
        .unwrap_or(0);
    let write = PageUpdateWrite {
        page_id: page.id,
        name: name.unwrap_or_else(|| probe.title.clone()),
        status: input.status.clone(),
        impact: IMPACTS[impact as usize].to_string(),
        body: body.clone(),
        components: changes.clone(),
        at: now,
        by: Some(actor.user.id),
    };
    change_with(state, actor, r, None, false, |current, _, _| {
        if current.private {
            return Err(AppError::Conflict(format!(
                "{} is private; private incidents never appear on a status page",
                current.reference
            )));
        }
        let mut w = IncidentWrite::new(current.clone());
        let affected: Vec<String> = changes
            .iter()
            .map(|c| format!("{} {}", c.name, c.new_state))
            .collect();
        w.events.push(draft_event(
            actor,
            source,
            EventKind::StatusPageUpdate,
            now,
            match affected.is_empty() {
                true => format!("{} ({}): {body}", page.name, input.status),
                false => format!(
                    "{} ({}; {}): {body}",
                    page.name,
                    input.status,
                    affected.join(", ")
                ),
            },
            json!({"page": page.slug, "status": input.status, "components": changes}),
        ));
        w.page_updates.push(write.clone());
        w.participants.push(actor.user.id);
        // The incident's version names this write.
        let key = format!(
            "status:{}:incident:{}:v{}",
            page.id, current.id, current.version
        );
        let moves = changes
            .iter()
            .map(|c| (c.component_id, c.old_state.clone(), c.new_state.clone()));
        let mut told = component_changes(&key, moves, now);
        told.push(Change::Update {
            id: current.id.to_string(),
            key: key.clone(),
            components: changes.iter().map(|c| c.component_id).collect(),
            at: now,
        });
        w.jobs.push(notice_job(state, page.id, &key, &told, now));
        Ok(Some(w))
    })
    .await?;
    state.jobs.wake();
    state.status.refresh(&page.slug).await?;
    state
        .store
        .page_incident(page.id, probe.id)
        .await?
        .ok_or_else(|| AppError::Internal("the published incident is not on the page".into()))
}

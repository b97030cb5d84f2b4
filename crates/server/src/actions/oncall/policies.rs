//! Escalation policies, each service's policy, the warnings an admin sees, and who is on call
//! now for every service and team.

use super::*;

/// What creating or replacing a policy needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// Name, unique.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// The team (a catalogue slug).
    #[serde(default)]
    pub team: Option<String>,
    /// Levels, in order: `{"targets": [{"type": "user", "id": 3}, {"type": "schedule",
    /// "id": 1}], "delay_minutes": 5}`.
    pub levels: Vec<Level>,
    /// How many more passes after the first (0: one pass).
    #[serde(default)]
    pub repeat: u32,
}

/// A policy as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    /// The policy.
    #[serde(flatten)]
    pub policy: PolicyRow,
    /// The services that page with it.
    pub services: Vec<String>,
    /// What an admin should fix: a schedule it pages with nobody on call in the next two
    /// weeks, a user nobody can reach.
    pub warnings: Vec<String>,
}

async fn checked(
    state: &AppState,
    actor: &Actor,
    input: &PolicyInput,
) -> Result<NewPolicy, AppError> {
    let mut e = ValidationError::default();
    let name = required_text(&mut e, "name", &input.name, 200);
    let description = schedules::description(&mut e, input.description.as_deref());
    let team = schedules::check_team(state, input.team.as_deref(), &mut e).await?;
    let policy = Policy {
        levels: input.levels.clone(),
        repeat: input.repeat,
    };
    if let Err(more) = policy.validate() {
        e.fields.extend(more.fields);
    }
    let users = schedules::users_by_id(state).await?;
    let schedules: Vec<i64> = state
        .store
        .schedules()
        .await?
        .iter()
        .map(|s| s.id)
        .collect();
    for (n, l) in input.levels.iter().enumerate() {
        for (k, t) in l.targets.iter().enumerate() {
            let field = format!("levels[{n}].targets[{k}]");
            match *t {
                Target::User(u) if !users.contains_key(&u) => {
                    e.push_missing(field, format!("user {u} does not exist"))
                }
                Target::Schedule(s) if !schedules.contains(&s) => {
                    e.push_missing(field, format!("schedule {s} does not exist"))
                }
                _ => {}
            }
        }
    }
    if !e.fields.is_empty() {
        return Err(e.into());
    }
    Ok(NewPolicy {
        name,
        description,
        team,
        policy,
        created_by: Some(actor.user.id),
    })
}

/// Creates a policy (admins).
pub async fn create_policy(
    state: &AppState,
    actor: &Actor,
    input: &PolicyInput,
) -> Result<PolicyRow, AppError> {
    actor.require(AccountRole::Admin)?;
    let new = checked(state, actor, input).await?;
    Ok(state.store.create_policy(&new, state.clock.now()).await?)
}

/// Replaces a policy (admins); running pages keep escalating by the copy they opened with.
pub async fn update_policy(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: &PolicyInput,
) -> Result<PolicyRow, AppError> {
    actor.require(AccountRole::Admin)?;
    state.store.escalation_policy(id).await?;
    let new = checked(state, actor, input).await?;
    Ok(state
        .store
        .update_policy(id, &new, state.clock.now())
        .await?)
}

/// Deletes a policy no service uses (admins).
pub async fn delete_policy(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(state.store.delete_policy(id).await?)
}

/// A policy with its services and warnings.
pub async fn policy_view(state: &AppState, policy: PolicyRow) -> Result<PolicyView, AppError> {
    let services = state
        .store
        .service_policies()
        .await?
        .into_iter()
        .filter(|(_, p)| *p == policy.id)
        .map(|(s, _)| s)
        .collect();
    let warnings = policy_warnings(state, &policy).await?;
    Ok(PolicyView {
        policy,
        services,
        warnings,
    })
}

/// What is wrong with a policy just now: each schedule it pages that has nobody on call in
/// the next two weeks (with the first such stretch), and each user it names who cannot be
/// reached.
pub async fn policy_warnings(
    state: &AppState,
    policy: &PolicyRow,
) -> Result<Vec<String>, AppError> {
    let now = state.clock.now();
    let two_weeks = now
        .checked_add(SignedDuration::from_hours(24 * 14))
        .unwrap_or(now);
    let mut out = Vec::new();
    let mut seen: Vec<Target> = Vec::new();
    for (n, level) in policy.levels.iter().enumerate() {
        for t in &level.targets {
            if seen.contains(t) {
                continue;
            }
            seen.push(*t);
            match *t {
                Target::Schedule(s) => {
                    let Ok(row) = state.store.schedule(s).await else {
                        out.push(format!("level {}: schedule {s} no longer exists", n + 1));
                        continue;
                    };
                    let sch = schedules::compiled(state, &row, now, two_weeks).await?;
                    let gaps = oncall_compute::gaps(&sch, now, two_weeks);
                    if let Some(g) = gaps.first() {
                        out.push(format!(
                            "level {}: nobody is on call in schedule '{}' from {} to {} ({} gap{} in the next two weeks)",
                            n + 1,
                            row.name,
                            debrief_core::format_utc(g.start),
                            debrief_core::format_utc(g.end),
                            gaps.len(),
                            if gaps.len() == 1 { "" } else { "s" }
                        ));
                    }
                }
                Target::User(u) => {
                    if let Some(why) = contacts::unreachable(state, u).await? {
                        out.push(format!(
                            "level {}: user {u} cannot be reached: {why}",
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Gives a service an escalation policy (admins); `None` takes it away.
pub async fn set_service_policy(
    state: &AppState,
    actor: &Actor,
    service: &str,
    policy_id: Option<i64>,
) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    Ok(state
        .store
        .set_service_policy(service, policy_id, state.clock.now())
        .await?)
}

/// Who a service's (or team's) first level would notify now.
#[derive(Debug, Clone, Serialize)]
pub struct OnCallNow {
    /// The service or team slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// The policy, if any.
    pub policy: Option<String>,
    /// Who level 1 notifies now (empty: nobody).
    pub users: Vec<UserBrief>,
}

/// Who is on call now: every schedule, service and team.
#[derive(Debug, Clone, Serialize)]
pub struct OnCallOverview {
    /// When.
    #[serde(with = "debrief_core::ts")]
    pub at: Timestamp,
    /// Each schedule and who is on call in it.
    pub schedules: Vec<ScheduleNow>,
    /// Each service and who its policy's first level notifies.
    pub services: Vec<OnCallNow>,
    /// Each team: who its services' and schedules' first levels notify.
    pub teams: Vec<OnCallNow>,
}

/// A schedule and who is on call in it.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleNow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Its team.
    pub team: Option<String>,
    /// Who (none: nobody).
    pub user: Option<UserBrief>,
}

/// Who is on call at `at` in each schedule, for each service and for each team.
pub async fn on_call_overview(state: &AppState, at: Timestamp) -> Result<OnCallOverview, AppError> {
    let users = schedules::users_by_id(state).await?;
    let end = at.checked_add(SignedDuration::from_millis(1)).unwrap_or(at);
    let mut now_of: BTreeMap<i64, Option<i64>> = BTreeMap::new();
    let mut out_schedules = Vec::new();
    // One read of the overrides in force for every schedule, not one per schedule.
    let mut overrides: BTreeMap<i64, Vec<debrief_store::oncall::OverrideRow>> = BTreeMap::new();
    for o in state.store.all_overrides(at, end).await? {
        overrides.entry(o.schedule_id).or_default().push(o);
    }
    for row in state.store.schedules().await? {
        let s = schedules::compile(&row, overrides.get(&row.id).map_or(&[][..], |v| v))?;
        let who = oncall_compute::on_call_at(&s, at).and_then(|u| u.parse::<i64>().ok());
        now_of.insert(row.id, who);
        out_schedules.push(ScheduleNow {
            id: row.id,
            name: row.name.clone(),
            team: row.team.clone(),
            user: who.and_then(|u| users.get(&u).cloned()),
        });
    }
    let policies: BTreeMap<i64, PolicyRow> = state
        .store
        .escalation_policies()
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let first_level = |p: &PolicyRow| -> Vec<i64> {
        p.levels
            .first()
            .map(|l| {
                debrief_core::oncall::escalation::recipients(l, at, |s, _| {
                    now_of.get(&s).copied().flatten()
                })
            })
            .unwrap_or_default()
    };
    let service_policy: BTreeMap<String, i64> =
        state.store.service_policies().await?.into_iter().collect();
    let mut services = Vec::new();
    let mut team_users: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut team_policies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let catalogue = state.store.list_services().await?;
    for svc in &catalogue {
        let policy = service_policy.get(&svc.slug).and_then(|p| policies.get(p));
        let ids = policy.map(first_level).unwrap_or_default();
        if let Some(team) = &svc.team {
            let list = team_users.entry(team.clone()).or_default();
            for u in &ids {
                if !list.contains(u) {
                    list.push(*u);
                }
            }
            if let Some(p) = policy {
                let names = team_policies.entry(team.clone()).or_default();
                if !names.contains(&p.name) {
                    names.push(p.name.clone());
                }
            }
        }
        services.push(OnCallNow {
            slug: svc.slug.clone(),
            name: svc.name.clone(),
            policy: policy.map(|p| p.name.clone()),
            users: ids.iter().filter_map(|u| users.get(u).cloned()).collect(),
        });
    }
    for p in policies.values() {
        if let Some(team) = &p.team {
            let list = team_users.entry(team.clone()).or_default();
            for u in first_level(p) {
                if !list.contains(&u) {
                    list.push(u);
                }
            }
            let names = team_policies.entry(team.clone()).or_default();
            if !names.contains(&p.name) {
                names.push(p.name.clone());
            }
        }
    }
    for s in &out_schedules {
        if let (Some(team), Some(u)) = (&s.team, &s.user) {
            let list = team_users.entry(team.clone()).or_default();
            if !list.contains(&u.id) {
                list.push(u.id);
            }
        }
    }
    let teams = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .map(|t| OnCallNow {
            users: team_users
                .get(&t.slug)
                .map(|ids| ids.iter().filter_map(|u| users.get(u).cloned()).collect())
                .unwrap_or_default(),
            policy: team_policies.get(&t.slug).map(|n| n.join(", ")),
            slug: t.slug,
            name: t.name,
        })
        .collect();
    Ok(OnCallOverview {
        at,
        schedules: out_schedules,
        services,
        teams,
    })
}

/// The policy that pages a team: the first (by name) of the team's own policies, else the
/// policy of its first service that has one.
pub async fn team_policy(state: &AppState, team: &str) -> Result<Option<PolicyRow>, AppError> {
    let policies = state.store.escalation_policies().await?;
    if let Some(p) = policies.iter().find(|p| p.team.as_deref() == Some(team)) {
        return Ok(Some(p.clone()));
    }
    let service_policy: BTreeMap<String, i64> =
        state.store.service_policies().await?.into_iter().collect();
    for svc in state.store.list_services().await? {
        if svc.team.as_deref() == Some(team)
            && let Some(p) = service_policy.get(&svc.slug)
        {
            return Ok(policies.into_iter().find(|x| x.id == *p));
        }
    }
    Ok(None)
}

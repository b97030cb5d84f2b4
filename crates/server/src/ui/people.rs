//! People (admins): `/settings/people` lists accounts and pending invitations, invites by
//! e-mail (the single-use link is shown once, to copy, and e-mailed when SMTP is set up),
//! changes roles, deactivates and reactivates, and makes password-reset links. The logic is in
//! [`crate::actions::people`].

use super::field_errors::FieldErrors;
use super::form::{CsrfForm, Pairs, field, opt};
use super::session::{UiActor, UiError};
use super::view::TimeView;
use crate::actions::people::{self, InviteInput, IssuedLink};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use debrief_core::access::AccountRole;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(|| async { Redirect::to("/settings/me") }))
        .route("/settings/people", get(page))
        .route("/settings/people/invites", post(invite))
        .route("/settings/people/invites/{id}/revoke", post(revoke))
        .route("/settings/people/{id}/role", post(role))
        .route("/settings/people/{id}/active", post(active))
        .route("/settings/people/{id}/reset", post(reset))
}

/// One account's row.
pub struct PersonRow {
    id: i64,
    name: String,
    email: String,
    role: AccountRole,
    active: bool,
    last_sign_in: Option<TimeView>,
    is_me: bool,
}

/// One pending invitation's row.
pub struct InviteRow {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    invited_by: String,
    expires: TimeView,
}

/// A link just made, shown once.
pub struct IssuedView {
    title: String,
    explain: String,
    url: String,
    expires: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
struct PeoplePage {
    user: String,
    csrf: String,
    people: Vec<PersonRow>,
    invites: Vec<InviteRow>,
    issued: Option<IssuedView>,
    notice: Option<String>,
    errors: FieldErrors,
    form_email: String,
    form_name: String,
    form_role: String,
    roles: Vec<(&'static str, &'static str, &'static str)>,
}

impl PeoplePage {
    fn role_name(r: &AccountRole) -> &'static str {
        role_name(*r)
    }
}

/// A role's name for people.
pub fn role_name(r: AccountRole) -> &'static str {
    match r {
        AccountRole::Viewer => "Viewer",
        AccountRole::Responder => "Responder",
        AccountRole::Admin => "Admin",
    }
}

/// Every role with what it may do, for selects.
pub const ROLES: [(&str, &str, &str); 3] = [
    ("viewer", "Viewer", "Viewer — reads what they may see"),
    (
        "responder",
        "Responder",
        "Responder — declares and runs incidents",
    ),
    (
        "admin",
        "Admin",
        "Admin — configures Debrief and manages people",
    ),
];

/// What the page shows besides the lists.
#[derive(Default)]
struct Extra {
    issued: Option<IssuedView>,
    notice: Option<String>,
    errors: FieldErrors,
    form: Option<Pairs>,
}

async fn render(state: &AppState, actor: &UiActor, extra: Extra) -> Result<PeoplePage, UiError> {
    actor.0.require(AccountRole::Admin)?;
    let users = state.store.list_users().await?;
    let sign_ins = state.store.last_sign_ins().await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| users.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "—".into())
    };
    let invites = state
        .store
        .pending_invites(state.clock.now())
        .await?
        .into_iter()
        .map(|l| InviteRow {
            id: l.id,
            email: l.email,
            name: l.name,
            role: role_name(l.role),
            invited_by: name_of(l.created_by),
            expires: TimeView::new(l.expires_at),
        })
        .collect();
    let mut people: Vec<PersonRow> = users
        .iter()
        .map(|u| PersonRow {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            role: u.role,
            active: !u.disabled,
            last_sign_in: sign_ins
                .iter()
                .find(|(id, _)| *id == u.id)
                .and_then(|(_, t)| *t)
                .map(TimeView::new),
            is_me: u.id == actor.0.user.id,
        })
        .collect();
    people.sort_by_key(|p| (!p.active, p.name.to_lowercase()));
    let form = extra.form.unwrap_or_default();
    Ok(PeoplePage {
        user: actor.0.user.name.clone(),
        csrf: actor.csrf(),
        people,
        invites,
        issued: extra.issued,
        notice: extra.notice,
        errors: extra.errors,
        form_email: field(&form, "email").to_string(),
        form_name: field(&form, "name").to_string(),
        form_role: opt(&form, "role").unwrap_or_else(|| "responder".into()),
        roles: ROLES.to_vec(),
    })
}

async fn page(State(state): State<AppState>, actor: UiActor) -> Result<Response, UiError> {
    Ok(render(&state, &actor, Extra::default())
        .await?
        .into_response())
}

fn issued_view(i: &IssuedLink, title: String, who: &str) -> IssuedView {
    let explain = if i.emailed {
        format!("It was e-mailed to {who}; you can also copy it and send it yourself.")
    } else {
        format!("No e-mail is set up on this server: copy the link and send it to {who}.")
    };
    IssuedView {
        title,
        explain,
        url: i.url.clone(),
        expires: TimeView::new(i.link.expires_at),
    }
}

async fn invite(
    State(state): State<AppState>,
    actor: UiActor,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let input = InviteInput {
        email: field(&p, "email").to_string(),
        name: opt(&p, "name"),
        role: opt(&p, "role"),
    };
    match people::invite(&state, &actor.0, &input).await {
        Ok(i) => {
            let who = i.link.email.clone();
            let extra = Extra {
                issued: Some(issued_view(&i, format!("Invitation for {who}"), &who)),
                ..Extra::default()
            };
            Ok(render(&state, &actor, extra).await?.into_response())
        }
        Err(e) => {
            let errors = FieldErrors::from_error(e, &["email", "name", "role"])?;
            let extra = Extra {
                errors,
                form: Some(p),
                ..Extra::default()
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&state, &actor, extra).await?,
            )
                .into_response())
        }
    }
}

fn id_of(id: &str) -> Result<i64, UiError> {
    id.parse()
        .map_err(|_| UiError(AppError::NotFound(format!("'{id}'"))))
}

/// Re-renders the page with a notice, or with the refusal at the top (409/422) when the
/// change is one a person can fix.
async fn after(
    state: &AppState,
    actor: &UiActor,
    done: Result<String, AppError>,
) -> Result<Response, UiError> {
    match done {
        Ok(notice) => Ok(render(
            state,
            actor,
            Extra {
                notice: Some(notice),
                ..Extra::default()
            },
        )
        .await?
        .into_response()),
        Err(e) => {
            let status = e.status();
            let errors = FieldErrors::from_error(e, &[])?;
            let page = render(
                state,
                actor,
                Extra {
                    errors,
                    ..Extra::default()
                },
            )
            .await?;
            Ok((status, page).into_response())
        }
    }
}

async fn revoke(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    let id = id_of(&id)?;
    let done = people::revoke_invite(&state, &actor.0, id)
        .await
        .map(|()| "The invitation was revoked; its link no longer works.".to_string());
    after(&state, &actor, done).await
}

async fn role(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let id = id_of(&id)?;
    let done = people::set_role(&state, &actor.0, id, field(&p, "role"))
        .await
        .map(|u| format!("{} is now {}.", u.name, people::role_label(u.role)));
    after(&state, &actor, done).await
}

async fn active(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(p): CsrfForm,
) -> Result<Response, UiError> {
    let id = id_of(&id)?;
    let on = field(&p, "active") == "true";
    let done = people::set_active(&state, &actor.0, id, on).await.map(|u| {
        if on {
            format!("{} can sign in again.", u.name)
        } else {
            format!(
                "{} is deactivated: signed out everywhere, API tokens and links revoked.",
                u.name
            )
        }
    });
    after(&state, &actor, done).await
}

async fn reset(
    State(state): State<AppState>,
    actor: UiActor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> Result<Response, UiError> {
    let id = id_of(&id)?;
    match people::reset_link(&state, &actor.0, id).await {
        Ok(i) => {
            let who = i.link.name.clone();
            let extra = Extra {
                issued: Some(issued_view(
                    &i,
                    format!("Password-reset link for {who}"),
                    &who,
                )),
                ..Extra::default()
            };
            Ok(render(&state, &actor, extra).await?.into_response())
        }
        Err(e) => after(&state, &actor, Err(e)).await,
    }
}

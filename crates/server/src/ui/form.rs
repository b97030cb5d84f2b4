//! Reading URL-encoded form fields, as every page's form handler does, and [`CsrfForm`], the
//! extractor that refuses a form whose CSRF field does not match the session's.

use crate::AppError;
use crate::AppState;
use crate::auth::constant_time_eq;
use crate::ui::session::UiError;
use axum::extract::{FromRequest, Request};

/// A form's fields in order (a name may repeat: checkboxes, multi-selects).
pub type Pairs = Vec<(String, String)>;

/// The first value of a field, empty when absent.
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The first value of a field, trimmed; `None` when absent or blank.
pub fn opt(pairs: &Pairs, name: &str) -> Option<String> {
    Some(field(pairs, name).trim().to_string()).filter(|s| !s.is_empty())
}

/// The session's CSRF token, put in the request's extensions by [`crate::ui::session::UiActor`]
/// for [`CsrfForm`] to check against.
#[derive(Clone, Debug)]
pub(crate) struct SessionCsrf(pub String);

/// A form posted from one of this site's pages: its fields, extracted only when its `csrf`
/// field equals the session's token (put there by the page). Use it after `UiActor` in the
/// handler's arguments; without a signed-in session the form is refused.
pub struct CsrfForm(pub Pairs);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = req.extensions().get::<SessionCsrf>().cloned();
        let axum::Form(pairs) = axum::Form::<Pairs>::from_request(req, state)
            .await
            .map_err(|e| UiError(AppError::BadRequest(format!("the form is malformed: {e}"))))?;
        match expected {
            Some(SessionCsrf(t)) if !t.is_empty() && constant_time_eq(&t, field(&pairs, "csrf")) => {
                Ok(CsrfForm(pairs))
            }
            _ => Err(UiError(AppError::Forbidden(
                "the form has expired or did not come from this site; reload the page and try again"
                    .into(),
            ))),
        }
    }
}

/// The time a form gives for `name`: a `datetime-local` field `{name}_local` read in the zone
/// the form's hidden `zone` field names (filled with the viewer's zone by `app.js`; UTC
/// without script), else the RFC 3339 text of a field `name`. `None` when both are blank.
/// Answers RFC 3339 in UTC, as the actions take it; a wall time or zone that does not parse
/// is an error on `name`.
pub fn instant(pairs: &Pairs, name: &str) -> Result<Option<String>, AppError> {
    let Some(local) = opt(pairs, &format!("{name}_local")) else {
        return Ok(opt(pairs, name));
    };
    let zone = opt(pairs, "zone").unwrap_or_else(|| "UTC".into());
    let bad =
        |why: String| AppError::from(debrief_core::validation::ValidationError::one(name, why));
    let tz = jiff::tz::TimeZone::get(&zone)
        .map_err(|_| bad(format!("the zone '{zone}' is not known here")))?;
    let wall: jiff::civil::DateTime = local.parse().map_err(|_| {
        bad(format!(
            "'{local}' is not a date and time like 2026-11-21T09:30"
        ))
    })?;
    let at = wall
        .to_zoned(tz)
        .map_err(|e| bad(format!("'{local}' does not exist in {zone}: {e}")))?;
    Ok(Some(debrief_core::format_utc(at.timestamp())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_wall_time_is_read_in_the_viewers_zone() {
        let p = pairs(&[("at_local", "2026-12-08T05:51"), ("zone", "Europe/Paris")]);
        assert_eq!(
            instant(&p, "at").unwrap().as_deref(),
            Some("2026-12-08T04:51:00.000Z")
        );
        let raw = pairs(&[("at", "2026-12-08T04:51:00Z"), ("at_local", "")]);
        assert_eq!(
            instant(&raw, "at").unwrap().as_deref(),
            Some("2026-12-08T04:51:00Z")
        );
        assert_eq!(instant(&pairs(&[]), "at").unwrap(), None);
        let bad = pairs(&[("at_local", "tomorrow"), ("zone", "UTC")]);
        assert!(instant(&bad, "at").is_err());
    }
}

//! iCalendar feeds of on-call shifts: a schedule's final schedule, and a user's own shifts
//! across schedules, from two weeks back to 90 days ahead.

use super::*;
use crate::auth::hash_secret;

/// How far back a feed reaches.
const FEED_BACK_DAYS: i64 = 14;
/// How far ahead a feed reaches.
const FEED_AHEAD_DAYS: i64 = 90;

/// The feed's range: from a UTC midnight (so a shift's clipped start, and with it its UID,
/// stays the same all day) to 90 days ahead.
fn window(now: Timestamp) -> (Timestamp, Timestamp) {
    let back = now
        .checked_sub(SignedDuration::from_hours(24 * FEED_BACK_DAYS))
        .unwrap_or(now);
    let from = back
        .to_zoned(jiff::tz::TimeZone::UTC)
        .start_of_day()
        .map(|z| z.timestamp())
        .unwrap_or(back);
    let to = now
        .checked_add(SignedDuration::from_hours(24 * FEED_AHEAD_DAYS))
        .unwrap_or(now);
    (from, to)
}

fn host(state: &AppState) -> String {
    reqwest::Url::parse(&state.config.public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "debrief.invalid".into())
}

/// A schedule's final schedule as an iCalendar feed.
pub async fn schedule_calendar(state: &AppState, id: i64) -> Result<String, AppError> {
    let now = state.clock.now();
    let (from, to) = window(now);
    let f = final_schedule(state, id, from, to).await?;
    let row = state.store.schedule(id).await?;
    let entries: Vec<(Entry, String)> = f
        .entries
        .iter()
        .map(|s| {
            (
                Entry {
                    user: s.user_id.to_string(),
                    start: s.start,
                    end: s.end,
                },
                s.user
                    .as_ref()
                    .map_or(format!("user {}", s.user_id), |u| u.name.clone()),
            )
        })
        .collect();
    Ok(debrief_core::oncall::calendar::schedule_feed(
        id,
        &row.name,
        &entries,
        &host(state),
        now,
    ))
}

/// A user's own shifts as an iCalendar feed.
pub async fn user_calendar(state: &AppState, user: i64) -> Result<String, AppError> {
    let now = state.clock.now();
    let (from, to) = window(now);
    let person = state.store.user(user).await?;
    let shifts: Vec<(Entry, i64, String)> = user_shifts(state, user, from, to)
        .await?
        .into_iter()
        .map(|(row, s)| {
            (
                Entry {
                    user: s.user_id.to_string(),
                    start: s.start,
                    end: s.end,
                },
                row.id,
                row.name,
            )
        })
        .collect();
    Ok(debrief_core::oncall::calendar::user_feed(
        &person.name,
        &shifts,
        &host(state),
        now,
    ))
}

/// The user a calendar feed token belongs to (the token of `/me/calendar-feed`).
pub async fn feed_user(state: &AppState, token: &str) -> Result<i64, AppError> {
    let user_id = state
        .store
        .calendar_feed_user(&hash_secret(token))
        .await?
        .ok_or_else(|| AppError::NotFound("calendar feed".into()))?;
    let user = state.store.user(user_id).await?;
    if user.disabled {
        return Err(AppError::NotFound("calendar feed".into()));
    }
    Ok(user_id)
}

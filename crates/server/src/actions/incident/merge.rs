//! Merging a duplicate into its survivor.

use super::*;

/// How one incident names another on its timeline: by reference and title, but only by
/// reference when the other is private, since people who may read this timeline may not be
/// allowed to see that one.
fn named(incident: &Incident) -> String {
    if incident.private {
        format!("{} (a private incident)", incident.reference)
    } else {
        format!("{} ({})", incident.reference, incident.title)
    }
}

/// Merges a duplicate into its survivor. Nothing moves: the duplicate keeps its timeline and
/// points at the survivor; both timelines record the merge.
pub async fn merge_incident(
    state: &AppState,
    actor: &Actor,
    duplicate: IncidentRef,
    into: &str,
    source: Source,
) -> Result<Incident, AppError> {
    actor.require(AccountRole::Responder)?;
    let survivor_ref: IncidentRef = into
        .parse()
        .map_err(|m: String| ValidationError::one("into", m))?;
    if survivor_ref == duplicate {
        return Err(
            ValidationError::conflict("into", "an incident cannot be merged into itself").into(),
        );
    }
    for attempt in 0..RETRIES {
        if attempt > 0 {
            back_off(attempt).await;
        }
        let dup = state.store.incident(duplicate.0, actor.viewer()).await?;
        let survivor = match state.store.incident(survivor_ref.0, actor.viewer()).await {
            Ok(s) => s,
            Err(StoreError::NotFound(_)) => {
                return Err(ValidationError::missing(
                    "into",
                    format!("no incident {survivor_ref} that you can see"),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        dup.status.check_merge()?;
        survivor.status.check_merge_survivor()?;
        let now = state.clock.now();
        let mut merged = dup.clone();
        merged.status = Status::Merged;
        merged.merged_into = Some(survivor.reference.clone());
        let writes = [
            IncidentWrite {
                participants: vec![actor.user.id],
                events: vec![draft_event(
                    actor,
                    source,
                    EventKind::Merge,
                    now,
                    format!("Merged into {} as a duplicate", named(&survivor)),
                    json!({"into": survivor.reference, "from_status": dup.status, "to_status": "merged"}),
                )],
                ..IncidentWrite::new(merged)
            },
            IncidentWrite {
                events: vec![draft_event(
                    actor,
                    source,
                    EventKind::Merge,
                    now,
                    format!(
                        "{} was merged into this incident as a duplicate",
                        named(&dup)
                    ),
                    json!({"duplicate": dup.reference}),
                )],
                ..IncidentWrite::new(survivor.clone())
            },
        ];
        match state.store.apply(&writes, now).await {
            Ok(events) => {
                let (a, b): (Vec<_>, Vec<_>) = events
                    .into_iter()
                    .partition(|e| e.incident == dup.reference);
                state.live.publish(dup.id, dup.private, &a);
                state.live.publish(survivor.id, survivor.private, &b);
                crate::actions::slack::channels::follow_incident(state, dup.id, &a).await;
                return Ok(state.store.incident(duplicate.0, actor.viewer()).await?);
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(
        "the incidents are being changed by many people at once; try again".into(),
    ))
}

//! Who takes part in an incident (`incident_participants`): people who held a role or wrote on
//! its timeline. Participants see a private incident.

use crate::write::{Arg, WriteTx};
use crate::{Store, StoreResult};

impl Store {
    /// Whether a user takes part in an incident.
    pub async fn is_participant(&self, id: i64, user_id: i64) -> StoreResult<bool> {
        let row = self
            .read_row(
                "SELECT 1 AS one FROM incident_participants WHERE incident_id = $1 AND user_id = $2",
                &[Arg::I(id), Arg::I(user_id)],
            )
            .await?;
        Ok(row.is_some())
    }

    /// The ids of an incident's participants.
    pub async fn participants(&self, id: i64) -> StoreResult<Vec<i64>> {
        self.read_rows(
            "SELECT user_id FROM incident_participants WHERE incident_id = $1 ORDER BY user_id",
            &[Arg::I(id)],
        )
        .await?
        .iter()
        .map(|r| r.get("user_id"))
        .collect()
    }
}

/// Makes `user` a participant of incident `id` (once), inside the open write.
pub(crate) async fn add_participant(tx: &mut WriteTx, id: i64, user: i64) -> StoreResult<()> {
    tx.exec(
        "INSERT INTO incident_participants (incident_id, user_id) VALUES ($1, $2) ON CONFLICT (incident_id, user_id) DO NOTHING",
        &[Arg::I(id), Arg::I(user)],
    )
    .await?;
    Ok(())
}

//! The buttons of Slack messages Debrief sent (`block_actions`): Acknowledge and Resolve on a
//! page's DM.

use crate::{AppError, AppState};
use debrief_core::slack::payloads::BlockActions;
use serde_json::Value;

/// Runs the button a Slack user pressed; the answer is the JSON to reply with (an empty 200
/// body is `Value::Null`).
pub async fn block_actions(state: &AppState, actions: &BlockActions) -> Result<Value, AppError> {
    let _ = (state, actions);
    Err(AppError::BadRequest(
        "this button does nothing yet (page buttons land with the page DMs)".into(),
    ))
}

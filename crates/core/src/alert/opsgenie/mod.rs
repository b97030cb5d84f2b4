//! The Opsgenie Alert API v2, as a drop-in endpoint: Opsgenie's end of support (April 2027)
//! leaves many tools pointed at an API that is going away.
//!
//! | request | parser |
//! | --- | --- |
//! | `POST /v2/alerts` | [`parse_create`] |
//! | `POST /v2/alerts/{identifier}/acknowledge?identifierType=…` | [`parse_action`] with [`ActionKind::Acknowledge`] |
//! | `POST /v2/alerts/{identifier}/close?identifierType=…` | [`parse_action`] with [`ActionKind::Close`] |
//! | `POST /v2/alerts/{identifier}/notes?identifierType=…` | [`parse_action`] with [`ActionKind::AddNote`] |
//! | the `{identifier}` and `identifierType` of those paths | [`parse_identifier`] |
//!
//! Opsgenie processes requests asynchronously: a valid request is answered `202` with
//! [`accepted`] (`{"result":"Request will be processed","took":…,"requestId":…}`), and the
//! outcome is read later with `GET /v2/alerts/requests/{requestId}`, answered with
//! [`request_status`]. An invalid one is answered `422` with
//! `{"message":"Request body is not processable. Please check the errors.","errors":{field:
//! reason},"took":…,"requestId":…}` ([`OpsgenieError::body`]).
//!
//! # Where the wording comes from
//! From Opsgenie's documentation and answers quoted in public code: the 202 body, the request
//! status document and its `Created alert` / `Alert does not exist` statuses, the 422 envelope
//! and its `message`, and the priority reason `should be one of [ P1, P2, P3, P4, P5 ]`. The
//! other reasons in `errors` (for example `Message can not be empty.`) and the 400 answer to a
//! body that is not JSON are Debrief's wording in the same style: they were not confirmed.
//!
//! # Limits
//! Opsgenie documents field limits (message 130 characters, alias 512, description 15 000,
//! entity 512, source 100, user 100, note 25 000, 20 tags of 50 characters, 10 actions of 50
//! characters, details 8 000 characters in all). Text that is only shown to people is **cut**
//! at its limit, as Opsgenie and its senders (Alertmanager, Kibana) do with `message`; the cut
//! fields are listed in [`CreateAlert::truncated`] for the server to log. What identifies an
//! alert is **refused** instead, because cutting it could merge different alerts: an `alias`
//! over 512 characters is a 422. So are `details` over 8 000 characters (a map cannot be cut
//! sensibly), an unknown priority and a responder of an unknown type.

mod action;
mod create;

pub use action::{
    ActionKind, AlertAction, AlertIdentifier, IdentifierType, parse_action, parse_identifier,
};
pub use create::{CreateAlert, OpsgeniePriority, parse_create};

use crate::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// The status of a request that will be processed.
pub const ACCEPTED_STATUS: u16 = 202;

/// The status of a request whose body breaks the API's rules.
pub const UNPROCESSABLE_STATUS: u16 = 422;

/// The status of a body that is not JSON.
pub const BAD_REQUEST_STATUS: u16 = 400;

/// The request status text of a create that opened (or deduplicated into) an alert.
pub const STATUS_CREATED_ALERT: &str = "Created alert";

/// The request status text of an action on an alert that does not exist.
pub const STATUS_ALERT_DOES_NOT_EXIST: &str = "Alert does not exist";

/// Why a request is refused, with Opsgenie's field-to-reason map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} {errors:?}")]
pub struct OpsgenieError {
    /// The HTTP status to answer with ([`UNPROCESSABLE_STATUS`] or [`BAD_REQUEST_STATUS`]).
    pub status: u16,
    /// The answer's `message`.
    pub message: &'static str,
    /// What is wrong with which field (`{"priority": "should be one of [ P1, P2, P3, P4, P5 ]"}`).
    pub errors: BTreeMap<String, String>,
}

impl OpsgenieError {
    /// A 422 about fields.
    pub(crate) fn unprocessable(errors: BTreeMap<String, String>) -> Self {
        Self {
            status: UNPROCESSABLE_STATUS,
            message: "Request body is not processable. Please check the errors.",
            errors,
        }
    }

    /// A 400 for a body that is not a JSON object.
    pub(crate) fn not_json() -> Self {
        Self {
            status: BAD_REQUEST_STATUS,
            message: "Request body is not a valid JSON object.",
            errors: BTreeMap::new(),
        }
    }

    /// The answer's body. `took` is the processing time in seconds; `request_id` the id the
    /// server gave this request.
    pub fn body(&self, took: f64, request_id: &str) -> ErrorBody {
        ErrorBody {
            message: self.message,
            errors: self.errors.clone(),
            took,
            request_id: request_id.to_string(),
        }
    }
}

/// Opsgenie's error body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    /// What went wrong, in general.
    pub message: &'static str,
    /// Field name to reason; left out when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    /// Seconds spent.
    pub took: f64,
    /// The request's id.
    #[serde(rename = "requestId")]
    pub request_id: String,
}

/// The 202 answer to a valid create or action request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestAccepted {
    /// Always `Request will be processed`.
    pub result: &'static str,
    /// Seconds spent.
    pub took: f64,
    /// The request's id, for `GET /v2/alerts/requests/{requestId}`.
    #[serde(rename = "requestId")]
    pub request_id: String,
}

/// `{"result":"Request will be processed","took":…,"requestId":"…"}`.
pub fn accepted(took: f64, request_id: &str) -> RequestAccepted {
    RequestAccepted {
        result: "Request will be processed",
        took,
        request_id: request_id.to_string(),
    }
}

/// What happened to an earlier request, for [`request_status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOutcome {
    /// The request's kind as Opsgenie names it: `Create`, or [`ActionKind::request_action`].
    pub action: &'static str,
    /// Whether it did what it asked.
    pub success: bool,
    /// When it was processed.
    pub processed_at: Timestamp,
    /// The integration it came through.
    pub integration_id: String,
    /// What happened, in words ([`STATUS_CREATED_ALERT`], [`STATUS_ALERT_DOES_NOT_EXIST`], …).
    pub status: String,
    /// The alert's id; empty when there is none.
    pub alert_id: String,
    /// The alert's alias; empty when there is none.
    pub alias: String,
}

/// The answer to `GET /v2/alerts/requests/{requestId}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestStatus {
    /// The outcome.
    pub data: RequestStatusData,
    /// Seconds spent.
    pub took: f64,
    /// This (status) request's id.
    #[serde(rename = "requestId")]
    pub request_id: String,
}

/// The `data` of a [`RequestStatus`], field for field as Opsgenie documents it (`success` and
/// `isSuccess` both, always equal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStatusData {
    /// Whether the request did what it asked.
    pub success: bool,
    /// `Create`, `Acknowledge`, `Close`, `AddNote`.
    pub action: &'static str,
    /// `2017-05-24T14:24:20.844Z`.
    pub processed_at: String,
    /// The integration it came through.
    pub integration_id: String,
    /// The same as `success`.
    pub is_success: bool,
    /// What happened, in words.
    pub status: String,
    /// The alert's id, or empty.
    pub alert_id: String,
    /// The alert's alias, or empty.
    pub alias: String,
}

/// `{"data":{"success":…,"action":…,"processedAt":…,"integrationId":…,"isSuccess":…,
/// "status":…,"alertId":…,"alias":…},"took":…,"requestId":…}`.
pub fn request_status(outcome: &RequestOutcome, took: f64, request_id: &str) -> RequestStatus {
    RequestStatus {
        data: RequestStatusData {
            success: outcome.success,
            action: outcome.action,
            processed_at: crate::format_utc(outcome.processed_at),
            integration_id: outcome.integration_id.clone(),
            is_success: outcome.success,
            status: outcome.status.clone(),
            alert_id: outcome.alert_id.clone(),
            alias: outcome.alias.clone(),
        },
        took,
        request_id: request_id.to_string(),
    }
}

/// Records `reason` for `field` (the first reason per field wins, as one map entry holds one).
fn reject(errors: &mut BTreeMap<String, String>, field: &str, reason: impl Into<String>) {
    errors
        .entry(field.to_string())
        .or_insert_with(|| reason.into());
}

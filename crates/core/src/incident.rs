//! Incidents: their human reference (`INC-42`), the read model, and declaration/update input.

use crate::status::Status;
use crate::validation::{ValidationError, optional_text, required_text, slug};
use crate::{Timestamp, severity, to_millis};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How far in the future a given time may be (clock skew between machines), in seconds.
pub const FUTURE_SKEW_SECONDS: i64 = 300;

/// The human reference of an incident: `INC-<number>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentRef(pub i64);

impl fmt::Display for IncidentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

impl FromStr for IncidentRef {
    type Err = String;
    /// Parses `INC-42` (any case) or a bare `42`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        // Split by characters' boundaries, never by bytes: `aaaé` must be refused, not panic.
        let digits = match t.split_at_checked(4) {
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("inc-") && !rest.is_empty() => rest,
            _ => t,
        };
        match digits.parse::<i64>() {
            Ok(n) if n > 0 && !digits.starts_with('+') => Ok(IncidentRef(n)),
            _ => Err(format!("'{s}' is not an incident reference like INC-42")),
        }
    }
}

/// The incident types Debrief knows by name; any other slug is accepted as a custom type.
pub const KNOWN_TYPES: [&str; 8] = [
    "default",
    "failed_deployment",
    "security_breach",
    "data_loss",
    "missed_deadline",
    "minor_problem",
    "proactive_maintenance",
    "scheduled_work",
];

/// One role held on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleAssignment {
    /// The role, e.g. `commander`.
    pub role: String,
    /// The holder's user id.
    pub user_id: i64,
    /// The holder's display name.
    pub user_name: String,
    /// The holder's email.
    pub user_email: String,
}

/// An incident as read back from the store.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// `INC-<id>`.
    pub reference: String,
    /// The incident's number (the part after `INC-`).
    #[serde(skip)]
    pub id: i64,
    /// What is happening, in a line.
    pub title: String,
    /// More detail.
    pub summary: Option<String>,
    /// A severity key, e.g. `SEV1`.
    pub severity: String,
    /// Where it is in its lifecycle.
    pub status: Status,
    /// The incident type, e.g. `default` or `security_breach`.
    #[serde(rename = "type")]
    pub incident_type: String,
    /// Affected service slugs.
    pub services: Vec<String>,
    /// Whether customers were affected.
    pub customer_impact: bool,
    /// Private incidents are visible only to their participants and admins.
    pub private: bool,
    /// When impact began, if given at declaration (may be back-dated).
    #[serde(with = "crate::ts_opt")]
    pub started_at: Option<Timestamp>,
    /// When the incident was declared.
    #[serde(with = "crate::ts")]
    pub declared_at: Timestamp,
    /// Who declared it (user id), if a person did.
    pub declared_by: Option<i64>,
    /// The survivor's reference when this incident was merged into another.
    pub merged_into: Option<String>,
    /// Incremented by every change; send it back to guard against lost updates.
    pub version: i64,
    /// When the incident record last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
    /// Roles held on the incident.
    pub roles: Vec<RoleAssignment>,
}

impl Incident {
    /// The typed reference.
    pub fn reference(&self) -> IncidentRef {
        IncidentRef(self.id)
    }

    /// When the incident began: the start of impact given at declaration, else the declaration.
    /// Nothing of its lifecycle can have happened before it.
    pub fn began_at(&self) -> Timestamp {
        self.started_at
            .map_or(self.declared_at, |s| s.min(self.declared_at))
    }

    /// Checks that a lifecycle moment (a status change) given as `field` is not before the
    /// incident began (issue 9: a status change dated 1970 gave a time to resolve of -1.8e9 s).
    pub fn check_not_before_start(
        &self,
        field: &str,
        at: Timestamp,
    ) -> Result<(), ValidationError> {
        let began = self.began_at();
        if at < began {
            let what = if self.started_at.is_some_and(|s| s < self.declared_at) {
                "the start of impact"
            } else {
                "the declaration"
            };
            return Err(ValidationError::conflict(
                field,
                format!("must not be before {what} ({})", crate::format_utc(began)),
            ));
        }
        Ok(())
    }
}

/// Parses an RFC 3339 time given by a client, converting offsets to UTC and truncating to
/// milliseconds; rejects times more than [`FUTURE_SKEW_SECONDS`] after `now`.
pub fn parse_time(
    errors: &mut ValidationError,
    field: &str,
    value: &str,
    now: Timestamp,
) -> Option<Timestamp> {
    match value.trim().parse::<Timestamp>() {
        Ok(ts) => {
            if ts.as_second() > now.as_second() + FUTURE_SKEW_SECONDS {
                errors.push_conflict(field, "must not be in the future");
                None
            } else {
                Some(to_millis(ts))
            }
        }
        Err(_) => {
            errors.push(
                field,
                "must be an RFC 3339 time with a zone offset, like 2026-11-21T09:30:00.000Z",
            );
            None
        }
    }
}

/// The body of a declaration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclareInput {
    /// What is happening.
    pub title: String,
    /// A severity key; defaults to the least severe configured level when absent.
    pub severity: Option<String>,
    /// More detail.
    pub summary: Option<String>,
    /// Incident type slug; `default` when absent.
    #[serde(rename = "type")]
    pub incident_type: Option<String>,
    /// Affected service slugs.
    #[serde(default)]
    pub services: Vec<String>,
    /// Whether customers are affected.
    #[serde(default)]
    pub customer_impact: bool,
    /// Visible only to participants and admins.
    #[serde(default)]
    pub private: bool,
    /// When impact began (RFC 3339), if earlier than the declaration.
    pub started_at: Option<String>,
    /// The initial status: `triage` (default) or `investigating`.
    pub status: Option<String>,
    /// Custom field values by key (checked by `custom_field::parse_values`).
    #[serde(default)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

/// A declaration that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// Trimmed title.
    pub title: String,
    /// Severity key (existence is checked against the configuration by the caller).
    pub severity: Option<String>,
    /// Trimmed summary.
    pub summary: Option<String>,
    /// Incident type slug.
    pub incident_type: String,
    /// Service slugs, deduplicated, in the given order.
    pub services: Vec<String>,
    /// Customer impact.
    pub customer_impact: bool,
    /// Private flag.
    pub private: bool,
    /// Back-dated start of impact.
    pub started_at: Option<Timestamp>,
    /// Initial status.
    pub status: Status,
}

fn parse_services(e: &mut ValidationError, services: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if services.len() > 50 {
        e.push("services", "at most 50 services");
    }
    for (i, s) in services.iter().enumerate() {
        let s = slug(e, &format!("services[{i}]"), s);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

impl DeclareInput {
    /// Validates a declaration at time `now`.
    pub fn validate(&self, now: Timestamp) -> Result<Declaration, ValidationError> {
        let mut e = ValidationError::default();
        let title = required_text(&mut e, "title", &self.title, 200);
        let severity = self
            .severity
            .as_deref()
            .map(|s| severity::parse_key(&mut e, "severity", s));
        let summary = optional_text(&mut e, "summary", self.summary.as_deref(), 10_000);
        let incident_type = match self.incident_type.as_deref() {
            Some(t) if !t.trim().is_empty() => slug(&mut e, "type", t),
            _ => "default".to_string(),
        };
        let services = parse_services(&mut e, &self.services);
        let started_at = self
            .started_at
            .as_deref()
            .and_then(|s| parse_time(&mut e, "started_at", s, now));
        if started_at.is_some_and(|s| s > now) {
            e.push("started_at", "must not be after the declaration");
        }
        let status = match self.status.as_deref() {
            None => Status::Triage,
            Some(s) => match s.parse::<Status>() {
                Ok(st @ (Status::Triage | Status::Investigating)) => st,
                _ => {
                    e.push(
                        "status",
                        "an incident is declared in 'triage' or 'investigating'",
                    );
                    Status::Triage
                }
            },
        };
        e.into_result(Declaration {
            title,
            severity,
            summary,
            incident_type,
            services,
            customer_impact: self.customer_impact,
            private: self.private,
            started_at,
            status,
        })
    }
}

/// A partial update of an incident's fields (not its status, which has its own transitions).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    /// New title.
    pub title: Option<String>,
    /// New summary (empty string clears it).
    pub summary: Option<String>,
    /// New severity key.
    pub severity: Option<String>,
    /// New incident type.
    #[serde(rename = "type")]
    pub incident_type: Option<String>,
    /// New set of affected services.
    pub services: Option<Vec<String>>,
    /// New customer impact flag.
    pub customer_impact: Option<bool>,
    /// New private flag.
    pub private: Option<bool>,
    /// The version the client last saw; the update fails if the incident changed since.
    pub version: Option<i64>,
    /// Custom field values to set, by key (`null` clears one).
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The fields an update changes, each compared against the current incident.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentChanges {
    /// New title.
    pub title: Option<String>,
    /// New summary (`Some(None)` clears it).
    pub summary: Option<Option<String>>,
    /// New severity key.
    pub severity: Option<String>,
    /// New type.
    pub incident_type: Option<String>,
    /// New services.
    pub services: Option<Vec<String>>,
    /// New customer impact flag.
    pub customer_impact: Option<bool>,
    /// New private flag.
    pub private: Option<bool>,
}

impl IncidentChanges {
    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl UpdateInput {
    /// Validates the update and keeps only what differs from `current`.
    pub fn validate(&self, current: &Incident) -> Result<IncidentChanges, ValidationError> {
        let mut e = ValidationError::default();
        let mut c = IncidentChanges::default();
        if let Some(t) = &self.title {
            let t = required_text(&mut e, "title", t, 200);
            if t != current.title {
                c.title = Some(t);
            }
        }
        if let Some(s) = &self.summary {
            let s = optional_text(&mut e, "summary", Some(s), 10_000);
            if s != current.summary {
                c.summary = Some(s);
            }
        }
        if let Some(s) = &self.severity {
            let s = severity::parse_key(&mut e, "severity", s);
            if s != current.severity {
                c.severity = Some(s);
            }
        }
        if let Some(t) = &self.incident_type {
            let t = slug(&mut e, "type", t);
            if t != current.incident_type {
                c.incident_type = Some(t);
            }
        }
        if let Some(s) = &self.services {
            let s = parse_services(&mut e, s);
            if s != current.services {
                c.services = Some(s);
            }
        }
        c.customer_impact = self
            .customer_impact
            .filter(|v| *v != current.customer_impact);
        c.private = self.private.filter(|v| *v != current.private);
        e.into_result(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-21T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn references_parse_with_or_without_prefix() {
        assert_eq!("INC-42".parse::<IncidentRef>().unwrap(), IncidentRef(42));
        assert_eq!("inc-7".parse::<IncidentRef>().unwrap(), IncidentRef(7));
        assert_eq!("9".parse::<IncidentRef>().unwrap(), IncidentRef(9));
        for bad in ["INC-", "INC-0", "INC--1", "INC-x", "", "INC-+3"] {
            assert!(bad.parse::<IncidentRef>().is_err(), "{bad}");
        }
        assert_eq!(IncidentRef(12).to_string(), "INC-12");
    }

    #[test]
    fn a_status_change_may_not_be_dated_before_the_incident_began() {
        let declared: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let mut incident = Incident {
            reference: "INC-1".into(),
            id: 1,
            title: "t".into(),
            summary: None,
            severity: "SEV2".into(),
            status: crate::status::Status::Investigating,
            incident_type: "default".into(),
            services: vec![],
            customer_impact: false,
            private: false,
            started_at: None,
            declared_at: declared,
            declared_by: None,
            merged_into: None,
            version: 1,
            updated_at: declared,
            roles: vec![],
        };
        let epoch = Timestamp::UNIX_EPOCH;
        let err = incident.check_not_before_start("at", epoch).unwrap_err();
        assert!(err.to_string().contains("before the declaration"), "{err}");
        assert!(incident.check_not_before_start("at", declared).is_ok());
        // A back-dated start lets the lifecycle be recorded after the fact, from that start.
        let start: Timestamp = "2026-11-21T09:00:00Z".parse().unwrap();
        incident.started_at = Some(start);
        assert!(incident.check_not_before_start("at", start).is_ok());
        let err = incident.check_not_before_start("at", epoch).unwrap_err();
        assert!(
            err.to_string().contains("before the start of impact"),
            "{err}"
        );
    }

    /// Issue 9: `aaaé` and `0\u{80}\u{80}` have a multi-byte character across byte 4.
    #[test]
    fn references_with_multibyte_characters_are_refused_not_a_panic() {
        for bad in ["aaaé", "0\u{80}\u{80}", "ééé", "INCé-1", "inc-é", "💥💥"] {
            assert!(bad.parse::<IncidentRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_declaration_lists_every_bad_field() {
        let input = DeclareInput {
            title: " ".into(),
            severity: Some("sev 1".into()),
            services: vec!["ok".into(), "Not OK!".into()],
            started_at: Some("yesterday".into()),
            ..Default::default()
        };
        let err = input.validate(now()).unwrap_err();
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "severity", "services[1]", "started_at"]);
    }

    #[test]
    fn a_back_dated_start_with_an_offset_is_converted_to_utc_milliseconds() {
        let input = DeclareInput {
            title: "Checkout down".into(),
            started_at: Some("2026-11-21T12:30:00.123456+02:00".into()),
            ..Default::default()
        };
        let d = input.validate(now()).unwrap();
        assert_eq!(
            crate::format_utc(d.started_at.unwrap()),
            "2026-11-21T10:30:00.123Z"
        );
        assert_eq!(d.incident_type, "default");
        assert_eq!(d.status, Status::Triage);
    }

    #[test]
    fn a_start_in_the_future_is_rejected() {
        let input = DeclareInput {
            title: "x".into(),
            started_at: Some("2026-11-22T12:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(
            input.validate(now()).unwrap_err().fields[0].field,
            "started_at"
        );
    }
}

//! The messages an incident channel and the announcement channels get: the topic, the pinned
//! summary, a change, the postmortem decision and the announcement of a new incident. Text
//! from people is escaped and cut to Slack's limits (`blocks::escape`, `blocks::truncate`).

use debrief_core::incident::Incident;
use debrief_core::slack::blocks::{
    self, IncidentSummary, MAX_SECTION, Person, escape, link, slack_date, truncate,
};
use debrief_core::timeline::TimelineEvent;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Slack's longest channel topic.
const MAX_TOPIC: usize = 250;

/// The commander's name, or "no commander".
fn commander(incident: &Incident) -> String {
    incident
        .roles
        .iter()
        .find(|r| r.role == "commander")
        .map_or_else(
            || "no commander".into(),
            |r| format!("Commander: {}", r.user_name),
        )
}

/// The channel topic: `SEV1 · investigating · Commander: Dana · https://…/incidents/42`
/// (plain text, at most 250 characters; the title is what is cut).
pub fn topic(incident: &Incident, url: &str) -> String {
    let t = format!(
        "{} · {} · {} · {url}",
        incident.severity,
        incident.status,
        commander(incident)
    );
    truncate(&t, MAX_TOPIC)
}

/// The pinned summary; `people` maps role holders to their Slack ids (mentions) when known.
pub fn summary(incident: &Incident, url: &str, people: &HashMap<i64, Option<String>>) -> Value {
    blocks::incident_summary(&IncidentSummary {
        reference: incident.reference.clone(),
        title: incident.title.clone(),
        status: incident.status.to_string(),
        severity: incident.severity.clone(),
        roles: incident
            .roles
            .iter()
            .map(|r| {
                (
                    r.role.clone(),
                    Person {
                        name: r.user_name.clone(),
                        slack_id: people.get(&r.user_id).cloned().flatten(),
                    },
                )
            })
            .collect(),
        incident_url: url.to_string(),
        status_page_url: None,
    })
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}})
}

fn context(text: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}]})
}

/// A status, severity or role change, as the timeline words it, with when and from where.
pub fn change(e: &TimelineEvent) -> Value {
    let body = escape(&e.body);
    json!({
        "text": truncate(&body, MAX_SECTION),
        "blocks": [section(&body), context(&format!("{} · via {}", slack_date(e.at), e.source))],
        "unfurl_links": false,
    })
}

/// The postmortem decision made when the incident resolved (from the decision's timeline
/// event, so each decision is told as it was made): required or not, why, the draft's
/// deadline and the link to the draft.
pub fn decision(e: &TimelineEvent, draft_url: &str) -> Value {
    let d = &e.data;
    let required = d["required"].as_bool().unwrap_or(false);
    let words = |key: &str| -> Vec<String> {
        d[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect()
    };
    let reasons = words("reasons");
    let mut why = if reasons.is_empty() {
        "no rule applies".to_string()
    } else {
        reasons.join("; ")
    };
    let overridden = words("overridden_reasons");
    if !overridden.is_empty() {
        why.push_str(&format!(" (overrides: {})", overridden.join("; ")));
    }
    let headline = if required {
        "*A postmortem is required.*"
    } else {
        "*No postmortem is required.*"
    };
    let mut lines = vec![headline.to_string(), format!("Why: {}", escape(&why))];
    if required {
        let due = d["draft_due_at"]
            .as_str()
            .and_then(|t| t.parse::<debrief_core::Timestamp>().ok());
        if let Some(due) = due {
            lines.push(format!("Draft due {}", slack_date(due)));
        }
        lines.push(link(draft_url, "Write the draft"));
    } else {
        lines.push(link(draft_url, "The postmortem page"));
    }
    let text = lines.join("\n");
    json!({
        "text": truncate(&text, MAX_SECTION),
        "blocks": [section(&text)],
        "unfurl_links": false,
    })
}

/// The announcement of a new incident in a severity's channel, with a link to the incident
/// channel (when it exists) and to Debrief.
pub fn announcement(incident: &Incident, url: &str, channel_id: Option<&str>) -> Value {
    let head = format!(
        "*New incident {}*: {} ({}, {})",
        escape(&incident.reference),
        escape(&incident.title),
        escape(&incident.severity),
        incident.status
    );
    let mut links = Vec::new();
    if let Some(c) = channel_id {
        links.push(format!("Join <#{}>", escape(c)));
    }
    links.push(link(url, &format!("{} in Debrief", incident.reference)));
    let text = format!("{head}\n{}", links.join(" · "));
    json!({
        "text": truncate(&text, MAX_SECTION),
        "blocks": [section(&text), context(&commander(incident))],
        "unfurl_links": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use debrief_core::slack::blocks::limit_problems;

    fn incident(title: &str) -> Incident {
        let at = debrief_core::Timestamp::UNIX_EPOCH;
        Incident {
            reference: "INC-42".into(),
            id: 42,
            title: title.into(),
            summary: None,
            severity: "SEV1".into(),
            status: debrief_core::status::Status::Investigating,
            incident_type: "default".into(),
            services: Vec::new(),
            customer_impact: false,
            private: false,
            started_at: None,
            declared_at: at,
            declared_by: Some(1),
            merged_into: None,
            version: 1,
            updated_at: at,
            roles: vec![debrief_core::incident::RoleAssignment {
                role: "commander".into(),
                user_id: 1,
                user_name: "Dana".into(),
                user_email: "d@example.com".into(),
            }],
        }
    }

    #[test]
    fn the_topic_names_severity_status_commander_and_link_within_250_characters() {
        let i = incident("Checkout fails");
        let t = topic(&i, "https://debrief.example/incidents/42");
        assert_eq!(
            t,
            "SEV1 · investigating · Commander: Dana · https://debrief.example/incidents/42"
        );
        let long = incident(&"x".repeat(400));
        assert!(topic(&long, &"u".repeat(300)).chars().count() <= 250);
    }

    #[test]
    fn announcements_escape_titles_and_keep_to_slack_limits() {
        let i = incident("<b>&boom</b>");
        let a = announcement(&i, "https://d.example/incidents/42", Some("C123"));
        let text = a["text"].as_str().unwrap_or_default();
        assert!(text.contains("&lt;b&gt;&amp;boom"), "{text}");
        assert!(text.contains("<#C123>"), "{text}");
        assert!(limit_problems(&a["blocks"]).is_empty());
    }
}

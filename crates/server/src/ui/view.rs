//! View models for the templates: everything pre-formatted, so templates stay simple.

use debrief_core::Timestamp;
use debrief_core::incident::Incident;
use debrief_core::timeline::TimelineEvent;

/// A time shown with its date in UTC; `app.js` adds the viewer's zone beside it.
#[derive(Debug, Clone)]
pub struct TimeView {
    /// RFC 3339 UTC with milliseconds, for `<time datetime>`.
    pub iso: String,
    /// `2026-11-21 10:00:00.000 UTC`.
    pub utc: String,
    /// For sentences: `Sat 21 Nov 2026, 10:00 UTC` (`app.js` rewrites it in the viewer's zone
    /// for a `<time class="prose">`).
    pub prose: String,
}

impl TimeView {
    /// Formats a timestamp.
    pub fn new(ts: Timestamp) -> Self {
        let iso = debrief_core::format_utc(ts);
        let utc = format!(
            "{} UTC",
            ts.to_zoned(jiff::tz::TimeZone::UTC)
                .strftime("%Y-%m-%d %H:%M:%S%.3f")
        );
        let prose = format!(
            "{} UTC",
            ts.to_zoned(jiff::tz::TimeZone::UTC)
                .strftime("%a %-d %b %Y, %H:%M")
        );
        Self { iso, utc, prose }
    }
}

/// A stored value (`in_review`, `degraded_performance`, `follow_up`) as people read it
/// ("In review", "Degraded performance", "Follow-up"), for every enum the pages show.
pub fn label(value: &str) -> String {
    match value {
        "follow_up" => return "Follow-up".into(),
        "wont_do" => return "Won't do".into(),
        "sev" | "" => return value.to_string(),
        _ => {}
    }
    let words = value.replace(['_', '-'], " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// One row of the incident list.
pub struct IncidentRow {
    /// `INC-42`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Severity key.
    pub severity: String,
    /// Status.
    pub status: String,
    /// Commander's name.
    pub commander: String,
    /// Declared.
    pub declared: TimeView,
    /// Private flag.
    pub private: bool,
    /// Services, comma-separated.
    pub services: String,
}

impl From<&Incident> for IncidentRow {
    fn from(i: &Incident) -> Self {
        Self {
            reference: i.reference.clone(),
            title: i.title.clone(),
            severity: i.severity.clone(),
            status: i.status.as_str().to_string(),
            commander: i
                .roles
                .iter()
                .find(|r| r.role == "commander")
                .map(|r| r.user_name.clone())
                .unwrap_or_default(),
            declared: TimeView::new(i.declared_at),
            private: i.private,
            services: i.services.join(", "),
        }
    }
}

/// One timeline entry.
pub struct EventView {
    /// Event id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// When.
    pub at: TimeView,
    /// Author name.
    pub author: String,
    /// Source.
    pub source: String,
    /// Text.
    pub body: String,
    /// Links (url, label).
    pub links: Vec<(String, String)>,
    /// Starred.
    pub starred: bool,
    /// Edited (revision > 1).
    pub edited: bool,
    /// A person's event, which can be edited (Debrief's own cannot).
    pub editable: bool,
    /// The time in RFC 3339 (`2026-11-21T09:30:00.000Z`), which `app.js` turns into the
    /// viewer's wall time in the edit form.
    pub at_input: String,
    /// The UTC wall time to the second (`2026-11-21T09:30:00`), the edit form's value without
    /// script.
    pub at_wall: String,
}

impl From<&TimelineEvent> for EventView {
    fn from(e: &TimelineEvent) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_string(),
            at: TimeView::new(e.at),
            author: e.author_name.clone().unwrap_or_else(|| "Debrief".into()),
            source: e.source.as_str().to_string(),
            body: e.body.clone(),
            links: e
                .links
                .iter()
                .map(|l| {
                    (
                        l.url.clone(),
                        l.title.clone().unwrap_or_else(|| l.url.clone()),
                    )
                })
                .collect(),
            starred: e.starred,
            edited: e.revision > 1,
            editable: e.kind.is_addable(),
            at_input: debrief_core::format_utc(e.at),
            at_wall: e.at.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
}

/// A key timestamp row.
pub struct TimestampRow {
    /// Field name, e.g. `detected_at`.
    pub field: String,
    /// Label, e.g. "Detected".
    pub label: String,
    /// The time, if known.
    pub time: Option<TimeView>,
    /// `derived`, `given` or `override`.
    pub origin: String,
}

/// A metric row: its number, or why it is not one, beside how it is measured.
pub struct MetricRow {
    /// Label.
    pub label: String,
    /// Value, written as a duration, or a dash.
    pub value: String,
    /// How it is measured (from `debrief_core::metrics::DEFINITIONS`).
    pub definition: String,
    /// When its inputs contradict each other, which ones, in words (the value is a dash then).
    pub contradiction: Option<String>,
}

impl MetricRow {
    /// Every metric of an incident, in the order of the definitions.
    pub fn all(m: &debrief_core::metrics::IncidentMetrics) -> Vec<MetricRow> {
        debrief_core::metrics::DEFINITIONS
            .iter()
            .map(|d| MetricRow {
                label: d.label.into(),
                value: debrief_core::duration::seconds_or_dash(m.seconds(d.metric)),
                definition: d.how_measured.into(),
                contradiction: m.contradiction(d.metric).map(|c| c.message.clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_rows_carry_their_definition_and_any_contradiction() {
        let k = debrief_core::timestamps::KeyTimestamps {
            started_at: Some("2026-11-21T10:00:00Z".parse().unwrap()),
            detected_at: Some("2026-11-21T10:03:22Z".parse().unwrap()),
            first_external_comms_at: Some("2026-11-21T10:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let rows = MetricRow::all(&debrief_core::metrics::compute(&k, &[]));
        assert_eq!(rows.len(), 6);
        assert_eq!(
            (rows[0].label.as_str(), rows[0].value.as_str()),
            ("Time to detect", "3m 22s")
        );
        assert_eq!(rows[0].definition, "detected − started");
        assert_eq!(rows[2].value, "—");
        assert_eq!(
            rows[2].contradiction.as_deref(),
            Some(
                "first external comms is before detection: check the times of the timeline events"
            )
        );
    }

    #[test]
    fn stored_values_read_as_words() {
        assert_eq!(label("in_review"), "In review");
        assert_eq!(label("degraded_performance"), "Degraded performance");
        assert_eq!(label("follow_up"), "Follow-up");
        assert_eq!(label("triage"), "Triage");
        assert_eq!(label("wont_do"), "Won't do");
    }

    #[test]
    fn times_show_the_date_in_utc() {
        let t = TimeView::new("2026-11-21T10:00:00.5+01:00".parse().unwrap());
        assert_eq!(t.utc, "2026-11-21 09:00:00.500 UTC");
        assert_eq!(t.iso, "2026-11-21T09:00:00.500Z");
    }
}

//! The postmortem document: its workflow, its template and its sections.
//!
//! A postmortem is decided when its incident resolves ([`crate::policy`]); a required one is
//! created from a [`Template`] and moves `required → draft → in_review → published`. Reviewers
//! approve or request changes; publishing needs the approvals the policy asks for. Sections are
//! Markdown written by people; what Debrief knows (participants, key timestamps, metrics, the
//! timeline, severity and services, action items) is filled in when the document is read, never
//! typed by hand.

use crate::Timestamp;
use crate::validation::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a postmortem is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PmStatus {
    /// The policy decided none is owed (or nothing was decided yet).
    NotRequired,
    /// Owed, nobody has written anything yet.
    Required,
    /// Being written.
    Draft,
    /// Submitted to the reviewers.
    InReview,
    /// Approved and published.
    Published,
}

impl PmStatus {
    /// The snake_case name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PmStatus::NotRequired => "not_required",
            PmStatus::Required => "required",
            PmStatus::Draft => "draft",
            PmStatus::InReview => "in_review",
            PmStatus::Published => "published",
        }
    }

    /// Whether the document exists (it was required at some point and was created).
    pub fn has_document(self) -> bool {
        !matches!(self, PmStatus::NotRequired)
    }
}

impl fmt::Display for PmStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PmStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "not_required" => PmStatus::NotRequired,
            "required" => PmStatus::Required,
            "draft" => PmStatus::Draft,
            "in_review" => PmStatus::InReview,
            "published" => PmStatus::Published,
            other => return Err(format!("unknown postmortem status '{other}'")),
        })
    }
}

/// A step of the workflow someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Start writing (`required → draft`); also implied by the first edit.
    StartDraft,
    /// Submit for review (`draft → in_review`).
    Submit,
    /// A reviewer asked for changes (`in_review → draft`).
    RequestChanges,
    /// Publish (`in_review → published`).
    Publish,
    /// Reopen a published postmortem for corrections (`published → draft`).
    Reopen,
}

/// Checks a workflow step from `from`, returning the status it leads to.
pub fn check_step(from: PmStatus, step: Step) -> Result<PmStatus, String> {
    use PmStatus::*;
    match (from, step) {
        (NotRequired, _) => Err("no postmortem is required for this incident".into()),
        (Required, Step::StartDraft) => Ok(Draft),
        (Required | Draft, Step::Submit) => Ok(InReview),
        (InReview, Step::RequestChanges) => Ok(Draft),
        (InReview, Step::Publish) => Ok(Published),
        (Published, Step::Reopen) => Ok(Draft),
        (Draft, Step::StartDraft) => Err("the postmortem is already a draft".into()),
        (_, Step::Publish) => Err(format!(
            "only a postmortem in review can be published (this one is {from}); submit it first"
        )),
        (_, Step::RequestChanges) => Err(format!(
            "changes can only be requested on a postmortem in review (this one is {from})"
        )),
        (_, Step::Reopen) => Err("only a published postmortem can be reopened".into()),
        (InReview, Step::Submit) => Err("the postmortem is already in review".into()),
        (Published, _) => Err("the postmortem is published; reopen it first".into()),
        (InReview, Step::StartDraft) => {
            Err("the postmortem is in review; a reviewer can request changes".into())
        }
    }
}

/// One section of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    /// A slug, unique in the template (`what_happened`).
    pub key: String,
    /// The heading.
    pub title: String,
    /// The question the section answers, shown to the writer.
    #[serde(default)]
    pub prompt: String,
}

/// A postmortem template: the sections people write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// A slug (`default`, `security`).
    pub key: String,
    /// A name for people.
    pub name: String,
    /// Sections in order.
    pub sections: Vec<SectionSpec>,
    /// Severities this template is chosen for.
    #[serde(default)]
    pub severities: Vec<String>,
    /// Incident types this template is chosen for (a type match beats a severity match).
    #[serde(default)]
    pub types: Vec<String>,
}

/// The key of the template that is always there.
pub const DEFAULT_TEMPLATE: &str = "default";

/// The default template: the questions every postmortem answers, and the usual sections.
pub fn default_template() -> Template {
    let s = |key: &str, title: &str, prompt: &str| SectionSpec {
        key: key.into(),
        title: title.into(),
        prompt: prompt.into(),
    };
    Template {
        key: DEFAULT_TEMPLATE.into(),
        name: "Default postmortem".into(),
        severities: Vec::new(),
        types: Vec::new(),
        sections: vec![
            s(
                "executive_summary",
                "Executive summary",
                "In three sentences: what happened, who was affected, and what we are doing about it.",
            ),
            s(
                "impact",
                "Impact",
                "Who and what was affected, for how long, and how badly (customers, requests, revenue, data).",
            ),
            s(
                "intended_outcome",
                "What was supposed to happen",
                "What did we expect the system and the people to do?",
            ),
            s(
                "what_happened",
                "What happened",
                "The story of the incident, in the order things happened.",
            ),
            s(
                "why_it_happened",
                "Why it happened",
                "The root cause: the conditions that made the failure possible.",
            ),
            s(
                "five_whys",
                "Root cause: 5 Whys",
                "1. Why …? Because …\n2. Why …? Because …\n3. …",
            ),
            s(
                "contributing_factors",
                "Contributing factors",
                "What made it more likely, bigger or longer?",
            ),
            s(
                "went_well",
                "What went well",
                "What helped us detect, respond and recover?",
            ),
            s(
                "went_wrong",
                "What went wrong",
                "What slowed us down or made things worse?",
            ),
            s(
                "got_lucky",
                "Where we got lucky",
                "What could have made it much worse, but didn't?",
            ),
            s(
                "avoidance",
                "How it can be avoided",
                "What would prevent it, detect it sooner or shrink its impact? Turn these into action items.",
            ),
            s(
                "lessons",
                "Lessons",
                "What did we learn that others should know?",
            ),
            s(
                "links",
                "Links",
                "Dashboards, graphs, pull requests, chat threads.",
            ),
        ],
    }
}

/// Chooses the template for an incident: one listing its type, else one listing its severity,
/// else the default.
pub fn choose_template<'a>(
    templates: &'a [Template],
    severity: &str,
    incident_type: &str,
) -> Option<&'a Template> {
    templates
        .iter()
        .find(|t| t.types.iter().any(|x| x == incident_type))
        .or_else(|| {
            templates
                .iter()
                .find(|t| t.severities.iter().any(|x| x == severity))
        })
        .or_else(|| templates.iter().find(|t| t.key == DEFAULT_TEMPLATE))
}

impl Template {
    /// Checks a template written by an admin.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut e = ValidationError::default();
        crate::validation::slug(&mut e, "key", &self.key);
        if self.name.trim().is_empty() {
            e.push("name", "must not be empty");
        }
        if self.sections.is_empty() {
            e.push("sections", "must have at least one section");
        }
        if self.sections.len() > 40 {
            e.push("sections", "must have at most 40 sections");
        }
        for (i, s) in self.sections.iter().enumerate() {
            crate::validation::slug(&mut e, &format!("sections[{i}].key"), &s.key);
            if s.title.trim().is_empty() {
                e.push(format!("sections[{i}].title"), "must not be empty");
            }
            if self.sections[..i].iter().any(|o| o.key == s.key) {
                e.push(
                    format!("sections[{i}].key"),
                    format!("'{}' is used twice", s.key),
                );
            }
        }
        e.into_result(())
    }
}

/// A section of a document: the template's heading and prompt with what people wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The section's key.
    pub key: String,
    /// The heading.
    pub title: String,
    /// The question it answers.
    #[serde(default)]
    pub prompt: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
}

/// The sections of a new document made from `template`.
pub fn sections_from(template: &Template) -> Vec<Section> {
    template
        .sections
        .iter()
        .map(|s| Section {
            key: s.key.clone(),
            title: s.title.clone(),
            prompt: s.prompt.clone(),
            body: String::new(),
        })
        .collect()
}

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Good to publish.
    Approved,
    /// Needs more work.
    ChangesRequested,
}

impl Verdict {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::ChangesRequested => "changes_requested",
        }
    }
}

/// A review given in a review round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The reviewer's user id.
    pub reviewer_id: i64,
    /// The reviewer's name.
    pub reviewer: String,
    /// Approved or changes requested.
    pub verdict: Verdict,
    /// What they said.
    pub comment: String,
    /// The review round (each submission starts a new one).
    pub round: i64,
    /// When.
    #[serde(with = "crate::ts")]
    pub at: Timestamp,
}

/// How many distinct reviewers approved in `round` (a later request for changes by the same
/// reviewer in the round cancels their approval).
pub fn approvals(reviews: &[Review], round: i64) -> usize {
    let mut latest: Vec<(i64, Verdict, Timestamp)> = Vec::new();
    for r in reviews.iter().filter(|r| r.round == round) {
        match latest.iter_mut().find(|(id, _, _)| *id == r.reviewer_id) {
            Some(l) if r.at >= l.2 => *l = (r.reviewer_id, r.verdict, r.at),
            Some(_) => {}
            None => latest.push((r.reviewer_id, r.verdict, r.at)),
        }
    }
    latest
        .iter()
        .filter(|(_, v, _)| *v == Verdict::Approved)
        .count()
}

/// A postmortem record: the workflow state and what people wrote. What Debrief knows of the
/// incident is added when it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Postmortem {
    /// The incident's number.
    #[serde(skip)]
    pub incident_id: i64,
    /// Where it is in its workflow.
    pub status: PmStatus,
    /// The policy's latest decision (none before the incident resolved).
    pub decision: Option<crate::policy::Decision>,
    /// When that decision was taken.
    #[serde(with = "crate::ts_opt")]
    pub decided_at: Option<Timestamp>,
    /// The commander asked for one.
    pub requested: bool,
    /// Why it was waived, if it was.
    pub waiver_reason: Option<String>,
    /// Who writes it (user id).
    pub owner_id: Option<i64>,
    /// Who runs the review (user id).
    pub facilitator_id: Option<i64>,
    /// Who reviews it (user ids).
    pub reviewer_ids: Vec<i64>,
    /// The template it was made from.
    pub template: String,
    /// The written sections (shown with their HTML by the document view).
    #[serde(skip_serializing)]
    pub sections: Vec<Section>,
    /// A summary for customers, shown on the status page once published.
    pub customer_summary: String,
    /// Approvals needed to publish.
    pub approvals_required: i64,
    /// The current review round (each submission starts one).
    pub review_round: i64,
    /// When the draft is due.
    #[serde(with = "crate::ts_opt")]
    pub draft_due_at: Option<Timestamp>,
    /// When the review meeting must have been held.
    #[serde(with = "crate::ts_opt")]
    pub review_due_at: Option<Timestamp>,
    /// When writing started.
    #[serde(with = "crate::ts_opt")]
    pub drafted_at: Option<Timestamp>,
    /// When it was last submitted for review.
    #[serde(with = "crate::ts_opt")]
    pub submitted_at: Option<Timestamp>,
    /// When it was published.
    #[serde(with = "crate::ts_opt")]
    pub published_at: Option<Timestamp>,
    /// Someone published it knowing of open blameless-check findings.
    pub lint_acknowledged: bool,
    /// Incremented by every change; 0 for one not stored yet.
    pub version: i64,
    /// When it was created.
    #[serde(with = "crate::ts")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "crate::ts")]
    pub updated_at: Timestamp,
}

impl Postmortem {
    /// A record for an incident that has none yet: nothing decided, nothing written.
    pub fn empty(incident_id: i64, now: Timestamp) -> Self {
        Self {
            incident_id,
            status: PmStatus::NotRequired,
            decision: None,
            decided_at: None,
            requested: false,
            waiver_reason: None,
            owner_id: None,
            facilitator_id: None,
            reviewer_ids: Vec::new(),
            template: String::new(),
            sections: Vec::new(),
            customer_summary: String::new(),
            approvals_required: 1,
            review_round: 0,
            draft_due_at: None,
            review_due_at: None,
            drafted_at: None,
            submitted_at: None,
            published_at: None,
            lint_acknowledged: false,
            version: 0,
            created_at: now,
            updated_at: now,
        }
    }

    /// Applies a new decision: a required postmortem gets its document (from `template`, once)
    /// and its status back; one no longer required goes to `not_required` unless published.
    pub fn apply_decision(
        &mut self,
        decision: crate::policy::Decision,
        at: Timestamp,
        template: &Template,
    ) {
        let required = decision.required;
        self.decision = Some(decision);
        self.decided_at = Some(at);
        if self.status == PmStatus::Published {
            return;
        }
        if !required {
            self.status = PmStatus::NotRequired;
            return;
        }
        if self.sections.is_empty() {
            self.template = template.key.clone();
            self.sections = sections_from(template);
        }
        if self.status == PmStatus::NotRequired {
            self.status = if self.drafted_at.is_some() {
                PmStatus::Draft
            } else {
                PmStatus::Required
            };
        }
    }

    /// The section with `key`.
    pub fn section_mut(&mut self, key: &str) -> Option<&mut Section> {
        self.sections.iter_mut().find(|s| s.key == key)
    }

    /// All the Markdown people wrote, one section after another (for the blameless check).
    pub fn written_text(&self) -> String {
        let mut out = String::new();
        for s in self.sections.iter().filter(|s| !s.body.trim().is_empty()) {
            out.push_str(&s.body);
            out.push_str("\n\n");
        }
        out.push_str(&self.customer_summary);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_goes_from_required_to_published_through_review() {
        let mut s = PmStatus::Required;
        for (step, want) in [
            (Step::StartDraft, PmStatus::Draft),
            (Step::Submit, PmStatus::InReview),
            (Step::RequestChanges, PmStatus::Draft),
            (Step::Submit, PmStatus::InReview),
            (Step::Publish, PmStatus::Published),
            (Step::Reopen, PmStatus::Draft),
        ] {
            s = check_step(s, step).expect("allowed");
            assert_eq!(s, want);
        }
    }

    #[test]
    fn steps_out_of_order_are_refused_with_a_reason() {
        assert!(
            check_step(PmStatus::Draft, Step::Publish)
                .unwrap_err()
                .contains("submit it first")
        );
        assert!(check_step(PmStatus::NotRequired, Step::StartDraft).is_err());
        assert!(check_step(PmStatus::Published, Step::Submit).is_err());
        assert!(check_step(PmStatus::InReview, Step::Submit).is_err());
    }

    #[test]
    fn a_type_template_beats_a_severity_template_which_beats_the_default() {
        let mut security = default_template();
        security.key = "security".into();
        security.types = vec!["security_breach".into()];
        let mut sev1 = default_template();
        sev1.key = "sev1".into();
        sev1.severities = vec!["SEV1".into()];
        let all = [default_template(), sev1, security];
        assert_eq!(
            choose_template(&all, "SEV1", "security_breach")
                .unwrap()
                .key,
            "security"
        );
        assert_eq!(
            choose_template(&all, "SEV1", "default").unwrap().key,
            "sev1"
        );
        assert_eq!(
            choose_template(&all, "SEV3", "default").unwrap().key,
            "default"
        );
    }

    #[test]
    fn the_default_template_asks_the_four_questions() {
        let t = default_template();
        t.validate().expect("valid");
        for key in [
            "intended_outcome",
            "what_happened",
            "why_it_happened",
            "avoidance",
        ] {
            assert!(t.sections.iter().any(|s| s.key == key), "{key}");
        }
    }

    #[test]
    fn approvals_count_each_reviewer_once_by_their_latest_verdict_in_the_round() {
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let r = |id: i64, v: Verdict, round: i64, t: i64| Review {
            reviewer_id: id,
            reviewer: format!("r{id}"),
            verdict: v,
            comment: String::new(),
            round,
            at: at(t),
        };
        let reviews = [
            r(1, Verdict::Approved, 1, 1),
            r(1, Verdict::Approved, 2, 5),
            r(2, Verdict::Approved, 2, 6),
            r(2, Verdict::ChangesRequested, 2, 7),
            r(3, Verdict::Approved, 2, 8),
            r(3, Verdict::Approved, 2, 9),
        ];
        assert_eq!(approvals(&reviews, 2), 2);
        assert_eq!(approvals(&reviews, 1), 1);
    }

    #[test]
    fn a_template_with_a_repeated_section_is_refused() {
        let mut t = default_template();
        t.sections.push(t.sections[0].clone());
        let e = t.validate().unwrap_err();
        assert!(e.fields.iter().any(|f| f.field.starts_with("sections[")));
    }
}

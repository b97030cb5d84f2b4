//! The `/inc` grammar.

use crate::slack::command::{
    Command, CommandError, PageTarget, UserMention, Vocabulary, help_text, parse,
};
use jiff::civil::date;

const STATUSES: [&str; 5] = [
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "follow_up",
];
const SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];

fn vocab() -> Vocabulary<'static> {
    Vocabulary {
        statuses: &STATUSES,
        severities: &SEVERITIES,
        roles: &[],
    }
}

fn ok(text: &str) -> Command {
    parse(text, &vocab()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> CommandError {
    parse(text, &vocab()).expect_err(text)
}

fn slack(id: &str, name: Option<&str>) -> UserMention {
    UserMention::Slack {
        id: id.into(),
        name: name.map(Into::into),
    }
}

#[test]
fn an_empty_command_and_help_show_help() {
    assert_eq!(ok(""), Command::Help);
    assert_eq!(ok("   "), Command::Help);
    assert_eq!(ok("HELP"), Command::Help);
}

#[test]
fn declare_takes_an_optional_title_quoted_or_not() {
    assert_eq!(ok("declare"), Command::Declare { title: None });
    assert_eq!(
        ok("declare \"Checkout fails\""),
        Command::Declare {
            title: Some("Checkout fails".into())
        }
    );
    assert_eq!(
        ok("Declare   checkout   fails"),
        Command::Declare {
            title: Some("checkout fails".into())
        },
        "verbs are case-insensitive and bare words are joined"
    );
    assert_eq!(
        ok("new \u{201C}Checkout fails\u{201D}"),
        Command::Declare {
            title: Some("Checkout fails".into())
        },
        "curly quotes as Slack's clients type them"
    );
}

#[test]
fn status_takes_a_status_from_the_vocabulary_and_a_message() {
    assert_eq!(
        ok("status Identified \"bad deploy of api 1.4\""),
        Command::Status {
            status: "identified".into(),
            message: Some("bad deploy of api 1.4".into())
        }
    );
    assert_eq!(
        ok("status follow-up"),
        Command::Status {
            status: "follow_up".into(),
            message: None
        }
    );
    let e = err("status fixed");
    assert_eq!(
        e.message,
        "fixed is not a status; use one of investigating, identified, monitoring, resolved, follow_up."
    );
    assert!(e.suggestion.contains("/inc status identified"), "{e:?}");
    assert!(err("status").message.starts_with("Say which status"));
}

#[test]
fn severity_must_be_one_of_the_allowed() {
    assert_eq!(ok("severity sev1"), Command::Severity("SEV1".into()));
    assert_eq!(ok("sev SEV2"), Command::Severity("SEV2".into()));
    let e = err("severity SEV9");
    assert_eq!(
        e.message,
        "SEV9 is not a severity; use one of SEV1, SEV2, SEV3, SEV4."
    );
    assert_eq!(e.suggestion, "Try `/inc severity SEV1`.");
    assert!(err("severity").message.starts_with("Give one severity"));
    assert!(
        err("severity SEV1 SEV2")
            .message
            .starts_with("Give one severity")
    );
}

#[test]
fn role_takes_a_role_and_a_mention_in_any_of_slacks_forms() {
    assert_eq!(
        ok("role commander <@U024BE7LH|dana>"),
        Command::Role {
            role: "commander".into(),
            user: slack("U024BE7LH", Some("dana"))
        }
    );
    assert_eq!(
        ok("role Scribe <@W024BE7LH>"),
        Command::Role {
            role: "scribe".into(),
            user: slack("W024BE7LH", None)
        }
    );
    assert_eq!(
        ok("role ops @dana"),
        Command::Role {
            role: "ops".into(),
            user: UserMention::Name("dana".into())
        }
    );
    assert_eq!(
        ok("role ops <mailto:dana@example.com|dana@example.com>"),
        Command::Role {
            role: "ops".into(),
            user: UserMention::Email("dana@example.com".into())
        }
    );
    assert!(
        err("role commander")
            .suggestion
            .contains("role commander @dana")
    );
    assert!(
        err("role commander \"dana\"")
            .message
            .contains("not a person")
    );
    assert!(err("role 9lives @dana").message.contains("not a role name"));
}

#[test]
fn role_is_checked_against_the_callers_roles_when_given() {
    let roles = ["commander", "scribe"];
    let v = Vocabulary {
        roles: &roles,
        ..vocab()
    };
    let e = parse("role liaison @dana", &v).expect_err("unknown role");
    assert_eq!(
        e.message,
        "liaison is not a role; use one of commander, scribe."
    );
}

#[test]
fn update_needs_its_text_and_decodes_slacks_entities() {
    assert_eq!(
        ok("update \"Payments &amp; checkout are back &gt; 99% for <@U1|dana>\""),
        Command::Update {
            message: "Payments & checkout are back > 99% for @dana".into()
        }
    );
    assert_eq!(
        ok("update we rolled back; see <https://status.example.com|the status page>"),
        Command::Update {
            message: "we rolled back; see the status page".into()
        }
    );
    let e = err("update");
    assert_eq!(e.message, "Say what the update is.");
    assert_eq!(
        e.suggestion,
        "Try `/inc update \"what customers should know\"`."
    );
}

#[test]
fn page_targets_mirror_the_clis_flags_and_slacks_mentions() {
    let page = |t: &str| match ok(t) {
        Command::Page { target } => target,
        other => panic!("{t}: {other:?}"),
    };
    assert_eq!(
        page("page <!subteam^S0614TZR7|@db-team>"),
        PageTarget::UserGroup {
            id: "S0614TZR7".into(),
            handle: Some("db-team".into())
        }
    );
    assert_eq!(
        page("page <!subteam^S0614TZR7>"),
        PageTarget::UserGroup {
            id: "S0614TZR7".into(),
            handle: None
        }
    );
    assert_eq!(
        page("page <@U1|dana>"),
        PageTarget::User(slack("U1", Some("dana")))
    );
    assert_eq!(page("page @db-team"), PageTarget::Name("db-team".into()));
    assert_eq!(page("page team:DB"), PageTarget::Team("db".into()));
    assert_eq!(
        page("page service:checkout"),
        PageTarget::Service("checkout".into())
    );
    assert_eq!(page("page policy:3"), PageTarget::Policy(3));
    assert_eq!(
        page("page user:dana@example.com"),
        PageTarget::User(UserMention::Email("dana@example.com".into()))
    );
    assert_eq!(
        page("page dana@example.com"),
        PageTarget::User(UserMention::Email("dana@example.com".into()))
    );
    assert!(err("page").message.starts_with("Say whom to page"));
    assert!(err("page policy:three").message.contains("cannot be paged"));
    assert!(
        err("page <#C1|general>")
            .message
            .contains("#general cannot be paged")
    );
    assert!(err("page @a @b").message.starts_with("Say whom to page"));
}

#[test]
fn resolve_takes_an_optional_message() {
    assert_eq!(ok("resolve"), Command::Resolve { message: None });
    assert_eq!(
        ok("RESOLVE \"fixed by rollback\""),
        Command::Resolve {
            message: Some("fixed by rollback".into())
        }
    );
}

#[test]
fn followup_takes_a_title_an_owner_and_a_due_date_in_any_order() {
    assert_eq!(
        ok("followup \"Add an alert on queue depth\" <@U1|dana> due:2026-12-20"),
        Command::Followup {
            title: "Add an alert on queue depth".into(),
            owner: Some(slack("U1", Some("dana"))),
            due: Some(date(2026, 12, 20)),
        }
    );
    assert_eq!(
        ok("follow-up DUE:2027-01-05 @sam fix the retry storm"),
        Command::Followup {
            title: "fix the retry storm".into(),
            owner: Some(UserMention::Name("sam".into())),
            due: Some(date(2027, 1, 5)),
        }
    );
    assert_eq!(
        ok("followup \u{201C}write the runbook\u{201D}"),
        Command::Followup {
            title: "write the runbook".into(),
            owner: None,
            due: None,
        }
    );
    assert_eq!(
        ok("followup \u{201D}rotate keys\u{201D} dana@example.com"),
        Command::Followup {
            title: "rotate keys".into(),
            owner: Some(UserMention::Email("dana@example.com".into())),
            due: None,
        },
        "an e-mail owner, and quotes opened with the closing curly quote"
    );
    let e = err("followup \"x\" due:2026-13-40");
    assert_eq!(e.message, "2026-13-40 is not a date; write due:YYYY-MM-DD.");
    assert!(e.suggestion.contains("due:2026-12-20"));
    assert_eq!(err("followup @dana").message, "Say what needs doing.");
    assert_eq!(err("followup x @a @b").message, "Give one owner.");
    assert_eq!(
        err("followup x due:2026-01-01 due:2026-01-02").message,
        "Give one due date."
    );
}

#[test]
fn an_unknown_verb_suggests_the_closest() {
    let e = err("stauts identified");
    assert_eq!(e.message, "stauts is not an /inc command.");
    assert!(
        e.suggestion.starts_with("Did you mean `/inc status`?"),
        "{e:?}"
    );
    assert!(err("sever SEV1").suggestion.contains("/inc severity"));
    let e = err("launch rockets");
    assert_eq!(e.suggestion, "Type `/inc help` to see the commands.");
    assert!(
        err("<@U1> status")
            .message
            .contains("@U1 is not an /inc command")
    );
}

#[test]
fn an_unclosed_quote_is_reported() {
    let e = err("update \"we are on it");
    assert_eq!(e.message, "A quote is not closed.");
}

#[test]
fn the_help_lists_every_verb_without_raw_angle_brackets() {
    let help = help_text();
    for verb in [
        "declare", "status", "severity", "role", "update", "page", "resolve", "followup", "help",
    ] {
        assert!(help.contains(&format!("`/inc {verb}")), "{verb} missing");
    }
    assert!(
        !help.contains('<') && !help.contains('>'),
        "mrkdwn would eat them"
    );
}

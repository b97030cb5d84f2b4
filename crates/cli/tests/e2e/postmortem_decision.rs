//! The postmortem decision's timeline sentence (issue 9, part 9): it names what decided the
//! postmortem, as the tags do.

use crate::e2e_test;
use crate::harness::TestApp;
use crate::postmortem::{pm_path, setup_service};
use reqwest::StatusCode;
use serde_json::json;

/// The sentences of an incident's `postmortem_decision` events, oldest first.
async fn decision_sentences(app: &TestApp, r: &str) -> Vec<String> {
    let (_, _, timeline) = app
        .get(&format!("/api/v1/incidents/{r}/timeline"), &app.admin_token)
        .await;
    timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "postmortem_decision")
        .map(|e| e["body"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Issue 9, part 9: the timeline sentence names what decided the postmortem, like the tags: an
/// exemption only when it made the outcome "not required", a request without the exemption, a
/// waiver with what it overrode kept apart.
async fn the_timeline_sentence_names_what_decided_the_postmortem(app: &TestApp) {
    // Arrange: an earlier resolved incident on checkout, then a similar one of an exempt type.
    setup_service(app).await;
    let first = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout returns errors", "severity": "SEV4", "services": ["checkout"]}),
        )
        .await;
    let f = first["reference"].as_str().unwrap();
    app.transition(&app.admin_token, f, &json!({"to": "resolved"}))
        .await;
    let exempt = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout returns errors again", "severity": "SEV4",
                    "type": "scheduled_work", "services": ["checkout"]}),
        )
        .await;
    let e = exempt["reference"].as_str().unwrap();
    let waived = app
        .declare(
            &app.admin_token,
            &json!({"title": "Queue backlog", "severity": "SEV2"}),
        )
        .await;
    let w = waived["reference"].as_str().unwrap();

    // Act: the exempt repeat resolves, then its commander asks for a postmortem; the SEV2 is
    // waived and resolves.
    app.transition(&app.admin_token, e, &json!({"to": "resolved"}))
        .await;
    let (_, _, exempt_pm) = app.get(&pm_path(e), &app.admin_token).await;
    let (s, _, requested_pm) = app
        .post(
            &format!("{}/request", pm_path(e)),
            &app.admin_token,
            &json!({"reason": "maintenance keeps breaking checkout"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{requested_pm}");
    let (s, _, _) = app
        .post(
            &format!("{}/waive", pm_path(w)),
            &app.admin_token,
            &json!({"reason": "covered by INC-1's review"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.transition(&app.admin_token, w, &json!({"to": "resolved"}))
        .await;
    let (_, _, waived_pm) = app.get(&pm_path(w), &app.admin_token).await;

    // Assert: the exemption decided "not required", and says what it switched off.
    assert_eq!(
        (
            &exempt_pm["decision"]["tags"],
            &exempt_pm["decision"]["overridden"]
        ),
        (&json!(["exempt:scheduled_work"]), &json!(["repeated"])),
        "{exempt_pm}"
    );
    // The request decided "required"; the exemption is not named.
    assert_eq!(requested_pm["decision"]["tags"], json!(["requested"]));
    assert_eq!(requested_pm["decision"]["overridden"], json!([]));
    let sentences = decision_sentences(app, e).await;
    assert_eq!(sentences.len(), 2, "{sentences:?}");
    assert_eq!(
        sentences[0],
        format!(
            "Postmortem not required: type scheduled_work is exempt from the repeated and \
             long-open rules (overrides: repeated, like {f})"
        )
    );
    assert!(
        sentences[1].starts_with("Postmortem required: the commander asked for one. Draft due "),
        "{}",
        sentences[1]
    );
    assert!(!sentences[1].contains("exempt"), "{}", sentences[1]);
    // The waiver decided; the trigger it overrode is kept apart, in the tags and the sentence.
    assert_eq!(
        (
            &waived_pm["decision"]["tags"],
            &waived_pm["decision"]["overridden"]
        ),
        (&json!(["waived"]), &json!(["severity"]))
    );
    assert_eq!(
        decision_sentences(app, w).await,
        [
            "Postmortem not required: waived: covered by INC-1's review \
          (overrides: severity SEV2 at or above SEV2)"
        ]
    );
}
e2e_test!(the_timeline_sentence_names_what_decided_the_postmortem);

/// The reason of a repeat never names a private earlier incident: everyone who may see this
/// incident reads it, and not all of them may see that one.
async fn a_private_earlier_incident_is_not_named_as_the_repeat(app: &TestApp) {
    // Arrange: a private incident on checkout, resolved; then a public one like it.
    setup_service(app).await;
    let first = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout returns errors", "severity": "SEV4",
                    "services": ["checkout"], "private": true}),
        )
        .await;
    let f = first["reference"].as_str().unwrap();
    app.transition(&app.admin_token, f, &json!({"to": "resolved"}))
        .await;
    let repeat = app
        .declare(
            &app.admin_token,
            &json!({"title": "Checkout returns errors again", "severity": "SEV4",
                    "services": ["checkout"]}),
        )
        .await;
    let r = repeat["reference"].as_str().unwrap();

    // Act
    app.transition(&app.admin_token, r, &json!({"to": "resolved"}))
        .await;
    let (_, _, pm) = app.get(&pm_path(r), &app.admin_token).await;

    // Assert: a repeat, said without the private incident's reference.
    assert_eq!(pm["decision"]["tags"], json!(["repeated"]), "{pm}");
    let sentences = decision_sentences(app, r).await;
    assert_eq!(sentences.len(), 1, "{sentences:?}");
    assert!(
        sentences[0]
            .starts_with("Postmortem required: repeated, like an earlier private incident. "),
        "{}",
        sentences[0]
    );
    assert!(!pm.to_string().contains(f), "{pm}");
}
e2e_test!(a_private_earlier_incident_is_not_named_as_the_repeat);

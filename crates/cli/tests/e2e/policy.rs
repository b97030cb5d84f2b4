//! The postmortem policy over the API (issue #3, first part): read, save, and try it out on a
//! described incident against given or stored history, writing nothing.

use crate::e2e_test;
use crate::harness::TestApp;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::json;

async fn the_policy_decides_a_described_incident_with_every_reason(app: &TestApp) {
    // Arrange
    let path = "/api/v1/postmortem-policy/evaluate";
    let sev1 = json!({"severity": "SEV1", "title": "Checkout down", "services": ["checkout"],
                      "declared_at": "2026-11-20T10:00:00Z", "resolved_at": "2026-11-20T11:00:00Z",
                      "past": [{"reference": "INC-12", "title": "Checkout is down", "services": ["checkout"],
                                "resolved_at": "2026-10-21T12:00:00+02:00"}]});
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act
    let (status, _, d) = app.post(path, &app.admin_token, &sev1).await;
    let (waived_status, _, waived) = app
        .post(path, &app.admin_token, &json!({"severity": "SEV2", "title": "x", "declared_at": "2026-11-20T10:00:00Z",
                                               "waiver_reason": "covered by INC-3's review", "past": []}))
        .await;
    let (breach_status, _, breach) = app
        .post(path, &app.admin_token, &json!({"severity": "SEV4", "type": "security_breach", "title": "Leaked key",
                                               "declared_at": "2026-11-20T10:00:00Z", "waiver_reason": "small", "past": []}))
        .await;
    let (forbidden, _, _) = app.post(path, &responder, &sev1).await;
    let (bad, _, problem) = app
        .post(
            path,
            &app.admin_token,
            &json!({"severity": "SEV1", "title": "", "declared_at": "yesterday"}),
        )
        .await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["required"], true);
    assert_eq!(d["tags"], json!(["severity", "repeated"]));
    assert_eq!(
        d["summary"],
        "required: severity SEV1 at or above SEV2; repeated, like INC-12"
    );
    // The waiver decided; the trigger it overrode is kept apart (issue 9, part 9).
    assert_eq!(
        (
            waived_status,
            &waived["required"],
            &waived["tags"],
            &waived["overridden"]
        ),
        (
            StatusCode::OK,
            &json!(false),
            &json!(["waived"]),
            &json!(["severity"])
        )
    );
    assert_eq!(
        (breach_status, &breach["required"], &breach["tags"]),
        (
            StatusCode::OK,
            &json!(true),
            &json!(["type:security_breach"])
        )
    );
    assert_eq!(forbidden, StatusCode::FORBIDDEN, "only admins try policies");
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(fields, ["declared_at", "title"]);
    let (_, _, list) = app.get("/api/v1/incidents", &app.admin_token).await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(0),
        "evaluating writes nothing"
    );
}
e2e_test!(the_policy_decides_a_described_incident_with_every_reason);

async fn without_given_history_the_stored_resolved_incidents_count_as_repeats(app: &TestApp) {
    // Arrange: a resolved incident on a service, recently.
    app.post(
        "/api/v1/services",
        &app.admin_token,
        &json!({"slug": "search", "name": "Search"}),
    )
    .await;
    let first = app.declare(&app.admin_token, &json!({"title": "Search results are slow", "severity": "SEV4", "services": ["search"]})).await;
    let r = first["reference"].as_str().expect("reference");
    app.transition(&app.admin_token, r, &json!({"to": "resolved"}))
        .await;
    let now = debrief_core::format_utc(debrief_core::Timestamp::now());

    // Act
    let ask = |title: &str, service: &str| json!({"severity": "SEV4", "title": title, "services": [service], "declared_at": now});
    let (_, _, similar) = app
        .post(
            "/api/v1/postmortem-policy/evaluate",
            &app.admin_token,
            &ask("Slow search results", "search"),
        )
        .await;
    let (_, _, elsewhere) = app
        .post(
            "/api/v1/postmortem-policy/evaluate",
            &app.admin_token,
            &ask("Slow search results", "checkout"),
        )
        .await;

    // Assert
    assert_eq!(similar["tags"], json!(["repeated"]), "{similar}");
    assert!(
        similar["summary"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("like {r}"))
    );
    assert_eq!(elsewhere["required"], false, "no shared service, no repeat");
}
e2e_test!(without_given_history_the_stored_resolved_incidents_count_as_repeats);

async fn admins_save_a_policy_that_is_checked_first(app: &TestApp) {
    // Arrange
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act
    let (status, _, saved) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/postmortem-policy",
            Some(&app.admin_token),
            Some(&json!({"severity_threshold": "SEV1", "long_open_hours": 48})),
        )
        .await;
    let (_, _, read) = app.get("/api/v1/postmortem-policy", &responder).await;
    let (bad, _, problem) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/postmortem-policy",
            Some(&app.admin_token),
            Some(&json!({"severity_threshold": "SEV9", "repeat_window_days": 0})),
        )
        .await;
    let (forbidden, _, _) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/postmortem-policy",
            Some(&responder),
            Some(&json!({"severity_threshold": "SEV3"})),
        )
        .await;
    let (_, _, d) = app
        .post("/api/v1/postmortem-policy/evaluate", &app.admin_token, &json!({"severity": "SEV2", "title": "x", "declared_at": "2026-11-20T10:00:00Z", "past": []}))
        .await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved["severity_threshold"], "SEV1");
    assert_eq!(read["long_open_hours"], 48);
    assert_eq!(
        read["repeat_window_days"], 30,
        "unsent fields keep their defaults"
    );
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(2),
        "{problem}"
    );
    assert_eq!(forbidden, StatusCode::FORBIDDEN);
    assert_eq!(d["required"], false, "the saved threshold (SEV1) is used");
}
e2e_test!(admins_save_a_policy_that_is_checked_first);

/// Asks the evaluation; the status and the answer.
async fn evaluate(app: &TestApp, body: &serde_json::Value) -> (StatusCode, serde_json::Value) {
    let (s, _, v) = app
        .post("/api/v1/postmortem-policy/evaluate", &app.admin_token, body)
        .await;
    (s, v)
}

/// The fields a 422 names.
fn fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Issue 9, part 9: an unknown or empty severity or type is refused, naming the field, instead
/// of answering "not required" for a typo; a custom type in use is known.
async fn evaluating_an_unknown_severity_or_type_is_refused_naming_the_field(app: &TestApp) {
    // Arrange
    let ask = |severity: &str, ty: Option<&str>| {
        let mut b = json!({"severity": severity, "title": "Checkout down",
                           "declared_at": "2026-11-20T10:00:00Z", "past": []});
        if let Some(t) = ty {
            b["type"] = json!(t);
        }
        b
    };

    // Act
    let sev9 = evaluate(app, &ask("SEV9", None)).await;
    let empty = evaluate(app, &ask("", None)).await;
    let blank = evaluate(app, &ask("  ", None)).await;
    let made_up = evaluate(app, &ask("SEV1", Some("made_up_type"))).await;
    let no_type = evaluate(app, &ask("SEV1", Some(""))).await;
    let both = evaluate(app, &ask("SEV9", Some("made_up_type"))).await;
    let known = evaluate(app, &ask("sev4", Some("scheduled_work"))).await;
    // A type of the catalogue (issue 14), used by an incident.
    let (made, _, t) = app
        .post(
            "/api/v1/incident-types",
            &app.admin_token,
            &json!({"slug": "batch_delay", "name": "Batch delay"}),
        )
        .await;
    assert!(made.is_success(), "{t}");
    app.declare(
        &app.admin_token,
        &json!({"title": "Batch job late", "severity": "SEV4", "type": "batch_delay"}),
    )
    .await;
    let in_use = evaluate(app, &ask("SEV4", Some("batch_delay"))).await;
    let named_by_policy = evaluate(
        app,
        &json!({"severity": "SEV4", "type": "vendor_outage", "title": "x", "declared_at": "2026-11-20T10:00:00Z",
                "past": [], "policy": {"always_types": ["vendor_outage"]}}),
    )
    .await;

    // Assert
    // Blank is malformed (422); a well-formed name nothing configures is missing (404).
    for (what, (status, problem), field, expected) in [
        ("SEV9", &sev9, "severity", StatusCode::NOT_FOUND),
        (
            "empty severity",
            &empty,
            "severity",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "blank severity",
            &blank,
            "severity",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("made-up type", &made_up, "type", StatusCode::NOT_FOUND),
        (
            "empty type",
            &no_type,
            "type",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        assert_eq!(*status, expected, "{what}: {problem}");
        assert_eq!(fields(problem), [field], "{what}: {problem}");
    }
    assert!(
        sev9.1["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("unknown severity 'SEV9'"),
        "{}",
        sev9.1
    );
    assert_eq!(fields(&both.1), ["severity", "type"], "{}", both.1);
    assert_eq!(
        (known.0, &known.1["required"]),
        (StatusCode::OK, &json!(false))
    );
    assert_eq!(
        in_use.0,
        StatusCode::OK,
        "a type in use is known: {}",
        in_use.1
    );
    assert_eq!(
        (named_by_policy.0, &named_by_policy.1["tags"]),
        (StatusCode::OK, &json!(["type:vendor_outage"])),
        "{}",
        named_by_policy.1
    );
}
e2e_test!(evaluating_an_unknown_severity_or_type_is_refused_naming_the_field);

/// Issue 9, part 9: the tags name what decided the outcome, and what it overrode is kept apart.
async fn the_decision_names_what_decided_it_and_keeps_what_it_overrode_apart(app: &TestApp) {
    // Arrange: a SEV1 repeat of INC-12, open two days; a scheduled-work repeat, open two days.
    let base = json!({"title": "Checkout down", "services": ["checkout"],
                      "declared_at": "2026-11-20T10:00:00Z", "resolved_at": "2026-11-22T10:00:00Z",
                      "past": [{"reference": "INC-12", "title": "Checkout is down", "services": ["checkout"],
                                "resolved_at": "2026-11-01T10:00:00Z"}]});
    let with = |extra: serde_json::Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().expect("an object") {
            b[k] = v.clone();
        }
        b
    };

    // Act
    let (_, waived) = evaluate(
        app,
        &with(json!({"severity": "SEV1", "waiver_reason": "covered by INC-12's review"})),
    )
    .await;
    let (_, exempt) = evaluate(
        app,
        &with(json!({"severity": "SEV4", "type": "scheduled_work"})),
    )
    .await;
    let (_, requested) = evaluate(
        app,
        &with(json!({"severity": "SEV4", "type": "scheduled_work", "requested": true})),
    )
    .await;
    // A policy whose threshold reaches SEV3 while exemptions still hold below SEV2: the
    // severity fires on an exempt type.
    let (_, requested_and_severity) = evaluate(
        app,
        &with(
            json!({"severity": "SEV3", "type": "scheduled_work", "requested": true,
                     "policy": {"severity_threshold": "SEV3"}}),
        ),
    )
    .await;

    // Assert: a valid waiver is tagged "waived" alone; the triggers it overrode are listed apart.
    assert_eq!(waived["required"], false, "{waived}");
    assert_eq!(waived["tags"], json!(["waived"]));
    assert_eq!(
        waived["overridden"],
        json!(["severity", "repeated", "long_open"])
    );
    assert_eq!(
        waived["summary"],
        "not required: waived: covered by INC-12's review (overrides: severity SEV1 at or above \
         SEV2; repeated, like INC-12; open longer than 24 hours)"
    );
    // An exemption that switched triggers off and made it "not required" is named.
    assert_eq!(exempt["required"], false, "{exempt}");
    assert_eq!(exempt["tags"], json!(["exempt:scheduled_work"]));
    assert_eq!(exempt["overridden"], json!(["repeated", "long_open"]));
    // A commander's request for an exempt type: "requested" first, no exemption tag.
    for d in [&requested, &requested_and_severity] {
        assert_eq!(d["required"], true, "{d}");
        let tags: Vec<&str> = d["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        assert_eq!(tags.first(), Some(&"requested"), "{d}");
        assert!(!tags.iter().any(|t| t.starts_with("exempt:")), "{d}");
        assert!(
            !d["summary"].as_str().unwrap_or("").contains("exempt"),
            "{d}"
        );
    }
    assert_eq!(requested["tags"], json!(["requested"]));
    assert_eq!(
        requested_and_severity["tags"],
        json!(["requested", "severity"])
    );
    assert_eq!(
        requested_and_severity["summary"],
        "required: the commander asked for one; severity SEV3 at or above SEV3"
    );
}
e2e_test!(the_decision_names_what_decided_it_and_keeps_what_it_overrode_apart);

//! Private incidents are visible only to their participants and admins, everywhere: lists,
//! filters and search, details, counts, timelines, metrics, participants and live streams.

use crate::harness::{Raw, TestApp, expect_problem};
use crate::sse::{EventStream, wait_until_live};
use debrief_core::access::AccountRole;
use reqwest::Method;
use serde_json::{Value, json};

fn refs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["reference"].as_str().expect("ref").to_string())
        .collect()
}

/// Outsiders (a responder and a viewer who take no part) never see a private incident; a viewer
/// who was added as participant, the participants and admins do.
async fn a_private_incident_is_invisible_to_outsiders_everywhere(app: &TestApp) {
    // Arrange: a private and a public incident on the same service, one note on the private one,
    // and a viewer added to it as participant.
    let admin = app.admin_token.clone();
    app.post(
        "/api/v1/services",
        &admin,
        &json!({"slug": "auth", "name": "Auth"}),
    )
    .await;
    let (_, owner) = app.create_user(AccountRole::Responder).await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let (member, member_token) = app.create_user(AccountRole::Viewer).await;
    let secret = app
        .declare(
            &owner,
            &json!({"title": "Credential leak in auth logs", "summary": "tokens were logged",
                                  "severity": "SEV1", "services": ["auth"], "private": true}),
        )
        .await;
    let public = app
        .declare(
            &owner,
            &json!({"title": "Slow login page", "severity": "SEV3", "services": ["auth"]}),
        )
        .await;
    let (p, q) = (
        secret["reference"].as_str().expect("ref").to_string(),
        public["reference"].as_str().expect("ref").to_string(),
    );
    let note = app
        .add_event(
            &owner,
            &p,
            &json!({"kind": "note", "body": "found tokens in the auth logs"}),
        )
        .await;
    let (status, _, added) = app
        .post(
            &format!("/api/v1/incidents/{p}/participants"),
            &owner,
            &json!({"email": member.email}),
        )
        .await;
    assert_eq!(status, 200, "{added}");
    wait_until_live(app, &q).await;

    // Act and assert: lists, with and without filters and search.
    for outsider in [&responder, &viewer] {
        let (_, _, page) = app.get("/api/v1/incidents", outsider).await;
        assert_eq!(refs(&page), [q.as_str()]);
        for query in [
            "status=triage",
            "severity=SEV1",
            "service=auth",
            "q=credential",
            "q=LEAK",
            "q=tokens",
            "private=true",
            "limit=1",
        ] {
            let (status, _, page) = app
                .get(&format!("/api/v1/incidents?{query}"), outsider)
                .await;
            assert_eq!(status, 200);
            assert!(
                !refs(&page).contains(&p),
                "{query} showed the private incident: {page}"
            );
        }
        let (_, _, stats) = app.get("/api/v1/incidents/stats", outsider).await;
        assert_eq!(stats["total"], 1, "{stats}");
        for query in ["private=true", "q=credential", "severity=SEV1"] {
            let (_, _, stats) = app
                .get(&format!("/api/v1/incidents/stats?{query}"), outsider)
                .await;
            assert_eq!(stats["total"], 0, "{query}: {stats}");
        }
    }

    // Act and assert: everything addressed to it is not found, and says no more than for an
    // incident that does not exist.
    let (_, _, missing) = app.get("/api/v1/incidents/INC-999", &viewer).await;
    for outsider in [&responder, &viewer] {
        for sub in [
            "",
            "/timeline",
            &format!("/timeline/{}", note["id"]),
            &format!("/timeline/{}/revisions", note["id"]),
            "/metrics",
            "/timestamps",
            "/participants",
            "/stream",
        ] {
            let path = format!("/api/v1/incidents/{p}{sub}");
            let problem = expect_problem(
                app,
                &path,
                Raw::new(Method::GET, &path).token(outsider),
                404,
                &[],
            )
            .await;
            if sub.is_empty() {
                assert_eq!(
                    problem["detail"].as_str().map(|d| d.replace(&p, "INC-?")),
                    missing["detail"]
                        .as_str()
                        .map(|d| d.replace("INC-999", "INC-?"))
                );
            }
        }
    }
    let writes = [
        (
            Method::POST,
            format!("/api/v1/incidents/{p}/timeline"),
            json!({"kind": "note", "body": "x"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/incidents/{p}"),
            json!({"title": "x"}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{p}/transitions"),
            json!({"to": "investigating"}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{p}/roles"),
            json!({"role": "scribe", "email": app.admin_email}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{p}/participants"),
            json!({"email": app.admin_email}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/incidents/{p}/timestamps"),
            json!({"detected_at": null, "reason": "x"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/incidents/{p}/timeline/{}", note["id"]),
            json!({"body": "x"}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{p}/merge"),
            json!({"into": q}),
        ),
    ];
    for (method, path, body) in writes {
        let body = body.to_string();
        expect_problem(
            app,
            &path,
            Raw::new(method, &path).token(&responder).json(&body),
            404,
            &[],
        )
        .await;
    }
    let star = format!("/api/v1/incidents/{p}/timeline/{}/star", note["id"]);
    expect_problem(
        app,
        "starring",
        Raw::new(Method::PUT, &star).token(&responder),
        404,
        &[],
    )
    .await;
    let into = json!({"into": p}).to_string();
    let merge = format!("/api/v1/incidents/{q}/merge");
    expect_problem(
        app,
        "merging into it",
        Raw::new(Method::POST, &merge).token(&responder).json(&into),
        404,
        &["into"],
    )
    .await;

    // Act: live streams for outsiders, the added viewer and the admin; then the owner writes to
    // the private incident (a note and a star), and after that to the public one.
    let mut outsiders = [
        EventStream::open(app, "/api/v1/stream", &responder).await,
        EventStream::open(app, "/api/v1/stream", &viewer).await,
    ];
    let mut insiders = [
        EventStream::open(app, "/api/v1/stream", &member_token).await,
        EventStream::open(app, "/api/v1/stream", &admin).await,
        EventStream::open(app, &format!("/api/v1/incidents/{p}/stream"), &member_token).await,
    ];
    let private_event = app
        .add_event(
            &owner,
            &p,
            &json!({"kind": "note", "body": "rotated the leaked keys"}),
        )
        .await;
    let (status, _, _) = app.put(&star, &owner).await;
    assert_eq!(status, 200);
    for s in &mut insiders {
        s.expect_event(&private_event["id"]).await;
        assert!(
            s.wait_for(std::time::Duration::from_secs(10), |m| m.data["id"]
                == note["id"]
                && m.data["starred"] == true)
                .await
        );
    }
    // Every stream gets the hub's messages in one order: the private ones, which the insiders
    // have now received, come before this public one in every stream.
    let public_event = app
        .add_event(
            &owner,
            &q,
            &json!({"kind": "note", "body": "login p99 back to normal"}),
        )
        .await;

    // Assert: outsiders get the public event and nothing of the private incident; insiders get
    // both (the incident's own stream only its own).
    for s in &mut outsiders {
        s.expect_event(&public_event["id"]).await;
        assert!(
            s.timeline().iter().all(|e| e["incident"] == q.as_str()),
            "a private event leaked: {:?}",
            s.messages
        );
    }
    for s in &mut insiders[..2] {
        s.expect_event(&public_event["id"]).await;
    }
    assert!(
        insiders[2]
            .timeline()
            .iter()
            .all(|e| e["incident"] == p.as_str())
    );

    // Assert: the added viewer, the owner and the admin see it everywhere.
    for insider in [&member_token, &owner, &admin] {
        let (_, _, page) = app.get("/api/v1/incidents?q=credential", insider).await;
        assert_eq!(refs(&page), [p.as_str()]);
        let (_, _, stats) = app.get("/api/v1/incidents/stats", insider).await;
        assert_eq!(stats["total"], 2);
        for sub in ["", "/timeline", "/metrics", "/timestamps", "/participants"] {
            let (status, _, body) = app
                .get(&format!("/api/v1/incidents/{p}{sub}"), insider)
                .await;
            assert_eq!(status, 200, "{sub}: {body}");
        }
    }
    let (_, _, people) = app
        .get(&format!("/api/v1/incidents/{p}/participants"), &admin)
        .await;
    let emails: Vec<&str> = people["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].as_str().expect("email"))
        .collect();
    assert!(
        emails.contains(&member.email.as_str()) && emails.len() == 2,
        "{people}"
    );

    // Act and assert: a public incident made private disappears for outsiders.
    let (status, _, _) = app
        .patch(
            &format!("/api/v1/incidents/{q}"),
            &admin,
            &json!({"private": true}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, _, page) = app.get("/api/v1/incidents", &viewer).await;
    assert_eq!(refs(&page), Vec::<String>::new());
    assert_eq!(
        app.get(&format!("/api/v1/incidents/{q}"), &viewer).await.0,
        404
    );
}

crate::e2e_test!(a_private_incident_is_invisible_to_outsiders_everywhere);

/// A merge between a public and a private incident records itself on both timelines without
/// putting the private incident's title where outsiders can read it.
async fn a_merge_does_not_show_a_private_title_on_a_public_timeline(app: &TestApp) {
    // Arrange: two private and two public incidents, and an outsider.
    let (_, owner) = app.create_user(AccountRole::Responder).await;
    let (_, outsider) = app.create_user(AccountRole::Viewer).await;
    let reference = |i: Value| i["reference"].as_str().expect("ref").to_string();
    let secret_survivor = reference(
        app.declare(
            &owner,
            &json!({"title": "Leaked signing key", "private": true}),
        )
        .await,
    );
    let public_duplicate = reference(
        app.declare(&owner, &json!({"title": "Logins failing"}))
            .await,
    );
    let secret_duplicate = reference(
        app.declare(
            &owner,
            &json!({"title": "Forged tokens seen", "private": true}),
        )
        .await,
    );
    let public_survivor = reference(app.declare(&owner, &json!({"title": "Auth errors"})).await);

    // Act: merge the public duplicate into the private survivor, and the private duplicate
    // into the public survivor.
    for (duplicate, survivor) in [
        (&public_duplicate, &secret_survivor),
        (&secret_duplicate, &public_survivor),
    ] {
        let path = format!("/api/v1/incidents/{duplicate}/merge");
        let (status, _, merged) = app.post(&path, &owner, &json!({"into": survivor})).await;
        assert_eq!(status, 200, "{merged}");
    }

    // Assert: the outsider reads both public timelines, each with its merge event, and neither
    // private title is anywhere in them; insiders still see the merge on the private ones.
    for public in [&public_duplicate, &public_survivor] {
        let (status, _, timeline) = app
            .get(&format!("/api/v1/incidents/{public}/timeline"), &outsider)
            .await;
        assert_eq!(status, 200);
        let text = timeline.to_string();
        assert!(text.contains("\"kind\":\"merge\""), "{text}");
        for title in ["Leaked signing key", "Forged tokens seen"] {
            assert!(!text.contains(title), "{public} shows '{title}': {text}");
        }
    }
    let (_, _, incident) = app
        .get(&format!("/api/v1/incidents/{public_duplicate}"), &outsider)
        .await;
    assert_eq!(incident["merged_into"], secret_survivor.as_str());
    assert_eq!(
        app.get(&format!("/api/v1/incidents/{secret_survivor}"), &outsider)
            .await
            .0,
        404
    );
    let (_, _, timeline) = app
        .get(
            &format!("/api/v1/incidents/{secret_survivor}/timeline"),
            &owner,
        )
        .await;
    let merge = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["kind"] == "merge")
        .expect("a merge event")
        .clone();
    assert!(
        merge["body"]
            .as_str()
            .is_some_and(|b| b.contains("Logins failing")),
        "a public title may be shown: {merge}"
    );
}

crate::e2e_test!(a_merge_does_not_show_a_private_title_on_a_public_timeline);

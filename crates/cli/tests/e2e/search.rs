//! Full-text search (issue 15): every kind found, ranked (a title above a deep timeline
//! mention), snippets highlighted as ranges over plain text and escaped on the page, private
//! incidents never found nor counted by outsiders, edits re-indexed, odd input answered, and
//! the header's search box in the browser.

use crate::browser::Browser;
use crate::e2e_test;
use crate::harness::TestApp;
use crate::ui::{sign_in, text_of, user_with_password};
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `GET /api/v1/search?{query}` as `token`, answered 200.
async fn search(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, _, body) = app.get(&format!("/api/v1/search?{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// `(kind, reference)` of each result, in order.
fn found(body: &Value) -> Vec<(String, String)> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().expect("kind").to_string(),
                r["incident"]["reference"]
                    .as_str()
                    .expect("reference")
                    .to_string(),
            )
        })
        .collect()
}

/// The highlighted words of a result's snippet, read through its character ranges.
fn highlighted(result: &Value) -> Vec<String> {
    let chars: Vec<char> = result["snippet"]["text"]
        .as_str()
        .expect("text")
        .chars()
        .collect();
    result["snippet"]["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|h| {
            let (a, b) = (h[0].as_u64().expect("start"), h[1].as_u64().expect("end"));
            chars
                .get(a as usize..b as usize)
                .expect("a range inside the text")
                .iter()
                .collect::<String>()
                .to_lowercase()
        })
        .collect()
}

/// A page as `user` sees it in a browser (a session cookie, no browser needed).
async fn html(app: &TestApp, user: &debrief_store::account::User, path: &str) -> String {
    let secret = debrief_server::actions::account::start_session(&app.state, user, None)
        .await
        .expect("a session");
    let res = app
        .client
        .get(app.url(path))
        .header("cookie", format!("debrief_session={secret}"))
        .send()
        .await
        .expect("the page");
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.expect("HTML")
}

/// `q=…`, encoded.
fn q_param(q: &str) -> String {
    let mut url = reqwest::Url::parse("http://localhost/").expect("a URL");
    url.query_pairs_mut().append_pair("q", q);
    url.query().unwrap_or_default().to_string()
}

fn reference(incident: &Value) -> String {
    incident["reference"].as_str().expect("ref").to_string()
}

async fn every_kind_is_found_ranked_and_highlighted(app: &TestApp) {
    // Arrange: an incident named for the word, another that mentions it deep in its timeline,
    // a postmortem and an action item that mention other words.
    let admin = app.admin_token.clone();
    let title_hit = app
        .declare(
            &admin,
            &json!({"title": "Replication lag on the orders database", "severity": "SEV1",
                    "summary": "Replicas <b>fell</b> behind & reads went stale"}),
        )
        .await;
    let deep = app
        .declare(
            &admin,
            &json!({"title": "Checkout slow", "severity": "SEV3",
                    "summary": "Card payments take ten seconds"}),
        )
        .await;
    let (t, d) = (reference(&title_hit), reference(&deep));
    for i in 0..6 {
        app.add_event(
            &admin,
            &d,
            &json!({"kind": "note", "body": format!("step {i}: looked at the load balancer and the caches")}),
        )
        .await;
    }
    let note = app
        .add_event(
            &admin,
            &d,
            &json!({"kind": "note", "body": "Much later someone noticed the replication of the session store was paused, which had nothing to do with the outage in the end"}),
        )
        .await;
    app.transition(&admin, &t, &json!({"to": "resolved"})).await;
    let (s, _, pm) = app
        .patch(
            &format!("/api/v1/incidents/{t}/postmortem"),
            &admin,
            &json!({"sections": {"what_happened": "A vacuum freeze stalled the walsender <script>alert(1)</script>"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    let (s, _, item) = app
        .post(
            &format!("/api/v1/incidents/{t}/action-items"),
            &admin,
            &json!({"title": "Alert on walsender stalls", "description": "Page the database team when the vacuum freeze blocks replication",
                    "priority": "high"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{item}");

    // Act
    let replication = search(app, &admin, "q=replication").await;
    let walsender = search(app, &admin, "q=walsender").await;
    let prefix = search(app, &admin, "q=walsen").await;
    let two = search(app, &admin, "q=vacuum%20freeze&kind=postmortem").await;
    let items = search(app, &admin, "q=vacuum&kind=action_item,incident").await;
    let timeline = search(app, &admin, "q=session%20store&kind=timeline").await;

    // Assert: the title hit first, the deep timeline mention after it; highlights are the
    // matched words (stemmed: "replicas" and "replication" alike).
    let order = found(&replication);
    assert_eq!(
        order.first(),
        Some(&("incident".to_string(), t.clone())),
        "{replication}"
    );
    assert!(
        order.contains(&("timeline".to_string(), d.clone())),
        "{replication}"
    );
    assert_eq!(replication["total"], order.len(), "{replication}");
    let first = &replication["results"][0];
    assert_eq!(
        first["incident"]["title"],
        "Replication lag on the orders database"
    );
    assert_eq!(first["url"], format!("/incidents/{t}"));
    assert!(
        highlighted(first).iter().all(|w| w.starts_with("replica")),
        "{first}"
    );
    assert!(!highlighted(first).is_empty(), "{first}");
    let mut kinds = found(&walsender);
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("action_item".to_string(), t.clone()),
            ("postmortem".to_string(), t.clone())
        ],
        "{walsender}"
    );
    assert_eq!(walsender["total"], 2, "{walsender}");
    assert_eq!(prefix["total"], 2, "a prefix finds the word: {prefix}");
    assert_eq!(
        found(&two),
        [("postmortem".to_string(), t.clone())],
        "{two}"
    );
    assert_eq!(
        two["results"][0]["url"],
        format!("/incidents/{t}/postmortem")
    );
    assert!(
        !two["results"][0]["snippet"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains('\u{E000}'),
        "no marks left in the text: {two}"
    );
    assert_eq!(
        found(&items),
        [("action_item".to_string(), t.clone())],
        "{items}"
    );
    assert_eq!(items["results"][0]["id"], item["id"], "{items}");
    assert_eq!(
        found(&timeline),
        [("timeline".to_string(), d.clone())],
        "{timeline}"
    );
    assert_eq!(timeline["results"][0]["id"], note["id"], "{timeline}");
    assert_eq!(
        highlighted(&timeline["results"][0]),
        ["session", "store"],
        "{timeline}"
    );

    // The answers are what the OpenAPI document says, a 400 included.
    let doc = crate::openapi::document(app).await;
    for query in ["q=replication", "q=walsender&kind=postmortem", "q=%22"] {
        let answer = app.get(&format!("/api/v1/search?{query}"), &admin).await;
        crate::openapi::conforms(&doc, "get", "/api/v1/search", &answer);
    }

    // The page: marks around the matches, stored markup escaped (or dropped), paging links.
    let page = html(app, &app.admin, "/search?q=replicas").await;
    assert!(page.contains("<mark>"), "{page}");
    assert!(!page.contains("<b>fell</b>"), "{page}");
    let page = html(app, &app.admin, "/search?q=walsender").await;
    assert!(!page.contains("<script>alert(1)"), "{page}");
    let page = html(app, &app.admin, "/search?q=caches&limit=2").await;
    assert!(page.contains("id=\"search-next\""), "{page}");
}
e2e_test!(every_kind_is_found_ranked_and_highlighted);

async fn a_private_incident_is_never_found_nor_counted_by_outsiders(app: &TestApp) {
    // Arrange: a private incident (title, note, action item) and a public one sharing a word.
    let (_, owner) = app.create_user(AccountRole::Responder).await;
    let (outsider_user, outsider) = app.create_user(AccountRole::Responder).await;
    let (viewer_user, viewer) = app.create_user(AccountRole::Viewer).await;
    let secret = app
        .declare(
            &owner,
            &json!({"title": "Credential leak in the zephyr logs", "severity": "SEV2", "private": true}),
        )
        .await;
    let public = app
        .declare(
            &owner,
            &json!({"title": "Zephyr dashboard slow", "severity": "SEV3"}),
        )
        .await;
    let (p, q) = (reference(&secret), reference(&public));
    app.add_event(
        &owner,
        &p,
        &json!({"kind": "note", "body": "rotated the zephyr signing keys"}),
    )
    .await;
    let (s, _, item) = app
        .post(
            &format!("/api/v1/incidents/{p}/action-items"),
            &owner,
            &json!({"title": "Scrub zephyr credentials from logs", "priority": "high"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{item}");

    // Act and assert: outsiders see the public incident alone, in results and in the count.
    for (user, token) in [(&outsider_user, &outsider), (&viewer_user, &viewer)] {
        for (query, total) in [
            ("q=zephyr", 1),
            ("q=credential", 0),
            ("q=zeph", 1),
            ("q=zephyr&kind=timeline,action_item", 0),
            ("q=zephyr&offset=5", 1),
        ] {
            let body = search(app, token, query).await;
            assert!(
                found(&body).iter().all(|(_, r)| r != &p),
                "{query} showed the private incident: {body}"
            );
            assert_eq!(body["total"], total, "{query}: {body}");
        }
        let page = html(app, user, "/search?q=credential").await;
        assert!(!page.contains("Credential leak"), "{page}");
    }
    // The participant and an admin find all of it.
    for token in [&owner, &app.admin_token] {
        let body = search(app, token, "q=zephyr").await;
        assert_eq!(body["total"], 4, "{body}");
        assert!(found(&body).contains(&("incident".to_string(), q.clone())));
        let private: Vec<&Value> = body["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["incident"]["reference"] == p.as_str())
            .collect();
        assert_eq!(private.len(), 3, "{body}");
        assert!(private.iter().all(|r| r["incident"]["private"] == true));
    }
}
e2e_test!(a_private_incident_is_never_found_nor_counted_by_outsiders);

async fn an_incident_made_private_leaves_outsiders_results_at_once(app: &TestApp) {
    // Arrange: a public incident with a note and an action item, found by an outsider.
    let (_, owner) = app.create_user(AccountRole::Responder).await;
    let (_, outsider) = app.create_user(AccountRole::Responder).await;
    let inc = app
        .declare(
            &owner,
            &json!({"title": "Quokka queue stalled", "severity": "SEV2"}),
        )
        .await;
    let r = reference(&inc);
    app.add_event(
        &owner,
        &r,
        &json!({"kind": "note", "body": "drained the quokka workers"}),
    )
    .await;
    let (s, _, item) = app
        .post(
            &format!("/api/v1/incidents/{r}/action-items"),
            &owner,
            &json!({"title": "Alert on quokka backlog", "priority": "high"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{item}");
    assert_eq!(search(app, &outsider, "q=quokka").await["total"], 3);

    // Act and assert: made private, none of it is found or counted by the outsider, while the
    // owner (a participant) still finds all three; made public again, it is back.
    for (private, outsiders) in [(true, 0), (false, 3)] {
        let (s, _, body) = app
            .patch(
                &format!("/api/v1/incidents/{r}"),
                &app.admin_token,
                &json!({"private": private}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let body = search(app, &outsider, "q=quokka").await;
        assert_eq!(body["total"], outsiders, "private {private}: {body}");
        assert_eq!(found(&body).len(), outsiders, "private {private}: {body}");
        let body = search(app, &owner, "q=quokka").await;
        assert_eq!(body["total"], 3, "private {private}: {body}");
    }
}
e2e_test!(an_incident_made_private_leaves_outsiders_results_at_once);

async fn more_matches_than_are_ranked_are_counted_as_more(app: &TestApp) {
    // Arrange: an incident with 1,000 notes naming the wombat (its title names it too): 1,001
    // matches, one more than are ranked and counted.
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Wombat feeder offline", "severity": "SEV3"}),
        )
        .await;
    let r = reference(&inc);
    for chunk in (0..1000).collect::<Vec<u32>>().chunks(25) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|i| {
                let req = app
                    .client
                    .post(app.url(&format!("/api/v1/incidents/{r}/timeline")))
                    .bearer_auth(&app.admin_token)
                    .json(&json!({"kind": "note", "body": format!("wombat sighting {i}")}));
                tokio::spawn(async move { req.send().await.expect("the server answers").status() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.expect("the task finishes"), StatusCode::CREATED);
        }
    }
    app.add_event(
        &app.admin_token,
        &r,
        &json!({"kind": "note", "body": "a numbat, not a wombat"}),
    )
    .await;

    // Act
    let common = search(app, &app.admin_token, "q=wombat&limit=100").await;
    let rare = search(app, &app.admin_token, "q=numbat").await;
    let past_the_last = search(app, &app.admin_token, "q=wombat&offset=5000").await;

    // Assert: the common word says "more than 1,000" and shows a full page; the rare one, and
    // the common one in titles alone, are counted exactly.
    assert_eq!(common["capped"], true, "{common}");
    assert_eq!(common["total"], 1000, "{common}");
    assert_eq!(found(&common).len(), 100);
    // Only the newest 1,001 are ranked: the notes, not the incident's own (older) title.
    assert!(
        found(&common).iter().all(|(kind, _)| kind == "timeline"),
        "{common}"
    );
    let titles = search(app, &app.admin_token, "q=wombat&kind=incident").await;
    assert_eq!(
        (&titles["total"], &titles["capped"]),
        (&json!(1), &json!(false))
    );
    assert_eq!(rare["capped"], false, "{rare}");
    assert_eq!(rare["total"], 1, "{rare}");
    assert_eq!(past_the_last["capped"], true, "{past_the_last}");
    assert_eq!(past_the_last["total"], 1000, "{past_the_last}");
    assert!(found(&past_the_last).is_empty());
    let page = html(app, &app.admin, "/search?q=wombat").await;
    assert!(page.contains("More than 1000 results"), "{page}");
}
e2e_test!(more_matches_than_are_ranked_are_counted_as_more);

async fn edits_are_reindexed_at_once(app: &TestApp) {
    // Arrange
    let admin = app.admin_token.clone();
    let inc = app
        .declare(
            &admin,
            &json!({"title": "Kafka broker down", "severity": "SEV2"}),
        )
        .await;
    let r = reference(&inc);
    let note = app
        .add_event(
            &admin,
            &r,
            &json!({"kind": "note", "body": "restarted the zookeeper ensemble"}),
        )
        .await;
    assert_eq!(search(app, &admin, "q=kafka").await["total"], 1);

    // Act: change the title, edit the note.
    let (s, _, body) = app
        .patch(
            &format!("/api/v1/incidents/{r}"),
            &admin,
            &json!({"title": "Message queue outage"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, _, body) = app
        .patch(
            &format!("/api/v1/incidents/{r}/timeline/{}", note["id"]),
            &admin,
            &json!({"body": "restarted the etcd cluster"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // Assert: the old words are gone, the new ones found, each once.
    assert_eq!(search(app, &admin, "q=kafka").await["total"], 0);
    assert_eq!(search(app, &admin, "q=zookeeper").await["total"], 0);
    let queue = search(app, &admin, "q=message%20queue").await;
    assert_eq!(
        found(&queue),
        [("incident".to_string(), r.clone())],
        "{queue}"
    );
    let etcd = search(app, &admin, "q=etcd").await;
    assert_eq!(
        found(&etcd),
        [("timeline".to_string(), r.clone())],
        "{etcd}"
    );
}
e2e_test!(edits_are_reindexed_at_once);

async fn odd_input_is_answered_never_a_500(app: &TestApp) {
    // Arrange
    let admin = app.admin_token.clone();
    app.declare(
        &admin,
        &json!({"title": "NEAR miss: \"quoted\" disk-full on db-1 (Ünïcode café)", "severity": "SEV3"}),
    )
    .await;
    let long = "a".repeat(1000);
    let words = "disk ".repeat(200);

    // Act and assert: any text is results or none.
    for q in [
        "\"disk",
        "disk*",
        "NEAR(disk full)",
        "disk NEAR full",
        "-disk",
        "disk -full",
        "db-1",
        "cafe",
        "CAFÉ",
        "ünï",
        "AND",
        "OR disk",
        "disk OR",
        "x:y",
        "title:disk",
        "^disk",
        "{disk}",
        "'; DROP TABLE incidents; --",
        "東京",
        "🔥 disk",
        long.as_str(),
        words.as_str(),
    ] {
        let query = q_param(q);
        let (status, _, body) = app.get(&format!("/api/v1/search?{query}"), &admin).await;
        assert_eq!(status, StatusCode::OK, "{q:?}: {body}");
        assert!(body["total"].is_number(), "{q:?}: {body}");
    }
    for q in ["disk-full", "db", "café", "quoted", "near miss"] {
        let query = q_param(q);
        assert_eq!(search(app, &admin, &query).await["total"], 1, "{q}");
    }

    // Text without a word in it is a search that finds nothing.
    for query in ["q=%20%22*-%22", "q=%22", "q=*", "q=%25_%5C"] {
        let (status, _, body) = app.get(&format!("/api/v1/search?{query}"), &admin).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(body["total"], 0, "{query}: {body}");
    }
    let too_long = format!("q={}", "0".repeat(4001));

    // Nothing to search for, or a bad parameter: a 400 naming it.
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=disk&kind=people", "kind"),
        ("q=disk&limit=0", "limit"),
        ("q=disk&limit=many", "limit"),
        ("q=disk&offset=-3", "offset"),
        ("q=%00", "query string"),
        (too_long.as_str(), "q"),
    ] {
        let (status, _, body) = app.get(&format!("/api/v1/search?{query}"), &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(
            body["detail"].as_str().unwrap_or_default().contains(field),
            "{query}: {body}"
        );
    }
    let (status, _, _) = app.get("/api/v1/search?q=disk", "not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
e2e_test!(odd_input_is_answered_never_a_500);

async fn the_header_box_finds_and_highlights(app: &TestApp) {
    // Arrange
    user_with_password(app, "dana@example.com", "Dana", "responder").await;
    let inc = app
        .declare(
            &app.admin_token,
            &json!({"title": "Certificate expired on the edge proxy", "severity": "SEV2"}),
        )
        .await;
    let r = reference(&inc);
    let b = Browser::start().await;
    sign_in(&b, app, "dana@example.com", "/").await;

    // Act: type into the header's box and press Enter.
    let input = b.wait_for("#header-q").await;
    input
        .send_keys(&format!("certificate proxy{}", fantoccini::key::Key::Enter))
        .await
        .expect("type");
    let mark = text_of(&b, "#search-results mark").await;

    // Assert
    assert_eq!(b.path().await, "/search");
    assert_eq!(mark.to_lowercase(), "certificate");
    let total = text_of(&b, "#search-total").await;
    assert!(total.starts_with("1 result"), "{total}");
    let link = text_of(&b, "#search-results a").await;
    assert_eq!(link, format!("{r}: Certificate expired on the edge proxy"));
    b.screenshot(&format!("search-{:?}", app.backend)).await;
    b.close().await;
}
e2e_test!(the_header_box_finds_and_highlights);

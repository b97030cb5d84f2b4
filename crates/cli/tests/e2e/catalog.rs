//! The catalogue over the API: incident types (declaring with an unknown or archived type is a
//! 422 naming `type`), teams with members, services with owner team, escalation policy and
//! status page components; deleting what is used is a 409 saying how much uses it; viewers
//! read but do not change.

use crate::e2e_test;
use crate::harness::TestApp;
use crate::harness::assert_problem;
use debrief_core::access::AccountRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn incident_types_are_a_table_and_declarations_must_use_a_live_one(app: &TestApp) {
    // Arrange
    let t = &app.admin_token;
    let (_, viewer) = app.create_user(AccountRole::Viewer).await;
    let (_, responder) = app.create_user(AccountRole::Responder).await;

    // Act + Assert: `default` is seeded with a human name, and everyone signed in reads.
    let (s, _, list) = app.get("/api/v1/incident-types", &viewer).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let default = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["slug"] == "default")
        .cloned()
        .expect("default is seeded");
    assert_eq!(default["name"], "Default");
    assert_eq!(default["archived"], false);

    // Only admins add types; a bad slug names the field.
    let body = json!({"slug": "security_breach_2", "name": "Security breach (customer data)"});
    let answer = app.post("/api/v1/incident-types", &viewer, &body).await;
    assert_eq!(answer.0, StatusCode::FORBIDDEN, "{}", answer.2);
    let answer = app
        .post(
            "/api/v1/incident-types",
            t,
            &json!({"slug": "Bad Slug!", "name": ""}),
        )
        .await;
    assert_eq!(assert_problem(&answer, 422), ["slug", "name"]);
    let (s, _, created) = app.post("/api/v1/incident-types", t, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let dup = app.post("/api/v1/incident-types", t, &body).await;
    assert_problem(&dup, 409);

    // Declaring with it works; with an unknown one is a 404 naming `type`.
    let inc = app
        .declare(
            &responder,
            &json!({"title": "Leak", "type": "security_breach_2"}),
        )
        .await;
    assert_eq!(inc["type"], "security_breach_2");
    let answer = app
        .post(
            "/api/v1/incidents",
            &responder,
            &json!({"title": "Nope", "type": "no_such_type"}),
        )
        .await;
    assert_eq!(assert_problem(&answer, 404), ["type"]);

    // Archived: no new declarations or changes to it, but its incidents keep working.
    let (s, _, archived) = app
        .patch(
            "/api/v1/incident-types/security_breach_2",
            t,
            &json!({"archived": true, "description": "Use security_breach"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{archived}");
    assert_eq!(archived["archived"], true);
    assert_eq!(archived["name"], "Security breach (customer data)");
    let answer = app
        .post(
            "/api/v1/incidents",
            &responder,
            &json!({"title": "Again", "type": "security_breach_2"}),
        )
        .await;
    assert_eq!(assert_problem(&answer, 409), ["type"]);
    assert!(
        answer.2["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("archived")
    );
    let other = app.declare(&responder, &json!({"title": "Other"})).await;
    let r = other["reference"].as_str().unwrap();
    let answer = app
        .patch(
            &format!("/api/v1/incidents/{r}"),
            &responder,
            &json!({"type": "security_breach_2"}),
        )
        .await;
    assert_eq!(assert_problem(&answer, 409), ["type"]);
    let r = inc["reference"].as_str().unwrap();
    let (s, _, changed) = app
        .patch(
            &format!("/api/v1/incidents/{r}"),
            &responder,
            &json!({"title": "Leak of test data", "type": "security_breach_2"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "an incident keeps its archived type: {changed}"
    );
    assert_eq!(changed["type"], "security_breach_2");

    // The slug of a type never changes; an unknown one is a 404.
    let answer = app
        .patch(
            "/api/v1/incident-types/default",
            t,
            &json!({"slug": "other"}),
        )
        .await;
    assert_problem(&answer, 422);
    let answer = app
        .patch("/api/v1/incident-types/nothing", t, &json!({"name": "X"}))
        .await;
    assert_problem(&answer, 404);
}
e2e_test!(incident_types_are_a_table_and_declarations_must_use_a_live_one);

async fn teams_have_members_and_are_edited_and_deleted(app: &TestApp) {
    // Arrange
    let t = &app.admin_token;
    let (alice, _) = app.create_user(AccountRole::Responder).await;
    let (bob, viewer) = app.create_user(AccountRole::Viewer).await;
    let (s, _, team) = app
        .post(
            "/api/v1/teams",
            t,
            &json!({"slug": "payments", "name": "Payments", "description": "Money"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");

    // Act: set the members, with an unknown user first.
    let answer = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/teams/payments/members",
            Some(t),
            Some(&json!({"members": [alice.id, 999_999]})),
        )
        .await;
    assert_eq!(assert_problem(&answer, 404), ["members"]);
    let (s, _, team) = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/teams/payments/members",
            Some(t),
            Some(&json!({"members": [bob.id, alice.id, alice.id]})),
        )
        .await;

    // Assert: members by name, each once; readers see them; viewers cannot change them.
    assert_eq!(s, StatusCode::OK, "{team}");
    let names: Vec<&str> = team["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [alice.name.as_str(), bob.name.as_str()]);
    let (s, _, read) = app.get("/api/v1/teams/payments", &viewer).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(read["members"], team["members"]);
    let (_, _, list) = app.get("/api/v1/teams", &viewer).await;
    assert_eq!(list["items"][0]["members"], team["members"]);
    let answer = app
        .patch("/api/v1/teams/payments", &viewer, &json!({"name": "Mine"}))
        .await;
    assert_problem(&answer, 403);

    // Edit: absent fields stay, an empty name names the field.
    let (s, _, edited) = app
        .patch(
            "/api/v1/teams/payments",
            t,
            &json!({"name": "Payments team"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["description"], "Money");
    assert_eq!(edited["name"], "Payments team");
    let answer = app
        .patch("/api/v1/teams/payments", t, &json!({"name": "  "}))
        .await;
    assert_eq!(assert_problem(&answer, 422), ["name"]);

    // A team that owns a service is not deleted; once it owns nothing, it is.
    let (s, _, _) = app
        .post(
            "/api/v1/services",
            t,
            &json!({"slug": "ledger", "name": "Ledger", "team": "payments"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let answer = app.delete("/api/v1/teams/payments", t).await;
    assert_problem(&answer, 409);
    assert!(
        answer.2["detail"].as_str().unwrap().contains("1 service"),
        "{}",
        answer.2
    );
    let (s, _, _) = app
        .patch("/api/v1/services/ledger", t, &json!({"team": null}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app.delete("/api/v1/teams/payments", t).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_problem(&app.get("/api/v1/teams/payments", t).await, 404);
}
e2e_test!(teams_have_members_and_are_edited_and_deleted);

async fn services_carry_owner_policy_and_components(app: &TestApp) {
    // Arrange: a team, a policy, a status page with two components, a service.
    let t = &app.admin_token;
    let (_, responder) = app.create_user(AccountRole::Responder).await;
    let (s, _, _) = app
        .post("/api/v1/teams", t, &json!({"slug": "core", "name": "Core"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let admin_id = app.admin.id;
    let policy = app
        .create_policy(&json!({"name": "Core primary", "repeat": 0,
            "levels": [{"targets": [{"type": "user", "id": admin_id}], "delay_minutes": 5}]}))
        .await;
    let (api, dashboard) = crate::status_pages::setup_page(app).await;
    app.create_service("checkout").await;

    // Act
    let (s, _, service) = app
        .patch(
            "/api/v1/services/checkout",
            t,
            &json!({"name": "Checkout", "description": "Takes the money", "team": "core",
                    "escalation_policy_id": policy["id"], "components": [api, dashboard, api]}),
        )
        .await;

    // Assert
    assert_eq!(s, StatusCode::OK, "{service}");
    assert_eq!(service["team"], "core");
    assert_eq!(service["escalation_policy"]["name"], "Core primary");
    let components: Vec<&str> = service["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["component"].as_str().unwrap())
        .collect();
    assert_eq!(components, ["API", "Dashboard"]);
    assert_eq!(service["components"][0]["page_slug"], "acme");
    let (s, _, read) = app.get("/api/v1/services/checkout", &responder).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(read, service);
    let proposed = app
        .state
        .store
        .components_for_services(&["checkout".into(), "nothing".into()])
        .await
        .unwrap();
    assert_eq!(
        proposed.iter().map(|c| c.component_id).collect::<Vec<_>>(),
        [api, dashboard]
    );

    // Bad references name their fields; absent fields stay; null clears.
    for (body, field, status) in [
        (json!({"team": "nobody"}), "team", 404),
        (
            json!({"escalation_policy_id": 999_999}),
            "escalation_policy_id",
            404,
        ),
        (json!({"components": [999_999]}), "components", 404),
        (json!({"name": ""}), "name", 422),
    ] {
        let answer = app.patch("/api/v1/services/checkout", t, &body).await;
        assert_eq!(assert_problem(&answer, status), [field], "{body}");
    }
    let (_, _, kept) = app
        .patch(
            "/api/v1/services/checkout",
            t,
            &json!({"escalation_policy_id": null, "components": [dashboard]}),
        )
        .await;
    assert_eq!(kept["team"], "core");
    assert_eq!(kept["escalation_policy"], Value::Null);
    assert_eq!(kept["components"][0]["component_id"], dashboard);
    assert_problem(
        &app.patch("/api/v1/services/checkout", &responder, &json!({}))
            .await,
        403,
    );

    // A service an incident uses is not deleted: 409 saying how many.
    app.declare(
        &responder,
        &json!({"title": "Checkout down", "services": ["checkout"]}),
    )
    .await;
    let answer = app.delete("/api/v1/services/checkout", t).await;
    assert_problem(&answer, 409);
    assert!(
        answer.2["detail"]
            .as_str()
            .unwrap()
            .contains("1 incident(s)"),
        "{}",
        answer.2
    );
    app.create_service("spare").await;
    let (s, _, _) = app
        .patch("/api/v1/services/spare", t, &json!({"components": [api]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app.delete("/api/v1/services/spare", t).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_problem(&app.get("/api/v1/services/spare", t).await, 404);
}
e2e_test!(services_carry_owner_policy_and_components);

async fn catalogue_answers_conform_to_the_document(app: &TestApp) {
    // Arrange
    let doc = crate::openapi::document(app).await;
    let t = &app.admin_token;
    let c = |m: &str, p: &str, a: &(StatusCode, reqwest::header::HeaderMap, Value)| {
        crate::openapi::conforms(&doc, m, p, a)
    };
    let (api, _) = crate::status_pages::setup_page(app).await;
    app.post("/api/v1/teams", t, &json!({"slug": "sre", "name": "SRE"}))
        .await;
    app.create_service("api").await;
    let put = reqwest::Method::PUT;
    let members = json!({"members": [app.admin.id]});

    // Act and assert
    let team = "/api/v1/teams/{slug}";
    let members_path = "/api/v1/teams/{slug}/members";
    let service = "/api/v1/services/{slug}";
    c(
        "put",
        members_path,
        &app.request(
            put.clone(),
            "/api/v1/teams/sre/members",
            Some(t),
            Some(&members),
        )
        .await,
    );
    c(
        "put",
        members_path,
        &app.request(
            put,
            "/api/v1/teams/sre/members",
            Some(t),
            Some(&json!({"members": [-1]})),
        )
        .await,
    );
    c("get", "/api/v1/teams", &app.get("/api/v1/teams", t).await);
    c("get", team, &app.get("/api/v1/teams/sre", t).await);
    c(
        "patch",
        team,
        &app.patch("/api/v1/teams/sre", t, &json!({"description": "On call"}))
            .await,
    );
    c(
        "patch",
        service,
        &app.patch(
            "/api/v1/services/api",
            t,
            &json!({"team": "sre", "components": [api]}),
        )
        .await,
    );
    c(
        "patch",
        service,
        &app.patch("/api/v1/services/api", t, &json!({"team": "none"}))
            .await,
    );
    c("get", service, &app.get("/api/v1/services/api", t).await);
    c("delete", team, &app.delete("/api/v1/teams/sre", t).await);
    c(
        "delete",
        service,
        &app.delete("/api/v1/services/api", t).await,
    );
    c("delete", team, &app.delete("/api/v1/teams/sre", t).await);
    let types = "/api/v1/incident-types";
    c("get", types, &app.get(types, t).await);
    c(
        "post",
        types,
        &app.post(types, t, &json!({"slug": "outage", "name": "Outage"}))
            .await,
    );
    c(
        "post",
        types,
        &app.post(types, t, &json!({"slug": "outage", "name": "Outage"}))
            .await,
    );
    c(
        "patch",
        "/api/v1/incident-types/{slug}",
        &app.patch(
            "/api/v1/incident-types/outage",
            t,
            &json!({"archived": true}),
        )
        .await,
    );
    c(
        "patch",
        "/api/v1/incident-types/{slug}",
        &app.patch("/api/v1/incident-types/outage", t, &json!({"name": ""}))
            .await,
    );
}
e2e_test!(catalogue_answers_conform_to_the_document);

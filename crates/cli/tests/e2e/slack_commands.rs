//! `/inc` from Slack (issue 13, parts 3 and 6), signed by `slack_sdk`, end to end: the
//! commands typed in an incident's channel change that incident as the Slack user's Debrief
//! user (status, severity, role, page, follow-up, resolve); `/inc declare` opens a modal whose
//! submission declares; `/inc update` publishes on the status page only after its confirmation
//! is submitted; mistakes are answered to their author alone, saying what to type instead.

use crate::harness::{Backend, SlackApp, TEAM_ID};
use crate::slack_requests::{incident, incident_with_channel, quick, slack_person, timeline};
use serde_json::{Value, json};
use std::time::Duration;

const DANA: &str = "U0DANA00001";
const RAVI: &str = "U0RAVI00001";

/// Sends `/inc {text}` and checks it was answered `200` to its author alone; the answer's text.
async fn ephemeral(s: &SlackApp, text: &str, user: &str, channel: &str) -> String {
    let answer = s.slash(text, user, channel).await;
    assert_eq!(answer.status, 200, "/inc {text}: {answer:?}");
    let v = answer.json();
    assert_eq!(v["response_type"], "ephemeral", "/inc {text}: {v}");
    answer.text()
}

async fn commands_in_the_channel_run_the_incident(backend: Backend) {
    // Arrange: Dana and Ravi are Debrief responders whose Slack accounts share their e-mail.
    let s = SlackApp::start_with(backend, quick).await;
    let dana = slack_person(&s, DANA).await;
    let ravi = slack_person(&s, RAVI).await;
    let (r, _, channel) = incident_with_channel(&s, "Checkout fails", &[DANA, RAVI]).await;

    // Status, with a note; as Dana, from Slack.
    let said = ephemeral(
        &s,
        "status investigating “looking at the deploy”",
        DANA,
        &channel,
    )
    .await;
    assert!(said.contains("investigating"), "{said}");
    assert_eq!(incident(&s, &r).await["status"], "investigating");
    let events = timeline(&s, &r).await;
    let change = events
        .iter()
        .find(|e| e["kind"] == "status_change")
        .expect("a status change");
    assert_eq!(change["source"], "slack");
    assert_eq!(change["author_id"], dana.id);
    assert!(
        change["body"]
            .as_str()
            .is_some_and(|b| b.contains("looking at the deploy")),
        "{change}"
    );

    // Severity (any case), role by Slack mention.
    ephemeral(&s, "severity sev1", DANA, &channel).await;
    assert_eq!(incident(&s, &r).await["severity"], "SEV1");
    let said = ephemeral(&s, "role commander <@U0RAVI00001|ravi>", DANA, &channel).await;
    assert!(said.contains(&ravi.name), "{said}");
    let roles = incident(&s, &r).await["roles"].clone();
    let commander = roles
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["role"] == "commander")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(commander["user_id"], ravi.id, "{roles}");

    // Page a person for the incident.
    let said = ephemeral(&s, "page <@U0RAVI00001>", DANA, &channel).await;
    assert!(said.starts_with("Paged"), "{said}");
    let (status, _, pages) = s.app.get("/api/v1/pages", &s.app.admin_token).await;
    assert!(status.is_success(), "{pages}");
    assert!(pages.to_string().contains(&r), "a page for {r}: {pages}");

    // A follow-up with owner and due date becomes an action item.
    let said = ephemeral(
        &s,
        "followup \"add a queue depth alert\" <@U0RAVI00001> due:2026-12-20",
        DANA,
        &channel,
    )
    .await;
    assert!(said.contains("add a queue depth alert"), "{said}");
    let (status, _, items) = s
        .app
        .get(
            &format!("/api/v1/incidents/{r}/action-items"),
            &s.app.admin_token,
        )
        .await;
    assert!(status.is_success(), "{items}");
    let item = &items["items"][0];
    assert_eq!(item["title"], "add a queue depth alert", "{items}");
    assert_eq!(item["owner_id"], ravi.id, "{items}");
    assert_eq!(item["due_on"], "2026-12-20", "{items}");

    // Resolve, and help.
    let said = ephemeral(&s, "resolve \"rolled back\"", DANA, &channel).await;
    assert!(said.contains("resolved"), "{said}");
    assert_eq!(incident(&s, &r).await["status"], "resolved");
    let help = ephemeral(&s, "help", DANA, &channel).await;
    assert!(help.contains("/inc declare"), "{help}");
    // An incident named first works from any channel.
    ephemeral(&s, &format!("{r} severity SEV2"), DANA, "C0GENERAL01").await;
    assert_eq!(incident(&s, &r).await["severity"], "SEV2");
    s.app.close().await;
}

async fn mistakes_say_what_to_type_instead(backend: Backend) {
    let s = SlackApp::start_with(backend, quick).await;
    slack_person(&s, DANA).await;
    let (r, _, channel) = incident_with_channel(&s, "Queue stuck", &[DANA]).await;

    let cases = [
        (
            "severity SEV9",
            DANA,
            channel.as_str(),
            "SEV9 is not a severity",
        ),
        (
            "severity SEV9",
            DANA,
            channel.as_str(),
            "Try `/inc severity SEV1`",
        ),
        (
            "frobnicate",
            DANA,
            channel.as_str(),
            "is not an /inc command",
        ),
        (
            "status identified",
            DANA,
            "C0GENERAL01",
            "not an incident's channel",
        ),
        ("status closed", DANA, channel.as_str(), "That did not work"),
        (
            "role commander @nobody",
            DANA,
            channel.as_str(),
            "Debrief does not know @nobody",
        ),
        (
            "status identified",
            "U0NOBODY001",
            channel.as_str(),
            "/slack/link?",
        ),
    ];
    for (text, user, ch, says) in cases {
        let said = ephemeral(&s, text, user, ch).await;
        assert!(said.contains(says), "/inc {text}: {said}");
    }
    // Nothing changed.
    let v = incident(&s, &r).await;
    assert_eq!(v["status"], "triage");
    assert_eq!(v["severity"], "SEV3");
    s.app.close().await;
}

/// Submits the declare modal `view` as `user` with input `values`, checks that the modal
/// closes, and lists the incidents then.
pub(crate) async fn submit_declare(
    s: &SlackApp,
    view: &Value,
    user: &str,
    values: Value,
) -> Vec<Value> {
    let answer = s.interact(&submission(view, user, values)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json(), Value::Null, "the modal closes: {answer:?}");
    let (status, _, list) = s.app.get("/api/v1/incidents", &s.app.admin_token).await;
    assert!(status.is_success(), "{list}");
    list["items"].as_array().cloned().unwrap_or_default()
}

/// A `view_submission` of `view` by `user` with input `values`, as Slack sends it.
pub(crate) fn submission(view: &Value, user: &str, values: Value) -> Value {
    json!({
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0DEBRIEF",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "trigger_id": "12345.98765.abcd2358fdea",
        "view": {
            "id": view["id"], "team_id": TEAM_ID, "type": "modal",
            "blocks": view["blocks"], "private_metadata": view["private_metadata"],
            "callback_id": view["callback_id"], "hash": view["hash"],
            "title": view["title"], "state": {"values": values},
            "app_id": "A0DEBRIEF", "bot_id": "B0DEBRIEFBOT",
        },
        "response_urls": [],
        "is_enterprise_install": false,
    })
}

async fn declare_opens_a_modal_whose_submission_declares(backend: Backend) {
    // Arrange and act: /inc declare with a title, typed in any channel.
    let s = SlackApp::start_with(backend, quick).await;
    let dana = slack_person(&s, DANA).await;
    let answer = s
        .slash("declare checkout is down", DANA, "C0GENERAL01")
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");

    // Assert: the declare modal is open, the title filled in, the severities offered.
    let views = s.fake.views();
    let view = views.last().expect("a view").clone();
    assert_eq!(view["callback_id"], "inc_declare");
    assert_eq!(
        view["blocks"][0]["element"]["initial_value"],
        "checkout is down"
    );
    assert!(view.to_string().contains("SEV1"), "{view}");
    assert_eq!(s.fake.calls("views.open").len(), 1);

    // An empty title is answered under the title input.
    let empty = json!({"title": {"title": {"type": "plain_text_input", "value": "  "}}});
    let answer = s.interact(&submission(&view, DANA, empty)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let v = answer.json();
    assert_eq!(v["response_action"], "errors", "{v}");
    assert!(v["errors"]["title"].is_string(), "{v}");

    // The filled-in modal declares the incident, as Dana, from Slack.
    let values = json!({
        "title": {"title": {"type": "plain_text_input", "value": "Checkout is down"}},
        "severity": {"severity": {"type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": "SEV2"}, "value": "SEV2"}}},
        "private": {"private": {"type": "checkboxes", "selected_options": []}},
    });
    let declared = submit_declare(&s, &view, DANA, values)
        .await
        .into_iter()
        .find(|i| i["title"] == "Checkout is down")
        .expect("the incident is declared");
    assert_eq!(declared["severity"], "SEV2");
    let r = declared["reference"].as_str().expect("a reference");
    let first = timeline(&s, r).await;
    let declaration = first
        .iter()
        .find(|e| e["kind"] == "declared")
        .expect("declared");
    assert_eq!(declaration["source"], "slack");
    assert_eq!(declaration["author_id"], dana.id);

    // Dana is told, through the command's response_url.
    s.app.settle().await;
    let told = s.fake.wait_for_responses(1, Duration::from_secs(10)).await;
    assert!(
        told.iter()
            .any(|h| h.body["text"].as_str().is_some_and(|t| t.contains(r))),
        "{told:#?}"
    );
    s.app.close().await;
}

/// What the status pages show of incident `r`.
async fn published(s: &SlackApp, r: &str) -> Value {
    let path = format!("/api/v1/incidents/{r}/status-updates");
    let (status, _, v) = s.app.get(&path, &s.app.admin_token).await;
    assert!(status.is_success(), "{v}");
    v
}

async fn update_is_published_after_its_confirmation(backend: Backend) {
    // Arrange: a status page and an incident with a channel.
    let s = SlackApp::start_with(backend, quick).await;
    slack_person(&s, DANA).await;
    let (status, _, page) = s
        .app
        .post(
            "/api/v1/status-pages",
            &s.app.admin_token,
            &json!({"slug": "acme", "name": "Acme"}),
        )
        .await;
    assert!(status.is_success(), "{page}");
    let (r, _, channel) = incident_with_channel(&s, "Logins fail", &[DANA]).await;
    // Act: /inc update opens the confirmation; nothing is published yet.
    let answer = s
        .slash("update \"We are rolling back the release\"", DANA, &channel)
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let view = s.fake.views().last().cloned().expect("a view");
    assert_eq!(view["callback_id"], "inc_update_confirm");
    assert!(view.to_string().contains("We are rolling back the release"));
    assert_eq!(published(&s, &r).await["items"], json!([]));

    // Submitting the confirmation publishes it.
    let answer = s.interact(&submission(&view, DANA, json!({}))).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json(), Value::Null, "{answer:?}");
    let v = published(&s, &r).await;
    assert_eq!(v["items"][0]["page"], "acme", "{v}");
    assert!(
        v.to_string().contains("We are rolling back the release"),
        "{v}"
    );
    s.app.settle().await;
    let told = s.fake.wait_for_responses(1, Duration::from_secs(10)).await;
    assert!(
        told.iter().any(|h| h.body["text"]
            .as_str()
            .is_some_and(|t| t.contains("Published"))),
        "{told:#?}"
    );
    s.app.close().await;
}

async fn an_unknown_slack_user_links_their_account_from_the_web(backend: Backend) {
    // Arrange: Kim is a Debrief user whose Slack account has another e-mail address.
    let s = SlackApp::start_with(backend, quick).await;
    crate::ui::user_with_password(&s.app, "kim@example.com", "Kim", "responder").await;
    s.fake
        .add_user("U0KIM000001", "kim.personal@elsewhere.example", "kim");
    let (r, _, channel) = incident_with_channel(&s, "Search is slow", &["U0KIM000001"]).await;

    // Act: Kim types a command; Debrief answers with a link to link the account.
    let said = ephemeral(&s, "status investigating", "U0KIM000001", &channel).await;
    assert!(
        said.contains("Debrief does not know your Slack account"),
        "{said}"
    );
    let url = said
        .split('<')
        .nth(1)
        .and_then(|t| t.split('|').next())
        .expect("a link")
        .replace("&amp;", "&");
    assert_eq!(incident(&s, &r).await["status"], "triage");
    let browser =
        crate::accounts::sign_in(&s.app, "kim@example.com", "correct horse battery staple").await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let page = client
        .get(&url)
        .header("cookie", &browser.session)
        .send()
        .await
        .expect("the link page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("a page").contains("U0KIM000001"));
    let forged = client
        .get(url.replace("user=U0KIM000001", "user=U0OTHER0001"))
        .header("cookie", &browser.session)
        .send()
        .await
        .expect("a forged link");
    assert_eq!(
        forged.status(),
        410,
        "a link for another Slack user is refused"
    );
    let query = reqwest::Url::parse(&url).expect("a URL");
    let mut pairs: Vec<(String, String)> = query.query_pairs().into_owned().collect();
    pairs.push(("csrf".into(), browser.csrf.clone()));
    let fields: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let linked = client
        .post(s.app.url("/slack/link"))
        .header("cookie", &browser.session)
        .header("origin", &s.app.address)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::accounts::form_body(&fields))
        .send()
        .await
        .expect("link");
    assert_eq!(linked.status(), 200);
    assert!(linked.text().await.expect("a page").contains("is linked"));

    // Assert: the command now runs as Kim.
    let said = ephemeral(&s, "status investigating", "U0KIM000001", &channel).await;
    assert!(said.contains("investigating"), "{said}");
    let events = timeline(&s, &r).await;
    let change = events
        .iter()
        .find(|e| e["kind"] == "status_change")
        .expect("a status change");
    assert_eq!(change["author_name"], "Kim");
    s.app.close().await;
}

async fn page_names_a_team_a_policy_or_a_person(backend: Backend) {
    // Arrange: a team `db` whose policy pages Ravi.
    let s = SlackApp::start_with(backend, quick).await;
    slack_person(&s, DANA).await;
    let ravi = slack_person(&s, RAVI).await;
    let (status, _, team) = s
        .app
        .post(
            "/api/v1/teams",
            &s.app.admin_token,
            &json!({"slug": "db", "name": "Databases"}),
        )
        .await;
    assert!(status.is_success(), "{team}");
    let policy = s
        .app
        .create_policy(&json!({"name": "db on call", "team": "db",
            "levels": [{"targets": [{"type": "user", "id": ravi.id}], "delay_minutes": 5}]}))
        .await;
    let (r, _, channel) = incident_with_channel(&s, "Replica lag", &[DANA, RAVI]).await;

    // Act: a Slack user group named like the team, the policy by number, and a name that is
    // nothing Debrief knows.
    let by_group = ephemeral(&s, "page <!subteam^S0DB000001|@db>", DANA, &channel).await;
    let by_policy = ephemeral(&s, &format!("page policy:{}", policy["id"]), DANA, &channel).await;
    let unknown = ephemeral(&s, "page @nobody-here", DANA, &channel).await;

    // Assert: two pages for the incident; the unknown name says what to type.
    assert!(by_group.starts_with("Paged"), "{by_group}");
    assert!(by_policy.starts_with("Paged"), "{by_policy}");
    assert!(unknown.contains("Try `/inc page team:db`"), "{unknown}");
    let for_incident = s
        .app
        .pages()
        .await
        .into_iter()
        .filter(|p| p["incident_id"].as_i64() == r.trim_start_matches("INC-").parse().ok())
        .count();
    assert_eq!(for_incident, 2);
    s.app.close().await;
}

async fn a_rate_limited_slack_does_not_hold_the_answer(backend: Backend) {
    // Arrange: Dana is not linked yet, and Slack rate-limits users.info for 30 s.
    let s = SlackApp::start_with(backend, quick).await;
    slack_person(&s, DANA).await;
    let (r, _, channel) = incident_with_channel(&s, "Disk full", &[DANA]).await;
    s.fake.rate_limit("users.info", 5, 30);

    // Act: Dana types a command (Debrief must ask Slack who Dana is).
    let said = ephemeral(&s, "status investigating", DANA, &channel).await;

    // Assert: answered before Slack's three seconds ran out, saying to try again; no change.
    assert!(said.contains("Slack is slow"), "{said}");
    assert_eq!(incident(&s, &r).await["status"], "triage");
    s.app.close().await;
}

crate::e2e_test!(commands_in_the_channel_run_the_incident, backend);
crate::e2e_test!(mistakes_say_what_to_type_instead, backend);
crate::e2e_test!(declare_opens_a_modal_whose_submission_declares, backend);
crate::e2e_test!(update_is_published_after_its_confirmation, backend);
crate::e2e_test!(
    an_unknown_slack_user_links_their_account_from_the_web,
    backend
);
crate::e2e_test!(page_names_a_team_a_policy_or_a_person, backend);
crate::e2e_test!(a_rate_limited_slack_does_not_hold_the_answer, backend);

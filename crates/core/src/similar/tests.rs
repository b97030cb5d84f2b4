//! The similar-incident measure, case by case.

use super::*;

fn profile(title: &str, service: &str) -> Profile {
    Profile {
        title: title.into(),
        services: vec![service.into()],
        incident_type: "default".into(),
        ..Profile::default()
    }
}

#[test]
fn the_same_mechanism_in_other_words_on_another_service_passes_and_says_why() {
    let past = [
        Profile {
            root_cause: "The certificate expired; renewal was manual.".into(),
            contributing_factors: vec!["no alert on certificate expiry".into()],
            ..profile("TLS certificate expired on public API", "api-gateway")
        },
        profile("Checkout button misaligned on small screens", "billing"),
    ];
    let query = Profile {
        contributing_factors: vec!["No alert on certificate expiry.".into()],
        ..profile("Billing portal down: SSL cert lapsed", "billing")
    };
    let corpus = Corpus::new(&past);
    let ranked = corpus.rank(&query, 5);
    assert_eq!(ranked.len(), 1, "{ranked:?}");
    let m = &ranked[0];
    assert_eq!(m.index, 0);
    assert!(m.score >= THRESHOLD);
    assert!(m.why.words.contains(&"tls".to_string()), "{:?}", m.why);
    assert_eq!(m.why.factors, ["no alert on certificate expiry"]);
    assert!(m.why.services.is_empty());
}

#[test]
fn a_shared_service_and_type_alone_stay_under_the_threshold() {
    let mut past = profile("Checkout pods OOMKilled in a loop", "checkout");
    past.incident_type = "failed_deployment".into();
    let mut query = profile("Checkout button misaligned on small screens", "checkout");
    query.incident_type = "failed_deployment".into();
    let past = [past];
    let scored = Corpus::new(&past).score_all(&query);
    assert!(scored[0].score < THRESHOLD, "{scored:?}");
    assert_eq!(scored[0].why.services, ["checkout"]);
    // The service's name in the title counts once, as a service, not again as a word.
    assert!(scored[0].why.words.is_empty(), "{scored:?}");
}

#[test]
fn a_shared_rare_fingerprint_weighs_more_than_a_common_one() {
    let with = |fp: &str| Profile {
        fingerprints: vec![fp.into()],
        ..profile("Latency up", "search")
    };
    let past = [with("rare"), with("common"), with("common"), with("common")];
    let corpus = Corpus::new(&past);
    let rare = corpus.score_all(&with("rare"));
    let common = corpus.score_all(&with("common"));
    assert_eq!(rare[0].index, 0);
    assert_eq!(rare[0].why.fingerprints, ["rare"]);
    assert!(rare[0].score > common[0].score, "{rare:?} {common:?}");
}

#[test]
fn empty_profiles_score_nothing() {
    let past = [Profile::default()];
    let scored = Corpus::new(&past).score_all(&Profile::default());
    assert_eq!(scored[0].score, 0.0);
    assert!(Corpus::new(&[]).rank(&Profile::default(), 3).is_empty());
}

#[test]
fn rate_limit_is_one_term_and_numbers_only_count_when_known() {
    let t: Vec<String> = terms("Rate limits hit: 429 on v2 after 20 retries")
        .into_iter()
        .map(|t| t.term)
        .collect();
    assert_eq!(t, ["ratelimit", "hit", "ratelimit", "v2", "retry"]);
}

#[test]
fn factors_are_split_by_line_and_semicolon_without_list_markers() {
    assert_eq!(
        split_factors("- no canary stage\n2. flags unsafe; no review\n\n* cron"),
        ["no canary stage", "flags unsafe", "no review", "cron"]
    );
}

#[test]
fn the_forms_of_a_word_meet_in_one_stem() {
    let stems = |ws: &[&str]| ws.iter().map(|w| words::term(w)).collect::<Vec<_>>();
    assert_eq!(stems(&["database", "databases"]), ["databas", "databas"]);
    assert_eq!(
        stems(&["stopped", "stop", "stops"]),
        ["stop", "stop", "stop"]
    );
    assert_eq!(stems(&["queries", "query"]), ["query", "query"]);
    assert_eq!(
        stems(&["pushes", "push", "pushed"]),
        ["push", "push", "push"]
    );
    assert_eq!(stems(&["status", "bus", "us"]), ["status", "bus", "us"]);
    // Words of the lexicon stand for their mechanism.
    assert_eq!(stems(&["x509", "lapsed"]), ["certificate", "expiry"]);
}

use super::*;

const PAGE: &str = r#"<html><body><main><h1>INC-1</h1>
<form method="post" action="/incidents/INC-1/severity"><input type="hidden" name="csrf" value="t">
<select name="severity"><option value="SEV1" selected>SEV1</option><option value="SEV2">SEV2</option></select></form>
<details><summary>Add</summary>
<form method="post" action="/incidents/INC-1/timeline"><input type="hidden" name="csrf" value="t">
<label>Kind <select name="kind"><option>note</option><option>action</option></select></label>
<label>When <input type="datetime-local" name="at_local" value=""></label>
<label>What <textarea name="body" rows="3">old &amp; stale</textarea></label>
<label><input type="checkbox" name="starred" checked> Star</label>
<label>Link <input name="link" value=""></label>
<label>Password <input type="password" name="secret"></label>
<button>Add</button></form></details>
<form method="post" action="/incidents/INC-1/timeline"><input name="other"></form>
</main></body></html>"#;

fn pairs(v: &[(&str, &str)]) -> Pairs {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn what_was_typed_comes_back_with_messages_beside_their_fields() {
    let posted = pairs(&[
        ("csrf", "old"),
        ("kind", "action"),
        ("at_local", "2026-12-08T05:51"),
        ("body", "<b>rolled back</b> \"v2\""),
        ("link", "ftp://x"),
        ("secret", "hunter2"),
    ]);
    let fields = vec![
        ("at".to_string(), "must not be in the future".to_string()),
        ("links[0].url".to_string(), "must be http(s)".to_string()),
        ("started_at".to_string(), "is odd".to_string()),
    ];
    let out = refill(
        PAGE,
        &Refusal {
            action: "/incidents/INC-1/timeline",
            pairs: &posted,
            fields: &fields,
            general: &[],
            stale: false,
        },
    )
    .unwrap();
    // The fresh CSRF token stays; a password is never echoed.
    assert!(out.contains(r#"name="csrf" value="t""#));
    assert!(!out.contains("hunter2"));
    // Values, the textarea (escaped), the select and the unchecked box.
    assert!(out.contains(r#"name="at_local" value="2026-12-08T05:51" aria-invalid="true" aria-describedby="refused-0">"#), "{out}");
    assert!(out.contains("&lt;b&gt;rolled back&lt;/b&gt; &quot;v2&quot;</textarea>"));
    assert!(!out.contains("old &amp; stale"));
    assert!(
        out.contains("<option selected>action</option>")
            || out.contains("<option>note</option><option selected>"),
        "{out}"
    );
    assert!(
        out.contains(r#"<input type="checkbox" name="starred">"#),
        "{out}"
    );
    assert!(
        out.contains(
            r#"<span class="field-error" id="refused-0">must not be in the future</span>"#
        )
    );
    // `links[0].url` goes beside the form's one `link` field; the unknown field to the top.
    assert!(
        out.contains(r#"<span class="field-error" id="refused-1">must be http(s)</span>"#),
        "{out}"
    );
    assert!(out.contains("<p>started at: is odd</p>"), "{out}");
    // The form with the posted names is picked (not the other one to the same action), its
    // details opened, and the top of the page links to it.
    assert!(out.contains("<details open>"));
    assert!(out.contains(r#"<input name="other">"#));
    assert!(out.contains(r##"<main><p class="flash error"><a href="#refused">"##));
    // The other form is untouched.
    assert!(out.contains(r#"<option value="SEV1" selected>SEV1</option>"#));
}

#[test]
fn a_conflict_goes_to_the_top_of_the_form_and_select_values_are_kept() {
    let posted = pairs(&[("severity", "SEV2")]);
    let out = refill(
        PAGE,
        &Refusal {
            action: "/incidents/INC-1/severity",
            pairs: &posted,
            fields: &[],
            general: &["the incident changed meanwhile".to_string()],
            stale: false,
        },
    )
    .unwrap();
    assert!(
        out.contains(r#"<option value="SEV1">SEV1</option><option value="SEV2" selected>"#),
        "{out}"
    );
    assert!(out.contains(r#"action="/incidents/INC-1/severity"><div class="form-errors" role="alert" id="refused"><p><strong>Not saved.</strong></p><p>the incident changed meanwhile</p></div>"#), "{out}");
}

#[test]
fn a_page_without_the_form_is_not_refilled() {
    let r = Refusal {
        action: "/elsewhere",
        pairs: &Vec::new(),
        fields: &[],
        general: &[],
        stale: false,
    };
    assert!(refill(PAGE, &r).is_none());
}

#[test]
fn a_stale_form_says_what_each_field_it_would_replace_reads_now() {
    let posted = pairs(&[("body", "mine\r\nsecond line"), ("link", "")]);
    let page = PAGE.replace(
        r#"<input name="link" value="">"#,
        r#"<input name="link" value="https://theirs.example">"#,
    );
    let out = refill(
        &page,
        &Refusal {
            action: "/incidents/INC-1/timeline",
            pairs: &posted,
            fields: &[],
            general: &["changed meanwhile".to_string()],
            stale: true,
        },
    )
    .unwrap();
    assert!(out.contains("Saved now: “old &amp; stale”"), "{out}");
    assert!(out.contains("Saved now: “https://theirs.example”"), "{out}");
    assert!(out.contains(r#"<input name="link" value="">"#), "{out}");
}

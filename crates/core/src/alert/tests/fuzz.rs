//! No input makes a parser panic: every fixture, cut short, garbled, and with each of its values
//! swapped for values of other types, goes through every parser.

use super::{CAPTURED, FROM_DOCS};
use crate::alert::opsgenie::{ActionKind, parse_action, parse_create};
use crate::alert::pagerduty::{parse_change_event, parse_event, parse_v1_event};
use crate::alert::{alertmanager, generic, grafana};
use serde_json::{Value, json};

/// Runs `body` through every parser; returns how many accepted it.
fn every_parser(body: &[u8]) -> usize {
    let results = [
        parse_event(body).is_ok(),
        parse_change_event(body).is_ok(),
        parse_v1_event(body).is_ok(),
        alertmanager::parse_webhook(body).is_ok(),
        generic::parse(body).is_ok(),
        parse_create(body).is_ok(),
        parse_action(ActionKind::Acknowledge, body).is_ok(),
        parse_action(ActionKind::AddNote, body).is_ok(),
    ];
    let _ = grafana::is_grafana_body(body);
    let _ = grafana::verify_grafana_signature(b"k", Some("1"), body, "00");
    results.into_iter().filter(|ok| *ok).count()
}

fn all_fixtures() -> impl Iterator<Item = (&'static str, &'static str)> {
    CAPTURED.into_iter().chain(FROM_DOCS)
}

#[test]
fn every_fixture_is_accepted_by_some_parser() {
    for (name, body) in all_fixtures() {
        assert!(
            every_parser(body.as_bytes()) > 0,
            "{name} is accepted by nothing"
        );
    }
}

#[test]
fn a_body_cut_short_is_refused_by_every_parser() {
    for (name, body) in all_fixtures() {
        let bytes = body.trim_end().as_bytes();
        for len in 0..bytes.len() {
            let cut = &bytes[..len];
            let whitespace = cut.iter().all(u8::is_ascii_whitespace);
            let accepted = every_parser(cut);
            // An empty action body means "{}", which acknowledge accepts; nothing else may.
            let allowed = usize::from(whitespace);
            assert!(accepted <= allowed, "{name} cut at {len} was accepted");
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

#[test]
fn garbled_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let noise: [u8; 12] = [
        b'"', b'{', b'}', b'[', b']', b',', b':', b'\\', 0, 0xff, 0xc3, b'9',
    ];
    for (_, body) in all_fixtures() {
        for _ in 0..300 {
            let mut bytes = body.as_bytes().to_vec();
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[at] = noise[rng.below(noise.len())],
                    1 => bytes.insert(at, noise[rng.below(noise.len())]),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            every_parser(&bytes);
        }
    }
}

/// Values of every JSON type, including awkward ones.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(0),
        json!(-1),
        json!(1.5e300),
        json!(u64::MAX),
        json!(true),
        json!(""),
        json!("   "),
        json!("é".repeat(2000)),
        json!("0001-01-01T00:00:00Z"),
        json!([]),
        json!([null, 1, "x", {}]),
        json!({}),
        json!({"a": {"b": []}}),
    ]
}

/// The JSON pointers of every value in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_value_swapped_for_every_type_never_panics() {
    for (_, body) in all_fixtures() {
        let original: Value = serde_json::from_str(body).expect("a JSON fixture");
        let mut paths = Vec::new();
        pointers(&original, String::new(), &mut paths);
        for path in &paths {
            for replacement in replacements() {
                let mut v = original.clone();
                if let Some(slot) = v.pointer_mut(path) {
                    *slot = replacement;
                }
                let bytes = serde_json::to_vec(&v).expect("serializable");
                every_parser(&bytes);
            }
        }
        // And the whole body as each other type.
        for replacement in replacements() {
            let bytes = serde_json::to_vec(&replacement).expect("serializable");
            every_parser(&bytes);
        }
    }
}

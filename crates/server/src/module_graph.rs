//! A test that the server's top-level modules import one another without a circle.
//!
//! A circle (the state holds the job runner, the runner's kinds take the state, …) makes every
//! module in it depend on all the others: none can be read, tested or moved alone. The rule
//! that keeps the graph straight: a module the state holds (`jobs`, `status_snapshot`,
//! `limiter`, `live`, `cache`, `clock`, `outbound`, `password`) never imports `state`, nor a
//! module that does; it is handed what it needs (the store, the clock, a setting) or a trait the
//! state implements (`jobs::JobContext`). Handlers, actions and job kinds that need the whole
//! state import `state`; the registry of kinds (`kinds`) and `lib.rs` assemble the rest.
//!
//! The test reads `src/`: module `m` uses module `n` when a file under `m` names a path
//! starting at the crate root in `n` (`crate::n::…`, `use crate::{n, …}`), or an item `lib.rs`
//! re-exports from `n` (`crate::AppState` is `state`). Comments are skipped; `lib.rs` is left
//! out, as it assembles everything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The items `lib.rs` re-exports, and the modules they come from.
const REEXPORTS: &[(&str, &str)] = &[
    ("AppState", "state"),
    ("ServerConfig", "state"),
    ("AppError", "error"),
];

/// `(module, file)` for every `.rs` file under `dir`: the top-level module it belongs to.
fn files(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("src/ is readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under src/");
            let first = rel
                .components()
                .next()
                .expect("a file has a name")
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            if module != "lib" && module != "main" {
                out.push((module, path));
            }
        }
    }
}

/// The source without its comments (`//` to the end of the line; block comments are not used).
fn code(source: &str) -> String {
    source
        .lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first names after every `crate::` in `code`: `crate::jobs::Jobs` gives `jobs`,
/// `crate::{jobs::Jobs, AppState}` gives `jobs` and `AppState`.
fn roots(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for rest in code.split("crate::").skip(1) {
        if let Some(group) = rest.strip_prefix('{') {
            // The items at the group's first level, each up to its `,` (or the closing `}`).
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.insert(ident(item.trim_start()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            names.insert(ident(item.trim_start()));
        } else {
            names.insert(ident(rest));
        }
    }
    // A trailing comma leaves an empty item.
    names.remove("");
    names
}

/// Who uses whom among the top-level modules, with a file that shows it.
fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut found = Vec::new();
    files(src, src, &mut found);
    let modules: BTreeSet<String> = found.iter().map(|(m, _)| m.clone()).collect();
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (module, path) in &found {
        let source = std::fs::read_to_string(path).expect("a source file is readable");
        for name in roots(&code(&source)) {
            let target = REEXPORTS
                .iter()
                .find(|(item, _)| *item == name)
                .map_or(name.as_str(), |(_, m)| m);
            if target != module && modules.contains(target) {
                let shown = path.strip_prefix(src).unwrap_or(path).display().to_string();
                edges
                    .entry(module.clone())
                    .or_default()
                    .entry(target.to_string())
                    .or_insert(shown);
            }
        }
    }
    edges
}

/// A circle in `edges`, as the modules along it, if there is one.
fn circle(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|p| p == m) {
            let mut c = path[start..].to_vec();
            c.push(m.to_string());
            return Some(c);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in edges.get(m).into_iter().flat_map(BTreeMap::keys) {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|m| visit(m, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_server_modules_import_one_another_without_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    if let Some(c) = circle(&edges) {
        let steps: Vec<String> = c
            .windows(2)
            .map(|w| format!("{} -> {} ({})", w[0], w[1], edges[&w[0]][&w[1]]))
            .collect();
        panic!(
            "the server's modules import one another in a circle:\n  {}\n\
             (see module_graph.rs for the rule that keeps them straight)",
            steps.join("\n  ")
        );
    }
    // The check sees the edges that matter (a parser that found nothing would pass).
    assert!(edges["status"].contains_key("state"), "{edges:?}");
    assert!(edges["state"].contains_key("jobs"), "{edges:?}");
}

#[test]
fn paths_and_groups_name_their_first_module() {
    // Written with `CRATE`, so this file names no module itself.
    let source = "use CRATE::jobs::Jobs;\nuse CRATE::{AppState, status::{notices, subscribers}, auth};\n\
         // CRATE::ui is a comment\nlet x = CRATE::clock::Clock::system();";
    let names = roots(&code(&source.replace("CRATE", "crate")));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(names, ["AppState", "auth", "clock", "jobs", "status"]);
}

#[test]
fn a_circle_is_found_and_a_straight_graph_has_none() {
    let edge = |a: &str, b: &str| {
        (
            a.to_string(),
            BTreeMap::from([(b.to_string(), String::new())]),
        )
    };
    let straight = BTreeMap::from([edge("a", "b"), edge("b", "c")]);
    assert_eq!(circle(&straight), None);
    let round = BTreeMap::from([edge("a", "b"), edge("b", "c"), edge("c", "a")]);
    assert_eq!(
        circle(&round),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

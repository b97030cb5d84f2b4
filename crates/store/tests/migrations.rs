//! The SQLite and PostgreSQL migration folders must hold the same migrations under the same names.

use std::collections::BTreeSet;
use std::path::Path;

fn names(dir: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".sql"))
        .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must list the same files"
    );
}

#[test]
fn migration_names_follow_timestamp_verb_noun() {
    for name in names("sqlite") {
        let (stamp, rest) = name.split_once('_').expect("a timestamp prefix");
        assert_eq!(stamp.len(), 14, "{name}: a 14-digit UTC timestamp");
        assert!(stamp.chars().all(|c| c.is_ascii_digit()), "{name}");
        assert!(
            rest.ends_with(".sql") && rest.contains('_'),
            "{name}: <timestamp>_<verb>_<noun>.sql"
        );
    }
}

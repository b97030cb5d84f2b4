//! The migrations of both databases, embedded in the binary: one list of file names, each
//! with its SQLite and its PostgreSQL text (`migrations/sqlite/NAME`, `migrations/postgres/NAME`).
//! A test checks the list matches both folders; add a new migration's name here.

/// One migration: its file name (`<version>_<description>.sql`) and its SQL for each database.
pub(crate) struct Migration {
    pub(crate) name: &'static str,
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// Embeds `migrations/sqlite/NAME` and `migrations/postgres/NAME`.
macro_rules! migration {
    ($name:literal) => {
        Migration {
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name)),
            postgres: include_str!(concat!("../migrations/postgres/", $name)),
        }
    };
}

/// Every migration, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    migration!("20261121100000_create_core.sql"),
    migration!("20261121120000_add_incident_filter_index.sql"),
    migration!("20261121130000_add_incident_number_sequence.sql"),
    migration!("20261121140000_create_jobs.sql"),
    migration!("20261121150000_create_postmortems.sql"),
    migration!("20261121160000_create_meetings.sql"),
    migration!("20261121170000_create_status_pages.sql"),
    migration!("20261121180000_create_maintenances.sql"),
    migration!("20261121190000_create_subscribers.sql"),
    migration!("20261122100000_add_maintenance_version.sql"),
    migration!("20261123120000_add_subscriber_contact.sql"),
    migration!("20261206230000_add_incident_private_index.sql"),
    migration!("20261207020000_add_incident_roles_copy.sql"),
    migration!("20261207030000_create_alerts.sql"),
    migration!("20261208010000_create_oncall.sql"),
    migration!("20261208020000_add_job_lease.sql"),
    migration!("20261208030000_create_slack.sql"),
    migration!("20261209010000_create_slack_channels.sql"),
    migration!("20261209020000_create_slack_page_messages.sql"),
    migration!("20261209030000_create_slack_seen_requests.sql"),
    migration!("20261210010000_create_oidc.sql"),
    migration!("20261210020000_create_catalog.sql"),
    migration!("20261210020100_create_custom_fields.sql"),
    migration!("20261210030000_create_account_links.sql"),
    migration!("20261210040000_add_status_page_domains_and_component_removal.sql"),
    migration!("20261211100000_add_session_oidc_id_token.sql"),
    migration!("20261212100000_create_search.sql"),
    migration!("20261213100000_add_search_private.sql"),
    // New migrations must be listed here too (the embedded list; a unit test checks it).
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_embedded_list_is_both_migration_folders() {
        for dir in ["sqlite", "postgres"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dir);
            let on_disk: BTreeSet<String> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect();
            let embedded: Vec<String> = MIGRATIONS.iter().map(|m| m.name.to_string()).collect();
            assert_eq!(
                embedded,
                on_disk.into_iter().collect::<Vec<_>>(),
                "migrations::MIGRATIONS must list every file of migrations/{dir}, oldest first"
            );
            for m in MIGRATIONS {
                let sql = if dir == "sqlite" {
                    m.sqlite
                } else {
                    m.postgres
                };
                assert_eq!(sql, std::fs::read_to_string(path.join(m.name)).unwrap());
            }
        }
    }
}

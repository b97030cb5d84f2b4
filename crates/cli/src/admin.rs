//! Commands that work on the database directly: `migrate`, `user create`, `token create`.

use anyhow::{Context, bail};
use debrief_core::access::{NewUserInput, Scope};
use debrief_server::{AppState, ServerConfig};
use debrief_store::{DatabaseUrl, Store};

/// Where the database is.
#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH`, a bare SQLite path, or `postgres://…`.
    #[arg(
        long = "database",
        env = "DEBRIEF_DATABASE_URL",
        default_value = "./debrief.db"
    )]
    pub database: String,
}

/// Connects, migrates and seeds defaults.
pub async fn open_store(db: &DbArgs) -> anyhow::Result<Store> {
    let url = DatabaseUrl::parse(&db.database).map_err(anyhow::Error::msg)?;
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("Failed to open the database {url}"))?;
    store
        .migrate()
        .await
        .with_context(|| format!("Failed to migrate the database {url}"))?;
    store
        .seed_defaults()
        .await
        .context("Failed to seed default severities")?;
    Ok(store)
}

/// `debrief migrate`.
pub async fn migrate(db: DbArgs) -> anyhow::Result<()> {
    open_store(&db).await?;
    println!("The database is up to date.");
    Ok(())
}

/// `debrief user …`.
#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// Email (unique).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// viewer, responder or admin.
        #[arg(long, default_value = "responder")]
        role: String,
        /// Password (prompted for when absent; at least 12 characters).
        #[arg(long, env = "DEBRIEF_PASSWORD")]
        password: Option<String>,
    },
}

/// `debrief token …`.
#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// The user's email.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// read, write or admin (never more than the user's role).
        #[arg(long, default_value = "write")]
        scope: String,
    },
}

fn state(store: Store) -> AppState {
    AppState::new(store, ServerConfig::default())
}

/// Runs a user command.
pub async fn user(cmd: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Create {
        db,
        email,
        name,
        role,
        password,
    } = cmd;
    let password = match password {
        Some(p) => p,
        None => {
            let p = rpassword::prompt_password("Password (at least 12 characters): ")
                .context("Failed to read the password; pass --password or set DEBRIEF_PASSWORD")?;
            let again = rpassword::prompt_password("Password again: ")?;
            if p != again {
                bail!("the passwords differ");
            }
            p
        }
    };
    let store = open_store(&db).await?;
    let input = NewUserInput {
        email,
        name,
        role: Some(role),
        password: Some(password),
    };
    let user = debrief_server::actions::account::create_user(&state(store), None, &input)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    println!(
        "Created {} <{}> as {} (id {}).",
        user.name, user.email, user.role, user.id
    );
    Ok(())
}

/// Runs a token command.
pub async fn token(cmd: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create {
        db,
        email,
        name,
        scope,
    } = cmd;
    let scope: Scope = scope.parse().map_err(anyhow::Error::msg)?;
    let store = open_store(&db).await?;
    let user = store.user_by_email(&email).await.with_context(|| {
        format!("No user with email {email}; create one with 'debrief user create'")
    })?;
    let (token, secret) =
        debrief_server::actions::account::create_token(&state(store), &user, &name, scope)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    eprintln!(
        "Created token {} '{}' for {} with scope {}. It is shown only once:",
        token.id,
        token.name,
        user.email,
        token.scope.as_str()
    );
    println!("{secret}");
    Ok(())
}

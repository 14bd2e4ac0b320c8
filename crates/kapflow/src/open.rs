//! Opening the practice's database from the command line's settings.

use crate::cli::Cli;
use anyhow::Context;
use kapflow_store::{DatabaseTarget, Store};
use std::process::ExitCode;

/// Resolves the target, creates the data directory for the default SQLite file, and connects.
/// With `create` false the default SQLite file must already exist (for `check`).
pub async fn open(cli: &Cli, create: bool) -> anyhow::Result<Store> {
    let mut target = DatabaseTarget::resolve(cli.database_url.as_deref(), &cli.data_dir)?;
    if let DatabaseTarget::Sqlite {
        path,
        create: may_create,
    } = &mut target
    {
        if *may_create && create {
            create_private_dir(&cli.data_dir)?;
        } else if !path.exists() {
            anyhow::bail!(
                "no database at {}; start kapflow once to create it, or set DATABASE_URL",
                path.display()
            );
        }
        *may_create = *may_create && create;
    }
    Store::connect(&target)
        .await
        .context("cannot open the database")
}

/// The data directory holds health records: readable by kapflow's user only.
pub(crate) fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict the data directory {}", dir.display()))?;
    }
    Ok(())
}

pub async fn open_migrated(cli: &Cli) -> anyhow::Result<Store> {
    let store = open(cli, true).await?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store)
}

/// The migrated store with its audit keys (made at first start), the trail keyed from here on:
/// for `serve` and every command that writes audit rows. Never for `migrate`, which writes none.
pub async fn open_keyed(cli: &Cli) -> anyhow::Result<Store> {
    let store = open_migrated(cli).await?;
    // On PostgreSQL too: the key file and the checkpoint log live in the data directory.
    create_private_dir(&cli.data_dir)?;
    crate::audit::install_keys(cli, &store, true).await?;
    match store
        .audit()
        .adopt_key(kapflow_domain::time_util::now_utc())
        .await
        .context("cannot key the audit trail")?
    {
        kapflow_store::audit::KeyAdoption::Adopted { seq } => tracing::info!(
            first_keyed_row = seq,
            "the audit trail is keyed from now on; the rows before it keep their plain hashes"
        ),
        other => tracing::debug!(?other, "audit key in use"),
    }
    crate::secrets::install_keys(cli, &store, true).await?;
    crate::secrets::seal_stored(&store)
        .await
        .context("cannot seal the second-factor secrets")?;
    Ok(store)
}

pub async fn migrate_only(cli: &Cli) -> anyhow::Result<ExitCode> {
    let store = open_migrated(cli).await?;
    let status = store.migration_status().await?;
    println!("migrations applied: {:?}", status.applied);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

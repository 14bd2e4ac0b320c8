//! `kapflow restore --from FILE --identity KEY`: decrypts a backup into a scratch directory,
//! verifies it (manifest hashes, `integrity_check`, the audit chain against the backup's own
//! checkpoints, with this data directory's audit key), and only then puts it in place. A wrong
//! key or a damaged file is refused before anything is replaced; a database already in place
//! is replaced only with `--force`, and kept beside as `kapflow.db.before-restore-<time>`.

use super::{RemoveDirOnDrop, archive, bytes_bar, spinner, sync_dir};
use crate::audit::AuditFiles;
use crate::cli::{Cli, RestoreArgs};
use anyhow::Context;
use kapflow_domain::time_util::now_utc;
use kapflow_store::DatabaseTarget;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub async fn run(cli: &Cli, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let target = DatabaseTarget::resolve(cli.database_url.as_deref(), &cli.data_dir)?;
    let DatabaseTarget::Sqlite { path: live, .. } = target else {
        return super::postgres::restore(cli, args).await;
    };
    // The identity is read before anything else, so a missing one is said first.
    archive::identities(&args.identity)?;
    crate::open::create_private_dir(&cli.data_dir)?;
    if live.exists() && !args.force {
        anyhow::bail!(
            "there is a database at {} already; stop kapflow and run again with --force to \
             replace it (it is kept beside as {}.before-restore-…)",
            live.display(),
            live.display()
        );
    }

    let (scratch, manifest, restored) = decrypt(cli, args, "replaced").await?;
    let scratch = &scratch.0;

    let step = spinner("Checking the restored database (integrity, audit trail)");
    let checkpoints =
        std::fs::read_to_string(scratch.join(archive::CHECKPOINTS)).unwrap_or_default();
    let rows = verify(cli, &restored, &checkpoints).await?;
    step.finish_and_clear();

    // Verified: put it in place, the old database (and its log) kept beside.
    let stamp = now_utc().unix_timestamp();
    let log = AuditFiles::of(cli).checkpoints;
    if live.exists() {
        move_aside(&live, stamp)?;
        move_aside(&log, stamp)?;
    }
    std::fs::rename(&restored, &live)?;
    if log.exists() {
        // No database was in place, but a log was: it belongs to no trail that is here now.
        move_aside(&log, stamp)?;
    }
    std::fs::write(&log, &checkpoints)?;
    sync_dir(&cli.data_dir);

    // The restore itself is on the record, in the restored trail.
    let store = crate::open::open(cli, false).await?;
    crate::audit::install_keys(cli, &store, false).await?;
    crate::audit::record_command(
        &store,
        cli,
        "backup.restored",
        format!(
            "restored the backup made {} (audit trail verified to row {rows})",
            manifest.created_at
        ),
    )
    .await?;
    crate::secrets::install_keys(cli, &store, false).await?;
    let sealed = store.secrets().survey().await?;
    store.close().await;
    println!(
        "Restored the backup made {} into {}: every file matched its manifest, the database \
         passed its integrity check and the audit trail verified to row {rows}.",
        manifest.created_at,
        live.display()
    );
    if sealed.refused > 0 {
        println!(
            "{} second-factor secrets do not open with the secrets key here: put the secrets key \
             files (secrets-key, secrets-key.N) of the backed-up practice in the data directory, \
             or reset those accounts' second sign-in step.",
            sealed.refused
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Decrypts and unpacks the backup into a scratch directory of the data directory (removed when
/// the returned guard drops) and checks every file against its manifest; a refusal says that
/// nothing was `done_word` (replaced, written).
pub(crate) async fn decrypt(
    cli: &Cli,
    args: &RestoreArgs,
    done_word: &'static str,
) -> anyhow::Result<(RemoveDirOnDrop, archive::Manifest, PathBuf)> {
    let identities = archive::identities(&args.identity)?;
    let scratch = cli
        .data_dir
        .join(format!(".restore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir(&scratch)?;
    let guard = RemoveDirOnDrop(scratch.clone());
    let size = std::fs::metadata(&args.from)
        .with_context(|| format!("cannot read {}", args.from.display()))?
        .len();
    let bar = bytes_bar(size, "Decrypting");
    let (manifest, path) = {
        let (from, bar) = (args.from.clone(), bar.clone());
        tokio::task::spawn_blocking(move || archive::read(&from, &identities, &scratch, &bar))
            .await?
            .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was {done_word}", args.from.display()))?
    };
    bar.finish_and_clear();
    Ok((guard, manifest, path))
}

/// Checks the restored database with this data directory's audit key; returns the trail's
/// length.
async fn verify(cli: &Cli, restored: &Path, checkpoints: &str) -> anyhow::Result<i64> {
    let Some(keys) = kapflow_store::audit_files::load(&AuditFiles::of(cli).key)? else {
        anyhow::bail!(
            "no audit key here to verify the backup's audit trail with: put the practice's \
             audit key files (audit-key, audit-key.N) in {} or set KAPFLOW_AUDIT_KEY_FILE or \
             KAPFLOW_AUDIT_KEY; nothing was replaced",
            cli.data_dir.display()
        );
    };
    super::check_copy(restored, &keys, checkpoints, "the restored database").await
}

/// Renames `path` (and an SQLite file's `-wal`/`-shm`) to `<path>.before-restore-<stamp>`.
fn move_aside(path: &Path, stamp: i64) -> anyhow::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let aside = with_suffix(path, &format!(".before-restore-{stamp}"));
    std::fs::rename(path, &aside)
        .with_context(|| format!("cannot move {} aside", path.display()))?;
    for side in ["-wal", "-shm"] {
        let from = with_suffix(path, side);
        if from.exists() {
            std::fs::rename(&from, with_suffix(&aside, side))?;
        }
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

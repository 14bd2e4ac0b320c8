//! `kapflow backup`, `kapflow backup-key` and `kapflow restore`: encrypted, verified copies of
//! a practice — the embedded (SQLite) database itself, or a PostgreSQL practice's export
//! (`postgres.rs`).
//!
//! A backup is taken while kapflow serves (`VACUUM INTO`, one consistent snapshot), checked
//! before it is kept (`integrity_check`, foreign keys, the audit chain against the checkpoints
//! read before the snapshot, the custody log), encrypted with age to the practice's recipient
//! keys, synced, and the oldest beyond `--keep` are removed. The keys (audit, secrets) are never
//! in a backup: keep them apart. See README, "Backups".

mod archive;
mod postgres;
mod restore;

pub use restore::run as restore;

use crate::audit::AuditFiles;
use crate::cli::{BackupArgs, BackupKeyArgs, Cli};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kapflow_domain::audit::AuditKeyring;
use kapflow_domain::audit_checkpoint::CheckpointLog;
use kapflow_domain::time_util::now_utc;
use kapflow_store::audit_files;
use kapflow_store::{DatabaseTarget, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Backup files are `kapflow-backup-<UTC time>.age`: sorted by name is sorted by age.
const PREFIX: &str = "kapflow-backup-";
const SUFFIX: &str = ".age";

/// `kapflow backup --to DIR`.
pub async fn run(cli: &Cli, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    if args.recipients.is_empty() {
        anyhow::bail!(
            "no recipient to encrypt the backup to: give --recipient age1… (or \
             KAPFLOW_BACKUP_RECIPIENT); `kapflow backup-key --out FILE` makes a key pair"
        );
    }
    let recipients = args
        .recipients
        .iter()
        .map(|r| archive::recipient(r))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = crate::open::open_keyed(cli).await?;
    std::fs::create_dir_all(&args.to)
        .with_context(|| format!("cannot create {}", args.to.display()))?;

    let now = now_utc();
    let name = file_name(now)?;
    if store.backend() == kapflow_store::Backend::Postgres {
        return postgres::backup(cli, args, store, recipients, name, now).await;
    }
    // Read before the snapshot, so every checkpoint in it is covered by the snapshot's trail.
    let checkpoints_path = AuditFiles::of(cli).checkpoints;
    let checkpoints = audit_files::read_checkpoints(&checkpoints_path)?.unwrap_or_default();

    let snapshot = cli
        .data_dir
        .join(format!(".backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&snapshot);
    let cleanup = RemoveOnDrop(vec![snapshot.clone()]);
    let step = spinner("Taking a consistent snapshot of the database");
    store.snapshot_into(&snapshot).await?;
    step.finish_and_clear();

    let step = spinner("Checking the snapshot (integrity, audit trail, custody log)");
    let keys = store.audit().keys();
    let audit_rows = check_copy(&snapshot, &keys, &checkpoints, "the snapshot").await?;
    step.finish_and_clear();

    let checkpoints_copy = cli
        .data_dir
        .join(format!(".backup-{}.log", std::process::id()));
    std::fs::write(&checkpoints_copy, &checkpoints)?;
    let _cleanup_log = RemoveOnDrop(vec![checkpoints_copy.clone()]);

    let size = std::fs::metadata(&snapshot)?.len() + checkpoints.len() as u64;
    let bar = bytes_bar(size, "Encrypting");
    let partial = args.to.join(format!("{name}.partial"));
    let _cleanup_partial = RemoveOnDrop(vec![partial.clone()]);
    let to = args.to.clone();
    let files = vec![
        (archive::DATABASE.to_owned(), snapshot.clone()),
        (archive::CHECKPOINTS.to_owned(), checkpoints_copy.clone()),
    ];
    let manifest = archive::manifest(now.format(&Rfc3339)?, audit_rows);
    let (out, encrypted) = seal(&partial, &to, &name, files, recipients, manifest, &bar).await?;
    drop(cleanup);
    let (kept, removed) = keep_newest(&to, args.keep)?;

    crate::audit::record_command(
        &store,
        cli,
        "backup.made",
        format!(
            "{name} ({encrypted} bytes, encrypted to {} recipient(s)); snapshot checked: audit trail intact to row {audit_rows}",
            args.recipients.len()
        ),
    )
    .await?;
    store.close().await;
    println!(
        "Backup written: {} ({encrypted} bytes; the database checked, audit trail intact to row \
         {audit_rows}; {kept} backup(s) kept, {removed} older removed). The audit and secrets \
         keys are not in it: keep copies of them apart from the backups.",
        out.display(),
    );
    Ok(ExitCode::SUCCESS)
}

/// Encrypts `files` (name inside the backup, path on disk) into `partial`, then renames it to
/// `dir/name`, synced; returns the backup's path and size.
pub(crate) async fn seal(
    partial: &Path,
    dir: &Path,
    name: &str,
    files: Vec<(String, PathBuf)>,
    recipients: Vec<age::x25519::Recipient>,
    manifest: archive::Manifest,
    bar: &ProgressBar,
) -> anyhow::Result<(PathBuf, u64)> {
    {
        let (partial, bar) = (partial.to_owned(), bar.clone());
        tokio::task::spawn_blocking(move || {
            let files: Vec<(&str, &Path)> = files
                .iter()
                .map(|(n, p)| (n.as_str(), p.as_path()))
                .collect();
            archive::write(&partial, &recipients, &files, manifest, &bar)
        })
        .await??;
    }
    bar.finish_and_clear();
    let out = dir.join(name);
    std::fs::rename(partial, &out)?;
    sync_dir(dir);
    let size = std::fs::metadata(&out)?.len();
    Ok((out, size))
}

/// Checks a copy of the database as `kapflow check` would, with `keys`, against the
/// checkpoints in `checkpoints`; returns the audit trail's length. `what` names the copy in
/// the refusal.
pub(crate) async fn check_copy(
    copy: &Path,
    keys: &AuditKeyring,
    checkpoints: &str,
    what: &str,
) -> anyhow::Result<i64> {
    let store = Store::connect(&DatabaseTarget::Sqlite {
        path: copy.to_owned(),
        create: false,
    })
    .await
    .with_context(|| format!("cannot open {what}"))?;
    store.audit().use_keys(keys.clone(), None);
    let log = CheckpointLog::read(checkpoints, keys);
    let report = store.check_against(&log.good).await?;
    store.close().await;
    if !report.is_ok() {
        anyhow::bail!(
            "{what} failed its check, so nothing was written or replaced: {}",
            report.problems().join("; ")
        );
    }
    Ok(i64::try_from(*report.audit.as_ref().unwrap_or(&0)).unwrap_or(i64::MAX))
}

/// `kapflow backup-key --out FILE`.
pub fn new_key(args: &BackupKeyArgs) -> anyhow::Result<ExitCode> {
    let recipient = archive::new_identity(&args.out, &now_utc().format(&Rfc3339)?)?;
    println!(
        "Identity written to {} (keep it off this machine, in a password manager or a safe: \
         it opens every backup). Back up with:\n  kapflow backup --to DIR --recipient {recipient}",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn file_name(now: OffsetDateTime) -> anyhow::Result<String> {
    let stamp = now.format(time::macros::format_description!(
        "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
    ))?;
    Ok(format!("{PREFIX}{stamp}{SUFFIX}"))
}

/// Removes the oldest backups in `dir` beyond the newest `keep` (at least one is kept);
/// returns how many are kept and how many were removed.
pub(crate) fn keep_newest(dir: &Path, keep: usize) -> anyhow::Result<(usize, usize)> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    backups.sort();
    let surplus = backups.len().saturating_sub(keep.max(1));
    for old in &backups[..surplus] {
        std::fs::remove_file(old).with_context(|| format!("cannot remove {}", old.display()))?;
    }
    sync_dir(dir);
    Ok((backups.len() - surplus, surplus))
}

/// Makes a directory's new and removed entries durable.
pub(crate) fn sync_dir(dir: &Path) {
    // Not every platform can open a directory; the files themselves are already synced.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes temporary files (a plaintext snapshot, a partial backup) however the command ends.
pub(crate) struct RemoveOnDrop(pub Vec<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(side);
            }
        }
    }
}

/// Removes a scratch directory (decrypted or exported records) however the command ends.
pub(crate) struct RemoveDirOnDrop(pub PathBuf);

impl Drop for RemoveDirOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A spinner on the terminal (nothing when stderr is not one).
pub(crate) fn spinner(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A byte-count bar on the terminal (nothing when stderr is not one).
pub(crate) fn bytes_bar(total: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(total).with_message(message);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

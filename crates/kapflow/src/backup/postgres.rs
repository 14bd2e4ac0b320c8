//! `kapflow backup` and `kapflow restore` for a PostgreSQL practice: the backup is the practice
//! export (one consistent snapshot, every file summed, a signed checkpoint of the trail's head),
//! encrypted and kept like an embedded backup; restoring imports it into a new, empty database
//! and checks it there (counts, sums, the audit chain), as `kapflow import` does.

use super::{RemoveDirOnDrop, RemoveOnDrop, archive, bytes_bar, keep_newest, spinner};
use crate::cli::{BackupArgs, Cli, RestoreArgs};
use kapflow_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;

/// Backs up the PostgreSQL practice `store` to `args.to` as `name`.
pub async fn backup(
    cli: &Cli,
    args: &BackupArgs,
    store: Store,
    recipients: Vec<age::x25519::Recipient>,
    name: String,
    now: time::OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let scratch = cli
        .data_dir
        .join(format!(".backup-{}-export", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let _cleanup = RemoveDirOnDrop(scratch.clone());
    let step = spinner("Exporting the practice (one consistent snapshot)");
    let exported = crate::transfer::export::write_export(&store, &scratch).await?;
    step.finish_and_clear();
    // Every file as the manifest says, before it is encrypted.
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for (file, sum) in exported
        .tables
        .iter()
        .map(|t| (&t.file, &t.sha256))
        .chain(exported.fhir.iter().map(|f| (&f.file, &f.sha256)))
    {
        let path = scratch.join(file);
        if &crate::transfer::manifest::sha256_of(&path)? != sum {
            anyhow::bail!("{file} changed while the backup was written; nothing was kept");
        }
        files.push((format!("{}/{file}", archive::EXPORT), path));
    }
    files.push((
        format!("{}/{}", archive::EXPORT, crate::transfer::manifest::FILE),
        scratch.join(crate::transfer::manifest::FILE),
    ));
    let audit_rows = exported
        .tables
        .iter()
        .find(|t| t.table == "audit_log")
        .map_or(0, |t| i64::try_from(t.rows).unwrap_or(i64::MAX));
    let size = files
        .iter()
        .map(|(_, p)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = bytes_bar(size, "Encrypting");
    let partial = args.to.join(format!("{name}.partial"));
    let _cleanup_partial = RemoveOnDrop(vec![partial.clone()]);
    let manifest = archive::manifest(now.format(&Rfc3339)?, audit_rows);
    let (out, encrypted) =
        super::seal(&partial, &args.to, &name, files, recipients, manifest, &bar).await?;
    let (kept, removed) = keep_newest(&args.to, args.keep)?;
    crate::audit::record_command(
        &store,
        cli,
        "backup.made",
        format!(
            "{name} ({encrypted} bytes, encrypted to {} recipient(s)); the practice export of {audit_rows} audit rows",
            args.recipients.len()
        ),
    )
    .await?;
    store.close().await;
    println!(
        "Backup written: {} ({encrypted} bytes: the practice export, every file summed; {kept} \
         backup(s) kept, {removed} older removed). The audit and secrets keys are not in it: \
         keep copies of them apart from the backups.",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Restores a PostgreSQL practice's backup `args.from` into the (new, empty) database of
/// `DATABASE_URL`: decrypted into a scratch directory, every file against the backup's
/// manifest, then imported and checked.
pub async fn restore(cli: &Cli, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    crate::open::create_private_dir(&cli.data_dir)?;
    let (_scratch, manifest, export) = super::restore::decrypt(cli, args, "written").await?;
    if !export.ends_with(archive::EXPORT) {
        anyhow::bail!(
            "{} is a backup of an embedded (SQLite) practice: restore it without DATABASE_URL, \
             then move it with `kapflow export` and `kapflow import`; nothing was written",
            args.from.display()
        );
    }
    let imported = crate::transfer::import::from_dir(cli, &export).await?;
    if imported != ExitCode::SUCCESS {
        return Ok(imported);
    }
    let store = crate::open::open_keyed(cli).await?;
    crate::audit::record_command(
        &store,
        cli,
        "backup.restored",
        format!("restored the backup made {}", manifest.created_at),
    )
    .await?;
    store.close().await;
    println!("Restored the backup made {}.", manifest.created_at);
    Ok(ExitCode::SUCCESS)
}

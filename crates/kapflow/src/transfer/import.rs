//! Loads a practice export into a new database: the manifest and every file's SHA-256 checked
//! before anything is written, the target's schema and tables compared with the export's, all
//! rows in one transaction, then the row counts compared and the whole database checked as
//! `kapflow check` would (integrity, the audit chain with this data directory's audit key).

use super::manifest::{self, Manifest};
use crate::cli::{CheckArgs, Cli, ImportArgs};
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use kapflow_store::transfer::{Cell, Import};
use std::path::Path;
use std::process::ExitCode;

fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(manifest::FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} has no manifest: not a kapflow export, or one that did not finish",
            dir.display()
        )
    })?;
    let m: Manifest = serde_json::from_str(&text).context("the manifest cannot be read")?;
    if m.format != manifest::FORMAT {
        bail!(
            "the export is in format {}, not {}",
            m.format,
            manifest::FORMAT
        );
    }
    Ok(m)
}

/// Every file the manifest names, against its SHA-256 (nothing is written before this passes).
fn verify_files(dir: &Path, m: &Manifest) -> anyhow::Result<()> {
    let files = m
        .tables
        .iter()
        .map(|t| (&t.file, &t.sha256))
        .chain(m.fhir.iter().map(|f| (&f.file, &f.sha256)));
    for (file, want) in files {
        if file.contains("..") || file.starts_with('/') {
            bail!("the manifest names a file outside the export: {file}");
        }
        let got = manifest::sha256_of(&dir.join(file))
            .with_context(|| format!("{file} is missing from the export"))?;
        if &got != want {
            bail!(
                "{file} does not match its SHA-256 in the manifest: the export is damaged; nothing was imported"
            );
        }
    }
    Ok(())
}

pub async fn run(cli: &Cli, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    from_dir(cli, &args.from).await
}

/// Imports the export in `dir` (also how `kapflow restore` puts back a PostgreSQL backup).
pub(crate) async fn from_dir(cli: &Cli, dir: &Path) -> anyhow::Result<ExitCode> {
    let m = read_manifest(dir)?;
    verify_files(dir, &m)?;
    let store = crate::open::open_migrated(cli).await?;
    let transfer = store.transfer();
    let version = transfer.schema_version().await?;
    if version != m.schema_version {
        bail!(
            "the export was read from schema version {} and this database is at {version}: \
             import with the kapflow version that made it",
            m.schema_version
        );
    }
    let tables = transfer.tables().await?;
    for t in &tables {
        let Some(f) = m.tables.iter().find(|f| f.table == t.name) else {
            bail!("the export has no file for table {}", t.name);
        };
        if f.columns != t.column_names() {
            bail!("table {} has other columns here than in the export", t.name);
        }
    }
    if let Some(extra) = m
        .tables
        .iter()
        .find(|f| !tables.iter().any(|t| t.name == f.table))
    {
        bail!(
            "the export has a table this database does not: {}",
            extra.table
        );
    }

    let mut import = transfer
        .begin_import(&tables)
        .await
        .context("cannot import here")?;
    let total: u64 = m.tables.iter().map(|t| t.rows).sum();
    let progress = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{msg:24} [{bar:30}] {pos}/{len} rows ({elapsed})")
    {
        progress.set_style(style.progress_chars("=> "));
    }
    progress.set_message("importing");
    for t in &tables {
        let file = m
            .tables
            .iter()
            .find(|f| f.table == t.name)
            .map(|f| dir.join(&f.file))
            .unwrap_or_default();
        let mut reader = csv::Reader::from_path(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(Import::batch(t));
        for (line, record) in reader.records().enumerate() {
            let record = record.with_context(|| format!("{}: row {}", t.name, line + 1))?;
            let row = record
                .iter()
                .map(Cell::from_field)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|why| anyhow::anyhow!("{}: row {}: {why}", t.name, line + 1))?;
            batch.push(row);
            if batch.len() >= Import::batch(t) {
                import.rows(t, &batch).await?;
                progress.inc(batch.len() as u64);
                batch.clear();
            }
        }
        if !batch.is_empty() {
            import.rows(t, &batch).await?;
            progress.inc(batch.len() as u64);
        }
    }
    import
        .finish(&tables)
        .await
        .context("the import could not be committed; nothing was imported")?;
    progress.finish_with_message("imported");

    let counts = transfer.counts(&tables).await?;
    for (name, n) in &counts {
        let want = m
            .tables
            .iter()
            .find(|f| &f.table == name)
            .map_or(0, |f| f.rows);
        if *n != want {
            bail!(
                "table {name} has {n} rows after the import, the export {want}: do not use this database"
            );
        }
    }
    println!(
        "imported {} tables, {total} rows; every count matches the manifest",
        counts.len()
    );
    store.close().await;
    // The new practice's own checkpoint log starts here (the source's stays with the source).
    let keyed = crate::open::open_keyed(cli).await?;
    crate::audit::checkpoint(
        &keyed,
        cli,
        kapflow_domain::audit_checkpoint::CheckpointEvent::Command,
    )
    .await?;
    keyed.close().await;
    // The same verification as `kapflow check`, on what was just written.
    // The trail is checked against the checkpoint the export signed (the source's checkpoint
    // log stays with the source: it goes on past the export).
    let checked = crate::check::run(
        cli,
        &CheckArgs {
            checkpoints: m.audit_checkpoint.iter().cloned().collect(),
        },
    )
    .await?;
    if checked != ExitCode::SUCCESS {
        println!("the imported database does not pass the check above: do not use it");
        return Ok(checked);
    }
    let store = crate::open::open_keyed(cli).await?;
    crate::audit::record_command(
        &store,
        cli,
        "practice.imported",
        format!(
            "{total} rows from an export of {} ({})",
            m.exported_at, m.from
        ),
    )
    .await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

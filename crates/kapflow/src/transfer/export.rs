//! Writes a practice export (see the module above): tables from one consistent snapshot,
//! streamed row by row into CSV; then each client's FHIR record; then the manifest, last, so
//! a directory without one is an export that did not finish.

use super::manifest::{self, FhirFile, Manifest, TableFile};
use crate::cli::{Cli, ExportArgs};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kapflow_domain::time_util::now_utc;
use kapflow_store::transfer::{Cell, Table};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg:24} [{bar:30}] {pos}/{len} ({elapsed})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

pub async fn run(cli: &Cli, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.to;
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        anyhow::bail!(
            "{} is not empty: export into a new directory, so nothing old is mistaken for part of it",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)?;
    let store = crate::open::open_keyed(cli).await?;
    let manifest = write_export(&store, dir).await?;
    let rows: u64 = manifest.tables.iter().map(|t| t.rows).sum();
    let clients = manifest
        .tables
        .iter()
        .find(|t| t.table == "clients")
        .map_or(0, |t| t.rows);
    crate::audit::record_command(
        &store,
        cli,
        "practice.exported",
        format!(
            "{} tables, {rows} rows, {clients} clients",
            manifest.tables.len()
        ),
    )
    .await?;
    store.close().await;
    println!(
        "exported {} tables ({rows} rows, {clients} clients) and their FHIR records to {}",
        manifest.tables.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the export of `store` into the empty directory `dir`; returns its manifest (also
/// written, last, as `manifest.json`). Also what `kapflow backup` encrypts on PostgreSQL.
pub(crate) async fn write_export(
    store: &kapflow_store::Store,
    dir: &std::path::Path,
) -> anyhow::Result<Manifest> {
    std::fs::create_dir_all(dir.join("tables"))?;
    std::fs::create_dir_all(dir.join("fhir"))?;
    let started = now_utc();
    let transfer = store.transfer();
    let tables = transfer.tables().await?;
    // Signed before the snapshot, so the snapshot's trail reaches at least this far.
    let audit_checkpoint = store
        .audit()
        .checkpoint(
            kapflow_domain::audit_checkpoint::CheckpointEvent::Command,
            now_utc(),
        )
        .await?
        .map(|(_, line)| line);

    let mut writers: BTreeMap<String, csv::Writer<BufWriter<File>>> = BTreeMap::new();
    for t in &tables {
        let mut w =
            csv::Writer::from_writer(BufWriter::new(File::create(dir.join(table_file(&t.name)))?));
        w.write_record(t.column_names())?;
        writers.insert(t.name.clone(), w);
    }
    let progress = bar(tables.len() as u64, "tables");
    let mut current = String::new();
    let mut write = |t: &Table, row: Vec<Cell>| -> Result<(), String> {
        if t.name != current {
            current.clone_from(&t.name);
            progress.inc(1);
        }
        let w = writers.get_mut(&t.name).ok_or("a table without a file")?;
        w.write_record(row.iter().map(Cell::to_field))
            .map_err(|e| e.to_string())
    };
    let counts = transfer.export(&tables, &mut write).await?;
    progress.finish_with_message("tables written");
    for (_, w) in writers {
        let file = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write a table file: {e}"))?
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write a table file: {e}"))?;
        file.sync_all()?;
    }
    let mut table_files = Vec::with_capacity(tables.len());
    for (t, (name, rows)) in tables.iter().zip(&counts) {
        let file = table_file(name);
        table_files.push(TableFile {
            table: name.clone(),
            columns: t.column_names(),
            rows: *rows,
            sha256: manifest::sha256_of(&dir.join(&file))?,
            file,
        });
    }

    let fhir = fhir_files(store, dir).await?;
    let manifest = Manifest {
        format: manifest::FORMAT.into(),
        exported_at: started.format(&Rfc3339)?,
        from: if matches!(store.backend(), kapflow_store::Backend::Sqlite) {
            "sqlite".into()
        } else {
            "postgresql".into()
        },
        schema_version: transfer.schema_version().await?,
        tables: table_files,
        fhir,
        audit_checkpoint,
    };
    let path = dir.join(manifest::FILE);
    let mut out = File::create(&path)?;
    out.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    out.sync_all()?;
    Ok(manifest)
}

fn table_file(name: &str) -> String {
    format!("tables/{name}.csv")
}

/// Every client's record as FHIR bulk NDJSON, one file per resource type; the practice's own
/// resources (practitioners, organisations, questionnaires) once.
async fn fhir_files(store: &kapflow_store::Store, dir: &Path) -> anyhow::Result<Vec<FhirFile>> {
    use kapflow_fhir::record;
    let mut files: BTreeMap<String, (BufWriter<File>, u64)> = BTreeMap::new();
    let mut put = |resource: kapflow_fhir::r4::resources::Resource| -> anyhow::Result<()> {
        let json = kapflow_fhir::to_json(resource);
        let kind = json["resourceType"]
            .as_str()
            .unwrap_or("Unknown")
            .to_owned();
        let entry = match files.entry(kind.clone()) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => v.insert((
                BufWriter::new(File::create(dir.join(format!("fhir/{kind}.ndjson")))?),
                0,
            )),
        };
        serde_json::to_writer(&mut entry.0, &json)?;
        entry.0.write_all(b"\n")?;
        entry.1 += 1;
        Ok(())
    };
    for r in record::practitioners(store).await? {
        put(r)?;
    }
    for r in record::organizations(store).await? {
        put(r)?;
    }
    for r in record::questionnaires(store).await? {
        put(r)?;
    }
    let clients = store.access().every_client_for_export().await?;
    let progress = bar(clients.len() as u64, "FHIR records");
    for access in &clients {
        for r in record::client_resources(store, access).await? {
            put(r)?;
        }
        progress.inc(1);
    }
    progress.finish_with_message("FHIR records written");
    let mut out = Vec::with_capacity(files.len());
    for (kind, (w, n)) in files {
        let file = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write a FHIR file: {e}"))?;
        file.sync_all()?;
        let name = format!("fhir/{kind}.ndjson");
        out.push(FhirFile {
            sha256: manifest::sha256_of(&dir.join(&name))?,
            resource_type: kind,
            file: name,
            resources: n,
        });
    }
    Ok(out)
}

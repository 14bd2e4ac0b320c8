//! `kapflow check`: integrity of the database file, the audit trail's keyed hash chain, the
//! trail against the signed checkpoints kept outside the database, the medication custody
//! log's chain, and that every sealed second-factor secret opens with the secrets key.

use crate::audit::AuditFiles;
use crate::cli::{CheckArgs, Cli};
use kapflow_domain::audit::AuditKeyring;
use kapflow_domain::audit_checkpoint::{Checkpoint, CheckpointLog};
use kapflow_store::audit_files::{self, KeySource};
use std::process::ExitCode;

pub async fn run(cli: &Cli, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let store = crate::open::open(cli, false).await?;
    // Never makes a key: checking must not change what it checks.
    let keys = crate::audit::install_keys(cli, &store, false)
        .await?
        .unwrap_or_default();
    let files = AuditFiles::of(cli);
    let log_text = audit_files::read_checkpoints(&files.checkpoints)?;
    let mut log = CheckpointLog::read(log_text.as_deref().unwrap_or(""), &keys);
    let mut anchor_problems: Vec<String> = log
        .bad
        .iter()
        .map(|(line, why)| format!("checkpoint line {line} {why}"))
        .collect();
    for (i, line) in args.checkpoints.iter().enumerate() {
        match Checkpoint::parse(line, &keys) {
            Ok(c) => log.good.push(c),
            Err(why) => anchor_problems.push(format!("checkpoint --checkpoint #{} {why}", i + 1)),
        }
    }
    let report = store.check_against(&log.good).await?;
    let keyed_rows = store.audit().newest_key_generation().await?.is_some();
    crate::secrets::install_keys(cli, &store, false).await?;
    let sealed = store.secrets().survey().await?;
    store.close().await;

    for problem in &report.integrity {
        println!("integrity: {problem}");
    }
    for problem in &report.foreign_keys {
        println!("foreign key: {problem}");
    }
    if report.integrity.is_empty() && report.foreign_keys.is_empty() {
        println!("database: ok ({:?})", store.backend());
    }
    for record in &report.unreadable {
        println!("unreadable: {record}");
    }
    if report.unreadable.is_empty() {
        println!(
            "stored records: ok (every intake, preparation, response, instrument and queued email reads)"
        );
    }
    println!("audit key: {}", describe_keys(&files.key, &keys));
    match &report.audit {
        Ok(n) => {
            let unkeyed = match report.audit_unkeyed {
                0 => String::new(),
                k => format!("; rows 1..{k} verified without a key, written before it existed"),
            };
            println!("audit trail: ok ({n} rows, hash chain intact{unkeyed})");
        }
        Err(b) => println!(
            "audit trail: BROKEN at row {} (id {}): {}",
            b.seq, b.id, b.problem
        ),
    }
    match &report.custody {
        Ok(n) => println!(
            "custody log: ok ({n} entries, hash chain intact and vouched for by the audit trail)"
        ),
        Err(b) => println!("custody log: BROKEN at {b}"),
    }
    // A keyed trail always has checkpoints (every start and every command that writes one
    // leaves one), so a missing log means it was removed.
    if log_text.is_none() && keyed_rows {
        anchor_problems.push(format!(
            "no checkpoint file at {} (it was removed or moved): rows deleted from the end of the trail cannot be found without it",
            files.checkpoints.display()
        ));
    }
    anchor_problems.extend(report.audit_anchor.iter().map(ToString::to_string));
    for problem in &anchor_problems {
        println!("audit checkpoints: {problem}");
    }
    if anchor_problems.is_empty() {
        match log.furthest() {
            Some(c) => println!(
                "audit checkpoints: ok ({} checked; the furthest, of {}, saw row {} and matches)",
                log.good.len(),
                c.when(),
                c.seq
            ),
            None => println!("audit checkpoints: none yet"),
        }
    }
    let secrets_ok = sealed.refused == 0 && sealed.unsealed == 0;
    if secrets_ok {
        println!(
            "second-factor secrets: ok ({} sealed, {} of them with an older key until the next start)",
            sealed.current + sealed.older,
            sealed.older
        );
    } else {
        println!(
            "second-factor secrets: {} do not open with the secrets key (sealed with a key this process lacks, or changed) and {} are not sealed (stored before sealing: `kapflow serve` seals them at its first start if nothing is sealed yet; otherwise written without the key); an account whose secret does not open needs its second factor reset",
            sealed.refused, sealed.unsealed
        );
    }
    Ok(
        if report.is_ok() && anchor_problems.is_empty() && secrets_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

/// Which keys were used, never the keys.
fn describe_keys(source: &KeySource, keys: &AuditKeyring) -> String {
    let Some(current) = keys.current() else {
        return format!(
            "none found ({source:?}); only rows written before the trail was keyed can be verified"
        );
    };
    let generations = keys.generations();
    format!(
        "generation {} from {source:?}{}",
        current.generation(),
        if generations.len() > 1 {
            format!(
                " (older generations kept: {:?})",
                &generations[..generations.len() - 1]
            )
        } else {
            String::new()
        }
    )
}

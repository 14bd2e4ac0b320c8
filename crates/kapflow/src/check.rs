//! `kapflow check`: integrity of the database file and of the audit trail's hash chain.

use crate::cli::Cli;
use std::process::ExitCode;

pub async fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let store = crate::open::open(cli, false).await?;
    let report = store.check().await?;
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
    match &report.audit {
        Ok(n) => println!("audit trail: ok ({n} rows, hash chain intact)"),
        Err(b) => println!(
            "audit trail: BROKEN at row {} (id {}): {}",
            b.seq, b.id, b.problem
        ),
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

//! The kapflow binary: parses the command line and runs one subcommand.

mod audit;
mod backup;
mod check;
mod cli;
mod demo_data;
mod logging;
mod open;
mod secrets;
mod serve;
mod transfer;
mod user;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(&cli.log, cli.log_format);
    // demo-data is one long conversation with the database's worker thread: one runtime thread,
    // on one CPU (see demo_data/one_cpu.rs).
    let mut builder = match cli.command {
        Some(cli::Command::DemoData(_)) => {
            demo_data::keep_to_one_cpu();
            tokio::runtime::Builder::new_current_thread()
        }
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kapflow: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command.clone().unwrap_or_default() {
            cli::Command::Serve(args) => serve::run(&cli, &args).await,
            cli::Command::Migrate => open::migrate_only(&cli).await,
            cli::Command::Check(args) => check::run(&cli, &args).await,
            cli::Command::Audit(cli::AuditCommand::RotateKey) => audit::rotate_key(&cli).await,
            cli::Command::Backup(args) => backup::run(&cli, &args).await,
            cli::Command::BackupKey(args) => backup::new_key(&args),
            cli::Command::Restore(args) => backup::restore(&cli, &args).await,
            cli::Command::Export(args) => transfer::export(&cli, &args).await,
            cli::Command::Import(args) => transfer::import(&cli, &args).await,
            cli::Command::Secrets(cli::SecretsCommand::RotateKey) => {
                secrets::rotate_key(&cli).await
            }
            cli::Command::User(cmd) => user::run(&cli, &cmd).await,
            cli::Command::DemoData(args) => demo_data::run(&cli, &args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kapflow: {e:#}");
            ExitCode::FAILURE
        }
    }
}

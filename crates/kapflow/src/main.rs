//! The kapflow binary: parses the command line and runs one subcommand.

mod audit;
mod check;
mod cli;
mod logging;
mod open;
mod serve;
mod user;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(&cli.log, cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
            cli::Command::User(cmd) => user::run(&cli, &cmd).await,
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

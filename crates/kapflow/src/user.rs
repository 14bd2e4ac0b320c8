//! `kapflow user …`: account administration for operators at the server's console.

use crate::cli::{Cli, UserCommand};
use kapflow_domain::audit_checkpoint::CheckpointEvent;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, AuditEntry, Email, Role};
use kapflow_store::invitations::{InviteRefused, IssuedLink};
use std::process::ExitCode;

/// Console actions are audited as the system acting for an operator.
fn operator() -> Actor {
    Actor::anonymous(Some("cli".into()))
}

pub async fn run(cli: &Cli, cmd: &UserCommand) -> anyhow::Result<ExitCode> {
    let store = crate::open::open_keyed(cli).await?;
    let code = match cmd {
        UserCommand::Add {
            email,
            role,
            public_url,
            listen,
        } => {
            let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::parse(role)
                .filter(|r| r.is_staff() && *r != Role::Owner)
                .ok_or_else(|| {
                    anyhow::anyhow!("--role must be therapist, front_desk or prescriber")
                })?;
            let token = kapflow_web::setup_link::new_token();
            // The same base `kapflow serve` links with: its public address, or where it listens.
            let base = public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| format!("http://{listen}"));
            let link = format!("{base}/invite/{token}");
            let now = now_utc();
            let lifetime = kapflow_web::routes::staff::INVITATION_LIFETIME;
            match store
                .invitations()
                .create(
                    &email,
                    role,
                    &IssuedLink {
                        token_hash: &token_hash(&token),
                        link: &link,
                        expires_at: now + lifetime,
                    },
                    &operator(),
                    now,
                )
                .await?
            {
                Ok(()) => {
                    println!(
                        "Invitation for {email} as {}: (single use, valid 3 days)",
                        role.label()
                    );
                    println!("  {link}");
                    ExitCode::SUCCESS
                }
                Err(InviteRefused::AccountExists) => {
                    eprintln!("kapflow: {email} already has an account");
                    ExitCode::FAILURE
                }
            }
        }
        UserCommand::List => {
            for l in store.users().staff().await? {
                let u = &l.user;
                println!(
                    "{:<36} {:<11} {:<8} {:<8} {}",
                    u.email,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    if l.mfa_enrolled { "mfa" } else { "no-mfa" },
                    u.display_name
                );
            }
            ExitCode::SUCCESS
        }
        UserCommand::Disable { email } => {
            let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            match store.users().by_email(&email).await? {
                Some(u) => {
                    store
                        .accounts()
                        .disable_user(u.id, &operator(), now_utc())
                        .await?
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                    println!("{email} is disabled and signed out everywhere.");
                    ExitCode::SUCCESS
                }
                None => {
                    store
                        .audit()
                        .record(&AuditEntry::system("user.disabled", now_utc()).outcome(
                            kapflow_domain::AuditOutcome::Failure,
                            Some("no such account"),
                        ))
                        .await?;
                    eprintln!("kapflow: no account has the address {email}");
                    ExitCode::FAILURE
                }
            }
        }
    };
    // The rows this command wrote are anchored before it exits (no server may run to do it).
    crate::audit::checkpoint(&store, cli, CheckpointEvent::Command).await?;
    store.close().await;
    Ok(code)
}

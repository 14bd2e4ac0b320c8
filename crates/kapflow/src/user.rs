//! `kapflow user …`: account administration for operators at the server's console.

use crate::cli::{Cli, UserCommand};
use kapflow_domain::audit_checkpoint::CheckpointEvent;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, AuditEntry, Email, OrgId, Role};
use kapflow_store::invitations::{InviteRefused, IssuedLink};
use std::process::ExitCode;

/// Console actions are audited as the system acting for an operator.
fn operator() -> Actor {
    Actor::anonymous(Some("cli".into()))
}

/// The partner organisation called `name` (case aside), added if the practice has none by
/// that name.
async fn partner_org(store: &kapflow_store::Store, name: &str) -> anyhow::Result<OrgId> {
    let name = kapflow_domain::text::required_line(name, 120, "--org")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let orgs = store.partner_orgs().list().await?;
    if let Some(o) = orgs.iter().find(|o| o.name.eq_ignore_ascii_case(&name)) {
        return Ok(o.id);
    }
    let id = store
        .partner_orgs()
        .add(&name, &operator(), now_utc())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the partner organisation {name} could not be added"))?;
    println!("Added the partner organisation {name}.");
    Ok(id)
}

pub async fn run(cli: &Cli, cmd: &UserCommand) -> anyhow::Result<ExitCode> {
    let store = crate::open::open_keyed(cli).await?;
    let code = match cmd {
        UserCommand::Add {
            email,
            role,
            public_url,
            listen,
            org,
        } => {
            let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::parse(role)
                .filter(|r| r.is_staff() && *r != Role::Owner)
                .ok_or_else(|| {
                    anyhow::anyhow!("--role must be therapist, front_desk or prescriber")
                })?;
            let org = match org.as_deref() {
                None => None,
                Some(_) if role != Role::Prescriber => {
                    anyhow::bail!(
                        "--org is for prescribers: only they belong to a partner organisation"
                    )
                }
                Some(name) => Some(partner_org(&store, name).await?),
            };
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
                    org,
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
            let orgs = store.partner_orgs().list().await?;
            for l in store.users().staff().await? {
                let u = &l.user;
                // A prescriber's partner organisation follows their name.
                let org = match store.partner_orgs().of(u.id).await? {
                    Some(id) => orgs
                        .iter()
                        .find(|o| o.id == id)
                        .map(|o| format!(" ({})", o.name))
                        .unwrap_or_default(),
                    None => String::new(),
                };
                println!(
                    "{:<36} {:<11} {:<8} {:<8} {}{org}",
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

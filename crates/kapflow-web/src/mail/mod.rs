//! Outgoing mail: the transport, what each message says (`compose`), and the outbox worker
//! that sends them (`worker`).
//!
//! Mail goes through lettre: SMTP when `KAPFLOW_SMTP_URL` is set, otherwise `.eml` files under
//! the data directory (a log line says where). Messages carry no PHI and no secret beyond the
//! link they exist for; subjects are generic.

mod compose;
mod worker;

pub use worker::{deliver_due, run_outbox_worker};

use lettre::message::{Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp(<redacted>)"),
            Mailer::Files(p) => write!(f, "Mailer::Files({})", p.display()),
        }
    }
}

impl Mailer {
    /// SMTP from a URL like `smtps://user:pass@host:465`, or files under `dir`.
    pub fn new(smtp_url: Option<&str>, dir: PathBuf) -> Result<Mailer, String> {
        match smtp_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.build()))
                .map_err(|_| "KAPFLOW_SMTP_URL is not a valid smtp:// or smtps:// URL".to_owned()),
            None => Ok(Mailer::Files(dir)),
        }
    }

    pub(crate) async fn send(&self, msg: Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(t) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| format!("smtp: {e}")),
            Mailer::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("mail dir: {e}"))?;
                let id = AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(msg)
                    .await
                    .map_err(|e| format!("mail file: {e}"))?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "mail written to a file (no SMTP configured)");
                Ok(())
            }
        }
    }
}

/// Where and how to send: the transport, the sender, and the address links point to.
#[derive(Clone, Debug)]
pub struct MailContext {
    pub mailer: Mailer,
    pub from: Mailbox,
    pub public_url: String,
}

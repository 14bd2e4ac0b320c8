//! Outgoing mail: the transport, what each message says (`compose`), and the outbox worker
//! that sends them (`worker`).
//!
//! Mail goes through lettre: SMTP when `KAPFLOW_SMTP_URL` is set, otherwise `.eml` files under
//! the data directory (a log line says where). Messages carry no PHI and no secret beyond the
//! link they exist for; subjects are generic.

mod compose;
pub mod follow_ups;
pub mod reminders;
mod worker;

pub use worker::{deliver_due, run_outbox_worker};

use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
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
                let dir = dir.clone();
                let file = tokio::task::spawn_blocking(move || write_eml(&dir, &msg))
                    .await
                    .map_err(|e| format!("mail file: {e}"))??;
                tracing::info!(file = %file.display(), "mail written to a file (no SMTP configured)");
                Ok(())
            }
        }
    }
}

/// Writes `msg` as `DIR/<uuid>.eml`, as lettre's file transport would, but readable by this
/// user alone (0600, in a 0700 directory): these files hold live sign-in and questionnaire
/// links. The mode is set when the file is created, so it is never readable by others even
/// for a moment, whatever the umask.
fn write_eml(dir: &std::path::Path, msg: &Message) -> Result<PathBuf, String> {
    use std::io::Write;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| format!("mail dir: {e}"))?;
    let path = dir.join(format!("{}.eml", uuid::Uuid::new_v4()));
    let mut options = std::fs::OpenOptions::new();
    // create_new: a name clash never overwrites (or follows a link to) another file.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&path).map_err(|e| format!("mail file: {e}"))?;
    f.write_all(&msg.formatted())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("mail file: {e}"))?;
    Ok(path)
}

/// Where and how to send: the transport, the sender, and the address links point to.
#[derive(Clone, Debug)]
pub struct MailContext {
    pub mailer: Mailer,
    pub from: Mailbox,
    pub public_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn mail_files_are_readable_by_this_user_alone() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("dir");
        let dir = tmp.path().join("mail");
        let msg = Message::builder()
            .from("kapflow <kapflow@localhost>".parse().expect("from"))
            .to("ann@example.org".parse().expect("to"))
            .subject("Sign in")
            .body(String::from("http://127.0.0.1:8080/invite/secret-token"))
            .expect("message");
        Mailer::Files(dir.clone()).send(msg).await.expect("sent");
        let files: Vec<_> = std::fs::read_dir(&dir)
            .expect("read")
            .map(|f| f.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&files[0]), 0o600, "the .eml holds a live link");
        assert_eq!(mode(&dir), 0o700);
        let text = std::fs::read_to_string(&files[0]).expect("text");
        assert!(text.contains("Subject: Sign in") && text.contains("secret-token"));
    }
}

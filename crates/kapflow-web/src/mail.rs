//! Outgoing mail and the outbox worker that sends it.
//!
//! Mail goes through lettre: SMTP when `KAPFLOW_SMTP_URL` is set, otherwise `.eml` files under
//! the data directory (a log line says where). Messages carry no PHI and no secret beyond the
//! link they exist for; subjects are generic.

use kapflow_domain::time_util::now_utc;
use kapflow_store::Store;
use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

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

    async fn send(&self, msg: Message) -> Result<(), String> {
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

/// The subject and body of one email kind. Generic subjects; no PHI anywhere.
fn compose(template: &str, practice: &str, link: Option<&str>) -> Option<(String, String)> {
    let link = link.unwrap_or("");
    Some(match template {
        "invitation" => (
            "Your invitation to kapflow".to_owned(),
            format!(
                "{practice} has invited you to its practice system.\n\nSet up your account with this link (it works once and expires in 3 days):\n{link}\n\nIf you did not expect this, ignore this email.\n"
            ),
        ),
        "password_reset" => (
            "Password reset for kapflow".to_owned(),
            format!(
                "Someone asked to reset the password of your {practice} account.\n\nChoose a new password with this link (it works once and expires in 1 hour):\n{link}\n\nIf it was not you, ignore this email: your password stays as it is.\n"
            ),
        ),
        "new_inquiry" => (
            "New inquiry".to_owned(),
            format!(
                "A new inquiry arrived through the {practice} website.\n\nRead it in the inbox (sign-in required):\n{link}\n"
            ),
        ),
        "break_glass" => (
            "Security notice: emergency access used".to_owned(),
            format!(
                "At {practice}, {link}\n\nEvery view in that window is marked in the audit trail. No client details are in this email.\n"
            ),
        ),
        "referral" => (
            "New referral".to_owned(),
            format!(
                "{practice} referred a client to your organisation for a medical evaluation.\n\nOpen your referrals (sign-in required):\n{link}\n"
            ),
        ),
        "measure_link" => (
            // The subject shows on lock screens: it names neither the practice nor the topic.
            "A short questionnaire for you".to_owned(),
            format!(
                "Your care team at {practice} asks you to answer a short questionnaire.\n\nOpen it with this link (it works once and expires in 7 days):\n{link}\n\nIf you are in crisis, call or text 988 (Suicide & Crisis Lifeline, US). In an emergency, call 911.\n"
            ),
        ),
        "risk_alert" => (
            "Safety alert: please open kapflow".to_owned(),
            format!(
                "A questionnaire answer at {practice} raised a suicide-risk alert for a client on your care team. It stays open until a clinician acknowledges it with a note.\n\nOpen it (sign-in required):\n{link}\n"
            ),
        ),
        "risk_alert_escalated" => (
            "Escalated safety alert: please open kapflow".to_owned(),
            format!(
                "A suicide-risk alert at {practice} has not been acknowledged in time and is escalated to you.\n\nOpen it (sign-in required):\n{link}\n"
            ),
        ),
        "account_locked" => (
            "Security notice from kapflow".to_owned(),
            format!(
                "Your {practice} account was locked for 15 minutes after several wrong passwords.\n\nIf this was not you, tell the practice owner and reset your password.\n"
            ),
        ),
        _ => return None,
    })
}

/// Where and how to send: the transport, the sender, and the address links point to.
#[derive(Clone, Debug)]
pub struct MailContext {
    pub mailer: Mailer,
    pub from: Mailbox,
    pub public_url: String,
}

/// Turns an outbox payload into messages; none for payloads this worker does not send.
async fn messages_for(
    store: &Store,
    ctx: &MailContext,
    payload: &serde_json::Value,
) -> Result<Vec<Message>, String> {
    let template = payload
        .get("template")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let mut link = payload
        .get("link")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let recipients: Vec<String> = if let Some(to) = payload.get("to").and_then(|v| v.as_str()) {
        vec![to.to_owned()]
    } else if let Some(id) = payload.get("inquiry_id").and_then(|v| v.as_str()) {
        // Staff notices carry a link only: the inquiry stays in the app.
        link = Some(format!("{}/inquiries/{id}", ctx.public_url));
        store.inbox_recipients().await.map_err(|e| e.to_string())?
    } else if let Some(grant) = payload
        .get("grant_id")
        .and_then(|v| v.as_str())
        .and_then(|g| uuid::Uuid::parse_str(g).ok())
    {
        // The owner hears who opened a record outside their caseload and until when; the
        // client stays in the app (the audit trail names them).
        let notice = store
            .break_glass_notice(grant)
            .await
            .map_err(|e| e.to_string())?;
        link = notice.map(|(who, until)| {
            format!(
                "{who} opened a client's record outside their caseload (break-glass), read-only until {}. Review it: {}/audit",
                crate::routes::account::when(until),
                ctx.public_url
            )
        });
        store.owner_emails().await.map_err(|e| e.to_string())?
    } else if let Some(alert) = payload
        .get("alert_id")
        .and_then(|v| v.as_str())
        .and_then(|g| uuid::Uuid::parse_str(g).ok())
    {
        // A link to the client's measures (an id, not a name); the care team, or the owner
        // when escalated or when nobody is on the care team.
        let escalated = template == "risk_alert_escalated";
        match store
            .alert_recipients(alert, escalated)
            .await
            .map_err(|e| e.to_string())?
        {
            Some((to, client)) => {
                link = Some(format!("{}/clients/{client}/measures", ctx.public_url));
                to
            }
            None => Vec::new(),
        }
    } else if let Some(org) = payload
        .get("org_id")
        .and_then(|v| v.as_str())
        .and_then(|g| uuid::Uuid::parse_str(g).ok())
    {
        link = Some(format!("{}/clients", ctx.public_url));
        store
            .partner_org_emails(org)
            .await
            .map_err(|e| e.to_string())?
    } else if let Some(id) = payload
        .get("user_id")
        .and_then(|v| v.as_str())
        .and_then(kapflow_domain::UserId::parse)
    {
        // Notices about an account name the account, not its address.
        match store.user_by_id(id).await.map_err(|e| e.to_string())? {
            Some(u) => vec![u.email],
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let practice = store
        .setting(kapflow_store::settings::keys::PRACTICE_NAME)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| "kapflow".to_owned());
    let Some((subject, body)) = compose(template, &practice, link.as_deref()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for to in recipients {
        let to: Mailbox = to
            .parse()
            .map_err(|_| "stored address does not parse".to_owned())?;
        let msg = Message::builder()
            .from(ctx.from.clone())
            .to(to)
            .subject(subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body.clone())
            .map_err(|e| format!("message: {e}"))?;
        out.push(msg);
    }
    Ok(out)
}

/// Delivers due `email` outbox rows until `shutdown` resolves. At-least-once: a row is marked
/// delivered only after the transport accepted it; a crash before that redelivers it after
/// the lease runs out (on this instance after a restart, or on another).
pub async fn run_outbox_worker(
    store: Store,
    ctx: MailContext,
    worker_id: String,
    every: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut shutdown = shutdown;
    loop {
        if *shutdown.borrow() {
            return;
        }
        // Unacknowledged alerts past their deadline go to the owner (queued, then delivered
        // in this same round).
        match store.escalate_due_alerts(now_utc()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(escalated = n, "safety alerts escalated"),
            Err(e) => tracing::warn!(error = %e, "alert escalation round failed"),
        }
        match deliver_due(&store, &ctx, &worker_id).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(delivered = n, "outbox"),
            Err(e) => tracing::warn!(error = %e, "outbox delivery round failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// One delivery round; returns how many outbox rows were delivered.
pub async fn deliver_due(
    store: &Store,
    ctx: &MailContext,
    worker_id: &str,
) -> Result<usize, String> {
    let now = now_utc();
    let items = store
        .lease_outbox(worker_id, now, time::Duration::minutes(2), 20)
        .await
        .map_err(|e| e.to_string())?;
    let mut delivered = 0;
    for item in items {
        let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap_or_default();
        let mut result = Ok(());
        if item.kind == "email" {
            match messages_for(store, ctx, &payload).await {
                Ok(msgs) => {
                    for msg in msgs {
                        if let Err(e) = ctx.mailer.send(msg).await {
                            result = Err(e);
                            break;
                        }
                    }
                }
                Err(e) => result = Err(e),
            }
        }
        match result {
            Ok(()) => {
                store
                    .outbox_delivered(item.id, worker_id, now_utc())
                    .await
                    .map_err(|e| e.to_string())?;
                delivered += 1;
            }
            Err(e) => {
                // Back off: 1, 2, 4 … minutes, at most an hour.
                let backoff = time::Duration::minutes(1i64 << item.attempts.clamp(0, 6));
                tracing::warn!(error = %e, attempts = item.attempts, "outbox delivery failed; will retry");
                store
                    .outbox_failed(item.id, worker_id, &e, now_utc() + backoff)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(delivered)
}

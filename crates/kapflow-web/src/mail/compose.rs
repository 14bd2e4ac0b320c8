//! What each email says and to whom it goes. Subjects are generic (they show on lock screens)
//! and no email names a client or says anything about one: staff get a link into the app.

use super::MailContext;
use crate::time_fmt::when;
use kapflow_store::Store;
use kapflow_store::outbox::Email;
use kapflow_store::settings::keys;
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart, header::ContentType};

/// Who receives one email, its subject and its body.
pub(super) struct Composed {
    pub to: Vec<String>,
    pub subject: &'static str,
    pub body: String,
    /// The sender's name: the practice's for staff; none for a client, whose lock screen shows
    /// the sender as it shows the subject (neither names the practice nor the topic).
    pub sender: Option<String>,
    /// A file sent with the message: (file name, content type, bytes) — the client's own
    /// calendar entry of a reminded appointment.
    pub attachment: Option<(String, ContentType, String)>,
}

/// The email of an outbox message, with its recipients looked up now.
pub(super) async fn compose(
    store: &Store,
    ctx: &MailContext,
    email: &Email,
) -> Result<Composed, String> {
    let e = |e: kapflow_store::StoreError| e.to_string();
    let practice = store
        .settings()
        .get(keys::PRACTICE_NAME)
        .await
        .map_err(e)?
        .unwrap_or_else(|| "kapflow".to_owned());
    let url = |path: String| format!("{}{path}", ctx.public_url);
    Ok(match email {
        Email::Invitation { to, link } => Composed {
            sender: Some(practice.clone()),
            attachment: None,
            to: vec![to.clone()],
            subject: "Your invitation to kapflow",
            body: format!(
                "{practice} has invited you to its practice system.\n\nSet up your account with this link (it works once and expires in 3 days):\n{link}\n\nIf you did not expect this, ignore this email.\n"
            ),
        },
        Email::PasswordReset { to, link } => Composed {
            sender: Some(practice.clone()),
            attachment: None,
            to: vec![to.clone()],
            subject: "Password reset for kapflow",
            body: format!(
                "Someone asked to reset the password of your {practice} account.\n\nChoose a new password with this link (it works once and expires in 1 hour):\n{link}\n\nIf it was not you, ignore this email: your password stays as it is.\n"
            ),
        },
        Email::NewInquiry { inquiry_id } => Composed {
            sender: Some(practice.clone()),
            attachment: None,
            // Staff notices carry a link only: the inquiry stays in the app.
            to: store.inquiries().inbox_recipients().await.map_err(e)?,
            subject: "New inquiry",
            body: format!(
                "A new inquiry arrived through the {practice} website.\n\nRead it in the inbox (sign-in required):\n{}\n",
                url(crate::paths::inquiry(*inquiry_id))
            ),
        },
        Email::BreakGlass { grant_id } => {
            // The owner hears who opened a record outside their caseload and until when; the
            // client stays in the app (the audit trail names them).
            let notice = store
                .access()
                .break_glass_notice(*grant_id)
                .await
                .map_err(e)?;
            let what = notice
                .map(|(who, until)| {
                    format!(
                        "{who} opened a client's record outside their caseload (break-glass), read-only until {}. Review it: {}",
                        when(until),
                        url(crate::paths::AUDIT.to_owned())
                    )
                })
                .unwrap_or_default();
            Composed {
                sender: Some(practice.clone()),
                attachment: None,
                to: store.users().owner_emails().await.map_err(e)?,
                subject: "Security notice: emergency access used",
                body: format!(
                    "At {practice}, {what}\n\nEvery view in that window is marked in the audit trail. No client details are in this email.\n"
                ),
            }
        }
        Email::Referral { org_id } => Composed {
            sender: Some(practice.clone()),
            attachment: None,
            to: store.partner_orgs().emails(*org_id).await.map_err(e)?,
            subject: "New referral",
            body: format!(
                "{practice} referred a client to your organisation for a medical evaluation.\n\nOpen your referrals (sign-in required):\n{}\n",
                url(crate::paths::CLIENTS.to_owned())
            ),
        },
        Email::DoseChangeRequested { request_id } => {
            let found = store.notices().dose_request(*request_id).await.map_err(e)?;
            let (to, link) = about_client(found, crate::paths::prescriber, &url);
            switchable(
                &practice,
                to,
                "Dose-change request",
                format!(
                    "A care team at {practice} asks for a change to a client's dose.\n\nOpen it (sign-in required):\n{link}"
                ),
            )
        }
        Email::DoseChangeAnswered { request_id } => {
            let found = store.notices().dose_answer(*request_id).await.map_err(e)?;
            let (to, link) = about_client(found, crate::paths::prescriber, &url);
            switchable(
                &practice,
                to,
                "Answer to a dose-change request",
                format!(
                    "The prescriber answered a dose-change request for a client on your care team at {practice}.\n\nOpen it (sign-in required):\n{link}"
                ),
            )
        }
        Email::MessagePosted { message_id } => {
            let found = store.notices().message(*message_id).await.map_err(e)?;
            let (to, link) = about_client(found, crate::paths::messages, &url);
            switchable(
                &practice,
                to,
                "New message",
                format!(
                    "There is a new message about a client at {practice}.\n\nRead it (sign-in required):\n{link}"
                ),
            )
        }
        Email::InquiryAssigned {
            inquiry_id,
            user_id,
        } => switchable(
            &practice,
            store
                .notices()
                .inquiry_assigned(*user_id)
                .await
                .map_err(e)?,
            "An inquiry for you",
            format!(
                "An inquiry to {practice} was given to you.\n\nRead it (sign-in required):\n{}",
                url(crate::paths::inquiry(*inquiry_id))
            ),
        ),
        Email::AppointmentReminder {
            to,
            appointment_id,
            starts_at,
        } => super::reminders::compose(store, ctx, &practice, to, *appointment_id, *starts_at)
            .await
            .map_err(e)?,
        Email::PortalInvitation { to, link, days } => Composed {
            sender: None,
            attachment: None,
            to: vec![to.clone()],
            // The subject shows on lock screens: it names neither the practice nor the topic.
            subject: "Your account invitation",
            body: format!(
                "{practice} invites you to set up your own secure account, where you can see your appointments, answer questionnaires and write to your care team.\n\nSet it up with this link (it works once and expires in {days} days):\n{link}\n\nIf you did not expect this, ignore this email.\n\nIf you are in crisis, call or text 988 (Suicide & Crisis Lifeline, US). In an emergency, call 911.\n"
            ),
        },
        Email::PortalMessage { message_id } => Composed {
            sender: None,
            attachment: None,
            to: store
                .notices()
                .portal_message(*message_id)
                .await
                .map_err(e)?,
            subject: "You have a new message",
            body: format!(
                "You have a new message from your care team.\n\nRead it after signing in:\n{}\n\nIf you are in crisis, call or text 988 (Suicide & Crisis Lifeline, US). In an emergency, call 911.\n",
                url(crate::paths::PORTAL_MESSAGES.to_owned())
            ),
        },
        Email::EstimateReady { to, link } => Composed {
            sender: None,
            attachment: None,
            to: vec![to.clone()],
            // The subject shows on lock screens: it names neither the practice nor the topic.
            subject: "A document for you",
            body: format!(
                "{practice} has prepared a good-faith estimate of the costs of your care, as the law asks it to.\n\nRead it in your portal:\n{link}\n"
            ),
        },
        Email::EstimateExceeded { client_id } => Composed {
            sender: Some(practice.clone()),
            attachment: None,
            to: store.users().owner_emails().await.map_err(e)?,
            subject: "Charges over a good-faith estimate",
            body: format!(
                "A client's charges are now $400 or more over the good-faith estimate they were given: the client may dispute the bill. Review the charges, or give a new estimate: {}\n\nNo client details are in this email.\n",
                url(crate::paths::billing(*client_id))
            ),
        },
        Email::MeasureLink { to, link } => Composed {
            sender: None,
            attachment: None,
            to: vec![to.clone()],
            // The subject shows on lock screens: it names neither the practice nor the topic.
            subject: "A short questionnaire for you",
            body: format!(
                "Your care team at {practice} asks you to answer a short questionnaire.\n\nOpen it with this link (it works once and expires in 7 days):\n{link}\n\nIf you are in crisis, call or text 988 (Suicide & Crisis Lifeline, US). In an emergency, call 911.\n"
            ),
        },
        Email::RiskAlert { alert_id } | Email::RiskAlertEscalated { alert_id } => {
            let escalated = matches!(email, Email::RiskAlertEscalated { .. });
            // To the care team a link to the client's measures (an id, not a name); to the owner
            // (escalated, or nobody on the care team) a link to the dashboard, which lists every
            // open alert of the practice.
            // The level is said (how urgent), nothing that tells who the client is.
            let (to, link, level) = match store
                .alerts()
                .recipients(*alert_id, escalated)
                .await
                .map_err(e)?
            {
                Some(n) => {
                    let path = if n.to_owner {
                        crate::paths::DASHBOARD.to_owned()
                    } else {
                        crate::paths::measures(n.client)
                    };
                    (n.to, url(path), n.level.label())
                }
                None => (Vec::new(), String::new(), ""),
            };
            if escalated {
                Composed {
                    sender: Some(practice.clone()),
                    attachment: None,
                    to,
                    subject: "Escalated safety alert: please open kapflow",
                    body: format!(
                        "A suicide-risk alert at {practice} has not been acknowledged in time and is escalated to you.\n\nLevel: {level}.\n\nOpen it (sign-in required):\n{link}\n"
                    ),
                }
            } else {
                Composed {
                    sender: Some(practice.clone()),
                    attachment: None,
                    to,
                    subject: "Safety alert: please open kapflow",
                    body: format!(
                        "A questionnaire answer at {practice} raised a suicide-risk alert for a client on your care team. It stays open until a clinician acknowledges it with a note.\n\nLevel: {level}.\n\nOpen it (sign-in required):\n{link}\n"
                    ),
                }
            }
        }
        Email::AccountLocked { user_id } => Composed {
            sender: Some(practice.clone()),
            attachment: None,
            // Notices about an account name the account, not its address.
            to: store
                .users()
                .by_id(*user_id)
                .await
                .map_err(e)?
                .map(|u| vec![u.email])
                .unwrap_or_default(),
            subject: "Security notice from kapflow",
            body: format!(
                "Your {practice} account was locked for 15 minutes after several wrong passwords.\n\nIf this was not you, tell the practice owner and reset your password.\n"
            ),
        },
        Email::CareTeamJoined { client_id, user_id } => {
            // Names the colleague, never the client: the link opens the record in the app.
            let who = store
                .users()
                .by_id(*user_id)
                .await
                .map_err(e)?
                .map(|u| u.display_name)
                .unwrap_or_else(|| "A colleague".into());
            Composed {
                sender: Some(practice.clone()),
                attachment: None,
                to: store
                    .clients()
                    .team_emails_except(*client_id, *user_id)
                    .await
                    .map_err(e)?,
                subject: "Care team change",
                body: format!(
                    "At {practice}, {who} joined the care team of one of your clients and can now read their clinical record. Their reason is in the audit trail.\n\nSee the client (sign-in required):\n{}\n",
                    url(crate::paths::client(*client_id))
                ),
            }
        }
        Email::AuditDigest { line } => Composed {
            sender: Some(practice.clone()),
            attachment: None,
            to: store.users().owner_emails().await.map_err(e)?,
            subject: "Audit trail digest",
            body: format!(
                "Today's signed checkpoint of the {practice} audit trail:\n\n{line}\n\nKeep this email somewhere other than the kapflow server. If the trail is ever cut short or rewritten, `kapflow check --checkpoint '<the line above>'` compares the database with it. It holds no client details.\n"
            ),
        },
    })
}

/// The recipients of a notice about a client, and the link to that client's `page`.
fn about_client(
    found: Option<(kapflow_domain::ClientId, Vec<String>)>,
    page: fn(kapflow_domain::ClientId) -> String,
    url: &dyn Fn(String) -> String,
) -> (Vec<String>, String) {
    match found {
        Some((client, to)) => (to, url(page(client))),
        None => (Vec::new(), String::new()),
    }
}

/// A notification a person may switch off: from the practice, saying where.
fn switchable(practice: &str, to: Vec<String>, subject: &'static str, text: String) -> Composed {
    Composed {
        sender: Some(practice.to_owned()),
        attachment: None,
        to,
        subject,
        body: format!("{text}\n\nYou can switch these emails off under Notifications.\n"),
    }
}

/// The messages to hand to the transport, one per recipient.
pub(super) fn messages(ctx: &MailContext, composed: &Composed) -> Result<Vec<Message>, String> {
    composed
        .to
        .iter()
        .map(|to| {
            let to: Mailbox = to
                .parse()
                .map_err(|_| "stored address does not parse".to_owned())?;
            let from = match &composed.sender {
                Some(name) => Mailbox::new(Some(name.clone()), ctx.from.email.clone()),
                None => Mailbox::new(None, ctx.from.email.clone()),
            };
            let builder = Message::builder()
                .from(from)
                .to(to)
                .subject(composed.subject);
            match &composed.attachment {
                None => builder
                    .header(ContentType::TEXT_PLAIN)
                    .body(composed.body.clone()),
                Some((name, kind, bytes)) => builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(composed.body.clone()))
                        .singlepart(
                            Attachment::new(name.clone()).body(bytes.clone(), kind.clone()),
                        ),
                ),
            }
            .map_err(|e| format!("message: {e}"))
        })
        .collect()
}

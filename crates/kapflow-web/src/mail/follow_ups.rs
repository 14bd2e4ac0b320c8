//! Each round of the outbox worker emails the questionnaires that are due and the reminders of
//! unanswered ones (`kapflow_store::follow_ups`), unless the practice asked for a staff click
//! instead. A new single-use link each time, made here like a staff member's (same lifetime).

use super::MailContext;
use crate::practice_zone::today;
use kapflow_domain::measures::schedule::Channel;
use kapflow_domain::token::token_hash;
use kapflow_store::Store;
use kapflow_store::settings::keys;
use time::{Duration, OffsetDateTime};

/// Days after an automatic email before its one reminder, unless the practice set another.
pub const REMIND_DAYS: i64 = 3;

/// Emails what is due now (by the practice's date); how many went out.
pub async fn send_due(
    store: &Store,
    ctx: &MailContext,
    now: OffsetDateTime,
) -> Result<usize, String> {
    crate::practice_zone::within(store, send_due_in_zone(store, ctx, now)).await
}

async fn send_due_in_zone(
    store: &Store,
    ctx: &MailContext,
    now: OffsetDateTime,
) -> Result<usize, String> {
    let e = |e: kapflow_store::StoreError| e.to_string();
    let settings = store.settings();
    if settings
        .get(keys::MEASURES_AUTO_SEND)
        .await
        .map_err(e)?
        .as_deref()
        == Some("false")
    {
        return Ok(0);
    }
    let days = settings
        .get(keys::MEASURES_REMIND_DAYS)
        .await
        .map_err(e)?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(REMIND_DAYS);
    let remind = (days > 0).then(|| Duration::days(days));
    let mut sent = 0;
    for item in store
        .follow_ups()
        .due(today(now), remind, now)
        .await
        .map_err(e)?
    {
        let token = crate::setup_link::new_token();
        let link = format!("{}{}", ctx.public_url, crate::paths::questionnaire(&token));
        let valid_for = Channel::Email.valid_for();
        if store
            .follow_ups()
            .send(item, &token_hash(&token), valid_for, &link, now)
            .await
            .map_err(e)?
        {
            sent += 1;
        }
    }
    Ok(sent)
}

//! Appointment reminders to clients: each worker round queues those due (`queue_due`, at the
//! practice's offsets), and each is composed when sent — nothing for an appointment cancelled
//! or moved since (the new time has its own). The subject names neither the practice nor the
//! kind of appointment; the body gives the time in the practice's zone, where, the video link,
//! and on a dosing day the practice's instructions; the client's own calendar entry comes with
//! it as an .ics file.

use super::MailContext;
use super::compose::Composed;
use crate::time_fmt::when;
use kapflow_domain::AppointmentId;
use kapflow_domain::calendar::session_type::DOSING;
use kapflow_store::settings::keys;
use kapflow_store::{Store, StoreError};
use lettre::message::header::ContentType;
use time::OffsetDateTime;

/// The settings: hours before an appointment its two reminders go (0: none), and what a
/// dosing-day reminder says about eating and drinking.
pub const FIRST_KEY: &str = "reminders.first_hours";
pub const FIRST_DEFAULT: u32 = 48;
pub const SECOND_KEY: &str = "reminders.second_hours";
pub const SECOND_DEFAULT: u32 = 24;
pub const FOOD_KEY: &str = "reminders.dosing_food";
pub const DEFAULT_FOOD: &str = "Eat only a light meal on the day, finishing at least 4 hours before your appointment, and take only clear fluids in the last 2 hours, unless your prescriber told you otherwise.";

/// What a dosing-day reminder says about eating and drinking: the practice's words or ours.
pub fn dosing_food(settings: &kapflow_store::settings_snapshot::Snapshot) -> &str {
    settings.get(FOOD_KEY).unwrap_or(DEFAULT_FOOD)
}

/// The offsets the two settings name (hours; defaults where unset or unreadable, none for 0).
pub fn offsets(first: Option<&str>, second: Option<&str>) -> Vec<i64> {
    let read = |v: Option<&str>, default: u32| {
        v.and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|h| *h <= 336)
            .unwrap_or(default)
    };
    [read(first, FIRST_DEFAULT), read(second, SECOND_DEFAULT)]
        .into_iter()
        .filter(|h| *h > 0)
        .map(i64::from)
        .collect()
}

/// Queues the reminders due now; how many.
pub async fn queue_due(store: &Store, now: OffsetDateTime) -> Result<usize, StoreError> {
    let settings = store.settings().snapshot().await?;
    store
        .calendar()
        .queue_reminders(
            &offsets(settings.get(FIRST_KEY), settings.get(SECOND_KEY)),
            now,
        )
        .await
}

pub(super) async fn compose(
    store: &Store,
    ctx: &MailContext,
    practice: &str,
    to: &str,
    id: AppointmentId,
    starts_at: OffsetDateTime,
) -> Result<Composed, StoreError> {
    let nothing = Composed {
        sender: None,
        attachment: None,
        to: Vec::new(),
        subject: "A reminder of your appointment",
        body: String::new(),
    };
    let Some(a) = store.calendar().reminder_facts(id).await? else {
        return Ok(nothing);
    };
    if !a.booked || a.starts_at != starts_at {
        return Ok(nothing);
    }
    let settings = store.settings().snapshot().await?;
    let address = settings.get(keys::ADDRESS).unwrap_or("").to_owned();
    let phone = settings.get(keys::PHONE).unwrap_or("").to_owned();
    let place = match (&a.video_link, a.telehealth, &a.room_name) {
        (Some(link), true, _) => format!("By video: {link}"),
        (None, true, _) => "By video: your clinician will send the link.".to_owned(),
        _ if address.is_empty() => format!("At {practice}."),
        _ => format!("At {practice}, {address}."),
    };
    let mut body = format!(
        "This is a reminder of your appointment with {} at {practice}:\n\n{}\n{place}\n",
        a.clinician_name,
        when(a.starts_at),
    );
    if a.session_type == DOSING {
        let food = dosing_food(&settings);
        body.push_str(&format!(
            "\nFor this appointment:\n- Bring the medicine the pharmacy sent you, unopened, in its packaging.\n- Arrange for the person taking you home afterwards: they collect you at the end, and you may not drive until the next day.\n- {food}\n- Wear comfortable clothes; bring an eye mask or headphones if you like.\n"
        ));
    }
    if phone.is_empty() {
        body.push_str("\nTo change or cancel, contact the practice.\n");
    } else {
        body.push_str(&format!("\nTo change or cancel, call {phone}.\n"));
    }
    body.push_str("\nThe attached file adds the appointment to your calendar.\n\nIf you are in crisis, call or text 988 (Suicide & Crisis Lifeline, US). In an emergency, call 911.\n");
    let host = crate::ical::host_of(&ctx.public_url);
    let ics = crate::ical::one_appointment(practice, &host, id, a.starts_at, a.ends_at, &place);
    let kind = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
        .unwrap_or(ContentType::TEXT_PLAIN);
    Ok(Composed {
        sender: None,
        attachment: Some(("appointment.ics".to_owned(), kind, ics)),
        to: vec![to.to_owned()],
        subject: "A reminder of your appointment",
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_from_the_settings_with_sane_bounds() {
        assert_eq!(offsets(None, None), [48, 24]);
        assert_eq!(offsets(Some("72"), Some("2")), [72, 2]);
        assert_eq!(offsets(Some("0"), Some("24")), [24], "0: no first reminder");
        assert_eq!(
            offsets(Some("x"), Some("999")),
            [48, 24],
            "unreadable: the defaults"
        );
    }
}

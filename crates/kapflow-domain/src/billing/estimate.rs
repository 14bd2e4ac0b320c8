//! The good-faith estimate a self-pay client is owed (No Surprises Act, 45 CFR 149.610): the
//! services a course is expected to need with their fees, the dates by which it must be given,
//! the notice the law asks it to carry, and the $400 line past which billed charges give the
//! client the right to dispute the bill (45 CFR 149.620).

use super::money::Cents;
use time::{Date, Duration, Weekday};

/// One expected service: `times` visits of `units` units at `unit_fee` each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub code: String,
    /// What the client reads ("Dosing session, monitoring of the first hour…").
    pub label: String,
    pub times: u32,
    pub units: u32,
    pub unit_fee: Cents,
}

impl Expected {
    pub fn amount(&self) -> Option<Cents> {
        self.unit_fee.times(self.times.checked_mul(self.units)?)
    }
}

/// The estimate's total.
pub fn total(services: &[Expected]) -> Option<Cents> {
    services
        .iter()
        .try_fold(Cents::ZERO, |sum, s| sum.checked_add(s.amount()?))
}

/// What a course is expected to hold: the assessment, the preparation sessions, the dosing
/// sessions (each with its hours of monitoring) and an integration session after each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoursePlan {
    pub preparation_sessions: u32,
    pub dosing_sessions: u32,
    /// Hours of monitoring a dosing session is expected to bill (0820T units).
    pub dosing_hours: u32,
}

/// The practice's codes for the kinds of appointment of a course (`None`: not billed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CourseCodes {
    pub assessment: Option<String>,
    pub preparation: Option<String>,
    pub integration: Option<String>,
}

/// The monitoring code a dosing session's hours are estimated with.
pub const MONITORING_CODE: &str = "0820T";

/// The estimate of a course at the client's fees (`fee` gives the fee of a code, `None` when the
/// practice has set none: such a service cannot be priced and is left out, and the caller says
/// so). Services in the order they happen.
pub fn for_course(
    plan: &CoursePlan,
    codes: &CourseCodes,
    fee: &dyn Fn(&str) -> Option<Cents>,
) -> Vec<Expected> {
    let steps: [(Option<&str>, &str, u32, u32); 4] = [
        (codes.assessment.as_deref(), "Assessment", 1, 1),
        (
            codes.preparation.as_deref(),
            "Preparation session",
            plan.preparation_sessions,
            1,
        ),
        (
            Some(MONITORING_CODE),
            "Dosing session: in-person monitoring, each hour",
            plan.dosing_sessions,
            plan.dosing_hours,
        ),
        (
            codes.integration.as_deref(),
            "Integration session",
            plan.dosing_sessions,
            1,
        ),
    ];
    steps
        .into_iter()
        .filter(|(_, _, times, units)| *times > 0 && *units > 0)
        .filter_map(|(code, label, times, units)| {
            let code = code?;
            Some(Expected {
                code: code.to_owned(),
                label: label.to_owned(),
                times,
                units,
                unit_fee: fee(code)?,
            })
        })
        .collect()
}

/// Billed charges this much above the estimate open the patient-provider dispute process.
pub const DISPUTE_THRESHOLD: Cents = Cents(40_000);

/// Whether `billed` is at least $400 more than `estimated` (the practice is reminded, and the
/// client may dispute).
pub fn exceeds(estimated: Cents, billed: Cents) -> bool {
    billed
        .checked_sub(estimated)
        .is_some_and(|over| over >= DISPUTE_THRESHOLD)
}

/// The business day `n` business days after `day` (Monday to Friday; a practice closed on a
/// public holiday gives the estimate a day sooner).
pub fn business_days_after(day: Date, n: u32) -> Date {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            left -= 1;
        }
    }
    d
}

/// Business days from `from` to `to` (not counting `from`).
fn business_days_between(from: Date, to: Date) -> u32 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            n += 1;
        }
    }
    n
}

/// When the estimate is due for a service booked on `booked` for `service`: within 3 business
/// days when booked at least 10 business days ahead, within 1 business day when booked at least
/// 3 ahead; `None` when booked closer than that (the law sets no date then; the practice
/// still gives it before the visit). A client who asks gets one within 3 business days of
/// asking: [`business_days_after`]`(asked, 3)`.
pub fn due(booked: Date, service: Date) -> Option<Date> {
    match business_days_between(booked, service) {
        10.. => Some(business_days_after(booked, 3)),
        3.. => Some(business_days_after(booked, 1)),
        _ => None,
    }
}

/// The notice every estimate carries, from CMS's standard notice for uninsured (or self-pay)
/// clients.
pub const NOTICE: &str = "You are entitled to receive this \u{201c}Good Faith Estimate\u{201d} of what the charges could be for medical items and services. This is not a contract and does not mean you are required to get the items or services from any of the providers or facilities listed in this Good Faith Estimate. \
The Good Faith Estimate shows the costs of items and services that are reasonably expected for your health care needs for an item or service. The estimate is based on information known at the time the estimate was created. The Good Faith Estimate does not include any unknown or unexpected costs that may arise during treatment. You could be charged more if complications or special circumstances occur. If this happens, federal law allows you to dispute (appeal) the bill.";

/// The client's right to dispute, as the standard notice words it.
pub const DISPUTE_RIGHTS: &str = "If you are billed for more than this Good Faith Estimate, you have the right to dispute the bill. You may contact the health care provider or facility listed to let them know the billed charges are higher than the Good Faith Estimate. You can ask them to update the bill to match the Good Faith Estimate, ask to negotiate the bill, or ask if there is financial assistance available. \
You may also start a dispute resolution process with the U.S. Department of Health and Human Services (HHS). If you choose to use the dispute resolution process, you must start the dispute process within 120 calendar days (about 4 months) of the date on the original bill. There is a $25 fee to use the dispute resolution process. If the agency reviewing your dispute agrees with you, you will have to pay the price on this Good Faith Estimate. If the agency disagrees with you and agrees with the health care provider or facility, you will have to pay the higher amount. \
To learn more and get a form to start the process, go to www.cms.gov/nosurprises or call 1-800-985-3059. Keep a copy of this Good Faith Estimate in a safe place or take pictures of it. You may need it if you are billed a higher amount.";

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn course() -> Vec<Expected> {
        let s = |code: &str, label: &str, times, units, cents| Expected {
            code: code.into(),
            label: label.into(),
            times,
            units,
            unit_fee: Cents(cents),
        };
        vec![
            s("90791", "Assessment", 1, 1, 25_000),
            s("90834", "Preparation session", 2, 1, 17_500),
            s(
                "0820T",
                "Dosing session: in-person monitoring, each hour",
                3,
                3,
                15_000,
            ),
            s("90834", "Integration session", 3, 1, 17_500),
        ]
    }

    #[test]
    fn an_estimate_adds_up_and_the_400_dollar_line_holds() {
        // 250 + 2 x 175 + 9 x 150 + 3 x 175 = 2,475.00
        let est = total(&course()).expect("total");
        assert_eq!(est, Cents(247_500));
        assert!(!exceeds(est, Cents(287_499)), "$399.99 over");
        assert!(exceeds(est, Cents(287_500)), "$400.00 over");
        assert!(!exceeds(est, Cents(100_000)));
    }

    #[test]
    fn a_course_is_estimated_at_the_clients_fees() {
        let plan = CoursePlan {
            preparation_sessions: 2,
            dosing_sessions: 3,
            dosing_hours: 3,
        };
        let codes = CourseCodes {
            assessment: Some("90791".into()),
            preparation: Some("90834".into()),
            integration: Some("90834".into()),
        };
        let fee = |code: &str| match code {
            "90791" => Some(Cents(25_000)),
            "90834" => Some(Cents(17_500)),
            "0820T" => Some(Cents(15_000)),
            _ => None,
        };
        let services = for_course(&plan, &codes, &fee);
        assert_eq!(services, course());
        // A code with no fee cannot be priced: it is left out (the page says so).
        let no_monitoring = |code: &str| if code == "0820T" { None } else { fee(code) };
        assert_eq!(for_course(&plan, &codes, &no_monitoring).len(), 3);
    }

    #[test]
    fn the_dates_the_law_sets() {
        // Booked on a Thursday for a Friday two weeks on (11 business days): 3 business days.
        let thursday = date!(2026 - 12 - 03);
        assert_eq!(
            due(thursday, date!(2026 - 12 - 18)),
            Some(date!(2026 - 12 - 08))
        );
        // For the Tuesday after next (8 business days): the next business day, Friday.
        assert_eq!(
            due(thursday, date!(2026 - 12 - 15)),
            Some(date!(2026 - 12 - 04))
        );
        // Booked on a Friday for Tuesday (2 business days): no date is set.
        assert_eq!(due(date!(2026 - 12 - 04), date!(2026 - 12 - 08)), None);
        // A weekend is skipped.
        assert_eq!(
            business_days_after(date!(2026 - 12 - 04), 1),
            date!(2026 - 12 - 07)
        );
        assert!(NOTICE.contains("not a contract") && DISPUTE_RIGHTS.contains("120 calendar days"));
    }
}

//! When questionnaires are due and how an answer reaches the record (docs/domain.md §4):
//! baseline at assessment, follow-ups 1, 3 and 6 months after a course ends; the ways a
//! questionnaire is handed to a client; and the level of a suicide-risk alert.

use super::score::Flag;
use super::{RiskLevel, cssrs, gad7, pcl5, phq9};
use crate::inquiry::Concern;
use time::Duration;

crate::named_enum! {
    /// Why a questionnaire is due.
    pub enum Reason {
        Baseline = "baseline", "Baseline (assessment)";
        PreDosing = "pre_dosing", "Before a dosing session";
        Integration = "integration", "Integration session";
        FollowUp1m = "follow_up_1m", "1 month after the course";
        FollowUp3m = "follow_up_3m", "3 months after the course";
        FollowUp6m = "follow_up_6m", "6 months after the course";
        Manual = "manual", "Added by the care team";
    }
}

impl Reason {
    /// A follow-up after the course: these stay open when a course ends.
    pub fn is_follow_up(self) -> bool {
        matches!(
            self,
            Reason::FollowUp1m | Reason::FollowUp3m | Reason::FollowUp6m
        )
    }
}

/// The published instruments each new course starts with: depression and anxiety for
/// everyone, suicide-risk screening, and PTSD when it is a primary concern.
pub fn baseline_instruments(concerns: &[Concern]) -> Vec<&'static str> {
    let mut v = vec![phq9::CODE, gad7::CODE, cssrs::CODE];
    if concerns.contains(&Concern::Ptsd) {
        v.push(pcl5::CODE);
    }
    v
}

/// The symptom measures repeated after a course ends.
pub fn follow_up_instruments(concerns: &[Concern]) -> Vec<&'static str> {
    let mut v = vec![phq9::CODE, gad7::CODE];
    if concerns.contains(&Concern::Ptsd) {
        v.push(pcl5::CODE);
    }
    v
}

/// Days after the end of a course at which the follow-ups fall due: 1, 3 and 6 months.
pub const FOLLOW_UPS: [(i64, Reason); 3] = [
    (30, Reason::FollowUp1m),
    (91, Reason::FollowUp3m),
    (182, Reason::FollowUp6m),
];

/// Every questionnaire a course's end schedules: (days after the end, why, instrument code).
pub fn follow_up_schedule(concerns: &[Concern]) -> Vec<(i64, Reason, &'static str)> {
    FOLLOW_UPS
        .iter()
        .flat_map(|(days, reason)| {
            follow_up_instruments(concerns)
                .into_iter()
                .map(move |code| (*days, *reason, code))
        })
        .collect()
}

/// The dates a person may give a questionnaire as its due date, given the practice's `today`: from a
/// year ago (to record one that was missed) to two years ahead (the 6-month follow-up of a long
/// course still fits); anything outside is a typing slip, not a schedule.
pub fn due_on_window(today: time::Date) -> (time::Date, time::Date) {
    (
        crate::text::years_from(today, -1),
        crate::text::years_from(today, 2),
    )
}

/// A due date typed by a person, checked against [`due_on_window`]; `what` names the field.
pub fn due_on(raw: &str, what: &str, today: time::Date) -> Result<time::Date, String> {
    let (earliest, latest) = due_on_window(today);
    crate::text::date_within(raw, what, earliest, latest)
}

crate::named_enum! {
    /// How a questionnaire is handed to a client.
    pub enum Channel {
        /// A single-use link emailed to the client.
        Email = "email", "Email";
        /// A single-use link the staff member texts from the practice phone.
        Link = "link", "Link to text";
        /// This device, handed to the client in the office.
        Kiosk = "kiosk", "Office tablet";
    }
}

impl Channel {
    /// How long a link of this channel stays valid: a week to answer at home, an hour on the
    /// office tablet.
    pub fn valid_for(self) -> Duration {
        match self {
            Channel::Email | Channel::Link => Duration::days(7),
            Channel::Kiosk => Duration::hours(1),
        }
    }

    /// How the answer arrived, as the response records it.
    pub fn via(self) -> Via {
        match self {
            Channel::Kiosk => Via::Kiosk,
            Channel::Email | Channel::Link => Via::Link,
        }
    }
}

crate::named_enum! {
    /// How a response was given.
    pub enum Via {
        Link = "link", "By link";
        Kiosk = "kiosk", "On the office tablet";
    }
}

crate::named_enum! {
    /// How urgent an open suicide-risk alert is.
    pub enum AlertLevel {
        /// A safety item without a graded level (PHQ-9 item 9).
        Flag = "flag", "Safety flag";
        Low = "low", "Low risk";
        Moderate = "moderate", "Moderate risk";
        High = "high", "High risk";
    }
}

impl AlertLevel {
    /// The level of the alert a safety flag raises.
    pub fn of(flag: &Flag) -> AlertLevel {
        match flag.risk {
            None => AlertLevel::Flag,
            Some(RiskLevel::None | RiskLevel::Low) => AlertLevel::Low,
            Some(RiskLevel::Moderate) => AlertLevel::Moderate,
            Some(RiskLevel::High) => AlertLevel::High,
        }
    }

    /// The level in a sentence ("raised a high-risk answer"): never says who.
    pub fn phrase(self) -> &'static str {
        match self {
            AlertLevel::Flag => "suicide-risk answer",
            AlertLevel::Low => "low risk",
            AlertLevel::Moderate => "moderate risk",
            AlertLevel::High => "high risk",
        }
    }

    /// How long an alert of this level may stay unacknowledged before it goes to the owner.
    pub fn escalate_after(self, timing: AlertTiming) -> Duration {
        match self {
            AlertLevel::High => timing.escalate_high_after,
            _ => timing.escalate_after,
        }
    }
}

/// The practice's escalation delays for unacknowledged alerts (clinical settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertTiming {
    pub escalate_after: Duration,
    pub escalate_high_after: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::FlagKind;

    #[test]
    fn a_due_date_is_from_a_year_ago_to_two_years_ahead() {
        use time::macros::date;
        let today = date!(2026 - 11 - 29);
        assert_eq!(
            due_on_window(today),
            (date!(2025 - 11 - 29), date!(2028 - 11 - 29))
        );
        for ok in ["2025-11-29", "2026-11-29", "2028-11-29"] {
            assert!(due_on(ok, "the date it is due", today).is_ok(), "{ok}");
        }
        for bad in ["1900-01-01", "2025-11-28", "2028-11-30", "9999-12-31"] {
            assert_eq!(
                due_on(bad, "the date it is due", today),
                Err(
                    "Enter the date it is due between 29 November 2025 and 29 November 2028."
                        .to_owned()
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn ptsd_adds_the_pcl5_to_baseline_and_follow_ups() {
        assert_eq!(
            baseline_instruments(&[Concern::Depression]),
            vec![phq9::CODE, gad7::CODE, cssrs::CODE]
        );
        assert!(baseline_instruments(&[Concern::Ptsd]).contains(&pcl5::CODE));
        let follow = follow_up_schedule(&[Concern::Ptsd]);
        assert_eq!(follow.len(), 9);
        assert!(follow.iter().all(|(_, r, _)| r.is_follow_up()));
        assert!(!follow.iter().any(|(_, _, c)| *c == cssrs::CODE));
        assert_eq!(follow.first().map(|f| f.0), Some(30));
        assert_eq!(follow.last().map(|f| f.0), Some(182));
    }

    #[test]
    fn high_risk_escalates_on_its_own_clock() {
        let timing = AlertTiming {
            escalate_after: Duration::hours(24),
            escalate_high_after: Duration::hours(1),
        };
        let flag = |risk| Flag {
            kind: FlagKind::SuicideRisk,
            risk,
            finding: String::new(),
            rule: String::new(),
            source: String::new(),
        };
        assert_eq!(AlertLevel::of(&flag(None)), AlertLevel::Flag);
        assert_eq!(
            AlertLevel::of(&flag(Some(RiskLevel::High))),
            AlertLevel::High
        );
        assert_eq!(AlertLevel::High.escalate_after(timing), Duration::hours(1));
        assert_eq!(
            AlertLevel::Moderate.escalate_after(timing),
            Duration::hours(24)
        );
        assert_eq!(Channel::Kiosk.via(), Via::Kiosk);
        assert_eq!(Channel::Kiosk.valid_for(), Duration::hours(1));
    }
}

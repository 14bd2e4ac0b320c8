//! Monitoring hours from the dosing session's presence log, as CPT Category III codes: 0820T
//! for the first physician or other qualified professional in the room (each hour), 0821T for a
//! second one at the same time, 0822T for clinical staff under their direction at the same
//! time. Who counts as what, and how minutes become hours, is the clinician's to check and
//! change before the charge is final; the defaults are the roles and CPT's time rule.

use crate::dosing::presence::Stretch;
use crate::{Role, UserId};
use time::OffsetDateTime;

crate::named_enum! {
    /// How a person in the room is billed.
    pub enum Standing {
        /// A physician or other qualified health care professional (a licensed clinician).
        Professional = "professional", "Qualified professional";
        /// Clinical staff working under a professional's direction.
        Staff = "staff", "Clinical staff under direction";
        /// In the room, not billed (an observer, a trainee).
        NotBilled = "not_billed", "Not billed";
    }
}

impl Standing {
    /// How a person in the room is billed unless the clinician says otherwise: the practice's
    /// clinicians and the prescriber are qualified professionals; the front desk is not billed
    /// (it is not clinical staff).
    pub fn default_for(role: Role) -> Standing {
        match role {
            Role::Owner | Role::Therapist | Role::Prescriber => Standing::Professional,
            Role::FrontDesk | Role::Client => Standing::NotBilled,
        }
    }
}

crate::named_enum! {
    /// The monitoring codes.
    pub enum MonitoringCode {
        First = "0820T", "0820T first professional, each hour";
        Second = "0821T", "0821T second professional, concurrent, each hour";
        Staff = "0822T", "0822T clinical staff under direction, concurrent, each hour";
    }
}

crate::named_enum! {
    /// How minutes become billed hours.
    pub enum CountingRule {
        /// CPT's time rule: an hour is attained once its midpoint is passed (31 minutes
        /// counts one hour, 91 minutes two).
        Midpoint = "midpoint", "An hour counts once more than half of it has passed (31 minutes is 1 hour, 91 minutes 2)";
        /// Only whole hours (59 minutes is none).
        WholeHours = "whole_hours", "Only whole hours count (60 minutes is 1 hour, 119 minutes 1)";
    }
}

impl CountingRule {
    /// Billed hours for `minutes`.
    pub fn units(self, minutes: u32) -> u32 {
        match self {
            CountingRule::Midpoint => (minutes + 29) / 60,
            CountingRule::WholeHours => minutes / 60,
        }
    }
}

/// One person's monitoring time under one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Monitored {
    pub person: UserId,
    pub code: MonitoringCode,
    /// Whole minutes (seconds are dropped at the end, never per stretch).
    pub minutes: u32,
}

impl Monitored {
    pub fn units(&self, rule: CountingRule) -> u32 {
        rule.units(self.minutes)
    }
}

/// Each person's minutes under each code, from the stretches of the presence log (closed at
/// `until` where still open), with `standing` saying how each person is billed. At every
/// moment the professional who has been in the room longest is the first (0820T); other
/// professionals then are second (0821T); staff count (0822T) only while a professional is
/// in the room, since their code is concurrent with one. In the order people first appear.
pub fn monitored(
    stretches: &[Stretch],
    standing: &dyn Fn(UserId) -> Standing,
    until: OffsetDateTime,
) -> Vec<Monitored> {
    let closed: Vec<(UserId, OffsetDateTime, OffsetDateTime)> = stretches
        .iter()
        .map(|s| (s.person, s.from, s.to.unwrap_or(until).max(s.from)))
        .collect();
    let mut cuts: Vec<OffsetDateTime> = closed.iter().flat_map(|(_, a, b)| [*a, *b]).collect();
    cuts.sort();
    cuts.dedup();
    let mut seconds: Vec<(UserId, MonitoringCode, i64)> = Vec::new();
    let mut add = |person: UserId, code: MonitoringCode, secs: i64| match seconds
        .iter_mut()
        .find(|(p, c, _)| *p == person && *c == code)
    {
        Some(slot) => slot.2 += secs,
        None => seconds.push((person, code, secs)),
    };
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let secs = (to - from).whole_seconds();
        // Everyone in the room for this whole piece, with when their stretch began.
        let mut here: Vec<(UserId, OffsetDateTime)> = closed
            .iter()
            .filter(|(_, a, b)| *a <= from && *b >= to)
            .map(|(p, a, _)| (*p, *a))
            .collect();
        here.sort_by_key(|(_, a)| *a);
        let first = here
            .iter()
            .find(|(p, _)| standing(*p) == Standing::Professional)
            .map(|(p, _)| *p);
        let Some(first) = first else { continue };
        for (person, _) in &here {
            let code = match standing(*person) {
                Standing::Professional if *person == first => MonitoringCode::First,
                Standing::Professional => MonitoringCode::Second,
                Standing::Staff => MonitoringCode::Staff,
                Standing::NotBilled => continue,
            };
            add(*person, code, secs);
        }
    }
    seconds
        .into_iter()
        .map(|(person, code, secs)| Monitored {
            person,
            code,
            minutes: u32::try_from(secs / 60).unwrap_or(u32::MAX),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dosing::presence::{Change, Event, stretches};
    use time::Duration;
    use time::macros::datetime;

    fn person(n: u128) -> UserId {
        UserId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn at(minute: i64) -> OffsetDateTime {
        datetime!(2026-12-02 09:00 UTC) + Duration::minutes(minute)
    }

    fn ev(minute: i64, change: Change, person: UserId, taking_over: Option<UserId>) -> Event {
        Event {
            at: at(minute),
            change,
            person,
            taking_over,
        }
    }

    fn roles(p: UserId) -> Standing {
        if p == person(3) {
            Standing::Staff
        } else {
            Standing::Professional
        }
    }

    fn minutes_of(m: &[Monitored], person: UserId, code: MonitoringCode) -> u32 {
        m.iter()
            .filter(|x| x.person == person && x.code == code)
            .map(|x| x.minutes)
            .sum()
    }

    #[test]
    fn a_hand_over_splits_the_first_professionals_hours() {
        // The first therapist opens at 0, a second comes in at 100 and stays when the first
        // leaves at 130, until discharge at 240.
        let log = [
            ev(0, Change::Start, person(1), None),
            ev(100, Change::Join, person(2), None),
            ev(130, Change::Leave, person(1), None),
            ev(240, Change::End, person(2), None),
        ];
        let m = monitored(&stretches(&log), &roles, at(300));
        assert_eq!(minutes_of(&m, person(1), MonitoringCode::First), 130);
        assert_eq!(minutes_of(&m, person(2), MonitoringCode::Second), 30);
        assert_eq!(minutes_of(&m, person(2), MonitoringCode::First), 110);
        let units = |p, c| {
            m.iter()
                .filter(|x| x.person == p && x.code == c)
                .map(|x| x.units(CountingRule::Midpoint))
                .sum::<u32>()
        };
        // 130 min: 2 hours (the third is not past its midpoint); 110: 2; 30: none.
        assert_eq!(units(person(1), MonitoringCode::First), 2);
        assert_eq!(units(person(2), MonitoringCode::First), 2);
        assert_eq!(units(person(2), MonitoringCode::Second), 0);
    }

    #[test]
    fn a_handover_entry_passes_the_first_place_on() {
        let log = [
            ev(0, Change::Start, person(1), None),
            ev(95, Change::Handover, person(1), Some(person(2))),
            ev(180, Change::End, person(2), None),
        ];
        let m = monitored(&stretches(&log), &roles, at(180));
        assert_eq!(
            m,
            vec![
                Monitored {
                    person: person(1),
                    code: MonitoringCode::First,
                    minutes: 95
                },
                Monitored {
                    person: person(2),
                    code: MonitoringCode::First,
                    minutes: 85
                },
            ]
        );
        assert_eq!(m[0].units(CountingRule::Midpoint), 2);
        assert_eq!(m[0].units(CountingRule::WholeHours), 1);
        assert_eq!(m[1].units(CountingRule::Midpoint), 1);
    }

    #[test]
    fn staff_count_only_beside_a_professional() {
        let log = [
            ev(0, Change::Start, person(3), None),
            ev(20, Change::Join, person(1), None),
            ev(140, Change::Leave, person(1), None),
        ];
        // Still open: closed at 200. the staff member alone from 0-20 and 140-200 is not billed.
        let m = monitored(&stretches(&log), &roles, at(200));
        assert_eq!(minutes_of(&m, person(3), MonitoringCode::Staff), 120);
        assert_eq!(minutes_of(&m, person(1), MonitoringCode::First), 120);
        let not_billed = |p: UserId| {
            if p == person(3) {
                Standing::NotBilled
            } else {
                Standing::Professional
            }
        };
        let m = monitored(&stretches(&log), &not_billed, at(200));
        assert_eq!(minutes_of(&m, person(3), MonitoringCode::Staff), 0);
    }

    #[test]
    fn the_time_rule_by_hand() {
        let r = CountingRule::Midpoint;
        assert_eq!(
            [0, 30, 31, 90, 91, 150, 151].map(|m| r.units(m)),
            [0, 0, 1, 1, 2, 2, 3]
        );
        let w = CountingRule::WholeHours;
        assert_eq!([59, 60, 119, 120].map(|m| w.units(m)), [0, 1, 1, 2]);
    }
}

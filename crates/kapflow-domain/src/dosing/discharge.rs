//! Discharge: a session closes only when the checklist of docs/domain.md §3 holds and a final set
//! of vitals is in, or by the documented early end (an adverse event, a transfer to emergency
//! care) with its reason.

use super::vitals::Vitals;

/// The practice's discharge settings (defaults and where they come from).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DischargeSettings {
    /// The least observation from the dose to discharge, in minutes.
    pub min_observation_minutes: u16,
    /// How far above the pre-dose reading blood pressure may still be ("near baseline"), mmHg.
    pub bp_margin: u16,
    /// How far from the pre-dose heart rate it may be, per minute.
    pub heart_rate_margin: u16,
    pub source: &'static str,
}

impl Default for DischargeSettings {
    fn default() -> DischargeSettings {
        DischargeSettings {
            min_observation_minutes: 120,
            bp_margin: 20,
            heart_rate_margin: 20,
            source: "The practice's KAP protocol: at least about 2 hours of observation and vitals back near the pre-dose reading (the 20 mmHg and 20/min margins are a practice default).",
        }
    }
}

/// What the therapist confirms at the end, and what the record holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DischargeFacts {
    /// Minutes from the dose to now.
    pub minutes_observed: u32,
    pub pre_dose: Vitals,
    pub final_vitals: Option<Vitals>,
    pub alert_and_oriented: bool,
    pub tolerating_fluids: bool,
    pub little_or_no_nausea: bool,
    pub ride_home_present: bool,
    pub aftercare_given: bool,
}

/// What the therapist ticks at the end (kept with the closed session).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checklist {
    pub alert_and_oriented: bool,
    pub tolerating_fluids: bool,
    pub little_or_no_nausea: bool,
    pub ride_home_present: bool,
    pub aftercare_given: bool,
}

/// The discharge form as sent: ticked boxes arrive as any value, unticked ones not at all.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DischargeInput {
    pub alert_and_oriented: String,
    pub tolerating_fluids: String,
    pub little_or_no_nausea: String,
    pub ride_home_present: String,
    pub aftercare_given: String,
    /// "early_end" for the documented early end; anything else is a discharge.
    pub ending: String,
    #[serde(rename = "discharge_reason")]
    pub reason: String,
}

impl DischargeInput {
    pub fn checklist(&self) -> Checklist {
        let on = |v: &str| !v.trim().is_empty();
        Checklist {
            alert_and_oriented: on(&self.alert_and_oriented),
            tolerating_fluids: on(&self.tolerating_fluids),
            little_or_no_nausea: on(&self.little_or_no_nausea),
            ride_home_present: on(&self.ride_home_present),
            aftercare_given: on(&self.aftercare_given),
        }
    }

    pub fn ending(&self) -> Ending {
        if self.ending.trim() == "early_end" {
            Ending::EarlyEnd {
                reason: self.reason.trim().to_owned(),
            }
        } else {
            Ending::Discharged
        }
    }
}

/// The facts of a discharge: the record's (time, vitals) and the therapist's checklist.
pub fn facts(
    minutes_observed: u32,
    pre_dose: Vitals,
    final_vitals: Option<Vitals>,
    c: &Checklist,
) -> DischargeFacts {
    DischargeFacts {
        minutes_observed,
        pre_dose,
        final_vitals,
        alert_and_oriented: c.alert_and_oriented,
        tolerating_fluids: c.tolerating_fluids,
        little_or_no_nausea: c.little_or_no_nausea,
        ride_home_present: c.ride_home_present,
        aftercare_given: c.aftercare_given,
    }
}

/// How a session ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The checklist holds.
    Discharged,
    /// Ended early (an adverse event, a transfer to emergency care), with the reason.
    EarlyEnd { reason: String },
}

/// A discharge criterion that does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DischargeUnmet {
    TooSoon,
    NoFinalVitals,
    VitalsNotNearBaseline,
    NotAlertAndOriented,
    NotToleratingFluids,
    Nauseated,
    NoRideHome,
    NoAftercare,
    ReasonRequired,
}

impl DischargeUnmet {
    pub fn message(self) -> &'static str {
        match self {
            DischargeUnmet::TooSoon => "The minimum observation time has not passed.",
            DischargeUnmet::NoFinalVitals => "Take a final set of vitals.",
            DischargeUnmet::VitalsNotNearBaseline => {
                "The final vitals are not yet near the pre-dose reading."
            }
            DischargeUnmet::NotAlertAndOriented => "The client is not yet alert and oriented.",
            DischargeUnmet::NotToleratingFluids => "The client is not yet tolerating fluids.",
            DischargeUnmet::Nauseated => "The client still has more than a little nausea.",
            DischargeUnmet::NoRideHome => "The person taking the client home is not here.",
            DischargeUnmet::NoAftercare => "The aftercare sheet has not been given.",
            DischargeUnmet::ReasonRequired => "Say why the session ends early.",
        }
    }
}

fn near(final_v: &Vitals, pre: &Vitals, s: &DischargeSettings) -> bool {
    final_v.systolic <= pre.systolic.saturating_add(s.bp_margin)
        && final_v.diastolic <= pre.diastolic.saturating_add(s.bp_margin)
        && final_v.heart_rate.abs_diff(pre.heart_rate) <= s.heart_rate_margin
}

/// Whether the session may close as `ending`; every unmet criterion otherwise. An early end
/// needs its reason and a final set of vitals, nothing else.
pub fn close(
    f: &DischargeFacts,
    ending: &Ending,
    s: &DischargeSettings,
) -> Result<(), Vec<DischargeUnmet>> {
    let mut out = Vec::new();
    let mut need = |ok: bool, u: DischargeUnmet| {
        if !ok {
            out.push(u);
        }
    };
    need(f.final_vitals.is_some(), DischargeUnmet::NoFinalVitals);
    match ending {
        Ending::EarlyEnd { reason } => {
            need(!reason.trim().is_empty(), DischargeUnmet::ReasonRequired)
        }
        Ending::Discharged => {
            need(
                f.minutes_observed >= u32::from(s.min_observation_minutes),
                DischargeUnmet::TooSoon,
            );
            if let Some(v) = &f.final_vitals {
                need(
                    near(v, &f.pre_dose, s),
                    DischargeUnmet::VitalsNotNearBaseline,
                );
            }
            need(f.alert_and_oriented, DischargeUnmet::NotAlertAndOriented);
            need(f.tolerating_fluids, DischargeUnmet::NotToleratingFluids);
            need(f.little_or_no_nausea, DischargeUnmet::Nauseated);
            need(f.ride_home_present, DischargeUnmet::NoRideHome);
            need(f.aftercare_given, DischargeUnmet::NoAftercare);
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vitals(systolic: u16, diastolic: u16, heart_rate: u16) -> Vitals {
        Vitals {
            systolic,
            diastolic,
            heart_rate,
            spo2: 98,
            respiratory_rate: None,
        }
    }

    fn done() -> DischargeFacts {
        DischargeFacts {
            minutes_observed: 130,
            pre_dose: vitals(122, 78, 72),
            final_vitals: Some(vitals(128, 82, 76)),
            alert_and_oriented: true,
            tolerating_fluids: true,
            little_or_no_nausea: true,
            ride_home_present: true,
            aftercare_given: true,
        }
    }

    #[test]
    fn a_full_checklist_discharges_and_each_gap_is_named() {
        let s = DischargeSettings::default();
        assert_eq!(close(&done(), &Ending::Discharged, &s), Ok(()));
        let early = DischargeFacts {
            minutes_observed: 90,
            final_vitals: None,
            little_or_no_nausea: false,
            ..done()
        };
        assert_eq!(
            close(&early, &Ending::Discharged, &s),
            Err(vec![
                DischargeUnmet::NoFinalVitals,
                DischargeUnmet::TooSoon,
                DischargeUnmet::Nauseated
            ])
        );
        let high = DischargeFacts {
            final_vitals: Some(vitals(150, 82, 76)),
            ..done()
        };
        assert_eq!(
            close(&high, &Ending::Discharged, &s),
            Err(vec![DischargeUnmet::VitalsNotNearBaseline])
        );
    }

    #[test]
    fn an_early_end_needs_its_reason_and_final_vitals_only() {
        let s = DischargeSettings::default();
        let bad_day = DischargeFacts {
            minutes_observed: 40,
            alert_and_oriented: false,
            ..done()
        };
        let reason = |r: &str| Ending::EarlyEnd { reason: r.into() };
        assert_eq!(
            close(
                &bad_day,
                &reason("Transferred to the emergency department"),
                &s
            ),
            Ok(())
        );
        assert_eq!(
            close(&bad_day, &reason(" "), &s),
            Err(vec![DischargeUnmet::ReasonRequired])
        );
        let no_vitals = DischargeFacts {
            final_vitals: None,
            ..bad_day
        };
        assert_eq!(
            close(&no_vitals, &reason("Vomiting, sent home with carer"), &s),
            Err(vec![DischargeUnmet::NoFinalVitals])
        );
    }

    proptest! {
        /// A discharge (not an early end) never closes a session before the minimum time or
        /// without final vitals, whatever else is ticked.
        #[test]
        fn no_discharge_before_the_minimum_or_without_final_vitals(
            minutes in 0u32..300, has_final in any::<bool>(), ticks in any::<[bool; 5]>(),
        ) {
            let s = DischargeSettings::default();
            let f = DischargeFacts {
                minutes_observed: minutes,
                final_vitals: has_final.then_some(vitals(125, 80, 74)),
                alert_and_oriented: ticks[0],
                tolerating_fluids: ticks[1],
                little_or_no_nausea: ticks[2],
                ride_home_present: ticks[3],
                aftercare_given: ticks[4],
                ..done()
            };
            if close(&f, &Ending::Discharged, &s).is_ok() {
                prop_assert!(minutes >= 120 && has_final && ticks.iter().all(|t| *t));
            }
        }
    }
}

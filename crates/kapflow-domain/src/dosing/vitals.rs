//! Vital signs and what a reading means against the practice's thresholds (docs/domain.md §3).
//!
//! No threshold is published for sublingual KAP, so each default names where it comes from, and
//! the practice (or the prescriber) may change every one of them.

/// One set of vital signs. Blood pressure in mmHg, heart rate per minute, SpO2 in percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vitals {
    pub systolic: u16,
    pub diastolic: u16,
    pub heart_rate: u16,
    pub spo2: u8,
    pub respiratory_rate: Option<u16>,
}

/// A limit and where its default comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub value: u16,
    pub source: &'static str,
}

/// The practice's vitals thresholds (settings; these are the defaults and their sources).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Hold the dose when the pre-dose reading is above this (systolic, diastolic).
    pub hold_systolic: Limit,
    pub hold_diastolic: Limit,
    /// Alert during the session above this.
    pub alert_systolic: Limit,
    pub alert_diastolic: Limit,
    /// Urgent at or above this.
    pub urgent_systolic: Limit,
    pub urgent_diastolic: Limit,
    /// Urgent below this SpO2.
    pub urgent_spo2_below: Limit,
    /// Alert outside this heart-rate range.
    pub heart_rate_low: Limit,
    pub heart_rate_high: Limit,
}

const HOLD_SOURCE: &str = "An IV/nasal ketamine clinic's pre-dose hold rule (140/90); no published sublingual KAP threshold exists.";
const ALERT_SOURCE: &str = "A proposed psychedelic-session monitoring rule (160/100).";
const URGENT_SOURCE: &str = "The general hypertensive-crisis line (180/120).";
const SPO2_SOURCE: &str = "Monitoring practice for esketamine (SpO2 below 90%).";
const HR_SOURCE: &str = "Practice default (50–120); no published KAP source.";

impl Default for Thresholds {
    fn default() -> Thresholds {
        let l = |value, source| Limit { value, source };
        Thresholds {
            hold_systolic: l(140, HOLD_SOURCE),
            hold_diastolic: l(90, HOLD_SOURCE),
            alert_systolic: l(160, ALERT_SOURCE),
            alert_diastolic: l(100, ALERT_SOURCE),
            urgent_systolic: l(180, URGENT_SOURCE),
            urgent_diastolic: l(120, URGENT_SOURCE),
            urgent_spo2_below: l(90, SPO2_SOURCE),
            heart_rate_low: l(50, HR_SOURCE),
            heart_rate_high: l(120, HR_SOURCE),
        }
    }
}

/// How serious a finding is, least first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Before dosing: do not dose unless the therapist overrides with a reason.
    Hold,
    /// During the session: acknowledge with the action taken.
    Alert,
    /// Act now.
    Urgent,
}

impl Level {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Hold => "hold",
            Level::Alert => "alert",
            Level::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        [Level::Hold, Level::Alert, Level::Urgent]
            .into_iter()
            .find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Hold => "Hold the dose",
            Level::Alert => "Alert",
            Level::Urgent => "Urgent",
        }
    }
}

impl TryFrom<String> for Level {
    type Error = crate::named::UnknownName;
    fn try_from(s: String) -> Result<Level, Self::Error> {
        Level::parse(&s).ok_or(crate::named::UnknownName {
            kind: "vitals level",
            name: s,
        })
    }
}

/// One reading outside a threshold: what, the rule, and where the rule comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub what: String,
    pub rule: String,
    pub source: &'static str,
}

fn bp(v: &Vitals) -> String {
    format!("Blood pressure {}/{} mmHg", v.systolic, v.diastolic)
}

/// What a reading taken before the dose means: a hold above the pre-dose limits, and anything
/// urgent as urgent.
pub fn before_dosing(v: &Vitals, t: &Thresholds) -> Vec<Finding> {
    let mut out = urgent(v, t);
    if out.iter().all(|f| f.what != bp(v))
        && (v.systolic > t.hold_systolic.value || v.diastolic > t.hold_diastolic.value)
    {
        out.push(Finding {
            level: Level::Hold,
            what: bp(v),
            rule: format!(
                "Hold the dose above {}/{} mmHg before dosing",
                t.hold_systolic.value, t.hold_diastolic.value
            ),
            source: t.hold_systolic.source,
        });
    }
    out.extend(heart_rate(v, t));
    out
}

/// What a reading during the session means.
pub fn during_session(v: &Vitals, t: &Thresholds) -> Vec<Finding> {
    let mut out = urgent(v, t);
    if out.iter().all(|f| f.what != bp(v))
        && (v.systolic > t.alert_systolic.value || v.diastolic > t.alert_diastolic.value)
    {
        out.push(Finding {
            level: Level::Alert,
            what: bp(v),
            rule: format!(
                "Alert above {}/{} mmHg during the session",
                t.alert_systolic.value, t.alert_diastolic.value
            ),
            source: t.alert_systolic.source,
        });
    }
    out.extend(heart_rate(v, t));
    out
}

fn urgent(v: &Vitals, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    if v.systolic >= t.urgent_systolic.value || v.diastolic >= t.urgent_diastolic.value {
        out.push(Finding {
            level: Level::Urgent,
            what: bp(v),
            rule: format!(
                "Urgent at {} systolic or {} diastolic and above",
                t.urgent_systolic.value, t.urgent_diastolic.value
            ),
            source: t.urgent_systolic.source,
        });
    }
    if u16::from(v.spo2) < t.urgent_spo2_below.value {
        out.push(Finding {
            level: Level::Urgent,
            what: format!("SpO2 {}%", v.spo2),
            rule: format!("Urgent below {}%", t.urgent_spo2_below.value),
            source: t.urgent_spo2_below.source,
        });
    }
    out
}

fn heart_rate(v: &Vitals, t: &Thresholds) -> Option<Finding> {
    (v.heart_rate < t.heart_rate_low.value || v.heart_rate > t.heart_rate_high.value).then(|| {
        Finding {
            level: Level::Alert,
            what: format!("Heart rate {}/min", v.heart_rate),
            rule: format!(
                "Alert outside {}–{}/min",
                t.heart_rate_low.value, t.heart_rate_high.value
            ),
            source: t.heart_rate_low.source,
        }
    })
}

/// The most serious level among findings, if any.
pub fn worst(findings: &[Finding]) -> Option<Level> {
    findings.iter().map(|f| f.level).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(systolic: u16, diastolic: u16, heart_rate: u16, spo2: u8) -> Vitals {
        Vitals {
            systolic,
            diastolic,
            heart_rate,
            spo2,
            respiratory_rate: None,
        }
    }

    #[test]
    fn the_defaults_and_their_edges() {
        let t = Thresholds::default();
        assert!(
            before_dosing(&v(140, 90, 70, 98), &t).is_empty(),
            "at the limit is fine"
        );
        assert_eq!(
            worst(&before_dosing(&v(141, 80, 70, 98), &t)),
            Some(Level::Hold)
        );
        assert_eq!(
            worst(&before_dosing(&v(130, 91, 70, 98), &t)),
            Some(Level::Hold)
        );
        assert!(during_session(&v(160, 100, 70, 98), &t).is_empty());
        assert_eq!(
            worst(&during_session(&v(161, 90, 70, 98), &t)),
            Some(Level::Alert)
        );
        assert_eq!(
            worst(&during_session(&v(180, 90, 70, 98), &t)),
            Some(Level::Urgent)
        );
        assert_eq!(
            worst(&during_session(&v(120, 120, 70, 98), &t)),
            Some(Level::Urgent)
        );
        assert_eq!(
            worst(&during_session(&v(120, 80, 70, 89), &t)),
            Some(Level::Urgent)
        );
        assert!(during_session(&v(120, 80, 70, 90), &t).is_empty());
        assert_eq!(
            worst(&during_session(&v(120, 80, 49, 98), &t)),
            Some(Level::Alert)
        );
        assert_eq!(
            worst(&during_session(&v(120, 80, 121, 98), &t)),
            Some(Level::Alert)
        );
        let f = &during_session(&v(185, 95, 70, 98), &t)[0];
        assert_eq!(
            f.source, URGENT_SOURCE,
            "each finding says where its rule comes from"
        );
        assert_eq!(
            during_session(&v(185, 95, 70, 98), &t).len(),
            1,
            "one blood-pressure finding, the worst"
        );
    }

    #[test]
    fn thresholds_are_settings() {
        let mut t = Thresholds::default();
        t.hold_systolic.value = 150;
        assert!(before_dosing(&v(145, 80, 70, 98), &t).is_empty());
    }

    proptest! {
        /// A higher blood pressure is never judged less serious than a lower one.
        #[test]
        fn findings_grow_with_blood_pressure(s in 60u16..260, d in 30u16..160, up in 0u16..60) {
            let t = Thresholds::default();
            let low = worst(&during_session(&v(s, d, 70, 98), &t));
            let high = worst(&during_session(&v(s + up, d, 70, 98), &t));
            prop_assert!(high >= low);
            let low = worst(&before_dosing(&v(s, d, 70, 98), &t));
            let high = worst(&before_dosing(&v(s, d + up, 70, 98), &t));
            prop_assert!(high >= low);
        }
    }
}

//! What a typed monitor entry must hold: vitals, an observation, the person taking the client
//! home, a reason. Each check returns every mistake at once, next to its field.

use super::vitals::Vitals;
use crate::form::FieldErrors;
use crate::text::{free_text, number_in, phone, required_line, required_text};

crate::named_enum! {
    /// Who took the reading.
    pub enum MeasuredBy {
        Therapist = "therapist", "Therapist";
        /// Self-measured by the client and read aloud.
        Client = "client", "Client (self-measured, read aloud)";
    }
}

crate::named_enum! {
    /// When in the session a reading was taken.
    pub enum Phase {
        PreDose = "pre_dose", "Before the dose";
        During = "during", "During the session";
        Final = "final", "At discharge";
    }
}

crate::named_enum! {
    /// What an observation is about.
    pub enum ObservationKind {
        Dissociation = "dissociation", "Dissociation";
        Nausea = "nausea", "Nausea";
        Vomiting = "vomiting", "Vomiting";
        Anxiety = "anxiety", "Anxiety";
        AdverseEvent = "adverse_event", "Adverse event";
        Other = "other", "Other";
    }
}

/// The vitals form as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct VitalsInput {
    pub systolic: String,
    pub diastolic: String,
    pub heart_rate: String,
    pub spo2: String,
    pub respiratory_rate: String,
    pub measured_by: String,
    /// How many minutes ago it was measured (typed by a person; 0 = now).
    pub minutes_ago: String,
    /// "final" for the discharge set.
    pub phase: String,
}

/// The form's fields in page order (for the error summary).
pub const VITALS_FIELDS: &[&str] = &[
    "systolic",
    "diastolic",
    "heart_rate",
    "spo2",
    "respiratory_rate",
    "measured_by",
    "minutes_ago",
];

/// A checked vitals entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VitalsEntry {
    pub vitals: Vitals,
    pub measured_by: MeasuredBy,
    pub minutes_ago: u32,
    pub is_final: bool,
}

impl VitalsInput {
    /// Readings outside what a body can show are typing slips, refused with the range.
    pub fn validate(&self) -> Result<VitalsEntry, FieldErrors> {
        let mut e = FieldErrors::in_form_order(VITALS_FIELDS);
        let systolic = e.take(
            "systolic",
            number_in(&self.systolic, 50..=300, "the systolic pressure (mmHg)"),
        );
        let diastolic = e.take(
            "diastolic",
            number_in(&self.diastolic, 20..=200, "the diastolic pressure (mmHg)"),
        );
        if let (Some(s), Some(d)) = (systolic, diastolic)
            && d >= s
        {
            e.add(
                "diastolic",
                "The diastolic pressure must be lower than the systolic: check the order.",
            );
        }
        let heart_rate = e.take(
            "heart_rate",
            number_in(&self.heart_rate, 20..=250, "the heart rate (per minute)"),
        );
        let spo2 = e.take("spo2", number_in(&self.spo2, 50..=100, "the SpO2 (%)"));
        let respiratory_rate = if self.respiratory_rate.trim().is_empty() {
            Some(None)
        } else {
            e.take(
                "respiratory_rate",
                number_in(
                    &self.respiratory_rate,
                    4..=60,
                    "the respiratory rate (per minute)",
                ),
            )
            .map(Some)
        };
        let measured_by = e.take(
            "measured_by",
            MeasuredBy::parse(self.measured_by.trim())
                .ok_or_else(|| "Say who took the reading.".to_owned()),
        );
        let minutes_ago = if self.minutes_ago.trim().is_empty() {
            Some(0)
        } else {
            e.take(
                "minutes_ago",
                number_in(
                    &self.minutes_ago,
                    0..=180,
                    "how many minutes ago it was taken",
                ),
            )
        };
        match (
            systolic,
            diastolic,
            heart_rate,
            spo2,
            respiratory_rate,
            measured_by,
            minutes_ago,
        ) {
            (Some(s), Some(d), Some(hr), Some(o), Some(rr), Some(by), Some(ago))
                if e.is_empty() =>
            {
                Ok(VitalsEntry {
                    vitals: Vitals {
                        systolic: s as u16,
                        diastolic: d as u16,
                        heart_rate: hr as u16,
                        spo2: o as u8,
                        respiratory_rate: rr.map(|r| r as u16),
                    },
                    measured_by: by,
                    minutes_ago: ago,
                    is_final: self.phase.trim() == Phase::Final.as_str(),
                })
            }
            _ => Err(e),
        }
    }
}

/// The observation form as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ObservationInput {
    #[serde(rename = "obs_kind")]
    pub kind: String,
    /// CADSS-6 total (0–24), for dissociation, where the practice uses it.
    pub cadss: String,
    #[serde(rename = "obs_note")]
    pub note: String,
    #[serde(rename = "obs_action")]
    pub action: String,
}

pub const OBSERVATION_FIELDS: &[&str] = &["obs_kind", "cadss", "obs_note", "obs_action"];

/// A checked observation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub kind: ObservationKind,
    pub cadss: Option<u8>,
    pub note: String,
    pub action: String,
}

impl ObservationInput {
    /// An adverse event needs what was done; a CADSS-6 score only for dissociation.
    pub fn validate(&self) -> Result<Observation, FieldErrors> {
        let mut e = FieldErrors::in_form_order(OBSERVATION_FIELDS);
        let kind = e.take(
            "obs_kind",
            ObservationKind::parse(self.kind.trim())
                .ok_or_else(|| "Choose what you observed.".to_owned()),
        );
        let cadss = if self.cadss.trim().is_empty() {
            Some(None)
        } else if kind.is_some() && kind != Some(ObservationKind::Dissociation) {
            e.add(
                "cadss",
                "A CADSS-6 score goes with a dissociation observation.",
            );
            None
        } else {
            e.take(
                "cadss",
                number_in(&self.cadss, 0..=24, "the CADSS-6 total (0–24)"),
            )
            .map(|n| Some(n as u8))
        };
        let note = e.take("obs_note", free_text(&self.note, 2000));
        let action = if kind == Some(ObservationKind::AdverseEvent) {
            e.take(
                "obs_action",
                required_text(&self.action, 2000, "what was done about it"),
            )
        } else {
            e.take("obs_action", free_text(&self.action, 2000))
        };
        if let (Some(k), Some(n)) = (kind, &note)
            && k == ObservationKind::Other
            && n.is_empty()
        {
            e.add("obs_note", "Describe what you observed.");
        }
        match (kind, cadss, note, action) {
            (Some(kind), Some(cadss), Some(note), Some(action)) if e.is_empty() => {
                Ok(Observation {
                    kind,
                    cadss,
                    note,
                    action,
                })
            }
            _ => Err(e),
        }
    }
}

/// The person taking the client home, confirmed for today.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RideHomeInput {
    #[serde(rename = "ride_name")]
    pub name: String,
    #[serde(rename = "ride_phone")]
    pub phone: String,
    #[serde(rename = "ride_confirmed")]
    pub confirmed: String,
}

pub const RIDE_FIELDS: &[&str] = &["ride_name", "ride_phone", "ride_confirmed"];

/// A checked ride home: the person's name and, optionally, a phone number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RideHome {
    pub name: String,
    pub phone: Option<String>,
}

impl RideHomeInput {
    pub fn validate(&self) -> Result<RideHome, FieldErrors> {
        let mut e = FieldErrors::in_form_order(RIDE_FIELDS);
        let name = e.take(
            "ride_name",
            required_line(
                &self.name,
                120,
                "the name of the person taking the client home",
            ),
        );
        let phone = e.take("ride_phone", phone(&self.phone));
        if self.confirmed.trim().is_empty() {
            e.add(
                "ride_confirmed",
                "Confirm that this person will take the client home today.",
            );
        }
        match (name, phone) {
            (Some(name), Some(phone)) if e.is_empty() => Ok(RideHome { name, phone }),
            _ => Err(e),
        }
    }
}

/// A reason typed for an override, a skipped check or an early end.
pub fn reason(raw: &str, what: &str) -> Result<String, String> {
    let r = required_text(raw, 1000, what)?;
    if r.chars().count() < 10 {
        return Err(format!(
            "Say {what} in a sentence (at least 10 characters)."
        ));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vitals(s: &str, d: &str) -> VitalsInput {
        VitalsInput {
            systolic: s.into(),
            diastolic: d.into(),
            heart_rate: "72".into(),
            spo2: "98".into(),
            measured_by: "therapist".into(),
            ..Default::default()
        }
    }

    #[test]
    fn vitals_are_checked_field_by_field() {
        let ok = vitals("128", "84").validate().expect("valid");
        assert_eq!(ok.vitals.systolic, 128);
        assert_eq!(ok.minutes_ago, 0);
        assert!(!ok.is_final);
        let e = vitals("84", "128").validate().expect_err("swapped");
        assert!(e.get("diastolic").is_some_and(|m| m.contains("lower")));
        let e = VitalsInput::default().validate().expect_err("blank");
        for f in ["systolic", "diastolic", "heart_rate", "spo2", "measured_by"] {
            assert!(e.has(f), "{f} named");
        }
        assert!(!e.has("respiratory_rate"), "optional");
        let e = vitals("1200", "80").validate().expect_err("slip");
        assert!(e.get("systolic").is_some_and(|m| m.contains("50 to 300")));
    }

    #[test]
    fn an_adverse_event_needs_its_action_and_cadss_goes_with_dissociation() {
        let o = ObservationInput {
            kind: "adverse_event".into(),
            note: "Vomited once".into(),
            ..Default::default()
        };
        assert!(o.validate().expect_err("no action").has("obs_action"));
        let o = ObservationInput {
            kind: "nausea".into(),
            cadss: "5".into(),
            ..Default::default()
        };
        assert!(o.validate().expect_err("cadss").has("cadss"));
        let o = ObservationInput {
            kind: "dissociation".into(),
            cadss: "7".into(),
            ..Default::default()
        };
        assert_eq!(o.validate().expect("ok").cadss, Some(7));
    }

    #[test]
    fn the_ride_home_must_be_named_and_confirmed() {
        let e = RideHomeInput::default().validate().expect_err("blank");
        assert!(e.has("ride_name") && e.has("ride_confirmed"));
        let r = RideHomeInput {
            name: "Sam Lee".into(),
            confirmed: "yes".into(),
            ..Default::default()
        };
        assert_eq!(r.validate().expect("ok").name, "Sam Lee");
    }
}

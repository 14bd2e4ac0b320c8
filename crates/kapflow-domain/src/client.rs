//! The client record: who the person is, how to reach them, who takes them home after dosing,
//! and the sensitivity label that later segments their clinical records.

use crate::Email;
use crate::form::FieldErrors;
use crate::inquiry::Concern;
use crate::text::{date, free_text, optional_line, phone, required_line};
use time::Date;

pub const MAX_NAME: usize = 120;

crate::named_enum! {
    /// How sensitive a client's clinical records are, for segmentation (45 CFR 164.501 keeps
    /// psychotherapy notes apart; 42 CFR Part 2 protects substance-use-disorder records).
    pub enum Sensitivity {
        General = "general", "General";
        PsychotherapyNote = "psychotherapy_note", "Psychotherapy note";
        SubstanceUseDisorder = "substance_use_disorder", "Substance-use-disorder record (42 CFR Part 2)";
    }
}

/// What a person typed into the client form, kept as typed so nothing is lost on an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ClientInput {
    pub legal_name: String,
    pub preferred_name: String,
    pub pronouns: String,
    pub date_of_birth: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub emergency_name: String,
    pub emergency_phone: String,
    pub support_name: String,
    pub support_phone: String,
    pub concerns: Vec<String>,
    pub sensitivity: String,
}

/// A valid client record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClient {
    pub legal_name: String,
    pub preferred_name: Option<String>,
    pub pronouns: Option<String>,
    pub date_of_birth: Date,
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub emergency_name: Option<String>,
    pub emergency_phone: Option<String>,
    pub support_name: Option<String>,
    pub support_phone: Option<String>,
    pub concerns: Vec<Concern>,
    pub sensitivity: Sensitivity,
}

impl NewClient {
    pub fn concerns_text(&self) -> String {
        concerns_to_text(&self.concerns)
    }
}

pub fn concerns_to_text(c: &[Concern]) -> String {
    c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

pub fn concerns_from_text(s: &str) -> Vec<Concern> {
    s.split(',').filter_map(Concern::parse).collect()
}

/// A stored list of primary concerns (comma-separated names); an unknown name is an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Concerns(pub Vec<Concern>);

impl Concerns {
    pub fn labels(&self) -> String {
        self.0
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl TryFrom<String> for Concerns {
    type Error = crate::named::UnknownName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.split(',')
            .filter(|c| !c.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(Concerns)
    }
}

/// Whole years between `dob` and `today`.
pub fn age_on(dob: Date, today: Date) -> i32 {
    let mut years = today.year() - dob.year();
    if (today.month() as u8, today.day()) < (dob.month() as u8, dob.day()) {
        years -= 1;
    }
    years
}

impl ClientInput {
    /// Whether the concern `value` is ticked (for the form).
    pub fn has_concern(&self, value: &str) -> bool {
        self.concerns.iter().any(|c| c == value)
    }

    /// The fields in the order the client form shows them.
    pub const FIELDS: &'static [&'static str] = &[
        "legal_name",
        "preferred_name",
        "pronouns",
        "date_of_birth",
        "email",
        "phone",
        "address",
        "emergency_name",
        "emergency_phone",
        "support_name",
        "support_phone",
        "concerns",
        "sensitivity",
        "therapist",
    ];

    pub fn validate(&self, today: Date) -> Result<NewClient, FieldErrors> {
        let mut e = FieldErrors::in_form_order(Self::FIELDS);
        let legal_name = e.take(
            "legal_name",
            required_line(&self.legal_name, MAX_NAME, "the legal name"),
        );
        let preferred_name = e
            .take(
                "preferred_name",
                optional_line(&self.preferred_name, MAX_NAME),
            )
            .flatten();
        let pronouns = e
            .take("pronouns", optional_line(&self.pronouns, 40))
            .flatten();
        let dob = e.take(
            "date_of_birth",
            date(&self.date_of_birth, "the date of birth").and_then(|d| {
                if d > today + time::Duration::days(1) {
                    Err("The date of birth cannot be in the future.".into())
                } else if age_on(d, today) > 120 {
                    Err("Check the year of birth.".into())
                } else {
                    Ok(d)
                }
            }),
        );
        let email = if self.email.trim().is_empty() {
            None
        } else {
            e.take(
                "email",
                Email::parse(&self.email).map_err(|m| m.to_string()),
            )
        };
        // Three phone fields: each message says whose number it wants.
        let phone_of = |v: &str, whose: &str| {
            phone(v).map_err(|_| format!("Enter {whose} phone number, like 555-123-4567."))
        };
        let phone_v = e
            .take("phone", phone_of(&self.phone, "the client's"))
            .flatten();
        let address = e
            .take("address", free_text(&self.address, 300))
            .filter(|s| !s.is_empty());
        let emergency_name = e
            .take(
                "emergency_name",
                optional_line(&self.emergency_name, MAX_NAME),
            )
            .flatten();
        let emergency_phone = e
            .take(
                "emergency_phone",
                phone_of(&self.emergency_phone, "the emergency contact's"),
            )
            .flatten();
        if emergency_name.is_some() != emergency_phone.is_some()
            && !e.has("emergency_name")
            && !e.has("emergency_phone")
        {
            if emergency_name.is_none() {
                e.add("emergency_name", "Enter the emergency contact's name.");
            } else {
                e.add(
                    "emergency_phone",
                    "Enter the emergency contact's phone number.",
                );
            }
        }
        let support_name = e
            .take("support_name", optional_line(&self.support_name, MAX_NAME))
            .flatten();
        let support_phone = e
            .take(
                "support_phone",
                phone_of(&self.support_phone, "the support person's"),
            )
            .flatten();
        if support_name.is_none() && support_phone.is_some() && !e.has("support_name") {
            e.add(
                "support_name",
                "Enter the name of the person who will take them home.",
            );
        }
        let mut concerns = Vec::new();
        for c in &self.concerns {
            match Concern::parse(c) {
                Some(c) if !concerns.contains(&c) => concerns.push(c),
                Some(_) => {}
                None => e.add("concerns", "Choose from the list."),
            }
        }
        let sensitivity = if self.sensitivity.is_empty() {
            Some(Sensitivity::General)
        } else {
            e.take(
                "sensitivity",
                Sensitivity::parse(&self.sensitivity)
                    .ok_or_else(|| "Choose a label from the list.".to_owned()),
            )
        };
        if !e.is_empty() {
            return Err(e);
        }
        match (legal_name, dob, sensitivity) {
            (Some(legal_name), Some(date_of_birth), Some(sensitivity)) => Ok(NewClient {
                legal_name,
                preferred_name,
                pronouns,
                date_of_birth,
                email,
                phone: phone_v,
                address,
                emergency_name,
                emergency_phone,
                support_name,
                support_phone,
                concerns,
                sensitivity,
            }),
            _ => Err(e),
        }
    }
}

crate::named_enum! {
    /// The fixed keys a caseload can be sorted by (never a column name from the request).
    #[derive(Default)]
    pub enum CaseloadSort {
        #[default]
        Name = "name", "Name";
        Newest = "newest", "Newest first";
        Stage = "stage", "Stage";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> ClientInput {
        ClientInput {
            legal_name: "Ada Lovelace".into(),
            date_of_birth: "1980-04-23".into(),
            concerns: vec!["depression".into()],
            ..ClientInput::default()
        }
    }

    #[test]
    fn a_minimal_client_is_valid() {
        let c = input().validate(date!(2026 - 11 - 29)).expect("valid");
        assert_eq!(c.legal_name, "Ada Lovelace");
        assert_eq!(c.sensitivity, Sensitivity::General);
        assert_eq!(c.concerns_text(), "depression");
    }

    #[test]
    fn every_problem_is_named_beside_its_field() {
        let bad = ClientInput {
            legal_name: " ".into(),
            date_of_birth: "2030-01-01".into(),
            email: "nope".into(),
            phone: "abc".into(),
            support_phone: "555-123-4567".into(),
            emergency_name: "Bo".into(),
            concerns: vec!["x".into()],
            sensitivity: "secret".into(),
            ..ClientInput::default()
        };
        let e = bad.validate(date!(2026 - 11 - 29)).expect_err("refused");
        for f in [
            "legal_name",
            "date_of_birth",
            "email",
            "phone",
            "support_name",
            "emergency_phone",
            "concerns",
            "sensitivity",
        ] {
            assert!(e.has(f), "{f} should have an error: {e:?}");
        }
    }

    #[test]
    fn age_counts_whole_years() {
        let dob = date!(2008 - 11 - 30);
        assert_eq!(age_on(dob, date!(2026 - 11 - 29)), 17);
        assert_eq!(age_on(dob, date!(2026 - 11 - 30)), 18);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2026 - 02 - 28)), 25);
    }

    #[test]
    fn sort_keys_are_fixed() {
        // An unknown key is refused, and the caseload falls back to sorting by name.
        assert_eq!(CaseloadSort::parse("name; DROP TABLE"), None);
        assert_eq!(
            CaseloadSort::parse("name; DROP TABLE").unwrap_or_default(),
            CaseloadSort::Name
        );
        assert_eq!(CaseloadSort::parse("stage"), Some(CaseloadSort::Stage));
    }
}

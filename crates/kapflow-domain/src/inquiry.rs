//! The public "connect with me" inquiry: what a visitor may send, validated field by field, and
//! the statuses an inquiry moves through in the inbox.

use crate::Email;
use crate::form::FieldErrors;
use crate::text::{optional_line, phone, required_line};

pub const MAX_MESSAGE_CHARS: usize = 1000;
pub const MAX_NAME_CHARS: usize = 120;

crate::named_enum! {
    /// What a person seeks help with (the inquiry's and the client record's primary concerns).
    pub enum Concern {
        Depression = "depression", "Depression";
        Ptsd = "ptsd", "PTSD or trauma";
        Anxiety = "anxiety", "Anxiety";
        ChronicPain = "chronic_pain", "Chronic pain";
        Other = "other", "Something else";
    }
}

crate::named_enum! {
    /// How an inquirer would like to be contacted.
    pub enum ContactMethod {
        Email = "email", "Email";
        Phone = "phone", "Phone call";
        Text = "text", "Text message";
    }
}

crate::named_enum! {
    /// Where an inquiry stands in the inbox.
    pub enum InquiryStatus {
        New = "new", "New";
        Contacted = "contacted", "Contacted";
        ConsultationBooked = "consultation_booked", "Consultation booked";
        BecameClient = "became_client", "Became client";
        Declined = "declined", "Declined";
        Spam = "spam", "Spam";
    }
}

/// The form as typed (every field a string, so nothing typed is ever lost on an error).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InquiryInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub preferred_contact: String,
    pub preferred_time: String,
    pub concerns: Vec<String>,
    pub message: String,
    pub heard_from: String,
    pub consent: bool,
}

/// A valid inquiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInquiry {
    pub name: String,
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub preferred_contact: ContactMethod,
    pub preferred_time: Option<String>,
    pub concerns: Vec<Concern>,
    pub message: String,
    pub heard_from: Option<String>,
}

impl InquiryInput {
    /// The fields in the order the inquiry form shows them.
    pub const FIELDS: &'static [&'static str] = &[
        "name",
        "preferred_contact",
        "email",
        "phone",
        "preferred_time",
        "concerns",
        "message",
        "heard_from",
        "consent",
    ];

    /// The inquiry, or what is wrong field by field (in the order of the form).
    pub fn validate(&self) -> Result<NewInquiry, FieldErrors> {
        let mut e = FieldErrors::in_form_order(Self::FIELDS);
        let name = e.take(
            "name",
            required_line(&self.name, MAX_NAME_CHARS, "your name"),
        );
        let method = ContactMethod::parse(&self.preferred_contact);
        if method.is_none() {
            e.add(
                "preferred_contact",
                "Choose how you would like to be contacted.",
            );
        }
        let email = if self.email.trim().is_empty() {
            None
        } else {
            e.take(
                "email",
                Email::parse(&self.email).map_err(|m| m.to_string()),
            )
        };
        let phone = e.take("phone", phone(&self.phone)).flatten();
        match method {
            Some(ContactMethod::Email) if email.is_none() => e.add(
                "email",
                "Enter your email address, or choose another way to be contacted.",
            ),
            Some(ContactMethod::Phone | ContactMethod::Text) if phone.is_none() => e.add(
                "phone",
                "Enter your phone number, or choose another way to be contacted.",
            ),
            _ => {}
        }
        let preferred_time = e
            .take("preferred_time", optional_line(&self.preferred_time, 120))
            .flatten();
        let mut concerns = Vec::new();
        for c in &self.concerns {
            match Concern::parse(c) {
                Some(c) if !concerns.contains(&c) => concerns.push(c),
                Some(_) => {}
                None => e.add("concerns", "Choose from the list."),
            }
        }
        if concerns.is_empty() {
            e.add("concerns", "Choose at least one, or \"Something else\".");
        }
        let message = self.message.trim();
        let chars = message.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            e.add(
                "message",
                format!("Use at most {MAX_MESSAGE_CHARS} characters (you have {chars})."),
            );
        }
        let heard_from = e
            .take("heard_from", optional_line(&self.heard_from, 120))
            .flatten();
        if !self.consent {
            e.add("consent", "Tick this box so I may contact you.");
        }
        match (name, method) {
            (Some(name), Some(preferred_contact)) if e.is_empty() => Ok(NewInquiry {
                name,
                email,
                phone,
                preferred_contact,
                preferred_time,
                concerns,
                message: message.to_owned(),
                heard_from,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> InquiryInput {
        InquiryInput {
            name: "Jo Lee".into(),
            email: "jo@example.org".into(),
            phone: String::new(),
            preferred_contact: "email".into(),
            preferred_time: "weekday mornings".into(),
            concerns: vec!["depression".into(), "anxiety".into()],
            message: "I would like to know more.".into(),
            heard_from: String::new(),
            consent: true,
        }
    }

    #[test]
    fn a_complete_inquiry_validates() {
        let n = good().validate().expect("valid");
        assert_eq!(n.concerns, vec![Concern::Depression, Concern::Anxiety]);
        assert_eq!(n.preferred_contact, ContactMethod::Email);
    }

    #[test]
    fn the_chosen_contact_method_needs_its_detail() {
        let mut i = good();
        i.preferred_contact = "text".into();
        let e = i.validate().expect_err("needs a phone");
        assert!(e.has("phone"));
        i.phone = "(555) 123-4567".into();
        assert!(i.validate().is_ok());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let i = InquiryInput {
            message: "x".repeat(1001),
            ..Default::default()
        };
        let e = i.validate().expect_err("invalid");
        assert!(
            e.has("name")
                && e.has("preferred_contact")
                && e.has("concerns")
                && e.has("message")
                && e.has("consent")
        );
    }

    #[test]
    fn statuses_and_concerns_round_trip() {
        for s in InquiryStatus::ALL {
            assert_eq!(InquiryStatus::parse(s.as_str()), Some(s));
        }
        for c in Concern::ALL {
            assert_eq!(Concern::parse(c.as_str()), Some(c));
        }
    }
}

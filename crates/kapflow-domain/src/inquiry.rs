//! The public "connect with me" inquiry: what a visitor may send, validated field by field, and
//! the statuses an inquiry moves through in the inbox.

use crate::Email;
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

/// What is wrong, field by field, in words for the person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InquiryErrors {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_contact: Option<String>,
    pub preferred_time: Option<String>,
    pub concerns: Option<String>,
    pub message: Option<String>,
    pub heard_from: Option<String>,
    pub consent: Option<String>,
}

impl InquiryErrors {
    pub fn any(&self) -> bool {
        *self != InquiryErrors::default()
    }
}

impl InquiryInput {
    pub fn validate(&self) -> Result<NewInquiry, Box<InquiryErrors>> {
        let mut e = InquiryErrors::default();
        let name = required_line(&self.name, MAX_NAME_CHARS, "your name")
            .map_err(|m| e.name = Some(m))
            .ok();
        let email = if self.email.trim().is_empty() {
            None
        } else {
            Email::parse(&self.email)
                .map_err(|m| e.email = Some(m.to_string()))
                .ok()
        };
        let phone = phone(&self.phone)
            .map_err(|m| e.phone = Some(m))
            .ok()
            .flatten();
        let method = ContactMethod::parse(&self.preferred_contact);
        match method {
            None => e.preferred_contact = Some("Choose how you would like to be contacted.".into()),
            Some(ContactMethod::Email) if email.is_none() && e.email.is_none() => {
                e.email =
                    Some("Enter your email address, or choose another way to be contacted.".into())
            }
            Some(ContactMethod::Phone | ContactMethod::Text)
                if phone.is_none() && e.phone.is_none() =>
            {
                e.phone =
                    Some("Enter your phone number, or choose another way to be contacted.".into())
            }
            _ => {}
        }
        let preferred_time = optional_line(&self.preferred_time, 120)
            .map_err(|m| e.preferred_time = Some(m))
            .ok()
            .flatten();
        let mut concerns = Vec::new();
        for c in &self.concerns {
            match Concern::parse(c) {
                Some(c) if !concerns.contains(&c) => concerns.push(c),
                Some(_) => {}
                None => e.concerns = Some("Choose from the list.".into()),
            }
        }
        if concerns.is_empty() && e.concerns.is_none() {
            e.concerns = Some("Choose at least one, or \"Something else\".".into());
        }
        let message = self.message.trim();
        let chars = message.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            e.message = Some(format!(
                "Use at most {MAX_MESSAGE_CHARS} characters (you have {chars})."
            ));
        }
        let heard_from = optional_line(&self.heard_from, 120)
            .map_err(|m| e.heard_from = Some(m))
            .ok()
            .flatten();
        if !self.consent {
            e.consent = Some("Tick this box so I may contact you.".into());
        }
        if e.any() {
            return Err(Box::new(e));
        }
        match (name, method) {
            (Some(name), Some(preferred_contact)) => Ok(NewInquiry {
                name,
                email,
                phone,
                preferred_contact,
                preferred_time,
                concerns,
                message: message.to_owned(),
                heard_from,
            }),
            _ => Err(Box::new(e)),
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
        assert!(e.phone.is_some());
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
            e.name.is_some()
                && e.preferred_contact.is_some()
                && e.concerns.is_some()
                && e.message.is_some()
                && e.consent.is_some()
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

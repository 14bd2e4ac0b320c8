//! The roles of a practice (domain reference §1).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The licensed psychotherapist who runs the practice.
    Owner,
    /// A clinician of the practice; sees only their caseload.
    Therapist,
    /// Admin staff: inquiries, scheduling, demographics; never clinical content.
    FrontDesk,
    /// A physician of the partner organisation; sees only referred clients.
    Prescriber,
    /// A person in treatment, through the portal.
    Client,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Therapist,
        Role::FrontDesk,
        Role::Prescriber,
        Role::Client,
    ];

    /// The stable name stored in the database and shown in the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Therapist => "therapist",
            Role::FrontDesk => "front_desk",
            Role::Prescriber => "prescriber",
            Role::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff must enrol a second factor before they can see anything.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Client)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Therapist => "Therapist",
            Role::FrontDesk => "Front desk",
            Role::Prescriber => "Prescriber",
            Role::Client => "Client",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
        assert!(!Role::Client.is_staff());
        assert!(Role::FrontDesk.is_staff());
    }
}

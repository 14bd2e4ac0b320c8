//! The roles of a practice (docs/domain.md §1).

use serde::{Deserialize, Serialize};

crate::named_enum! {
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        /// The licensed psychotherapist who runs the practice.
        Owner = "owner", "Owner";
        /// A clinician of the practice; sees only their caseload.
        Therapist = "therapist", "Therapist";
        /// Admin staff: inquiries, scheduling, demographics; never clinical content.
        FrontDesk = "front_desk", "Front desk";
        /// A physician of the partner organisation; sees only referred clients.
        Prescriber = "prescriber", "Prescriber";
        /// A person in treatment, through the portal.
        Client = "client", "Client";
    }
}

impl Role {
    /// Staff must enrol a second factor before they can see anything.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Client)
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

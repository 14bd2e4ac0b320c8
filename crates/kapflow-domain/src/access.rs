//! The access policy: who may do what to which record. Pure, deny by default.
//!
//! A decision takes the caller's role, the action, and the caller's relationship to the record
//! (assigned clinician, referred prescriber, break-glass grant, the client themself). Explicit
//! denials are checked first and always win over any allow rule.

use crate::Role;

/// Everything a route can ask permission for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// See one's own landing page.
    ViewDashboard,
    /// List one's own sessions, sign out elsewhere, enrol MFA, sign out.
    ManageOwnAccount,
    /// Invite, disable, change roles, reset MFA of staff.
    ManageStaff,
    /// Read the audit trail.
    ViewAudit,
    /// Export the audit trail (CSV).
    ExportAudit,
    /// A client's name, contact details, appointments.
    ViewClientDemographics,
    EditClientDemographics,
    /// Intake answers, flags, scores, notes, vitals, doses.
    ViewClinicalRecord,
    EditClinicalRecord,
    /// The inquiry inbox (therapists see only inquiries assigned to them).
    ViewInquiries,
    ManageInquiries,
    /// Give an inquiry to a clinician (owner and front desk).
    AssignInquiries,
    /// The public site's content and the practice's settings.
    EditSite,
    /// The caseload list (the store scopes rows to what the caller may see).
    ListClients,
    /// Open a new client record (from an inquiry or directly).
    CreateClient,
    /// Put clinicians on, or take them off, a client's care team.
    AssignCareTeam,
    /// The prescriber's own acts: evaluation, prescription, shipment, dose-change answers.
    Prescribe,
    /// Messages between the care team and the prescriber about a client.
    MessageCareTeam,
    /// Versioned consent documents (owner).
    ManageConsentDocuments,
    /// Open a record outside one's caseload, with a reason, for a limited time, read-only.
    BreakGlass,
    /// The practice outcome report (owner: whole practice; therapist: their caseload).
    ViewOutcomeReport,
    /// The de-identified research export.
    ExportResearchData,
    /// The practice's own questionnaires.
    ManageInstruments,
    /// Close a client's open suicide-risk alerts with a note.
    AcknowledgeRiskAlert,
    /// The practice calendar: read it, keep one's own hours and holds (client names only where
    /// the reader may see the client's details).
    ViewCalendar,
    /// One's own psychotherapy notes about a client (45 CFR 164.501): a clinician of the care
    /// team only — never through break-glass, never the prescriber or front desk. Each note is
    /// its author's alone (the store scopes every row to its author).
    PsychotherapyNotes,
    /// A client's charges, payments and billing documents: the owner and front desk for any
    /// client, a therapist for their caseload (codes on a charge, never clinical content).
    ManageBilling,
    /// The fee schedule, the practice's billing details and the billing reports (owner).
    ManageFees,
}

impl Action {
    pub const ALL: [Action; 28] = [
        Action::ViewDashboard,
        Action::ManageOwnAccount,
        Action::ManageStaff,
        Action::ViewAudit,
        Action::ExportAudit,
        Action::ViewClientDemographics,
        Action::EditClientDemographics,
        Action::ViewClinicalRecord,
        Action::EditClinicalRecord,
        Action::ViewInquiries,
        Action::ManageInquiries,
        Action::AssignInquiries,
        Action::EditSite,
        Action::ListClients,
        Action::CreateClient,
        Action::AssignCareTeam,
        Action::Prescribe,
        Action::MessageCareTeam,
        Action::ManageConsentDocuments,
        Action::BreakGlass,
        Action::ViewOutcomeReport,
        Action::ExportResearchData,
        Action::ManageInstruments,
        Action::AcknowledgeRiskAlert,
        Action::ViewCalendar,
        Action::PsychotherapyNotes,
        Action::ManageBilling,
        Action::ManageFees,
    ];

    fn is_clinical(self) -> bool {
        matches!(
            self,
            Action::ViewClinicalRecord
                | Action::EditClinicalRecord
                | Action::Prescribe
                | Action::MessageCareTeam
                | Action::AcknowledgeRiskAlert
                | Action::PsychotherapyNotes
        )
    }

    fn is_client_record(self) -> bool {
        matches!(
            self,
            Action::ViewClientDemographics
                | Action::EditClientDemographics
                | Action::ViewClinicalRecord
                | Action::EditClinicalRecord
                | Action::Prescribe
                | Action::MessageCareTeam
                | Action::AssignCareTeam
                | Action::AcknowledgeRiskAlert
                | Action::PsychotherapyNotes
                | Action::ManageBilling
        )
    }

    /// Closing a risk alert is not in this list: it changes no clinical content, and the owner,
    /// to whom unacknowledged alerts escalate, closes them for any client, with or without a
    /// break-glass grant (see `decide`).
    fn is_write(self) -> bool {
        matches!(
            self,
            Action::EditClientDemographics
                | Action::EditClinicalRecord
                | Action::ManageStaff
                | Action::ManageInquiries
                | Action::AssignInquiries
                | Action::EditSite
                | Action::CreateClient
                | Action::AssignCareTeam
                | Action::Prescribe
                | Action::MessageCareTeam
                | Action::ManageConsentDocuments
                | Action::ManageInstruments
                | Action::ManageBilling
                | Action::ManageFees
        )
    }
}

/// How the caller stands to the record in question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// No record involved, or no tie to it.
    None,
    /// A therapist on the client's care team.
    AssignedClinician,
    /// A prescriber of the organisation the client was referred to.
    ReferredPrescriber,
    /// A time-boxed, reasoned emergency grant: read-only.
    BreakGlass,
    /// The client's own record.
    OwnRecord,
    /// A token of the FHIR read API that the owner made for another system: read-only, and
    /// only for the clients the token's scope names (the store gives it no other standing).
    ApiToken,
}

impl Relationship {
    pub const ALL: [Relationship; 6] = [
        Relationship::None,
        Relationship::AssignedClinician,
        Relationship::ReferredPrescriber,
        Relationship::BreakGlass,
        Relationship::OwnRecord,
        Relationship::ApiToken,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(&'static str),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// The policy. See the module comment for the order of evaluation.
pub fn decide(role: Role, action: Action, rel: Relationship) -> Decision {
    // A token reads a record and nothing else, whoever made it; only the owner makes them.
    if rel == Relationship::ApiToken {
        let reads = matches!(
            action,
            Action::ViewClientDemographics | Action::ViewClinicalRecord
        );
        return if role == Role::Owner && reads {
            Decision::Allow
        } else {
            Decision::Deny("an API token only reads records")
        };
    }
    // Explicit denials first.
    if role == Role::FrontDesk && action.is_clinical() {
        return Decision::Deny("front desk never sees clinical content");
    }
    if role == Role::Client
        && !matches!(action, Action::ManageOwnAccount)
        && rel != Relationship::OwnRecord
    {
        return Decision::Deny("clients see only their own record");
    }
    if rel == Relationship::BreakGlass && action.is_write() {
        return Decision::Deny("break-glass access is read-only");
    }
    if role != Role::Owner
        && matches!(
            action,
            Action::ManageStaff
                | Action::ViewAudit
                | Action::ExportAudit
                | Action::ManageConsentDocuments
                | Action::ExportResearchData
                | Action::ManageInstruments
        )
    {
        return Decision::Deny("only the owner manages staff and reads the audit trail");
    }

    let allowed = match action {
        Action::ManageOwnAccount => true,
        Action::ViewDashboard => role.is_staff(),
        Action::ManageStaff
        | Action::ViewAudit
        | Action::ExportAudit
        | Action::EditSite
        | Action::ManageConsentDocuments
        | Action::ExportResearchData
        | Action::ManageInstruments
        | Action::ManageFees => role == Role::Owner,
        Action::ViewOutcomeReport => matches!(role, Role::Owner | Role::Therapist),
        Action::ViewCalendar => matches!(role, Role::Owner | Role::Therapist | Role::FrontDesk),
        Action::PsychotherapyNotes => {
            matches!(role, Role::Owner | Role::Therapist) && rel == Relationship::AssignedClinician
        }
        Action::ListClients => role.is_staff(),
        Action::CreateClient => matches!(role, Role::Owner | Role::FrontDesk | Role::Therapist),
        Action::AssignCareTeam => matches!(role, Role::Owner | Role::FrontDesk),
        // Only a clinician can reach for a record outside the caseload; the grant is read-only.
        Action::BreakGlass => matches!(role, Role::Owner | Role::Therapist),
        Action::Prescribe => role == Role::Prescriber && rel == Relationship::ReferredPrescriber,
        Action::MessageCareTeam => match role {
            Role::Owner | Role::Therapist => rel == Relationship::AssignedClinician,
            Role::Prescriber => rel == Relationship::ReferredPrescriber,
            Role::FrontDesk | Role::Client => false,
        },
        // Owner and front desk see the whole inbox; a therapist only what is assigned to them
        // (the store scopes the rows; the route is open to them).
        Action::ViewInquiries | Action::ManageInquiries => {
            matches!(role, Role::Owner | Role::FrontDesk | Role::Therapist)
        }
        Action::AssignInquiries => matches!(role, Role::Owner | Role::FrontDesk),
        Action::ManageBilling => match role {
            Role::Owner | Role::FrontDesk => true,
            Role::Therapist => rel == Relationship::AssignedClinician,
            Role::Prescriber | Role::Client => false,
        },
        // The care team closes its clients' alerts; the owner, whom an alert nobody answered
        // escalates to, closes any client's (clients are answered above).
        Action::AcknowledgeRiskAlert => match role {
            Role::Owner => rel != Relationship::OwnRecord,
            Role::Therapist => rel == Relationship::AssignedClinician,
            Role::Prescriber | Role::FrontDesk | Role::Client => false,
        },
        Action::ViewClientDemographics | Action::EditClientDemographics => match role {
            Role::Owner | Role::FrontDesk => true,
            Role::Therapist => {
                matches!(rel, Relationship::AssignedClinician)
                    || (rel == Relationship::BreakGlass && action == Action::ViewClientDemographics)
            }
            Role::Prescriber => {
                rel == Relationship::ReferredPrescriber && action == Action::ViewClientDemographics
            }
            Role::Client => {
                rel == Relationship::OwnRecord && action == Action::ViewClientDemographics
            }
        },
        Action::ViewClinicalRecord | Action::EditClinicalRecord => match role {
            // Owner's admin rights do not include clinical reading: only as a clinician.
            Role::Owner | Role::Therapist => {
                matches!(rel, Relationship::AssignedClinician)
                    || (rel == Relationship::BreakGlass && action == Action::ViewClinicalRecord)
            }
            // The prescriber reads the referral packet; their writes are `Prescribe` only.
            Role::Prescriber => {
                rel == Relationship::ReferredPrescriber && action == Action::ViewClinicalRecord
            }
            Role::FrontDesk | Role::Client => false,
        },
    };
    debug_assert!(
        !(allowed
            && action.is_client_record()
            && role == Role::Client
            && rel != Relationship::OwnRecord)
    );
    if allowed {
        Decision::Allow
    } else {
        Decision::Deny("not permitted for this role and relationship")
    }
}

/// Whether a staff role could do `action` to some client under any relationship staff can have
/// (a client's own record is the portal's, not a staff page's). The access check refuses a role
/// that never could with 403 before it looks at the client; the navigation asks the same.
pub fn staff_may_ever(role: Role, action: Action) -> Decision {
    if Relationship::ALL
        .iter()
        .filter(|r| !matches!(r, Relationship::OwnRecord | Relationship::ApiToken))
        .any(|r| decide(role, action, *r).is_allowed())
    {
        Decision::Allow
    } else {
        decide(role, action, Relationship::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }
    fn any_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }
    fn any_rel() -> impl Strategy<Value = Relationship> {
        proptest::sample::select(Relationship::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn front_desk_never_gets_clinical_content(a in any_action(), r in any_rel()) {
            if a.is_clinical() {
                prop_assert!(!decide(Role::FrontDesk, a, r).is_allowed());
            }
        }

        #[test]
        fn break_glass_never_writes(role in any_role(), a in any_action()) {
            if a.is_write() {
                prop_assert!(!decide(role, a, Relationship::BreakGlass).is_allowed());
            }
        }

        #[test]
        fn only_the_owner_manages_staff_or_reads_audit(role in any_role(), r in any_rel()) {
            for a in [Action::ManageStaff, Action::ViewAudit, Action::ExportAudit] {
                if decide(role, a, r).is_allowed() {
                    prop_assert_eq!(role, Role::Owner);
                }
                prop_assert!(decide(Role::Owner, a, Relationship::None).is_allowed());
            }
        }

        #[test]
        fn an_api_token_only_reads(role in any_role(), a in any_action()) {
            let allowed = decide(role, a, Relationship::ApiToken).is_allowed();
            prop_assert_eq!(
                allowed,
                role == Role::Owner
                    && matches!(a, Action::ViewClinicalRecord | Action::ViewClientDemographics)
            );
        }

        #[test]
        fn without_a_relationship_no_one_reads_clinical_records(role in any_role()) {
            prop_assert!(!decide(role, Action::ViewClinicalRecord, Relationship::None).is_allowed());
        }

        #[test]
        fn clients_reach_nothing_but_their_own(a in any_action(), r in any_rel()) {
            if decide(Role::Client, a, r).is_allowed() {
                prop_assert!(r == Relationship::OwnRecord || a == Action::ManageOwnAccount);
            }
        }
    }

    #[test]
    fn a_therapist_reads_the_caseload_only() {
        assert!(
            decide(
                Role::Therapist,
                Action::ViewClinicalRecord,
                Relationship::AssignedClinician
            )
            .is_allowed()
        );
        assert!(
            !decide(
                Role::Therapist,
                Action::ViewClinicalRecord,
                Relationship::None
            )
            .is_allowed()
        );
        assert!(
            decide(
                Role::Therapist,
                Action::ViewClinicalRecord,
                Relationship::BreakGlass
            )
            .is_allowed()
        );
        assert!(
            !decide(
                Role::Therapist,
                Action::EditClinicalRecord,
                Relationship::BreakGlass
            )
            .is_allowed()
        );
    }

    #[test]
    fn only_a_referred_prescriber_prescribes_and_never_edits_the_record() {
        for role in Role::ALL {
            for rel in Relationship::ALL {
                let allowed = decide(role, Action::Prescribe, rel).is_allowed();
                assert_eq!(
                    allowed,
                    role == Role::Prescriber && rel == Relationship::ReferredPrescriber,
                    "{role:?} {rel:?}"
                );
            }
        }
        assert!(
            !decide(
                Role::Prescriber,
                Action::EditClinicalRecord,
                Relationship::ReferredPrescriber
            )
            .is_allowed()
        );
        assert!(
            decide(
                Role::Prescriber,
                Action::MessageCareTeam,
                Relationship::ReferredPrescriber
            )
            .is_allowed()
        );
        assert!(
            !decide(
                Role::Therapist,
                Action::MessageCareTeam,
                Relationship::BreakGlass
            )
            .is_allowed()
        );
    }

    #[test]
    fn the_care_team_and_the_owner_close_risk_alerts() {
        for role in Role::ALL {
            for rel in Relationship::ALL {
                let allowed = decide(role, Action::AcknowledgeRiskAlert, rel).is_allowed();
                let expected = match role {
                    // A token only reads.
                    Role::Owner => !matches!(rel, Relationship::OwnRecord | Relationship::ApiToken),
                    Role::Therapist => rel == Relationship::AssignedClinician,
                    _ => false,
                };
                assert_eq!(allowed, expected, "{role:?} {rel:?}");
            }
        }
    }

    #[test]
    fn staff_dashboards_are_for_staff() {
        for role in Role::ALL {
            assert_eq!(
                decide(role, Action::ViewDashboard, Relationship::None).is_allowed(),
                role.is_staff()
            );
        }
    }
}

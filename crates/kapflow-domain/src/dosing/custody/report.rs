//! The totals a custody report ends with, counted from the entries it lists, so the owner can
//! reconcile a period at a glance: what was brought, taken and handed back, and how many
//! entries were corrected.

use super::{CustodyKind, NewCustodyEntry};
use std::collections::BTreeSet;

/// Sums over the entries of a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub entries: u64,
    /// Distinct sessions and clients the entries concern.
    pub sessions: u64,
    pub clients: u64,
    /// Tablets or troches brought, and handed back.
    pub brought_count: i64,
    pub returned_count: i64,
    /// Medication taken under observation, µg: doses and boosters.
    pub dose_ug: i64,
    pub booster_ug: i64,
    pub corrections: u64,
}

impl Totals {
    /// Counts `entries`, each with the session and client it belongs to (any ids that tell
    /// them apart).
    pub fn of<'a, S: Ord + 'a, C: Ord + 'a>(
        entries: impl IntoIterator<Item = (S, C, &'a NewCustodyEntry)>,
    ) -> Totals {
        let mut t = Totals::default();
        let (mut sessions, mut clients) = (BTreeSet::new(), BTreeSet::new());
        for (session, client, e) in entries {
            t.entries += 1;
            sessions.insert(session);
            clients.insert(client);
            let count = e.count.unwrap_or(0);
            let amount = e.amount_ug.unwrap_or(0);
            match e.kind {
                CustodyKind::Brought => t.brought_count = t.brought_count.saturating_add(count),
                CustodyKind::Returned => {
                    t.returned_count = t.returned_count.saturating_add(count);
                }
                CustodyKind::Dose => t.dose_ug = t.dose_ug.saturating_add(amount),
                CustodyKind::Booster => t.booster_ug = t.booster_ug.saturating_add(amount),
                CustodyKind::Correction => t.corrections += 1,
                CustodyKind::Attested => {}
            }
        }
        t.sessions = sessions.len() as u64;
        t.clients = clients.len() as u64;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_by_kind() {
        let mut brought = NewCustodyEntry::empty(CustodyKind::Brought);
        brought.count = Some(6);
        let mut dose = NewCustodyEntry::empty(CustodyKind::Dose);
        dose.amount_ug = Some(50_000);
        let mut returned = NewCustodyEntry::empty(CustodyKind::Returned);
        returned.count = Some(5);
        let fix = NewCustodyEntry::empty(CustodyKind::Correction);
        let t = Totals::of([
            (1, "a", &brought),
            (1, "a", &dose),
            (1, "a", &dose),
            (2, "b", &returned),
            (2, "b", &fix),
        ]);
        assert_eq!(
            t,
            Totals {
                entries: 5,
                sessions: 2,
                clients: 2,
                brought_count: 6,
                returned_count: 5,
                dose_ug: 100_000,
                booster_ug: 0,
                corrections: 1,
            }
        );
    }
}

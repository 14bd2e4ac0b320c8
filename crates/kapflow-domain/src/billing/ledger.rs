//! The ledger: every charge, payment, refund, adjustment and write-off is an entry that is never
//! changed; a balance is derived from the entries, never kept on its own. Payments, adjustments
//! and write-offs settle the charges they name, and otherwise the oldest open charge first;
//! what is still open is aged by its charge's date (0–30, 31–60, 61–90, over 90 days).

use super::money::Cents;
use time::Date;

crate::named_enum! {
    /// What an entry does to what the client owes.
    pub enum EntryKind {
        /// A service charged (owed).
        Charge = "charge", "Charge";
        /// Money received.
        Payment = "payment", "Payment";
        /// Money given back (owed again, as if the payment were smaller).
        Refund = "refund", "Refund";
        /// A reduction agreed after the charge (a courtesy, a correction).
        Adjustment = "adjustment", "Adjustment";
        /// An amount the practice stops asking for.
        WriteOff = "write_off", "Write-off";
    }
}

crate::named_enum! {
    /// How a payment or refund was made (kapflow moves no money: it records what the
    /// practice's own processor, bank or cash box did).
    pub enum PaymentMethod {
        Card = "card", "Card (the practice's own processor)";
        Cash = "cash", "Cash";
        Cheque = "cheque", "Cheque";
        BankTransfer = "bank_transfer", "Bank transfer";
    }
}

impl EntryKind {
    /// +1 when the entry adds to what is owed, -1 when it takes from it.
    pub fn sign(self) -> i64 {
        match self {
            EntryKind::Charge | EntryKind::Refund => 1,
            EntryKind::Payment | EntryKind::Adjustment | EntryKind::WriteOff => -1,
        }
    }
}

/// One entry; `amount` is never negative (the kind says which way it goes). `settles` names the
/// charge (by its position in the ledger) a payment, adjustment or write-off is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub amount: Cents,
    pub on: Date,
    pub settles: Option<usize>,
}

/// What the client owes after `entries` (negative: a credit); `None` only on an overflow no
/// practice reaches.
pub fn balance(entries: &[Entry]) -> Option<Cents> {
    entries.iter().try_fold(Cents::ZERO, |sum, e| {
        sum.0
            .checked_add(e.amount.0.checked_mul(e.kind.sign())?)
            .map(Cents)
    })
}

/// What is still open of each charge (by position), after every settling entry. A refund
/// reopens what the newest payments settled first (it undoes the last payment); a refund
/// beyond what was paid toward charges gives back a credit and reopens nothing.
pub fn open_charges(entries: &[Entry]) -> Vec<(usize, Cents)> {
    let mut open: Vec<(usize, i64)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntryKind::Charge)
        .map(|(i, e)| (i, e.amount.0))
        .collect();
    // Which charges each payment settled, in order: a refund gives the newest back first.
    let mut paid_order: Vec<(usize, i64)> = Vec::new();
    for e in entries {
        match e.kind {
            EntryKind::Charge => {}
            EntryKind::Payment | EntryKind::Adjustment | EntryKind::WriteOff => {
                let mut left = e.amount.0;
                let named = e
                    .settles
                    .and_then(|c| open.iter().position(|(i, _)| *i == c));
                let order: Vec<usize> = named.into_iter().chain(0..open.len()).collect();
                for at in order {
                    if left == 0 {
                        break;
                    }
                    let take = left.min(open[at].1);
                    if take > 0 {
                        open[at].1 -= take;
                        left -= take;
                        // Only money received can be given back.
                        if e.kind == EntryKind::Payment {
                            paid_order.push((open[at].0, take));
                        }
                    }
                }
            }
            EntryKind::Refund => {
                let mut left = e.amount.0;
                while left > 0 {
                    let Some((charge, took)) = paid_order.pop() else {
                        break;
                    };
                    let back = left.min(took);
                    if let Some(slot) = open.iter_mut().find(|(i, _)| *i == charge) {
                        slot.1 += back;
                    }
                    left -= back;
                    if took > back {
                        paid_order.push((charge, took - back));
                    }
                }
            }
        }
    }
    open.into_iter()
        .filter(|(_, left)| *left > 0)
        .map(|(i, left)| (i, Cents(left)))
        .collect()
}

/// What is open, by how long ago it was charged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ageing {
    pub days_0_30: Cents,
    pub days_31_60: Cents,
    pub days_61_90: Cents,
    pub over_90: Cents,
}

/// The open charges of `entries` aged at `today`.
pub fn ageing(entries: &[Entry], today: Date) -> Ageing {
    let mut a = Ageing::default();
    for (i, left) in open_charges(entries) {
        let days = (today - entries[i].on).whole_days();
        let bucket = match days {
            ..=30 => &mut a.days_0_30,
            31..=60 => &mut a.days_31_60,
            61..=90 => &mut a.days_61_90,
            _ => &mut a.over_90,
        };
        bucket.0 += left.0;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn e(kind: EntryKind, cents: i64, on: Date, settles: Option<usize>) -> Entry {
        Entry {
            kind,
            amount: Cents(cents),
            on,
            settles,
        }
    }

    #[test]
    fn a_month_of_a_client_by_hand() {
        use EntryKind::*;
        let d = |day| date!(2026 - 11 - 01).replace_day(day).expect("day");
        let ledger = vec![
            e(Charge, 25_000, d(2), None),     // 0: assessment $250
            e(Charge, 65_000, d(9), None),     // 1: dosing $650
            e(Payment, 25_000, d(9), Some(0)), // pays the assessment
            e(Payment, 40_000, d(16), None),   // part of the dosing
            e(Charge, 5_000, d(20), None),     // 4: late-cancellation fee $50
            e(WriteOff, 5_000, d(21), Some(4)),
            e(Refund, 10_000, d(23), None), // $100 back
        ];
        // 250 + 650 - 250 - 400 + 50 - 50 + 100 = 350
        assert_eq!(balance(&ledger), Some(Cents(35_000)));
        assert_eq!(open_charges(&ledger), vec![(1, Cents(35_000))]);
        let aged = ageing(&ledger, date!(2027 - 01 - 15));
        assert_eq!(
            aged.days_61_90,
            Cents(35_000),
            "charged 9 November: 67 days"
        );
        assert_eq!(aged.days_0_30, Cents::ZERO);
    }

    #[test]
    fn an_overpayment_is_a_credit() {
        let ledger = vec![
            e(EntryKind::Charge, 10_000, date!(2026 - 11 - 02), None),
            e(EntryKind::Payment, 12_000, date!(2026 - 11 - 02), None),
        ];
        assert_eq!(balance(&ledger), Some(Cents(-2_000)));
        assert!(open_charges(&ledger).is_empty());
    }

    fn entry() -> impl Strategy<Value = Entry> {
        (
            proptest::sample::select(EntryKind::ALL.to_vec()),
            0i64..100_000,
            0i64..200,
            proptest::option::of(0usize..20),
        )
            .prop_map(|(kind, cents, day, settles)| Entry {
                kind,
                amount: Cents(cents),
                on: date!(2026 - 01 - 01) + time::Duration::days(day),
                settles,
            })
    }

    proptest! {
        #[test]
        fn what_is_open_never_exceeds_the_balance_when_nothing_is_refunded_past_zero(
            ledger in proptest::collection::vec(entry(), 0..20)
        ) {
            let open: i64 = open_charges(&ledger).iter().map(|(_, c)| c.0).sum();
            let charged: i64 = ledger.iter().filter(|e| e.kind == EntryKind::Charge).map(|e| e.amount.0).sum();
            prop_assert!(open >= 0 && open <= charged);
            let aged = ageing(&ledger, date!(2026 - 12 - 31));
            prop_assert_eq!(aged.days_0_30.0 + aged.days_31_60.0 + aged.days_61_90.0 + aged.over_90.0, open);
            // Without refunds or credits, what is open is exactly what is owed.
            let settled: i64 = ledger.iter().filter(|e| e.kind.sign() < 0).map(|e| e.amount.0).sum();
            if ledger.iter().all(|e| e.kind != EntryKind::Refund) && settled <= charged {
                prop_assert_eq!(balance(&ledger), Some(Cents(open)));
            }
        }
    }
}

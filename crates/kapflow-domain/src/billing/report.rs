//! The practice's billing reports, added up from the ledger: what was charged and what was
//! received each month, what each clinician's services were charged each month, and each
//! client's unpaid balance by age.

use super::ledger::{Ageing, Entry, EntryKind, ageing, balance};
use super::money::Cents;
use std::collections::BTreeMap;
use time::Date;

/// A month as (year, month number).
pub type Month = (i32, u8);

pub fn month_of(d: Date) -> Month {
    (d.year(), u8::from(d.month()))
}

/// One month of the practice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthTotals {
    /// Charges made for services of the month.
    pub charged: Cents,
    /// Payments received in the month, less refunds given.
    pub received: Cents,
    /// Adjustments and write-offs of the month.
    pub reduced: Cents,
}

/// Each month's totals over every client's entries, oldest month first.
pub fn months<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<(Month, MonthTotals)> {
    let mut by: BTreeMap<Month, MonthTotals> = BTreeMap::new();
    for e in entries {
        let m = by.entry(month_of(e.on)).or_default();
        let slot = match e.kind {
            EntryKind::Charge => &mut m.charged,
            EntryKind::Payment => &mut m.received,
            EntryKind::Refund => {
                m.received.0 -= e.amount.0;
                continue;
            }
            EntryKind::Adjustment | EntryKind::WriteOff => &mut m.reduced,
        };
        slot.0 += e.amount.0;
    }
    by.into_iter().collect()
}

/// Charged services by month and by who gave them (`(month, clinician, amount)` with the
/// clinician's name, "—" for a line without one), oldest month first, then by name.
pub fn by_clinician<'a>(
    lines: impl IntoIterator<Item = (Date, &'a str, Cents)>,
) -> Vec<(Month, String, Cents)> {
    let mut by: BTreeMap<(Month, String), Cents> = BTreeMap::new();
    for (on, who, amount) in lines {
        by.entry((month_of(on), who.to_owned())).or_default().0 += amount.0;
    }
    by.into_iter().map(|((m, who), c)| (m, who, c)).collect()
}

/// A client's balance and what of it is open, by age, at `today`.
pub fn unpaid(entries: &[Entry], today: Date) -> (Cents, Ageing) {
    (balance(entries).unwrap_or_default(), ageing(entries, today))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_add_up_by_hand() {
        let e = |kind, cents, on| Entry {
            kind,
            amount: Cents(cents),
            on,
            settles: None,
        };
        let ledger = [
            e(EntryKind::Charge, 65_000, date!(2026 - 10 - 10)),
            e(EntryKind::Payment, 65_000, date!(2026 - 10 - 10)),
            e(EntryKind::Charge, 17_500, date!(2026 - 11 - 02)),
            e(EntryKind::Charge, 5_000, date!(2026 - 11 - 20)),
            e(EntryKind::WriteOff, 5_000, date!(2026 - 11 - 21)),
            e(EntryKind::Refund, 10_000, date!(2026 - 11 - 25)),
        ];
        let m = months(&ledger);
        assert_eq!(
            m,
            vec![
                (
                    (2026, 10),
                    MonthTotals {
                        charged: Cents(65_000),
                        received: Cents(65_000),
                        reduced: Cents::ZERO
                    }
                ),
                (
                    (2026, 11),
                    MonthTotals {
                        charged: Cents(22_500),
                        received: Cents(-10_000),
                        reduced: Cents(5_000)
                    }
                ),
            ]
        );
        let (owed, aged) = unpaid(&ledger, date!(2026 - 12 - 04));
        // 650 + 175 + 50 - 650 - 50 + 100 = 275. The write-off names no charge, so it settles
        // the oldest open one (the integration session, 32 days old, 125 left); the fee stays
        // open (14 days); the refund reopens 100 of October's session (55 days).
        assert_eq!(owed, Cents(27_500));
        assert_eq!(aged.days_31_60, Cents(22_500));
        assert_eq!(aged.days_0_30, Cents(5_000));
        let per = by_clinician([
            (date!(2026 - 11 - 02), "Sam Rivera", Cents(17_500)),
            (date!(2026 - 11 - 09), "Sam Rivera", Cents(17_500)),
            (date!(2026 - 11 - 09), "Lee Chen", Cents(15_000)),
        ]);
        assert_eq!(
            per,
            vec![
                ((2026, 11), "Lee Chen".to_owned(), Cents(15_000)),
                ((2026, 11), "Sam Rivera".to_owned(), Cents(35_000)),
            ]
        );
    }
}

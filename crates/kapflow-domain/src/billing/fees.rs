//! Fees: the practice's schedule per service, changed from a date (a charge keeps the amount it
//! was made with, so a new fee never rewrites the past), and a client's own rate — a fixed fee
//! or a sliding-scale share — always with its reason.

use super::money::Cents;
use time::Date;

/// One fee of the schedule: `amount` for `service` from `from` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fee {
    pub service: String,
    pub amount: Cents,
    pub from: Date,
}

/// A client's own rate for a service (or for every service when `service` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRate {
    pub service: Option<String>,
    pub rate: Rate,
    pub reason: String,
    pub from: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    /// This amount instead of the schedule's.
    Fixed(Cents),
    /// This share of the schedule's fee, in percent (a sliding scale), rounded to the cent.
    Percent(u8),
}

/// A reason must say why (a sliding scale is a clinical and financial decision on record).
pub const MIN_REASON: usize = 10;

/// The reason as typed, checked.
pub fn checked_reason(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.chars().count() < MIN_REASON {
        Err(format!(
            "Say why, in at least {MIN_REASON} characters (it stays with the rate)."
        ))
    } else {
        Ok(t.to_owned())
    }
}

/// The schedule's fee for `service` on `on`: the newest fee that applies by then.
pub fn scheduled(fees: &[Fee], service: &str, on: Date) -> Option<Cents> {
    fees.iter()
        .filter(|f| f.service == service && f.from <= on)
        .max_by_key(|f| f.from)
        .map(|f| f.amount)
}

/// What `service` costs this client on `on`: their own rate for the service if they have one,
/// else their rate for every service, applied to the schedule's fee; `None` when the schedule
/// has no fee for it (nothing to charge until the owner sets one).
pub fn fee_for(fees: &[Fee], rates: &[ClientRate], service: &str, on: Date) -> Option<Cents> {
    let base = scheduled(fees, service, on)?;
    let newest = |applies: &dyn Fn(&ClientRate) -> bool| {
        rates
            .iter()
            .filter(|r| r.from <= on && applies(r))
            .max_by_key(|r| r.from)
    };
    let own = newest(&|r| r.service.as_deref() == Some(service))
        .or_else(|| newest(&|r| r.service.is_none()));
    Some(match own.map(|r| r.rate) {
        None => base,
        Some(Rate::Fixed(amount)) => amount,
        // Half a cent rounds up (as a person rounding a sliding-scale share would).
        Some(Rate::Percent(p)) => Cents((base.0 * i64::from(p) + 50) / 100),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn schedule() -> Vec<Fee> {
        vec![
            Fee {
                service: "dosing".into(),
                amount: Cents(60_000),
                from: date!(2026 - 01 - 01),
            },
            Fee {
                service: "dosing".into(),
                amount: Cents(65_000),
                from: date!(2026 - 07 - 01),
            },
            Fee {
                service: "integration".into(),
                amount: Cents(17_500),
                from: date!(2026 - 01 - 01),
            },
        ]
    }

    #[test]
    fn a_fee_change_applies_from_its_date_only() {
        let fees = schedule();
        assert_eq!(
            scheduled(&fees, "dosing", date!(2026 - 06 - 30)),
            Some(Cents(60_000))
        );
        assert_eq!(
            scheduled(&fees, "dosing", date!(2026 - 07 - 01)),
            Some(Cents(65_000))
        );
        assert_eq!(scheduled(&fees, "dosing", date!(2025 - 12 - 31)), None);
        assert_eq!(scheduled(&fees, "assessment", date!(2026 - 07 - 01)), None);
    }

    #[test]
    fn a_clients_rate_takes_the_place_of_the_schedule() {
        let fees = schedule();
        let rates = vec![
            ClientRate {
                service: None,
                rate: Rate::Percent(70),
                reason: "Sliding scale: income".into(),
                from: date!(2026 - 03 - 01),
            },
            ClientRate {
                service: Some("integration".into()),
                rate: Rate::Fixed(Cents(10_000)),
                reason: "Agreed at intake".into(),
                from: date!(2026 - 03 - 01),
            },
        ];
        let on = date!(2026 - 08 - 01);
        assert_eq!(fee_for(&fees, &rates, "dosing", on), Some(Cents(45_500)));
        assert_eq!(
            fee_for(&fees, &rates, "integration", on),
            Some(Cents(10_000))
        );
        assert_eq!(
            fee_for(&fees, &rates, "dosing", date!(2026 - 02 - 01)),
            Some(Cents(60_000)),
            "before the rate began"
        );
        let third = vec![ClientRate {
            service: None,
            rate: Rate::Percent(33),
            reason: "Sliding scale: income".into(),
            from: date!(2026 - 01 - 01),
        }];
        // 33% of $175.00 is $57.75 exactly; of $650.00, $214.50.
        assert_eq!(
            fee_for(&fees, &third, "integration", on),
            Some(Cents(5_775))
        );
        assert_eq!(fee_for(&fees, &third, "dosing", on), Some(Cents(21_450)));
        assert!(checked_reason("low").is_err());
        assert_eq!(
            checked_reason("  Lost their job in May "),
            Ok("Lost their job in May".into())
        );
    }
}

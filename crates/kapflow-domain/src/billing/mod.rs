//! Billing's rules, before any of it is stored: money as whole minor units (never floating
//! point), the ledger a balance is derived from, fees that change from a date without touching
//! past charges, and the refusal of card numbers in free text (kapflow stores no card data).
//! Charges are made of service lines (codes, units, place of service, diagnosis pointers from
//! the shipped ICD-10-CM list); a dosing session's monitoring hours come from its presence log;
//! a self-pay client's good-faith estimate has the dates and notice the law sets.

pub mod card_numbers;
pub mod charges;
pub mod estimate;
pub mod fees;
pub mod icd10;
pub mod identity;
pub mod ledger;
pub mod money;
pub mod monitoring;
pub mod report;

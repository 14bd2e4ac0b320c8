//! Billing's rules, before any of it is stored: money as whole minor units (never floating
//! point), the ledger a balance is derived from, fees that change from a date without touching
//! past charges, and the refusal of card numbers in free text (kapflow stores no card data).
//! The store's ledger and the billing pages build on these (issue 18).

pub mod card_numbers;
pub mod fees;
pub mod ledger;
pub mod money;

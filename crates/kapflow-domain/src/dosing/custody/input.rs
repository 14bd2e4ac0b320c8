//! The custody form as typed: every field a string, validated for the kind of entry being
//! recorded into a [`NewCustodyEntry`] or a message per field in a clinician's words. Fields
//! the kind does not use are ignored, so one form serves every kind.

use super::{CustodyKind, NewCustodyEntry, parse_mg};
use crate::UserId;
use crate::form::FieldErrors;
use crate::prescribing::DoseForm;
use crate::text::{free_text, number_in, optional_line, required_line, required_text};

/// The form's fields, in the order a page shows them.
pub const FIELDS: &[&str] = &[
    "drug",
    "dose_form",
    "strength_mg",
    "count",
    "pharmacy",
    "rx_number",
    "amount_mg",
    "held_minutes",
    "spat_out",
    "disposal",
    "witness",
    "corrects",
    "note",
];

/// Most tablets or troches one dispensing holds (`prescribing::PrescriptionInput` quantity).
const MAX_COUNT: u32 = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct CustodyInput {
    pub drug: String,
    pub dose_form: String,
    pub strength_mg: String,
    pub count: String,
    pub pharmacy: String,
    pub rx_number: String,
    pub amount_mg: String,
    pub held_minutes: String,
    pub spat_out: String,
    pub disposal: String,
    /// A staff member's id, chosen from a list.
    pub witness: String,
    /// The number of the entry a correction corrects.
    pub corrects: String,
    pub note: String,
}

impl CustodyInput {
    /// The entry of `kind` this form describes, or what to fix.
    pub fn validate(&self, kind: CustodyKind) -> Result<NewCustodyEntry, FieldErrors> {
        let mut e = FieldErrors::in_form_order(FIELDS);
        let mut out = NewCustodyEntry::empty(kind);
        match kind {
            CustodyKind::Brought => self.label(&mut e, &mut out),
            CustodyKind::Dose | CustodyKind::Booster => self.taken(kind, &mut e, &mut out),
            CustodyKind::Returned => {
                out.count = e
                    .take(
                        "count",
                        number_in(
                            &self.count,
                            0..=MAX_COUNT,
                            "the number of tablets or troches handed back to the client",
                        ),
                    )
                    .map(i64::from);
            }
            CustodyKind::Attested => {}
            CustodyKind::Correction => {
                out.corrects_seq = e
                    .take(
                        "corrects",
                        number_in(
                            &self.corrects,
                            1..=u32::MAX,
                            "the number of the entry this corrects",
                        ),
                    )
                    .map(i64::from);
            }
        }
        out.witness = e.take("witness", self.witness()).flatten();
        let note = match kind {
            CustodyKind::Attested => required_text(
                &self.note,
                2000,
                "what the client attested (in their words, or the statement read to them)",
            ),
            CustodyKind::Correction => required_text(
                &self.note,
                2000,
                "what was wrong in that entry, and what is right",
            ),
            _ => free_text(&self.note, 2000),
        };
        if let Some(note) = e.take("note", note) {
            out.note = note;
        }
        if e.is_empty() { Ok(out) } else { Err(e) }
    }

    fn witness(&self) -> Result<Option<UserId>, String> {
        let v = self.witness.trim();
        if v.is_empty() {
            return Ok(None);
        }
        UserId::parse(v)
            .map(Some)
            .ok_or_else(|| "Choose the witness from the list.".to_owned())
    }

    /// The label of the medication as brought.
    fn label(&self, e: &mut FieldErrors, out: &mut NewCustodyEntry) {
        out.drug = e.take(
            "drug",
            required_line(&self.drug, 120, "the drug as the label names it"),
        );
        out.dose_form = e.take(
            "dose_form",
            DoseForm::parse(&self.dose_form)
                .ok_or_else(|| "Choose troche or rapid-dissolve tablet.".to_owned()),
        );
        out.strength_ug = e.take(
            "strength_mg",
            parse_mg(&self.strength_mg, "the strength on the label"),
        );
        out.count = e
            .take(
                "count",
                number_in(
                    &self.count,
                    1..=MAX_COUNT,
                    "the number of tablets or troches brought",
                ),
            )
            .map(i64::from);
        out.pharmacy = e.take(
            "pharmacy",
            required_line(&self.pharmacy, 200, "the pharmacy on the label"),
        );
        out.rx_number = e.take(
            "rx_number",
            required_line(
                &self.rx_number,
                40,
                "the prescription (Rx) number on the label",
            ),
        );
    }

    /// A dose or booster taken under observation.
    fn taken(&self, kind: CustodyKind, e: &mut FieldErrors, out: &mut NewCustodyEntry) {
        let what = if kind == CustodyKind::Booster {
            "the booster taken"
        } else {
            "the amount taken"
        };
        out.amount_ug = e.take("amount_mg", parse_mg(&self.amount_mg, what));
        out.held_minutes = e
            .take(
                "held_minutes",
                number_in(
                    &self.held_minutes,
                    0..=120,
                    "how many minutes it was held or swished",
                ),
            )
            .map(i64::from);
        out.spat_out = e
            .take("spat_out", optional_line(&self.spat_out, 200))
            .flatten();
        let disposal = e
            .take("disposal", optional_line(&self.disposal, 200))
            .flatten();
        if out.spat_out.is_some() && disposal.is_none() && !e.has("disposal") {
            e.add(
                "disposal",
                "Enter how what was spat out was disposed of (for example: into a cup, then \
                 flushed, with the witness watching).",
            );
        }
        out.disposal = disposal;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brought() -> CustodyInput {
        CustodyInput {
            drug: "Ketamine HCl".into(),
            dose_form: "troche".into(),
            strength_mg: "100".into(),
            count: "6".into(),
            pharmacy: "Main St Pharmacy".into(),
            rx_number: "RX-1042".into(),
            ..CustodyInput::default()
        }
    }

    #[test]
    fn the_label_as_brought_is_read_whole() {
        let v = brought().validate(CustodyKind::Brought).expect("valid");
        assert_eq!(v.strength_ug, Some(100_000));
        assert_eq!(v.count, Some(6));
        assert_eq!(v.dose_form, Some(DoseForm::Troche));
        assert_eq!(v.amount_ug, None, "fields of other kinds are ignored");
        let e = CustodyInput::default()
            .validate(CustodyKind::Brought)
            .expect_err("empty");
        let fields: Vec<_> = e.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "drug",
                "dose_form",
                "strength_mg",
                "count",
                "pharmacy",
                "rx_number"
            ]
        );
        assert_eq!(e.get("drug"), Some("Enter the drug as the label names it."));
    }

    #[test]
    fn a_dose_needs_its_amount_and_what_was_spat_out_needs_its_disposal() {
        let mut f = CustodyInput {
            amount_mg: "12.5".into(),
            held_minutes: "12".into(),
            ..CustodyInput::default()
        };
        let v = f.validate(CustodyKind::Dose).expect("valid");
        assert_eq!((v.amount_ug, v.held_minutes), (Some(12_500), Some(12)));
        f.spat_out = "saliva with some dissolved troche".into();
        let e = f.validate(CustodyKind::Dose).expect_err("disposal");
        assert!(
            e.get("disposal")
                .is_some_and(|m| m.starts_with("Enter how"))
        );
        f.disposal = "into a cup, flushed".into();
        f.witness = "not an id".into();
        let e = f.validate(CustodyKind::Booster).expect_err("witness");
        assert_eq!(e.get("witness"), Some("Choose the witness from the list."));
        f.witness = UserId::new().to_string();
        assert!(f.validate(CustodyKind::Booster).is_ok());
        f.amount_mg = "12.3456".into();
        let e = f.validate(CustodyKind::Dose).expect_err("decimals");
        assert_eq!(
            e.get("amount_mg"),
            Some("Enter the amount taken in mg, like 100 or 12.5 (at most 3 decimals).")
        );
    }

    #[test]
    fn returned_attested_and_corrections_say_what_they_must() {
        let f = CustodyInput {
            count: "5".into(),
            ..CustodyInput::default()
        };
        assert_eq!(
            f.validate(CustodyKind::Returned).expect("ok").count,
            Some(5)
        );
        let e = f.validate(CustodyKind::Attested).expect_err("note");
        assert!(e.get("note").is_some_and(|m| m.contains("client attested")));
        let e = f.validate(CustodyKind::Correction).expect_err("corrects");
        assert_eq!(
            e.iter().map(|(f, _)| f).collect::<Vec<_>>(),
            ["corrects", "note"]
        );
        let c = CustodyInput {
            corrects: "3".into(),
            note: "The count brought was 5, not 6.".into(),
            ..CustodyInput::default()
        }
        .validate(CustodyKind::Correction)
        .expect("ok");
        assert_eq!(c.corrects_seq, Some(3));
    }
}

//! The structured assessment intake (docs/domain.md §2–3). It is saved as typed — a draft may
//! be incomplete — and completed only when every required answer is there. The contraindication
//! screening reads the completed answers; it flags, it never decides.

use crate::form::FieldErrors;
use crate::screening::IntakeAnswers;
use crate::text::{free_text, number_in, required_text};
use serde::{Deserialize, Serialize};

pub const MAX_TEXT: usize = 4000;

/// The intake form exactly as typed (text fields and yes/no boxes). Stored as JSON, so a
/// draft keeps everything the clinician entered, valid or not yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntakeForm {
    pub medical_history: String,
    pub psychiatric_history: String,
    pub current_medications: String,
    pub allergies: String,
    pub substance_use: String,
    pub prior_ketamine: String,
    pub bp_history: String,
    pub bp_systolic: String,
    pub bp_diastolic: String,
    pub goals: String,
    pub concerns: String,
    // Yes/no answers the screening reads (checkbox on = yes).
    pub hypertension_uncontrolled: bool,
    pub heart_disease: bool,
    pub arrhythmia: bool,
    pub stroke_history: bool,
    pub primary_psychotic_disorder: bool,
    pub psychosis_history: bool,
    pub mania_or_mixed_state_now: bool,
    pub bipolar_disorder: bool,
    pub dissociative_disorder: bool,
    pub suicidal_ideation_with_intent: bool,
    pub substance_use_disorder_uncontrolled: bool,
    pub ketamine_misuse: bool,
    pub pregnant: bool,
    pub breastfeeding: bool,
    pub ketamine_allergy: bool,
    pub glaucoma_uncontrolled: bool,
    pub hyperthyroidism_uncontrolled: bool,
    pub liver_disease: bool,
    pub bladder_problems: bool,
    pub raised_intracranial_pressure: bool,
    pub takes_opioids: bool,
    pub takes_benzodiazepines: bool,
    pub takes_gabapentinoids: bool,
}

/// The yes/no questions, in the order the form shows them, with their wording.
pub const QUESTIONS: &[(&str, &str)] = &[
    (
        "hypertension_uncontrolled",
        "Uncontrolled high blood pressure",
    ),
    ("heart_disease", "Heart disease"),
    ("arrhythmia", "Irregular heartbeat (arrhythmia)"),
    ("stroke_history", "Stroke, ever"),
    (
        "primary_psychotic_disorder",
        "A primary psychotic disorder (e.g. schizophrenia)",
    ),
    ("psychosis_history", "Any past episode of psychosis"),
    ("mania_or_mixed_state_now", "Mania or a mixed state now"),
    ("bipolar_disorder", "Bipolar disorder"),
    ("dissociative_disorder", "A dissociative disorder"),
    (
        "suicidal_ideation_with_intent",
        "Suicidal thoughts with intent now",
    ),
    (
        "substance_use_disorder_uncontrolled",
        "Uncontrolled substance use",
    ),
    ("ketamine_misuse", "Past misuse of ketamine"),
    ("pregnant", "Pregnant, or may be pregnant"),
    ("breastfeeding", "Breastfeeding"),
    ("ketamine_allergy", "Allergy to ketamine"),
    ("glaucoma_uncontrolled", "Uncontrolled glaucoma"),
    (
        "hyperthyroidism_uncontrolled",
        "Uncontrolled overactive thyroid",
    ),
    ("liver_disease", "Liver disease"),
    ("bladder_problems", "Bladder problems or cystitis"),
    (
        "raised_intracranial_pressure",
        "Raised pressure in the skull",
    ),
    ("takes_opioids", "Takes opioids"),
    ("takes_benzodiazepines", "Takes benzodiazepines"),
    ("takes_gabapentinoids", "Takes gabapentin or pregabalin"),
];

impl IntakeForm {
    /// The value of a yes/no question by its field name (for the form template).
    pub fn answer(&self, key: &str) -> bool {
        match key {
            "hypertension_uncontrolled" => self.hypertension_uncontrolled,
            "heart_disease" => self.heart_disease,
            "arrhythmia" => self.arrhythmia,
            "stroke_history" => self.stroke_history,
            "primary_psychotic_disorder" => self.primary_psychotic_disorder,
            "psychosis_history" => self.psychosis_history,
            "mania_or_mixed_state_now" => self.mania_or_mixed_state_now,
            "bipolar_disorder" => self.bipolar_disorder,
            "dissociative_disorder" => self.dissociative_disorder,
            "suicidal_ideation_with_intent" => self.suicidal_ideation_with_intent,
            "substance_use_disorder_uncontrolled" => self.substance_use_disorder_uncontrolled,
            "ketamine_misuse" => self.ketamine_misuse,
            "pregnant" => self.pregnant,
            "breastfeeding" => self.breastfeeding,
            "ketamine_allergy" => self.ketamine_allergy,
            "glaucoma_uncontrolled" => self.glaucoma_uncontrolled,
            "hyperthyroidism_uncontrolled" => self.hyperthyroidism_uncontrolled,
            "liver_disease" => self.liver_disease,
            "bladder_problems" => self.bladder_problems,
            "raised_intracranial_pressure" => self.raised_intracranial_pressure,
            "takes_opioids" => self.takes_opioids,
            "takes_benzodiazepines" => self.takes_benzodiazepines,
            "takes_gabapentinoids" => self.takes_gabapentinoids,
            _ => false,
        }
    }

    /// Checks a draft: lengths and number formats only, so a half-filled intake can be kept.
    /// The fields in the order the intake form shows them.
    pub const FIELDS: &'static [&'static str] = &[
        "medical_history",
        "psychiatric_history",
        "current_medications",
        "allergies",
        "substance_use",
        "prior_ketamine",
        "bp_history",
        "bp_systolic",
        "bp_diastolic",
        "goals",
        "concerns",
        "sensitivity",
    ];

    pub fn check_draft(&self) -> FieldErrors {
        let mut e = FieldErrors::in_form_order(Self::FIELDS);
        for (field, v) in self.texts() {
            e.take(field, free_text(v, MAX_TEXT));
        }
        if !self.bp_systolic.trim().is_empty() {
            e.take(
                "bp_systolic",
                number_in(&self.bp_systolic, 50..=300, "the systolic reading"),
            );
        }
        if !self.bp_diastolic.trim().is_empty() {
            e.take(
                "bp_diastolic",
                number_in(&self.bp_diastolic, 30..=200, "the diastolic reading"),
            );
        }
        e
    }

    /// Checks a completion: every required answer present and valid. "None" is an answer; a
    /// blank is not (a blank form must never count as completed).
    pub fn check_complete(&self) -> FieldErrors {
        let mut e = self.check_draft();
        let required = [
            (
                "medical_history",
                &self.medical_history,
                "the medical history (or \"none\")",
            ),
            (
                "psychiatric_history",
                &self.psychiatric_history,
                "the psychiatric history (or \"none\")",
            ),
            (
                "current_medications",
                &self.current_medications,
                "current medications with doses (or \"none\")",
            ),
            (
                "allergies",
                &self.allergies,
                "allergies (or \"none known\")",
            ),
            (
                "substance_use",
                &self.substance_use,
                "substance use (or \"none\")",
            ),
            (
                "prior_ketamine",
                &self.prior_ketamine,
                "prior ketamine use (or \"none\")",
            ),
            ("goals", &self.goals, "the client's goals"),
        ];
        for (field, v, what) in required {
            e.take(field, required_text(v, MAX_TEXT, what));
        }
        e.take(
            "bp_systolic",
            number_in(&self.bp_systolic, 50..=300, "today's systolic reading"),
        );
        e.take(
            "bp_diastolic",
            number_in(&self.bp_diastolic, 30..=200, "today's diastolic reading"),
        );
        e
    }

    fn texts(&self) -> [(&'static str, &String); 11] {
        [
            ("medical_history", &self.medical_history),
            ("psychiatric_history", &self.psychiatric_history),
            ("current_medications", &self.current_medications),
            ("allergies", &self.allergies),
            ("substance_use", &self.substance_use),
            ("prior_ketamine", &self.prior_ketamine),
            ("bp_history", &self.bp_history),
            ("bp_systolic", &self.bp_systolic),
            ("bp_diastolic", &self.bp_diastolic),
            ("goals", &self.goals),
            ("concerns", &self.concerns),
        ]
    }

    /// What the screening reads. `age` comes from the client record's date of birth.
    pub fn answers(&self, age: Option<u32>) -> IntakeAnswers {
        IntakeAnswers {
            age_years: age,
            systolic: self.bp_systolic.trim().parse().ok(),
            diastolic: self.bp_diastolic.trim().parse().ok(),
            hypertension_uncontrolled: self.hypertension_uncontrolled,
            heart_disease: self.heart_disease,
            arrhythmia: self.arrhythmia,
            stroke_history: self.stroke_history,
            primary_psychotic_disorder: self.primary_psychotic_disorder,
            psychosis_history: self.psychosis_history,
            mania_or_mixed_state_now: self.mania_or_mixed_state_now,
            bipolar_disorder: self.bipolar_disorder,
            suicidal_ideation_with_intent: self.suicidal_ideation_with_intent,
            substance_use_disorder_uncontrolled: self.substance_use_disorder_uncontrolled,
            ketamine_misuse: self.ketamine_misuse,
            pregnant: self.pregnant,
            breastfeeding: self.breastfeeding,
            ketamine_allergy: self.ketamine_allergy,
            glaucoma_uncontrolled: self.glaucoma_uncontrolled,
            hyperthyroidism_uncontrolled: self.hyperthyroidism_uncontrolled,
            liver_disease: self.liver_disease,
            bladder_problems: self.bladder_problems,
            raised_intracranial_pressure: self.raised_intracranial_pressure,
            dissociative_disorder: self.dissociative_disorder,
            takes_opioids: self.takes_opioids,
            takes_benzodiazepines: self.takes_benzodiazepines,
            takes_gabapentinoids: self.takes_gabapentinoids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::{ScreeningSettings, screen};

    fn complete() -> IntakeForm {
        IntakeForm {
            medical_history: "None".into(),
            psychiatric_history: "Major depression since 2015".into(),
            current_medications: "Sertraline 100 mg daily".into(),
            allergies: "None known".into(),
            substance_use: "Alcohol, 2 drinks a week".into(),
            prior_ketamine: "None".into(),
            bp_systolic: "128".into(),
            bp_diastolic: "82".into(),
            goals: "Less rumination".into(),
            ..IntakeForm::default()
        }
    }

    #[test]
    fn a_blank_intake_is_a_draft_never_complete() {
        let blank = IntakeForm::default();
        assert!(blank.check_draft().is_empty());
        let e = blank.check_complete();
        for f in [
            "medical_history",
            "allergies",
            "goals",
            "bp_systolic",
            "bp_diastolic",
        ] {
            assert!(e.has(f), "{f}");
        }
        assert!(complete().check_complete().is_empty());
    }

    #[test]
    fn whitespace_is_not_an_answer_and_readings_must_be_numbers() {
        let mut f = complete();
        f.allergies = "   ".into();
        f.bp_systolic = "12O".into();
        let e = f.check_complete();
        assert!(e.has("allergies"));
        assert!(e.has("bp_systolic"));
        assert!(f.check_draft().has("bp_systolic"));
    }

    #[test]
    fn the_screening_reads_the_form() {
        let mut f = complete();
        f.psychosis_history = true;
        f.bp_systolic = "150".into();
        let flags = screen(&f.answers(Some(40)), &ScreeningSettings::default());
        let codes: Vec<_> = flags.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"psychosis_history"), "{codes:?}");
        assert!(codes.contains(&"bp_reading"), "{codes:?}");
        assert!(f.answer("psychosis_history"));
    }

    #[test]
    fn every_question_maps_to_a_field() {
        let all = IntakeForm {
            hypertension_uncontrolled: true,
            heart_disease: true,
            arrhythmia: true,
            stroke_history: true,
            primary_psychotic_disorder: true,
            psychosis_history: true,
            mania_or_mixed_state_now: true,
            bipolar_disorder: true,
            dissociative_disorder: true,
            suicidal_ideation_with_intent: true,
            substance_use_disorder_uncontrolled: true,
            ketamine_misuse: true,
            pregnant: true,
            breastfeeding: true,
            ketamine_allergy: true,
            glaucoma_uncontrolled: true,
            hyperthyroidism_uncontrolled: true,
            liver_disease: true,
            bladder_problems: true,
            raised_intracranial_pressure: true,
            takes_opioids: true,
            takes_benzodiazepines: true,
            takes_gabapentinoids: true,
            ..IntakeForm::default()
        };
        for (key, _) in QUESTIONS {
            assert!(all.answer(key), "{key} is not wired to a field");
        }
        assert_eq!(QUESTIONS.len(), 23);
    }
}

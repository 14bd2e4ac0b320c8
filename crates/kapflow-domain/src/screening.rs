//! Contraindication screening from the intake (docs/domain.md §3). It computes flags with the
//! rule that fired and where the rule comes from; it never decides eligibility — the partner
//! prescriber does.

/// What the intake recorded, as the screening needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntakeAnswers {
    pub age_years: Option<u32>,
    /// Today's reading at assessment, mmHg.
    pub systolic: Option<u32>,
    pub diastolic: Option<u32>,
    pub hypertension_uncontrolled: bool,
    pub heart_disease: bool,
    pub arrhythmia: bool,
    pub stroke_history: bool,
    pub primary_psychotic_disorder: bool,
    pub psychosis_history: bool,
    pub mania_or_mixed_state_now: bool,
    pub bipolar_disorder: bool,
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
    pub dissociative_disorder: bool,
    pub takes_opioids: bool,
    pub takes_benzodiazepines: bool,
    pub takes_gabapentinoids: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Listed as a contraindication: the prescriber must see it before anything else.
    Absolute,
    /// Needs the prescriber's judgement.
    Relative,
    /// Not a contraindication, but may change the effect or the plan.
    Note,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Absolute => "Contraindication",
            Severity::Relative => "Relative contraindication",
            Severity::Note => "Note for the prescriber",
        }
    }
}

/// One flag: what was found, the rule, and its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub code: &'static str,
    pub severity: Severity,
    pub finding: String,
    pub rule: &'static str,
    pub source: &'static str,
}

/// Thresholds the practice (or prescriber) sets; defaults per docs/domain.md §3, with their sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreeningSettings {
    pub bp_systolic_flag: u32,
    pub bp_diastolic_flag: u32,
    pub minimum_age: u32,
}

impl Default for ScreeningSettings {
    fn default() -> Self {
        ScreeningSettings {
            bp_systolic_flag: 140,
            bp_diastolic_flag: 90,
            minimum_age: 18,
        }
    }
}

const SRC_CONTRA: &str = "The practice's KAP protocol: contraindications screened at assessment (the prescriber decides)";
const SRC_RELATIVE: &str =
    "The practice's KAP protocol: relative contraindications (the prescriber decides)";
const SRC_BP: &str = "Default threshold from an IV/nasal ketamine clinic's pre-dose hold rule (140/90); no published sublingual KAP threshold exists — a practice setting";

/// Every flag the answers raise, most serious first.
pub fn screen(a: &IntakeAnswers, s: &ScreeningSettings) -> Vec<Flag> {
    let mut flags = Vec::new();
    let mut flag = |on: bool, code, severity, finding: &str, rule, source| {
        if on {
            flags.push(Flag {
                code,
                severity,
                finding: finding.to_owned(),
                rule,
                source,
            });
        }
    };
    use Severity::{Absolute, Note, Relative};
    if let Some(age) = a.age_years {
        flag(
            age < s.minimum_age,
            "age",
            Absolute,
            &format!("Age {age}"),
            "Under the minimum age for KAP",
            SRC_CONTRA,
        );
    }
    if let (Some(sys), Some(dia)) = (a.systolic, a.diastolic) {
        let high = sys >= s.bp_systolic_flag || dia >= s.bp_diastolic_flag;
        flag(
            high,
            "bp_reading",
            Relative,
            &format!("Blood pressure today {sys}/{dia} mmHg"),
            "Reading at or above the practice's blood-pressure flag",
            SRC_BP,
        );
    }
    flag(
        a.hypertension_uncontrolled,
        "hypertension",
        Absolute,
        "Uncontrolled hypertension",
        "Uncontrolled hypertension",
        SRC_CONTRA,
    );
    flag(
        a.heart_disease,
        "heart_disease",
        Absolute,
        "Heart disease",
        "Heart disease, arrhythmia or stroke history",
        SRC_CONTRA,
    );
    flag(
        a.arrhythmia,
        "arrhythmia",
        Absolute,
        "Arrhythmia",
        "Heart disease, arrhythmia or stroke history",
        SRC_CONTRA,
    );
    flag(
        a.stroke_history,
        "stroke",
        Absolute,
        "History of stroke",
        "Heart disease, arrhythmia or stroke history",
        SRC_CONTRA,
    );
    flag(
        a.primary_psychotic_disorder,
        "psychotic_disorder",
        Absolute,
        "Primary psychotic disorder",
        "Primary psychotic disorder or psychosis history",
        SRC_CONTRA,
    );
    flag(
        a.psychosis_history,
        "psychosis_history",
        Absolute,
        "History of psychosis",
        "Primary psychotic disorder or psychosis history",
        SRC_CONTRA,
    );
    flag(
        a.mania_or_mixed_state_now,
        "mania",
        Absolute,
        "Acute mania or mixed state",
        "Acute mania or mixed state",
        SRC_CONTRA,
    );
    flag(
        a.suicidal_ideation_with_intent,
        "suicidal_intent",
        Absolute,
        "Active suicidal ideation with intent",
        "Active suicidal ideation with intent",
        SRC_CONTRA,
    );
    flag(
        a.substance_use_disorder_uncontrolled,
        "sud",
        Absolute,
        "Uncontrolled substance use disorder",
        "Uncontrolled substance use disorder or ketamine misuse",
        SRC_CONTRA,
    );
    flag(
        a.ketamine_misuse,
        "ketamine_misuse",
        Absolute,
        "Ketamine misuse",
        "Uncontrolled substance use disorder or ketamine misuse",
        SRC_CONTRA,
    );
    flag(
        a.pregnant,
        "pregnancy",
        Absolute,
        "Pregnant",
        "Pregnancy or breastfeeding",
        SRC_CONTRA,
    );
    flag(
        a.breastfeeding,
        "breastfeeding",
        Absolute,
        "Breastfeeding",
        "Pregnancy or breastfeeding",
        SRC_CONTRA,
    );
    flag(
        a.ketamine_allergy,
        "allergy",
        Absolute,
        "Allergy to ketamine",
        "Ketamine allergy",
        SRC_CONTRA,
    );
    flag(
        a.glaucoma_uncontrolled,
        "glaucoma",
        Relative,
        "Uncontrolled glaucoma",
        "Uncontrolled glaucoma or hyperthyroidism",
        SRC_RELATIVE,
    );
    flag(
        a.hyperthyroidism_uncontrolled,
        "hyperthyroidism",
        Relative,
        "Uncontrolled hyperthyroidism",
        "Uncontrolled glaucoma or hyperthyroidism",
        SRC_RELATIVE,
    );
    flag(
        a.liver_disease,
        "liver",
        Relative,
        "Liver disease",
        "Liver disease",
        SRC_RELATIVE,
    );
    flag(
        a.bladder_problems,
        "bladder",
        Relative,
        "Cystitis or bladder problems",
        "Cystitis/bladder problems",
        SRC_RELATIVE,
    );
    flag(
        a.raised_intracranial_pressure,
        "icp",
        Relative,
        "Raised intracranial pressure",
        "Raised intracranial pressure",
        SRC_RELATIVE,
    );
    flag(
        a.dissociative_disorder,
        "dissociative",
        Relative,
        "Dissociative disorder",
        "Dissociative disorder",
        SRC_RELATIVE,
    );
    flag(
        a.takes_opioids,
        "opioids",
        Relative,
        "Takes opioids",
        "Concurrent opioids",
        SRC_RELATIVE,
    );
    flag(
        a.bipolar_disorder && !a.mania_or_mixed_state_now,
        "bipolar",
        Note,
        "Bipolar disorder (no current mania)",
        "Bipolar disorder alone is case by case",
        SRC_RELATIVE,
    );
    flag(
        a.takes_benzodiazepines,
        "benzodiazepines",
        Note,
        "Takes benzodiazepines",
        "May blunt ketamine's effect",
        SRC_RELATIVE,
    );
    flag(
        a.takes_gabapentinoids,
        "gabapentinoids",
        Note,
        "Takes gabapentin or pregabalin",
        "May blunt ketamine's effect",
        SRC_RELATIVE,
    );
    flags.sort_by_key(|f| f.severity);
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_intake_raises_nothing() {
        let a = IntakeAnswers {
            age_years: Some(40),
            systolic: Some(118),
            diastolic: Some(76),
            ..Default::default()
        };
        assert!(screen(&a, &ScreeningSettings::default()).is_empty());
    }

    #[test]
    fn every_flag_carries_its_rule_and_source_and_absolutes_come_first() {
        let a = IntakeAnswers {
            age_years: Some(17),
            systolic: Some(150),
            diastolic: Some(85),
            psychosis_history: true,
            takes_benzodiazepines: true,
            liver_disease: true,
            ..Default::default()
        };
        let flags = screen(&a, &ScreeningSettings::default());
        let codes: Vec<_> = flags.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                "age",
                "psychosis_history",
                "bp_reading",
                "liver",
                "benzodiazepines"
            ]
        );
        assert!(
            flags
                .iter()
                .all(|f| !f.rule.is_empty() && !f.source.is_empty())
        );
        assert!(flags[2].finding.contains("150/85"));
    }

    #[test]
    fn thresholds_are_settings_and_inclusive() {
        let at = IntakeAnswers {
            systolic: Some(139),
            diastolic: Some(90),
            ..Default::default()
        };
        assert_eq!(
            screen(&at, &ScreeningSettings::default()).len(),
            1,
            "90 diastolic is at the flag"
        );
        let lenient = ScreeningSettings {
            bp_systolic_flag: 160,
            bp_diastolic_flag: 100,
            minimum_age: 18,
        };
        assert!(screen(&at, &lenient).is_empty());
    }

    #[test]
    fn bipolar_is_case_by_case_unless_manic_now() {
        let b = IntakeAnswers {
            bipolar_disorder: true,
            ..Default::default()
        };
        assert_eq!(
            screen(&b, &ScreeningSettings::default())[0].severity,
            Severity::Note
        );
        let m = IntakeAnswers {
            bipolar_disorder: true,
            mania_or_mixed_state_now: true,
            ..Default::default()
        };
        let flags = screen(&m, &ScreeningSettings::default());
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].code, "mania");
    }
}

//! What a course is made of: each act of it (a step, done by whoever it belongs to), when it
//! happens, and a story's steps up to today.

use super::scores::Answer;
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::dosing::entries::ObservationKind;
use kapflow_domain::dosing::vitals::Vitals;
use kapflow_domain::prescribing::Decision;

/// One act of the course, by whoever does it (see `load`).
#[derive(Clone, Debug)]
pub enum Step {
    Inquiry,
    InquiryContacted,
    /// The front desk declines an inquiry (outside the practice's area, say).
    InquiryDeclined,
    CreateClient,
    /// Single-use links for these questionnaires (requests added first when `add`: checks off
    /// the schedule, before a session or at integration); on the office tablet when `kiosk`.
    SendQuestionnaires {
        instruments: &'static [&'static str],
        add: bool,
        kiosk: bool,
    },
    Answer(Answer),
    AcknowledgeAlerts {
        note: &'static str,
    },
    Intake,
    ReviewScreening,
    ToPreparation,
    Preparation,
    Sign(ConsentKind),
    Refer,
    Message {
        by_prescriber: bool,
        body: &'static str,
    },
    Evaluate(Decision),
    Prescribe,
    Ship,
    Receive,
    Prepare,
    Brought {
        count: i64,
    },
    SkipMeasures,
    PreDoseVitals(Vitals),
    OverrideHold,
    RideHome,
    Start,
    Take {
        booster: bool,
        mg: u32,
    },
    Vitals {
        vitals: Vitals,
        is_final: bool,
    },
    AcknowledgeSessionAlerts {
        action: &'static str,
    },
    Observe {
        kind: ObservationKind,
        cadss: Option<u8>,
        note: &'static str,
        action: &'static str,
    },
    /// A colleague comes into the room (or leaves it again).
    Presence {
        join: bool,
    },
    Close {
        early: bool,
    },
    Returned {
        count: i64,
    },
    Attested,
    Integration {
        summary: &'static str,
    },
    Complete(&'static str),
    Discontinue(&'static str),
}

/// When a step happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Minutes from midnight (UTC) of the course's first day.
    Course(i64),
    /// Minutes before the present (a session running now).
    Ago(i64),
}

#[derive(Clone, Debug)]
pub struct Planned {
    pub when: When,
    pub step: Step,
}

/// The steps up to today, and which day of the course today is.
#[derive(Clone, Debug)]
pub struct Script {
    pub steps: Vec<Planned>,
    pub today: i64,
}

//! A course's flow from the first call to its end, laid out by the script's builder: the
//! inquiry and the new record, baseline questionnaires (and the alerts they raise), the
//! assessment, preparation and consents, the referral and the prescriber's side, the dosing
//! sessions each followed by an integration session, then completion or an early end, and the
//! follow-up questionnaires.

use super::script::{Builder, DAY, Step};
use super::session;
use super::story::{Exit, Response};
use super::words;
use kapflow_domain::consent::ConsentKind;
use kapflow_domain::inquiry::Concern;
use kapflow_domain::measures::{cssrs, gad7, pcl5, phq9};
use kapflow_domain::pathway::Stage;
use kapflow_domain::prescribing::Decision;
use rand::Rng;

const BASELINE: &[&str] = &[phq9::CODE, gad7::CODE, cssrs::CODE];
const BASELINE_PTSD: &[&str] = &[phq9::CODE, gad7::CODE, cssrs::CODE, pcl5::CODE];

/// The whole course; returns the day of the session running now, for a story with one.
pub(super) fn course(b: &mut Builder<'_>) -> Option<i64> {
    let s = b.story;
    let m = b.office_minute();
    if s.via_inquiry {
        let asked = -b.rng.random_range(3..=9);
        b.at(asked, m, Step::Inquiry);
        let m = b.office_minute();
        let called = asked + b.rng.random_range(1..=2);
        b.at(called, m, Step::InquiryContacted);
    }
    let m = b.office_minute();
    b.at(0, m, Step::CreateClient);
    let baseline = if s.has(Concern::Ptsd) {
        BASELINE_PTSD
    } else {
        BASELINE
    };
    let alerted = b.questionnaires(baseline, false, false, 2 * DAY, 0, true);
    let answered = Builder::day_of(b.last);
    // Some clients at assessment answered yesterday and the therapist has not reached them yet.
    let still_open = alerted && s.stage == Stage::Assessment && b.rng.random_bool(0.5);
    if alerted {
        let wait = if still_open {
            DAY + b.rng.random_range(60..600)
        } else {
            b.rng.random_range(90..900)
        };
        b.acknowledge(wait);
    }
    let assessment = Builder::day_of(b.last) + b.rng.random_range(2..=6);
    if still_open {
        b.window(Stage::Assessment, answered + 1, answered + 1);
    } else {
        b.window(Stage::Assessment, 1, assessment);
    }
    if s.exit == Some(Exit::HigherCare) {
        let m = b.office_minute();
        let t = b.at(assessment, m, Step::Discontinue(words::HIGHER_CARE));
        b.window(
            Stage::Discontinued,
            Builder::day_of(t) + 1,
            Builder::day_of(t) + 150,
        );
        return None;
    }
    let m = b.office_minute();
    b.at(assessment, m, Step::Intake);
    b.then(50, Step::ReviewScreening);
    b.then(5, Step::ToPreparation);

    let prep = assessment + b.rng.random_range(6..=13);
    let m = b.office_minute();
    b.at(prep, m, Step::Preparation);
    b.then(10, Step::Sign(ConsentKind::Kap));
    b.then(3, Step::Sign(ConsentKind::ReleaseOfInformation));
    if b.rng.random_bool(0.3) {
        b.then(3, Step::Sign(ConsentKind::Touch));
    }
    if s.exit == Some(Exit::Withdrew) {
        let m = b.office_minute();
        let day = prep + b.rng.random_range(3..=12);
        b.window(Stage::Preparation, assessment + 1, day);
        let why = words::WITHDRAWAL_REASONS[b.rng.random_range(0..2)];
        b.at(day, m, Step::Discontinue(why));
        b.window(Stage::Discontinued, day + 1, day + 150);
        return None;
    }
    let referred = prep + b.rng.random_range(0..=3);
    let m = b.office_minute();
    b.at(referred, m, Step::Refer);
    b.then(
        2,
        Step::Message {
            by_prescriber: false,
            body: words::REFERRAL_NOTE,
        },
    );
    b.window(Stage::Preparation, assessment + 1, referred);
    evaluation(b, referred)
}

/// The prescriber's side: the evaluation (sometimes after a request for more information),
/// the prescription, the shipment and its receipt; then the sessions.
fn evaluation(b: &mut Builder<'_>, referred: i64) -> Option<i64> {
    let s = b.story;
    let mut evaluated = referred + b.rng.random_range(3..=9);
    if s.exit == Some(Exit::NotEligible) {
        let m = b.office_minute();
        b.at(evaluated, m, Step::Evaluate(Decision::NotEligible));
        b.window(Stage::MedicalEvaluation, referred + 1, evaluated);
        let day = evaluated + b.rng.random_range(2..=6);
        let m = b.office_minute();
        b.at(day, m, Step::Discontinue(words::NOT_ELIGIBLE_REASONS));
        b.window(Stage::Discontinued, day + 1, day + 150);
        return None;
    }
    if b.rng.random_bool(0.2) {
        let m = b.office_minute();
        b.at(
            evaluated,
            m,
            Step::Evaluate(Decision::MoreInformationNeeded),
        );
        b.then(
            180,
            Step::Message {
                by_prescriber: false,
                body: "Sent the psychiatric notes and the medication list today.",
            },
        );
        evaluated += b.rng.random_range(3..=7);
    }
    let m = b.office_minute();
    b.at(evaluated, m, Step::Evaluate(Decision::Eligible));
    b.then(20, Step::Prescribe);
    b.then(
        2,
        Step::Message {
            by_prescriber: true,
            body: words::EVALUATION_NOTE,
        },
    );
    b.window(Stage::MedicalEvaluation, referred + 1, evaluated);
    let shipped = evaluated + b.rng.random_range(1..=3);
    let m = b.office_minute();
    b.at(shipped, m, Step::Ship);
    let received = shipped + b.rng.random_range(2..=4);
    let m = b.office_minute();
    b.at(received, m, Step::Receive);
    b.window(Stage::Medication, evaluated + 1, received);
    let first = received + b.rng.random_range(3..=9);
    b.window(Stage::ReadyForDosing, received + 1, first);
    sessions(b, first)
}

/// The dosing sessions with an integration session after each, then the course's end and
/// the follow-up questionnaires.
fn sessions(b: &mut Builder<'_>, first: i64) -> Option<i64> {
    let s = b.story;
    let planned = s.regimen.sessions;
    let mut day = first;
    let (mut last_session, mut last_integration) = (first, first);
    for k in 1..=planned {
        if let Some((live, _)) = b.live
            && live == k
        {
            session::live(b, k);
            return Some(day);
        }
        session::held(b, day, k);
        last_session = day;
        let integration = day + b.rng.random_range(3..=6);
        let m = b.office_minute();
        let summary =
            words::INTEGRATION_SUMMARIES[b.rng.random_range(0..words::INTEGRATION_SUMMARIES.len())];
        b.at(integration, m, Step::Integration { summary });
        let (progress, symptoms) = (b.progress(k), b.symptoms());
        if b.questionnaires(symptoms, true, false, 30, progress, false) {
            b.acknowledge(60);
        }
        last_integration = integration;
        if s.exit == Some(Exit::StoppedAfter(k)) {
            let end = integration + b.rng.random_range(2..=10);
            b.window(Stage::Integration, day + 1, end);
            let m = b.office_minute();
            let why = words::WITHDRAWAL_REASONS[b.rng.random_range(1..4)];
            b.at(end, m, Step::Discontinue(why));
            b.window(Stage::Discontinued, end + 1, end + 150);
            return None;
        }
        let next = day + i64::from(s.regimen.days_between) + b.rng.random_range(0..=5);
        if k < planned {
            b.window(Stage::Integration, day + 1, next);
        }
        day = next;
    }
    let completed = last_integration + b.rng.random_range(1..=7);
    b.window(Stage::Integration, last_session + 1, completed);
    let m = b.office_minute();
    let reason = match s.response {
        Response::Flat | Response::Worse => words::COMPLETED_WITHOUT_CHANGE,
        _ => words::COMPLETION_REASONS[b.rng.random_range(0..words::COMPLETION_REASONS.len())],
    };
    b.at(completed, m, Step::Complete(reason));
    b.window(Stage::Completed, completed + 1, completed + 200);
    for due in [30, 91, 182] {
        if b.rng.random_bool(0.85) {
            let m = b.office_minute();
            b.at(
                completed + due,
                m,
                Step::SendQuestionnaires {
                    instruments: b.symptoms(),
                    add: false,
                    kiosk: false,
                },
            );
            let wait = b.rng.random_range(0..=4);
            for &code in b.symptoms() {
                let a = b.answer(code, 1000, false);
                let m = b.office_minute();
                b.at(completed + due + wait, m, Step::Answer(a));
            }
        }
    }
    None
}

//! EpisodeOfCare: a course of KAP, with the pathway's stages.
//!
//! FHIR's episode statuses are coarser than the pathway: every stage from assessment to
//! integration is `active`, a completed course `finished`, a discontinued one `cancelled`
//! (ended outside the planned workflow). The stage itself, and every stage the course went
//! through with its dates, are carried in two extensions of kapflow's own, coded in
//! [`STAGES`], so a receiving system can read the pathway without guessing.

use crate::observation::date_time;
use crate::r4::codes::EpisodeOfCareStatus;
use crate::r4::resources::EpisodeOfCare;
use crate::r4::resources::episode_of_care::EpisodeOfCareStatusHistory;
use crate::r4::types::extension::ExtensionValue;
use crate::r4::types::{self, Extension};
use crate::values::{string, words};
use fhir::coded::Coded;
use kapflow_domain::UserId;
use kapflow_domain::pathway::Stage;
use kapflow_store::courses::CourseRow;
use kapflow_store::courses::TransitionRow;

/// The code system of the pathway's stages (`assessment`, `preparation`, … `discontinued`).
pub const STAGES: &str = "urn:kapflow:course-stage";
/// The extension holding the course's stage now (a Coding in [`STAGES`]).
pub const STAGE_EXTENSION: &str = "urn:kapflow:extension:course-stage";
/// The extension holding one stage the course went through: `stage` (Coding) and `period`.
pub const STAGE_HISTORY_EXTENSION: &str = "urn:kapflow:extension:course-stage-history";

/// The course as an EpisodeOfCare of the client, managed by the practice, with `therapist`
/// (the primary therapist on the care team, if any) as its care manager.
pub fn episode(
    course: &CourseRow,
    history: &[TransitionRow],
    therapist: Option<UserId>,
) -> EpisodeOfCare {
    let mut extension = vec![Extension {
        url: string(STAGE_EXTENSION),
        value: Some(ExtensionValue::Coding(Box::new(stage_coding(course.stage)))),
        ..Default::default()
    }];
    extension.extend(history.iter().enumerate().map(|(i, step)| Extension {
        url: string(STAGE_HISTORY_EXTENSION),
        extension: vec![
            Extension {
                url: string("stage"),
                value: Some(ExtensionValue::Coding(Box::new(stage_coding(
                    step.to_stage,
                )))),
                ..Default::default()
            },
            Extension {
                url: string("period"),
                value: Some(ExtensionValue::Period(Box::new(types::Period {
                    start: Some(date_time(step.at)),
                    end: history.get(i + 1).map(|next| date_time(next.at)),
                    ..Default::default()
                }))),
                ..Default::default()
            },
        ],
        ..Default::default()
    }));
    let period = types::Period {
        start: Some(date_time(course.opened_at)),
        end: course.closed_at.map(date_time),
        ..Default::default()
    };
    EpisodeOfCare {
        id: Some(string(&course.id.to_string())),
        extension,
        status: Coded::Known(status_of(course.stage)),
        status_history: course
            .closed_at
            .map(|closed| EpisodeOfCareStatusHistory {
                status: Coded::Known(EpisodeOfCareStatus::Active),
                period: types::Period {
                    start: Some(date_time(course.opened_at)),
                    end: Some(date_time(closed)),
                    ..Default::default()
                },
                ..Default::default()
            })
            .into_iter()
            .collect(),
        r#type: vec![words(&format!(
            "Ketamine-assisted psychotherapy, course {}",
            course.number
        ))],
        patient: crate::values::reference("Patient", course.client_id),
        managing_organization: Some(crate::values::reference(
            "Organization",
            crate::organization::PRACTICE_ID,
        )),
        period: Some(period),
        care_manager: therapist.map(|t| crate::values::reference("Practitioner", t)),
        ..Default::default()
    }
}

fn status_of(stage: Stage) -> EpisodeOfCareStatus {
    match stage {
        Stage::Completed => EpisodeOfCareStatus::Finished,
        Stage::Discontinued => EpisodeOfCareStatus::Cancelled,
        _ => EpisodeOfCareStatus::Active,
    }
}

fn stage_coding(stage: Stage) -> types::Coding {
    types::Coding {
        system: Some(types::Uri(STAGES.to_owned())),
        code: Some(types::Code(stage.as_str().to_owned())),
        display: Some(string(stage.label())),
        ..Default::default()
    }
}

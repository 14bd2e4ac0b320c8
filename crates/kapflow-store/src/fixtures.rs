//! Test fixtures shared by the store's tests and the end-to-end tests: a client walked along
//! the pathway with the store's own calls. Built only with the `testkit` feature.

use crate::Store;
use crate::access::for_tests;
use crate::consents::Signed;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::{Stage, Transition};
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::prescribing::{Decision, DoseForm, Evaluation, Prescription, Shipment};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, ClientId, OrgId};
use time::{Duration, OffsetDateTime};

/// Who takes a client to "ready for dosing", and with which plan.
pub struct ReadyFor<'a> {
    pub client: ClientId,
    pub therapist: &'a Actor,
    pub prescriber: &'a Actor,
    pub org: OrgId,
    pub plan: DosingPlan,
}

/// An intake with every required answer (blood pressure 150/85: one screening flag).
pub fn completed_intake() -> IntakeForm {
    IntakeForm {
        medical_history: "None".into(),
        psychiatric_history: "Depression".into(),
        current_medications: "None".into(),
        allergies: "None known".into(),
        substance_use: "None".into(),
        prior_ketamine: "None".into(),
        bp_systolic: "150".into(),
        bp_diastolic: "85".into(),
        goals: "Feel better".into(),
        ..IntakeForm::default()
    }
}

/// The practice's date at `now`.
pub async fn today(s: &Store, now: OffsetDateTime) -> time::Date {
    let settings = s.settings().snapshot().await.expect("settings");
    settings.zone().today(now)
}

/// The client signs the latest document of `kind` (published first when there is none).
async fn sign(s: &Store, c: ClientId, kind: ConsentKind, by: &Actor, now: OffsetDateTime) {
    let latest =
        |docs: Vec<crate::consents::DocumentRow>| docs.into_iter().find(|d| d.kind == kind);
    let doc = match latest(s.consents().latest_documents().await.expect("docs")) {
        Some(d) => d,
        None => {
            let new = NewDocument {
                kind,
                title: kind.label().into(),
                body: format!("I consent: {}.", kind.label()),
            };
            s.consents()
                .add_document(&new, by, now)
                .await
                .expect("document");
            latest(s.consents().latest_documents().await.expect("docs")).expect("published")
        }
    };
    let signature = Signature {
        typed_name: "The client".into(),
        signed_on: today(s, now).await,
    };
    match s
        .consents()
        .sign(&for_tests(c), doc.id, &signature, by, now)
        .await
        .expect("sign")
        .expect("client")
    {
        Signed::Signed(_) => {}
        other => panic!("{other:?}"),
    }
}

/// Walks `r.client` (on `r.therapist`'s care team) to "ready for dosing": a completed and
/// reviewed intake, preparation signed off, the KAP and release-of-information consents signed
/// (publishing the documents if the practice has none), referred to `r.org`, found eligible and
/// prescribed `r.plan` by `r.prescriber`, shipped and received.
pub async fn ready_for_dosing(s: &Store, r: &ReadyFor<'_>) {
    let (c, t, p1, now) = (r.client, r.therapist, r.prescriber, now_utc());
    let a = for_tests(c);
    let plan = r.plan;
    s.assessment()
        .save_intake(&a, &completed_intake(), Sensitivity::General, true, t, now)
        .await
        .expect("intake");
    s.assessment()
        .review_screening(&a, t, now)
        .await
        .expect("review");
    s.courses()
        .transition(&a, &Transition::Advance(Stage::Preparation), t, now)
        .await
        .expect("t")
        .expect("course")
        .expect("preparation");
    let prep = PreparationForm {
        intentions: "Less fear".into(),
        discussed: CHECKLIST.iter().map(|(k, _)| k.to_string()).collect(),
        notes: String::new(),
    };
    s.assessment()
        .save_preparation(&a, &prep, true, t, now)
        .await
        .expect("prep");
    for kind in [ConsentKind::Kap, ConsentKind::ReleaseOfInformation] {
        sign(s, c, kind, t, now).await;
    }
    s.prescribing()
        .refer(&a, r.org, t, now)
        .await
        .expect("refer")
        .expect("referred");
    let eligible = Evaluation {
        decision: Decision::Eligible,
        reasons: "No contraindication.".into(),
        valid_until: Some(today(s, now).await + Duration::days(180)),
    };
    s.prescribing()
        .record_evaluation(&a, &eligible, p1, now)
        .await
        .expect("eval")
        .expect("evaluated");
    let rx = Prescription {
        drug: "Ketamine HCl".into(),
        form: DoseForm::Troche,
        strength_mg: 75,
        quantity: 8,
        directions: "One and a half in session".into(),
        pharmacy: "Compounding Pharmacy".into(),
        plan,
    };
    s.prescribing()
        .prescribe(&a, &rx, p1, now)
        .await
        .expect("rx")
        .expect("prescribed");
    let ship = Shipment {
        carrier: "UPS".into(),
        tracking_number: "1Z999".into(),
        shipped_on: today(s, now).await,
    };
    s.prescribing()
        .record_shipment(&a, &ship, p1, now)
        .await
        .expect("ship")
        .expect("shipped");
    let course = s
        .courses()
        .current(&a)
        .await
        .expect("course")
        .expect("a course");
    let shipment = s
        .prescribing()
        .shipments(&a.clinical().expect("clinical"), course.id)
        .await
        .expect("shipments")[0]
        .id;
    s.prescribing()
        .record_receipt(&a, shipment, p1, now)
        .await
        .expect("receipt")
        .expect("received");
    let stage = s
        .courses()
        .current(&a)
        .await
        .expect("course")
        .expect("a course")
        .stage;
    assert_eq!(
        stage,
        Stage::ReadyForDosing,
        "not ready for dosing: does the client have a named person to take them home?"
    );
}

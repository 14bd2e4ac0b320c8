//! The dosing-monitor benchmark's practice: `past` closed dosing sessions across clients, and one
//! open session (the one bench/run loads) for a client on the bench therapist's caseload.
//!
//! - The benchmarked client and three more are walked to "ready for dosing" with the store's own
//!   calls (intake, preparation, consents, referral, evaluation, prescription, shipment,
//!   receipt: what `kapflow_store::fixtures::ready_for_dosing` does, without the testkit feature
//!   so the release build stays as shipped). Their sessions are prepared, opened through every
//!   gate, dosed and monitored through `store.dosing()` and `store.custody()`: every row
//!   audited, the custody log hash-chained and verifiable. The three others' sessions are
//!   closed by discharge; the benchmarked client's stays open, 45 minutes after the dose.
//! - The other past sessions are plain SQL in large transactions (the store path would take an
//!   hour): five per client, each closed by discharge with 8 vitals (pre-dose, six during, the
//!   final set), the opening and closing presence rows, one observation, and on every tenth an
//!   acknowledged alert whose text comes from the real vitals rules. They have **no custody
//!   entries** (the chain cannot be forged without the audit key, and rows with a made-up hash
//!   would fail `kapflow check`), no audit rows and no prescription (`prescription_id` NULL).
//!   Three of them are the benchmarked client's own sessions 1–3, weeks before today's.

use anyhow::{Context, anyhow, bail};
use kapflow_domain::access::Action;
use kapflow_domain::client::ClientInput;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::consent::{ConsentKind, NewDocument, Signature};
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::discharge::{Checklist, DischargeSettings, Ending};
use kapflow_domain::dosing::entries::{MeasuredBy, RideHome, VitalsEntry};
use kapflow_domain::dosing::vitals::{Thresholds, Vitals, during_session};
use kapflow_domain::intake::IntakeForm;
use kapflow_domain::pathway::{Stage, Transition, today};
use kapflow_domain::preparation::{CHECKLIST, PreparationForm};
use kapflow_domain::prescribing::plan::DosingPlan;
use kapflow_domain::prescribing::{Decision, DoseForm, Evaluation, Prescription, Shipment};
use kapflow_domain::{Actor, ClientId, DosingSessionId, Email, OrgId, Role, UserId};
use kapflow_store::access::ClientDecision;
use kapflow_store::clients::Created;
use kapflow_store::consents::Signed;
use kapflow_store::dosing::Prepared;
use kapflow_store::users::NewUser;
use kapflow_store::{ClientAccess, Store};
use sqlx::Connection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const PLAN: DosingPlan = DosingPlan {
    sessions_planned: 6,
    min_days_between: 7,
    dose_ug: 100_000,
    split_allowed: false,
    booster_ug: None,
};
/// Past sessions per bulk client.
const PER_CLIENT: usize = 5;
/// Vitals of a past session: pre-dose, six during, the final set.
const READINGS: [(&str, i64, u16, u16, u16); 8] = [
    ("pre_dose", -3, 128, 82, 72),
    ("during", 15, 134, 86, 78),
    ("during", 30, 138, 88, 80),
    ("during", 45, 136, 86, 78),
    ("during", 60, 132, 84, 76),
    ("during", 90, 130, 82, 74),
    ("during", 120, 128, 82, 72),
    ("final", 125, 126, 80, 72),
];

/// Who does what on the bench practice.
struct People {
    ther: (UserId, Actor),
    presc: (UserId, Actor),
    org: OrgId,
}

async fn staff(store: &Store, email: &str, name: &str, role: Role) -> anyhow::Result<UserId> {
    let email = Email::parse(email).context("email")?;
    Ok(store
        .accounts()
        .create_user(
            &NewUser {
                email: &email,
                display_name: name,
                role,
                password_hash: None,
            },
            &Actor::default(),
            kapflow_domain::time_util::now_utc(),
        )
        .await?)
}

/// `user`'s access to `c` for `action`, as the access check would decide it.
async fn access(
    store: &Store,
    who: &(UserId, Actor),
    action: Action,
    c: ClientId,
    now: OffsetDateTime,
) -> anyhow::Result<ClientAccess> {
    let role = who.1.user.context("a person")?.1;
    match store
        .access()
        .to_client(who.0, role, action, c, now)
        .await?
    {
        ClientDecision::Allowed(a) => Ok(a),
        other => bail!("no access to {c}: {other:?}"),
    }
}

/// A new client on the therapist's caseload, through the store (a course is opened with it).
async fn new_client(
    store: &Store,
    p: &People,
    name: &str,
    now: OffsetDateTime,
) -> anyhow::Result<ClientId> {
    let input = ClientInput {
        legal_name: name.into(),
        date_of_birth: "1985-03-14".into(),
        support_name: "Sam Support".into(),
        support_phone: "555-123-4567".into(),
        concerns: vec!["depression".into()],
        ..ClientInput::default()
    }
    .validate(today(now))
    .map_err(|e| anyhow!("client input: {e:?}"))?;
    match store
        .clients()
        .create(
            &Uuid::now_v7().to_string(),
            &input,
            None,
            &[p.ther.0],
            &p.ther.1,
            now,
        )
        .await?
    {
        Created::Client(id) => Ok(id),
        other => bail!("client not created: {other:?}"),
    }
}

/// `ready_for_dosing` of the store's fixtures, as the therapist and the referred prescriber.
async fn ready_for_dosing(
    store: &Store,
    p: &People,
    c: ClientId,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let t = &p.ther.1;
    let a = access(store, &p.ther, Action::EditClinicalRecord, c, now).await?;
    let intake = IntakeForm {
        medical_history: "None".into(),
        psychiatric_history: "Depression".into(),
        current_medications: "None".into(),
        allergies: "None known".into(),
        substance_use: "None".into(),
        prior_ketamine: "None".into(),
        bp_systolic: "126".into(),
        bp_diastolic: "80".into(),
        goals: "Feel better".into(),
        ..IntakeForm::default()
    };
    store
        .assessment()
        .save_intake(&a, &intake, Sensitivity::General, true, t, now)
        .await?;
    store.assessment().review_screening(&a, t, now).await?;
    store
        .courses()
        .transition(&a, &Transition::Advance(Stage::Preparation), t, now)
        .await?
        .context("course")?
        .map_err(|e| anyhow!("to preparation: {e:?}"))?;
    let prep = PreparationForm {
        intentions: "Less fear".into(),
        discussed: CHECKLIST.iter().map(|(k, _)| k.to_string()).collect(),
        notes: String::new(),
    };
    store
        .assessment()
        .save_preparation(&a, &prep, true, t, now)
        .await?;
    for kind in [ConsentKind::Kap, ConsentKind::ReleaseOfInformation] {
        let doc = store
            .consents()
            .latest_documents()
            .await?
            .into_iter()
            .find(|d| d.kind == kind)
            .context("consent document")?;
        let signature = Signature {
            typed_name: "The client".into(),
            signed_on: today(now),
        };
        match store
            .consents()
            .sign(&a, doc.id, &signature, t, now)
            .await?
            .context("client")?
        {
            Signed::Signed(_) => {}
            other => bail!("not signed: {other:?}"),
        }
    }
    store
        .prescribing()
        .refer(&a, p.org, t, now)
        .await?
        .map_err(|e| anyhow!("refer: {e:?}"))?;
    let (pr, pa) = (
        &p.presc.1,
        access(store, &p.presc, Action::Prescribe, c, now).await?,
    );
    let eligible = Evaluation {
        decision: Decision::Eligible,
        reasons: "No contraindication.".into(),
        valid_until: Some(today(now) + Duration::days(180)),
    };
    store
        .prescribing()
        .record_evaluation(&pa, &eligible, pr, now)
        .await?
        .map_err(|e| anyhow!("evaluation: {e:?}"))?;
    let rx = Prescription {
        drug: "Ketamine HCl".into(),
        form: DoseForm::Troche,
        strength_mg: 75,
        quantity: 8,
        directions: "One and a half in session".into(),
        pharmacy: "Compounding Pharmacy".into(),
        plan: PLAN,
    };
    store
        .prescribing()
        .prescribe(&pa, &rx, pr, now)
        .await?
        .map_err(|e| anyhow!("prescribe: {e:?}"))?;
    let ship = Shipment {
        carrier: "UPS".into(),
        tracking_number: "1Z999".into(),
        shipped_on: today(now),
    };
    store
        .prescribing()
        .record_shipment(&pa, &ship, pr, now)
        .await?
        .map_err(|e| anyhow!("shipment: {e:?}"))?;
    let course = store.courses().current(&pa).await?.context("course")?;
    let clinical = pa.clinical().context("clinical")?;
    let shipment = store
        .prescribing()
        .shipments(&clinical, course.id)
        .await?
        .first()
        .context("shipment")?
        .id;
    store
        .prescribing()
        .record_receipt(&pa, shipment, pr, now)
        .await?
        .map_err(|e| anyhow!("receipt: {e:?}"))?;
    let stage = store.courses().current(&a).await?.context("course")?.stage;
    if stage != Stage::ReadyForDosing {
        bail!("client {c} is at {stage:?}, not ready for dosing");
    }
    Ok(())
}

fn reading(systolic: u16, diastolic: u16, heart_rate: u16, is_final: bool) -> VitalsEntry {
    VitalsEntry {
        vitals: Vitals {
            systolic,
            diastolic,
            heart_rate,
            spo2: 98,
            respiratory_rate: Some(14),
        },
        measured_by: MeasuredBy::Therapist,
        minutes_ago: 0,
        is_final,
    }
}

/// Today's session for `c` through the store: prepared, medication brought, pre-dose vitals,
/// the ride home, questionnaires skipped with a reason, opened through the gates at `opened`,
/// dosed two minutes later, vitals every 15 minutes up to `now`; closed by discharge 130
/// minutes after the dose when `close`.
async fn walk_session(
    store: &Store,
    p: &People,
    c: ClientId,
    opened: OffsetDateTime,
    close: bool,
) -> anyhow::Result<DosingSessionId> {
    let now = kapflow_domain::time_util::now_utc();
    let (t, th) = (&p.ther.1, Thresholds::default());
    let a = access(store, &p.ther, Action::EditClinicalRecord, c, now).await?;
    let a = a.clinical().context("clinical")?;
    let d = store.dosing();
    let at = |m: i64| opened + Duration::minutes(m);
    let id = match d.prepare(&a, t, at(-10)).await? {
        Prepared::Session(id) => id,
        other => bail!("not prepared: {other:?}"),
    };
    let custody = |key: &'static str, e: NewCustodyEntry, when: OffsetDateTime| async move {
        store
            .custody()
            .record(&a, id, key, &e, t, when)
            .await?
            .map(|_| ())
            .map_err(|r| anyhow!("custody {key}: {r:?}"))
    };
    let brought = NewCustodyEntry {
        drug: Some("Ketamine HCl".into()),
        dose_form: Some(DoseForm::Troche),
        strength_ug: Some(100_000),
        count: Some(4),
        pharmacy: Some("Compounding Pharmacy".into()),
        rx_number: Some("RX-1".into()),
        ..NewCustodyEntry::empty(CustodyKind::Brought)
    };
    custody("brought-1", brought, at(-9)).await?;
    d.vitals(
        &a,
        id,
        "pre-dose-1",
        &reading(128, 82, 72, false),
        at(-8),
        &th,
        t,
        at(-8),
    )
    .await?
    .map_err(|r| anyhow!("pre-dose vitals: {r:?}"))?;
    let ride = RideHome {
        name: "Sam Support".into(),
        phone: Some("555-123-4567".into()),
    };
    if !d.ride_home(&a, id, &ride, t, at(-7)).await? {
        bail!("ride home not recorded");
    }
    let why = "Answered at the last integration session.";
    if !d.skip_measures(&a, id, why, t, at(-6)).await? {
        bail!("measures skip not recorded");
    }
    d.start(&a, id, &th, t, at(0))
        .await?
        .map_err(|r| anyhow!("start: {r:?}"))?;
    let dose = NewCustodyEntry {
        amount_ug: Some(100_000),
        held_minutes: Some(12),
        spat_out: Some("saliva".into()),
        disposal: Some("tissue, sealed bin".into()),
        ..NewCustodyEntry::empty(CustodyKind::Dose)
    };
    custody("dose-1", dose, at(2)).await?;
    let mut m = 17;
    let last = if close {
        122
    } else {
        (now - opened).whole_minutes()
    };
    while m <= last {
        let key = format!("during-{m}");
        d.vitals(
            &a,
            id,
            &key,
            &reading(134, 86, 78, false),
            at(m),
            &th,
            t,
            at(m),
        )
        .await?
        .map_err(|r| anyhow!("vitals: {r:?}"))?;
        m += 15;
    }
    if close {
        d.vitals(
            &a,
            id,
            "final-1",
            &reading(126, 80, 72, true),
            at(127),
            &th,
            t,
            at(127),
        )
        .await?
        .map_err(|r| anyhow!("final vitals: {r:?}"))?;
        let all = Checklist {
            alert_and_oriented: true,
            tolerating_fluids: true,
            little_or_no_nausea: true,
            ride_home_present: true,
            aftercare_given: true,
        };
        d.close(
            &a,
            id,
            &Ending::Discharged,
            &all,
            &DischargeSettings::default(),
            t,
            at(132),
        )
        .await?
        .map_err(|r| anyhow!("close: {r:?}"))?;
    }
    Ok(id)
}

/// Seeds the practice; returns `(client, open session)` to load.
pub async fn seed(
    store: &Store,
    db: &std::path::Path,
    ther: UserId,
    past: usize,
) -> anyhow::Result<(ClientId, DosingSessionId)> {
    let now = kapflow_domain::time_util::now_utc();
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
    // The owner made by the setup page adds the partner organisation and the consent documents.
    let owner: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE role = 'owner' LIMIT 1")
        .fetch_one(&mut c)
        .await
        .context("the practice's owner (complete the setup first)")?;
    let owner = Actor::user(UserId::from_uuid(owner), Role::Owner, None, None);
    let presc = staff(
        store,
        "bench-prescriber@example.org",
        "Bench Prescriber",
        Role::Prescriber,
    )
    .await?;
    let org = store
        .partner_orgs()
        .add("Bench Psychedelic Medicine", &owner, now)
        .await?
        .context("org")?;
    if !store
        .partner_orgs()
        .set_member(presc, Some(org), &owner, now)
        .await?
    {
        bail!("prescriber not in the organisation");
    }
    for kind in [ConsentKind::Kap, ConsentKind::ReleaseOfInformation] {
        let doc = NewDocument {
            kind,
            title: kind.label().into(),
            body: format!("I consent: {}.", kind.label()),
        };
        store.consents().add_document(&doc, &owner, now).await?;
    }
    let p = People {
        ther: (ther, Actor::user(ther, Role::Therapist, None, None)),
        presc: (presc, Actor::user(presc, Role::Prescriber, None, None)),
        org,
    };

    // Three past sessions through the store, closed by discharge, with their custody entries.
    let walked = 3;
    for n in 0..walked {
        let c = new_client(
            store,
            &p,
            &format!("Walked Client {n}"),
            now - Duration::hours(8),
        )
        .await?;
        ready_for_dosing(store, &p, c, now - Duration::hours(7)).await?;
        walk_session(store, &p, c, now - Duration::hours(5), true).await?;
    }
    // The benchmarked client: ready for dosing through the store; sessions 1-3 (below, SQL)
    // weeks ago; today's session 4 through the store, open, 45 minutes after the dose.
    let bench = new_client(store, &p, "Bench Client", now - Duration::hours(8)).await?;
    ready_for_dosing(store, &p, bench, now - Duration::hours(7)).await?;

    let bulk = past.saturating_sub(walked);
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut c)
        .await?;
    let bench_course: Uuid = sqlx::query_scalar("SELECT id FROM courses WHERE client_id = $1")
        .bind(bench.as_uuid())
        .fetch_one(&mut c)
        .await?;
    let checklist = serde_json::to_string(&Checklist {
        alert_and_oriented: true,
        tolerating_fluids: true,
        little_or_no_nausea: true,
        ride_home_present: true,
        aftercare_given: true,
    })?;
    let th = Thresholds::default();
    let ther_id = ther.as_uuid();
    let mut made = 0usize;
    let mut tx = c.begin().await?;
    let mut client_no = 0usize;
    while made < bulk {
        // The benchmarked client's own three past sessions first, then five per new client.
        let (client, course, count) = if made == 0 {
            (bench.as_uuid(), bench_course, 3.min(bulk))
        } else {
            let id = Uuid::now_v7();
            let name = format!("Dosing Client {client_no:05}");
            client_no += 1;
            sqlx::query(
                "INSERT INTO clients (id, created_at, updated_at, legal_name, search_text, date_of_birth, concerns, sensitivity) \
                 VALUES ($1, $2, $2, $3, $4, $5, 'depression', 'general')",
            )
            .bind(id)
            .bind(now - Duration::days(200))
            .bind(&name)
            .bind(name.to_lowercase())
            .bind(time::macros::date!(1980 - 01 - 01))
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO care_team (client_id, user_id, added_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(ther_id)
                .bind(now - Duration::days(200))
                .execute(&mut *tx)
                .await?;
            let course = Uuid::now_v7();
            sqlx::query("INSERT INTO courses (id, client_id, number, stage, opened_at) VALUES ($1, $2, 1, 'integration', $3)")
                .bind(course)
                .bind(id)
                .bind(now - Duration::days(200))
                .execute(&mut *tx)
                .await?;
            (id, course, PER_CLIENT.min(bulk - made))
        };
        for k in 0..count {
            // Session k+1 of the course, 14 days apart, the last one 10 days ago at 10:00.
            let opened = now
                - Duration::days(10 + 14 * (count - 1 - k) as i64)
                - Duration::minutes((made % 600) as i64);
            let at = |m: i64| opened + Duration::minutes(m);
            let sid = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO dosing_sessions (id, course_id, client_id, number, status, prepared_by, prepared_at, \
                 ride_home_name, ride_home_phone, ride_home_confirmed_at, measures_skip_reason, opened_at, opened_by, \
                 dosed_at, closed_at, closed_by, ending, discharge) \
                 VALUES ($1, $2, $3, $4, 'closed', $5, $6, 'Sam Support', '555-123-4567', $7, NULL, $8, $5, $9, $10, $5, 'discharged', $11)",
            )
            .bind(sid)
            .bind(course)
            .bind(client)
            .bind((k + 1) as i64)
            .bind(ther_id)
            .bind(at(-30))
            .bind(at(-20))
            .bind(at(0))
            .bind(at(2))
            .bind(at(135))
            .bind(&checklist)
            .execute(&mut *tx)
            .await?;
            let alert_on = made.is_multiple_of(10);
            for (i, (phase, m, sys, dia, hr)) in READINGS.iter().enumerate() {
                let (sys, dia) = if alert_on && i == 2 {
                    (165, 95)
                } else {
                    (*sys, *dia)
                };
                let vid = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO session_vitals (id, session_id, entry_key, phase, measured_at, recorded_at, recorded_by, \
                     measured_by, systolic, diastolic, heart_rate, spo2, respiratory_rate) \
                     VALUES ($1, $2, $3, $4, $5, $5, $6, 'therapist', $7, $8, $9, 98, 14)",
                )
                .bind(vid)
                .bind(sid)
                .bind(format!("vitals-{i}"))
                .bind(*phase)
                .bind(at(*m))
                .bind(ther_id)
                .bind(i64::from(sys))
                .bind(i64::from(dia))
                .bind(i64::from(*hr))
                .execute(&mut *tx)
                .await?;
                if *phase == "during" {
                    let v = Vitals {
                        systolic: sys,
                        diastolic: dia,
                        heart_rate: *hr,
                        spo2: 98,
                        respiratory_rate: Some(14),
                    };
                    for f in during_session(&v, &th) {
                        sqlx::query(
                            "INSERT INTO session_alerts (id, session_id, vitals_id, level, what, rule, source, raised_at, \
                             acknowledged_at, acknowledged_by, action_taken) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                             'Rested, rechecked in 10 minutes: back under the line.')",
                        )
                        .bind(Uuid::now_v7())
                        .bind(sid)
                        .bind(vid)
                        .bind(f.level.as_str())
                        .bind(&f.what)
                        .bind(&f.rule)
                        .bind(f.source)
                        .bind(at(*m))
                        .bind(at(*m + 3))
                        .bind(ther_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            for (key, change, m) in [("opened", "start", 0), ("closed", "end", 135)] {
                sqlx::query(
                    "INSERT INTO session_presence (id, session_id, entry_key, at, recorded_by, change, person_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $5)",
                )
                .bind(Uuid::now_v7())
                .bind(sid)
                .bind(key)
                .bind(at(m))
                .bind(ther_id)
                .bind(change)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO session_observations (id, session_id, entry_key, at, recorded_by, kind, cadss, note, action) \
                 VALUES ($1, $2, 'observation-1', $3, $4, 'dissociation', $5, 'Calm, eyes closed, music on.', '')",
            )
            .bind(Uuid::now_v7())
            .bind(sid)
            .bind(at(40))
            .bind(ther_id)
            .bind((made % 20) as i64)
            .execute(&mut *tx)
            .await?;
            made += 1;
            if made.is_multiple_of(1000) {
                tx.commit().await?;
                tx = c.begin().await?;
            }
        }
    }
    tx.commit().await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await?;
    drop(c);

    // Today's session of the benchmarked client: opened 47 minutes ago, dosed 45 minutes ago.
    let open = walk_session(store, &p, bench, now - Duration::minutes(47), false).await?;
    eprintln!(
        "seeded {} past dosing sessions ({walked} through the store with custody entries, {made} by SQL across {} clients) and session {open} open for client {bench}",
        walked + made,
        client_no + 1
    );
    Ok((bench, open))
}

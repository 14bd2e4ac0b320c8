//! A dosing session's steps through `store.dosing()` and `store.custody()`, by the client's
//! therapist: every entry keyed like the monitor's, every one audited, the custody log chained;
//! and the integration session recorded after it.

use super::load::{Load, Progress};
use super::practice_today;
use super::script::Step;
use super::story::Story;
use anyhow::{Context, anyhow, bail};
use kapflow_domain::dosing::custody::{CustodyKind, NewCustodyEntry};
use kapflow_domain::dosing::discharge::{Checklist, DischargeSettings, Ending};
use kapflow_domain::dosing::entries::{MeasuredBy, Observation, RideHome, VitalsEntry};
use kapflow_domain::dosing::presence::Change;
use kapflow_domain::dosing::vitals::Thresholds;
use kapflow_domain::integration::IntegrationInput;
use kapflow_domain::prescribing::DoseForm;
use kapflow_store::dosing::{Prepared, Recorded};
use time::OffsetDateTime;

const SKIPPED: &str = "Answered at the integration session this week.";
const OVERRIDE: &str = "Rechecked seated after 10 minutes; this is the client's usual reading when anxious before \
     a session. Prescriber agreed by phone.";
const EARLY_END: &str = "Vomited twice after the peak and asked to stop; rested, then went home with their support person.";
const ATTESTED: &str =
    "I took my dose in the office under observation and was handed back my remaining troches.";

pub async fn step(
    load: &mut Load<'_>,
    story: &Story,
    p: &mut Progress,
    step: &Step,
    at: OffsetDateTime,
) -> anyhow::Result<()> {
    let s = load.store;
    let t = &load.therapist(story).actor.clone();
    let a = load.clinical(story, p, at).await?;
    let d = s.dosing();
    if let Step::Prepare = step {
        match d.prepare(&a, t, at).await? {
            Prepared::Session(id) => p.session = Some(id),
            other => bail!("not prepared: {other:?}"),
        }
        load.tally.sessions += 1;
        return Ok(());
    }
    if let Step::Integration { summary } = step {
        let form = IntegrationInput {
            held_on: practice_today(at).to_string(),
            therapist: load.therapist(story).id.to_string(),
            summary: (*summary).to_owned(),
        };
        s.integration()
            .record(&a, &form, t, at)
            .await?
            .map_err(|r| anyhow!("{r:?}"))?;
        load.tally.integration_sessions += 1;
        return Ok(());
    }
    let id = p.session.context("no session prepared")?;
    p.entries += 1;
    let key_text = format!("demo-{}", p.entries);
    let key = key_text.as_str();
    let th = Thresholds::default();
    let custody = |e: NewCustodyEntry| async move {
        s.custody()
            .record(&a, id, key, &e, t, at)
            .await?
            .map(|_| ())
            .map_err(|r| anyhow!("custody: {r:?}"))
    };
    let reading = |vitals, is_final| VitalsEntry {
        vitals,
        measured_by: MeasuredBy::Therapist,
        minutes_ago: 0,
        is_final,
    };
    match step {
        Step::Brought { count } => {
            let r = story.regimen;
            custody(NewCustodyEntry {
                drug: Some("Ketamine HCl".into()),
                dose_form: Some(DoseForm::Troche),
                strength_ug: Some(i64::from(r.strength_mg) * 1000),
                count: Some(*count),
                pharmacy: Some(super::words::PHARMACIES[0].into()),
                rx_number: Some(format!("RX-{}", 40_000 + story.n)),
                ..NewCustodyEntry::empty(CustodyKind::Brought)
            })
            .await?;
            load.tally.custody_entries += 1;
        }
        Step::Take { booster, mg } => {
            let kind = if *booster {
                CustodyKind::Booster
            } else {
                CustodyKind::Dose
            };
            custody(NewCustodyEntry {
                amount_ug: Some(i64::from(*mg) * 1000),
                held_minutes: Some(11),
                spat_out: Some("Saliva only, into a tissue".into()),
                disposal: Some("Tissue into the sealed bin".into()),
                ..NewCustodyEntry::empty(kind)
            })
            .await?;
            load.tally.custody_entries += 1;
        }
        Step::Returned { count } => {
            custody(NewCustodyEntry {
                count: Some(*count),
                ..NewCustodyEntry::empty(CustodyKind::Returned)
            })
            .await?;
            load.tally.custody_entries += 1;
        }
        Step::Attested => {
            custody(NewCustodyEntry {
                note: ATTESTED.into(),
                ..NewCustodyEntry::empty(CustodyKind::Attested)
            })
            .await?;
            load.tally.custody_entries += 1;
        }
        Step::SkipMeasures => {
            if !d.skip_measures(&a, id, SKIPPED, t, at).await? {
                bail!("skip not recorded");
            }
        }
        Step::PreDoseVitals(v) | Step::Vitals { vitals: v, .. } => {
            let is_final = matches!(step, Step::Vitals { is_final: true, .. });
            let entry = reading(*v, is_final);
            match d.vitals(&a, id, key, &entry, at, &th, t, at).await? {
                Ok(Recorded::New) => load.tally.vitals += 1,
                other => bail!("vitals not recorded: {other:?}"),
            }
        }
        Step::OverrideHold => {
            if !d.override_hold(&a, id, OVERRIDE, t, at).await? {
                bail!("override not recorded");
            }
        }
        Step::RideHome => {
            let ride = RideHome {
                name: story.person.support.name.clone(),
                phone: Some(story.person.support.phone.clone()),
            };
            if !d.ride_home(&a, id, &ride, t, at).await? {
                bail!("ride home not recorded");
            }
        }
        Step::Start => {
            d.start(&a, id, &th, t, at)
                .await?
                .map_err(|r| anyhow!("not opened: {r:?}"))?;
        }
        Step::AcknowledgeSessionAlerts { action } => {
            let monitor = d.monitor(&a, id).await?.context("no session")?;
            for alert in monitor
                .alerts
                .iter()
                .filter(|x| x.acknowledged_at.is_none())
            {
                d.acknowledge(&a, id, alert.id, action, t, at)
                    .await?
                    .map_err(|r| anyhow!("{r:?}"))?;
            }
        }
        Step::Observe {
            kind,
            cadss,
            note,
            action,
        } => {
            let o = Observation {
                kind: *kind,
                cadss: *cadss,
                note: (*note).to_owned(),
                action: (*action).to_owned(),
            };
            match d.observe(&a, id, key, &o, t, at).await? {
                Ok(Recorded::New) => {}
                other => bail!("observation not recorded: {other:?}"),
            }
        }
        Step::Presence { join } => {
            let others = &load.practice.clinicians;
            let colleague = &others[(story.clinician + 1) % others.len()];
            let change = if *join { Change::Join } else { Change::Leave };
            match d
                .presence(&a, id, key, change, colleague.id, None, t, at)
                .await?
            {
                Ok(Recorded::New) => {}
                other => bail!("presence not recorded: {other:?}"),
            }
        }
        Step::Close { early } => {
            let ending = if *early {
                Ending::EarlyEnd {
                    reason: EARLY_END.into(),
                }
            } else {
                Ending::Discharged
            };
            let checklist = Checklist {
                alert_and_oriented: true,
                tolerating_fluids: !early,
                little_or_no_nausea: !early,
                ride_home_present: true,
                aftercare_given: true,
            };
            let settings = DischargeSettings::default();
            d.close(&a, id, &ending, &checklist, &settings, t, at)
                .await?
                .map_err(|r| anyhow!("not closed: {r:?}"))?;
        }
        other => bail!("no way to do {other:?}"),
    }
    Ok(())
}

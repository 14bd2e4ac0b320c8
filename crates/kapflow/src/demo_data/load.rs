//! Every client's steps, merged in time order across the practice and done through the store's
//! own calls, as the person whose act it is: the front desk opens the record, the therapist
//! (with the access the access check gives them) does the clinical work, the prescriber
//! evaluates and prescribes, the client answers questionnaires through their link. Each call
//! writes its own transaction and audit row, so the trail reads day by day like a practice's.
//! A refusal means the plan broke a rule of the app: the load stops and says which.

use super::practice::{Member, Practice};
use super::practice_today;
use super::script::Step;
use super::session_load;
use super::story::Story;
use anyhow::{Context, anyhow, bail};
use kapflow_domain::access::Action;
use kapflow_domain::client::Sensitivity;
use kapflow_domain::consent::Signature;
use kapflow_domain::pathway::{Stage, Transition};
use kapflow_domain::portal::Thread;
use kapflow_domain::{ClientId, DosingSessionId, InquiryId, ShipmentId};
use kapflow_store::access::ClientDecision;
use kapflow_store::consents::{DocumentRow, Signed};
use kapflow_store::inquiries::InboxScope;
use kapflow_store::{ClientAccess, ClinicalAccess, Store};
use time::OffsetDateTime;

/// One step of one client at its moment.
pub struct Event {
    pub at: OffsetDateTime,
    /// The client's place in the load's list of stories.
    pub client: usize,
    /// The step's place in the client's script (orders a client's steps at the same moment).
    pub order: usize,
    pub step: Step,
}

/// What the load made, for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub steps: u64,
    pub inquiries: i64,
    pub clients: i64,
    pub responses: u64,
    pub item_answers: u64,
    pub risk_alerts: u64,
    pub sessions: u64,
    pub vitals: u64,
    pub custody_entries: u64,
    pub integration_sessions: u64,
}

/// One client's records as the load goes.
#[derive(Default)]
pub struct Progress {
    pub client: Option<ClientId>,
    pub inquiry: Option<InquiryId>,
    /// Links sent and not yet answered: (instrument, token hash).
    pub links: Vec<(&'static str, Vec<u8>)>,
    pub session: Option<DosingSessionId>,
    pub shipment: Option<ShipmentId>,
    /// The access check's answers, kept: neither person's standing changes during a load.
    pub therapist: Option<ClientAccess>,
    pub prescriber: Option<ClientAccess>,
    /// Numbers the monitor's entry keys.
    pub entries: u64,
}

/// What every step reads.
pub struct Load<'a> {
    pub store: &'a Store,
    pub practice: &'a Practice,
    pub documents: Vec<DocumentRow>,
    pub tally: Tally,
}

/// Runs `events` (already in time order).
pub async fn run(
    store: &Store,
    practice: &Practice,
    stories: &[Story],
    events: Vec<Event>,
) -> anyhow::Result<Tally> {
    let mut load = Load {
        store,
        practice,
        documents: store.consents().latest_documents().await?,
        tally: Tally::default(),
    };
    let mut progress: Vec<Progress> = stories.iter().map(|_| Progress::default()).collect();
    for e in events {
        let story = &stories[e.client];
        let p = &mut progress[e.client];
        load.step(story, p, &e.step, e.at).await.with_context(|| {
            format!(
                "demo client {} ({}): {:?} at {}",
                story.n, story.person.legal_name, e.step, e.at
            )
        })?;
        load.tally.steps += 1;
    }
    Ok(load.tally)
}

/// The access check's answer for `who` on client `c`.
async fn decide(
    store: &Store,
    who: &Member,
    action: Action,
    c: ClientId,
    at: OffsetDateTime,
) -> anyhow::Result<ClientAccess> {
    let (id, role) = who.actor.user.context("a person")?;
    match store.access().to_client(id, role, action, c, at).await? {
        ClientDecision::Allowed(a) => Ok(a),
        other => bail!("the access check refused: {other:?}"),
    }
}

impl Load<'_> {
    pub fn therapist<'s>(&'s self, story: &Story) -> &'s Member {
        &self.practice.clinicians[story.clinician % self.practice.clinicians.len()]
    }

    pub async fn therapist_access(
        &self,
        story: &Story,
        p: &mut Progress,
        at: OffsetDateTime,
    ) -> anyhow::Result<ClientAccess> {
        if let Some(a) = p.therapist {
            return Ok(a);
        }
        let c = p.client.context("no client yet")?;
        let a = decide(
            self.store,
            self.therapist(story),
            Action::EditClinicalRecord,
            c,
            at,
        )
        .await?;
        p.therapist = Some(a);
        Ok(a)
    }

    pub async fn clinical(
        &self,
        story: &Story,
        p: &mut Progress,
        at: OffsetDateTime,
    ) -> anyhow::Result<ClinicalAccess> {
        self.therapist_access(story, p, at)
            .await?
            .clinical()
            .context("the therapist may not read the record")
    }

    pub(super) async fn prescriber_access(
        &self,
        p: &mut Progress,
        at: OffsetDateTime,
    ) -> anyhow::Result<ClientAccess> {
        if let Some(a) = p.prescriber {
            return Ok(a);
        }
        let c = p.client.context("no client yet")?;
        let a = decide(
            self.store,
            &self.practice.prescriber,
            Action::Prescribe,
            c,
            at,
        )
        .await?;
        p.prescriber = Some(a);
        Ok(a)
    }

    pub(super) fn front_desk_inbox(&self) -> anyhow::Result<InboxScope> {
        let (user, role) = self.practice.front_desk.actor.user.context("a person")?;
        Ok(InboxScope { user, role })
    }

    async fn step(
        &mut self,
        story: &Story,
        p: &mut Progress,
        step: &Step,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        match step {
            Step::Inquiry | Step::InquiryContacted | Step::InquiryDeclined | Step::CreateClient => {
                self.front_desk_step(story, p, step, at).await
            }
            Step::SendQuestionnaires { .. } | Step::Answer(_) | Step::AcknowledgeAlerts { .. } => {
                self.questionnaire_step(story, p, step, at).await
            }
            Step::Evaluate(_) | Step::Prescribe | Step::Ship | Step::Receive => {
                let a = self.prescriber_access(p, at).await?;
                let by = self.practice.prescriber.actor.clone();
                super::forms::prescriber_step(self.store, story, p, step, &a, &by, at).await
            }
            Step::Intake
            | Step::ReviewScreening
            | Step::ToPreparation
            | Step::Preparation
            | Step::Sign(_)
            | Step::Refer
            | Step::Message { .. }
            | Step::Complete(_)
            | Step::Discontinue(_) => self.pathway_step(story, p, step, at).await,
            _ => session_load::step(self, story, p, step, at).await,
        }
    }

    /// The steps from the intake to the end of the course (the session's own in `session_load`).
    async fn pathway_step(
        &mut self,
        story: &Story,
        p: &mut Progress,
        step: &Step,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let t = &self.therapist(story).actor.clone();
        match step {
            Step::Intake => {
                let a = self.therapist_access(story, p, at).await?;
                let form = super::forms::intake(story);
                let saved = s
                    .assessment()
                    .save_intake(&a, &form, Sensitivity::General, true, t, at)
                    .await?;
                expect_saved(saved, "intake")?;
            }
            Step::ReviewScreening => {
                let a = self.therapist_access(story, p, at).await?;
                expect_saved(s.assessment().review_screening(&a, t, at).await?, "review")?;
            }
            Step::ToPreparation => {
                let a = self.therapist_access(story, p, at).await?;
                let to = Transition::Advance(Stage::Preparation);
                expect_moved(s.courses().transition(&a, &to, t, at).await?)?;
            }
            Step::Preparation => {
                let a = self.therapist_access(story, p, at).await?;
                let form = super::forms::preparation(story);
                let saved = s
                    .assessment()
                    .save_preparation(&a, &form, true, t, at)
                    .await?;
                expect_saved(saved, "preparation")?;
            }
            Step::Sign(kind) => {
                let a = self.therapist_access(story, p, at).await?;
                let doc = self
                    .documents
                    .iter()
                    .find(|d| d.kind == *kind)
                    .context("no consent document")?;
                let sig = Signature {
                    typed_name: story.person.legal_name.clone(),
                    signed_on: practice_today(at),
                };
                match s.consents().sign(&a, doc.id, &sig, t, at).await? {
                    Some(Signed::Signed(_)) => {}
                    other => bail!("not signed: {other:?}"),
                }
            }
            Step::Refer => {
                let a = self.therapist_access(story, p, at).await?;
                let org = self.practice.org;
                s.prescribing()
                    .refer(&a, org, t, at)
                    .await?
                    .map_err(|r| anyhow!("{r:?}"))?;
            }
            Step::Message {
                by_prescriber,
                body,
            } => {
                let (a, who) = if *by_prescriber {
                    let a = self.prescriber_access(p, at).await?;
                    (a, self.practice.prescriber.actor.clone())
                } else {
                    (self.therapist_access(story, p, at).await?, t.clone())
                };
                if !s
                    .messages()
                    .post(&a, Thread::Team, body, None, Sensitivity::General, &who, at)
                    .await?
                {
                    bail!("message not posted");
                }
            }
            Step::Complete(reason) => {
                let a = self.therapist_access(story, p, at).await?;
                expect_moved(s.integration().complete(&a, reason, t, at).await?)?;
            }
            Step::Discontinue(reason) => {
                let a = self.therapist_access(story, p, at).await?;
                let to = Transition::Discontinue {
                    reason: (*reason).to_owned(),
                };
                expect_moved(s.courses().transition(&a, &to, t, at).await?)?;
            }
            other => bail!("not a pathway step: {other:?}"),
        }
        Ok(())
    }
}

/// A fresh unique key (form keys, link tokens): random, never part of what is compared.
pub fn uuid_key() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    format!("{:032x}{:032x}", rng.random::<u128>(), rng.random::<u128>())
}

fn expect_saved(saved: kapflow_store::assessment::Saved, what: &str) -> anyhow::Result<()> {
    match saved {
        kapflow_store::assessment::Saved::Saved => Ok(()),
        other => bail!("{what} not saved: {other:?}"),
    }
}

fn expect_moved(
    moved: Option<Result<Stage, kapflow_domain::pathway::GateRefused>>,
) -> anyhow::Result<()> {
    match moved {
        Some(Ok(_)) => Ok(()),
        other => bail!("the course did not move: {other:?}"),
    }
}

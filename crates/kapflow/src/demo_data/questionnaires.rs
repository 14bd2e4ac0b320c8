//! Questionnaires: the therapist sends single-use links (adding a request first for checks off
//! the schedule), the client answers through the link (scored by the real scorer, alerts raised
//! by the store in the same transaction), and the therapist acknowledges any alert with a note.

use super::load::{Load, Progress, uuid_key};
use super::practice_today;
use super::scores;
use super::script::Step;
use super::story::Story;
use anyhow::{Context, anyhow, bail};
use kapflow_domain::measures::schedule::{AlertTiming, Channel};
use kapflow_domain::measures::{MeasureSettings, builtin, score};
use kapflow_domain::token::token_hash;
use kapflow_store::measures::Submission;
use kapflow_store::{ClinicalAccess, Store};
use time::{Duration, OffsetDateTime};

/// The escalation delays a practice starts with (the clinical settings' defaults).
const TIMING: AlertTiming = AlertTiming {
    escalate_after: Duration::hours(24),
    escalate_high_after: Duration::hours(1),
};

impl Load<'_> {
    pub(super) async fn questionnaire_step(
        &mut self,
        story: &Story,
        p: &mut Progress,
        step: &Step,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let t = &self.therapist(story).actor.clone();
        match step {
            Step::SendQuestionnaires {
                instruments,
                add,
                kiosk,
            } => {
                let a = self.clinical(story, p, at).await?;
                let channel = if *kiosk {
                    Channel::Kiosk
                } else {
                    Channel::Link
                };
                for &code in *instruments {
                    let token = uuid_key();
                    let hash = token_hash(&token);
                    let m = s.measures();
                    if *add && !m.add_request(&a, code, practice_today(at), t, at).await? {
                        bail!("{code} not added to the schedule");
                    }
                    let request = open_request(s, &a, code, at).await?;
                    let link = format!("/m/{token}");
                    let valid = channel.valid_for();
                    if !m
                        .issue_link(&a, request, &hash, channel, valid, &link, t, at)
                        .await?
                    {
                        bail!("no link for {code}");
                    }
                    p.links.push((code, hash));
                }
            }
            Step::Answer(answer) => {
                let i = p
                    .links
                    .iter()
                    .position(|(code, _)| *code == answer.instrument)
                    .context("no link sent")?;
                let (_, hash) = p.links.remove(i);
                let instrument = builtin(answer.instrument).context("instrument")?;
                let answers = scores::answers(&instrument, answer);
                let scored = score(&instrument, &answers, &MeasureSettings::default())
                    .map_err(|e| anyhow!("{e}"))?;
                match s.measures().submit(&hash, &scored, TIMING, at).await? {
                    Submission::Recorded { .. } => {}
                    other => bail!("answers not taken: {other:?}"),
                }
                self.tally.responses += 1;
                self.tally.item_answers += scored.answers.len() as u64;
                self.tally.risk_alerts += scored
                    .flags
                    .iter()
                    .filter(|f| f.kind.is_safety_alert())
                    .count() as u64;
            }
            Step::AcknowledgeAlerts { note } => {
                let a = self.therapist_access(story, p, at).await?;
                let c = self.clinical(story, p, at).await?;
                let open: Vec<_> = s
                    .alerts()
                    .of_client(&c)
                    .await?
                    .into_iter()
                    .filter(|alert| alert.acknowledged_at.is_none())
                    .map(|alert| alert.id)
                    .collect();
                if s.alerts().acknowledge(&a, &open, note, t, at).await? != open.len() {
                    bail!("alert not acknowledged");
                }
            }
            other => bail!("not a questionnaire step: {other:?}"),
        }
        Ok(())
    }
}

/// The open request of `code` most recently due (the one just added, or the schedule's own).
async fn open_request(
    s: &Store,
    a: &ClinicalAccess,
    code: &str,
    at: OffsetDateTime,
) -> anyhow::Result<kapflow_domain::MeasureRequestId> {
    let open: Vec<_> = s
        .measures()
        .requests(a)
        .await?
        .into_iter()
        .filter(|r| r.instrument == code && r.completed_at.is_none() && r.cancelled_at.is_none())
        .collect();
    let due = open
        .iter()
        .filter(|r| r.due_on <= practice_today(at))
        .max_by_key(|r| r.due_on)
        .or_else(|| open.iter().min_by_key(|r| r.due_on));
    Ok(due.context("no open request")?.id)
}

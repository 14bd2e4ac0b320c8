//! The front desk's steps: an inquiry through the public form (as the person sends it), the
//! call back or the polite no, and the client's record opened (from the inquiry, when there is
//! one) with the therapist on the care team.

use super::load::{Load, Progress, uuid_key};
use super::practice_today;
use super::script::Step;
use super::story::Story;
use super::words;
use anyhow::{Context, anyhow, bail};
use kapflow_domain::client::{ClientInput, Sensitivity};
use kapflow_domain::inquiry::{ContactMethod, InquiryStatus, NewInquiry};
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, Email};
use kapflow_store::clients::Created;
use kapflow_store::inquiries::Submitted;
use kapflow_store::rate_limit::RateLimit;
use time::{Duration, OffsetDateTime};

impl Load<'_> {
    pub(super) async fn front_desk_step(
        &mut self,
        story: &Story,
        p: &mut Progress,
        step: &Step,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let s = self.store;
        let desk = &self.practice.front_desk.actor;
        match step {
            Step::Inquiry => {
                let person = &story.person;
                let inquiry = NewInquiry {
                    name: person.legal_name.clone(),
                    email: person.email.as_deref().and_then(|e| Email::parse(e).ok()),
                    phone: Some(person.phone.clone()),
                    preferred_contact: if person.email.is_some() {
                        ContactMethod::Email
                    } else {
                        ContactMethod::Phone
                    },
                    preferred_time: Some("Weekday afternoons".into()),
                    concerns: person.concerns.clone(),
                    message: words::INQUIRY_MESSAGES[story.n as usize % 8].into(),
                    heard_from: Some(words::HEARD_FROM[story.n as usize % 5].into()),
                };
                let key = uuid_key();
                // The public form's per-address limit does not apply to the practice's own load.
                let limit = RateLimit {
                    bucket: "demo-data",
                    window: Duration::hours(1),
                    limit: i64::MAX,
                };
                let anon = Actor::anonymous(None);
                match s
                    .inquiries()
                    .submit(&key, &token_hash(&key), &inquiry, &limit, &anon, at)
                    .await?
                {
                    Submitted::Created(id) => p.inquiry = Some(id),
                    other => bail!("inquiry not taken: {other:?}"),
                }
                self.tally.inquiries += 1;
            }
            Step::InquiryContacted => {
                let id = p.inquiry.context("no inquiry")?;
                let scope = self.front_desk_inbox()?;
                let booked = InquiryStatus::ConsultationBooked;
                if !s
                    .inquiries()
                    .set_status(scope, id, booked, desk, at)
                    .await?
                {
                    bail!("inquiry status not changed");
                }
                let note = "Called back; consultation booked with the therapist.";
                s.inquiries().add_note(scope, id, note, desk, at).await?;
            }
            Step::InquiryDeclined => {
                let id = p.inquiry.context("no inquiry")?;
                let scope = self.front_desk_inbox()?;
                let declined = InquiryStatus::Declined;
                if !s
                    .inquiries()
                    .set_status(scope, id, declined, desk, at)
                    .await?
                {
                    bail!("inquiry status not changed");
                }
                let note = "Lives out of state; sent the names of two practices nearer home.";
                s.inquiries().add_note(scope, id, note, desk, at).await?;
            }
            Step::CreateClient => self.create_client(story, p, at).await?,
            other => bail!("not a front desk step: {other:?}"),
        }
        Ok(())
    }

    async fn create_client(
        &mut self,
        story: &Story,
        p: &mut Progress,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let person = &story.person;
        let input = ClientInput {
            legal_name: person.legal_name.clone(),
            preferred_name: String::new(),
            pronouns: person.pronouns.into(),
            date_of_birth: person.date_of_birth.to_string(),
            email: person.email.clone().unwrap_or_default(),
            phone: person.phone.clone(),
            address: person.address.clone(),
            emergency_name: person.emergency.name.clone(),
            emergency_phone: person.emergency.phone.clone(),
            support_name: person.support.name.clone(),
            support_phone: person.support.phone.clone(),
            concerns: person.concerns.iter().map(|c| c.as_str().into()).collect(),
            sensitivity: Sensitivity::General.as_str().into(),
        };
        let client = input
            .validate(practice_today(at))
            .map_err(|e| anyhow!("client form: {e:?}"))?;
        let from = match p.inquiry {
            Some(id) => Some((id, self.front_desk_inbox()?)),
            None => None,
        };
        let team = [self.therapist(story).id];
        let desk = &self.practice.front_desk.actor;
        match self
            .store
            .clients()
            .create(&uuid_key(), &client, from, &team, desk, at)
            .await?
        {
            Created::Client(id) => p.client = Some(id),
            other => bail!("client not created: {other:?}"),
        }
        self.tally.clients += 1;
        Ok(())
    }
}

//! A dosing session's monitoring hours, counted from its presence log and charged: the clinician
//! sees who was in the room and when, how each person is billed (qualified professional,
//! clinical staff, not billed) and the counting rule, may change both, and then charges the
//! hours as 0820T/0821T/0822T lines, one per person and code, each naming its clinician.

use super::OnClient;
use crate::error::AppError;
use crate::views::clients::{HeaderView, Tab, ctx};
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::billing::charges::{Line, PlaceOfService, pointers};
use kapflow_domain::billing::fees::fee_for;
use kapflow_domain::billing::monitoring::{CountingRule, Monitored, Standing, monitored};
use kapflow_domain::dosing::presence::stretches;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{DosingSessionId, UserId};
use kapflow_store::billing::{NewCharge, Refused, SessionPresence, Source};
use std::collections::HashMap;

/// One person of the log with how they are billed.
pub struct PersonLine {
    pub id: String,
    pub name: String,
    pub standing: &'static str,
}

/// One line the charge will have.
pub struct HoursLine {
    pub person: String,
    pub code: &'static str,
    pub code_label: &'static str,
    pub minutes: u32,
    pub units: u32,
    pub fee: String,
    pub amount: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "billing_session.html")]
pub struct SessionHoursPage {
    pub layout: Layout,
    pub h: HeaderView,
    pub csrf: String,
    pub key: String,
    pub title: String,
    pub log: Vec<(String, String)>,
    pub people: Vec<PersonLine>,
    pub rule: &'static str,
    pub lines: Vec<HoursLine>,
    pub total: String,
    /// Why the hours cannot be charged as counted.
    pub blocked: Vec<String>,
    pub diagnoses: Vec<String>,
    pub alert: Option<String>,
    pub action: String,
    pub notice: Option<&'static str>,
}

impl SessionHoursPage {
    /// The rules as (value, words, chosen).
    pub fn rules(&self) -> Vec<(&'static str, &'static str, bool)> {
        CountingRule::ALL
            .iter()
            .map(|r| (r.as_str(), r.label(), r.as_str() == self.rule))
            .collect()
    }

    /// How `person` may be billed, as (value, words, chosen).
    pub fn standings(&self, person: &PersonLine) -> Vec<(&'static str, &'static str, bool)> {
        Standing::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), s.as_str() == person.standing))
            .collect()
    }
}

/// What the clinician chose: the rule (`rule`) and each person's standing (`as_<user id>`).
type Choices = HashMap<String, String>;

/// The counting, from the log and the choices.
struct Count {
    rule: CountingRule,
    standing: Vec<(UserId, Standing)>,
    monitored: Vec<Monitored>,
}

fn count(p: &SessionPresence, choices: &Choices) -> Count {
    let rule = choices
        .get("rule")
        .and_then(|r| CountingRule::parse(r))
        .unwrap_or(CountingRule::Midpoint);
    let standing: Vec<(UserId, Standing)> = p
        .people
        .iter()
        .map(|person| {
            let chosen = choices
                .get(&format!("as_{}", person.id))
                .and_then(|s| Standing::parse(s));
            (
                person.id,
                chosen.unwrap_or_else(|| Standing::default_for(person.role)),
            )
        })
        .collect();
    let of = |id: UserId| {
        standing
            .iter()
            .find(|(p, _)| *p == id)
            .map_or(Standing::NotBilled, |(_, s)| *s)
    };
    let monitored = monitored(&stretches(&p.events), &of, p.session.closed_at);
    Count {
        rule,
        standing,
        monitored,
    }
}

async fn presence(on: &OnClient, session: &str) -> Result<SessionPresence, AppError> {
    let id = DosingSessionId::parse(session).ok_or(AppError::NotFound)?;
    on.0.store
        .billing()
        .session_presence(&on.2, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The lines the count gives, with their fees (`None` where a code has no fee yet).
async fn lines_of(
    on: &OnClient,
    p: &SessionPresence,
    c: &Count,
) -> Result<
    Vec<(
        Monitored,
        u32,
        Option<kapflow_domain::billing::money::Cents>,
    )>,
    AppError,
> {
    let billing = on.0.store.billing();
    let fees = billing.fees().await?;
    let rates = billing.rates(&on.2).await?;
    let day = crate::time_fmt::day(p.session.opened_at);
    Ok(c.monitored
        .iter()
        .map(|m| (*m, m.units(c.rule)))
        .filter(|(_, units)| *units > 0)
        .map(|(m, units)| (m, units, fee_for(&fees, &rates, m.code.as_str(), day)))
        .collect())
}

async fn page_of(
    on: &OnClient,
    p: &SessionPresence,
    choices: &Choices,
) -> Result<SessionHoursPage, AppError> {
    let OnClient(state, user, access) = on;
    let h = ctx(state, access, Tab::Billing).await?.header;
    let settings = crate::billing_settings::read(&state.store.settings().snapshot().await?);
    let currency = settings.currency;
    let c = count(p, choices);
    let name = |id: UserId| {
        p.people
            .iter()
            .find(|x| x.id == id)
            .map_or_else(String::new, |x| x.name.clone())
    };
    let mut lines = Vec::new();
    let mut blocked = Vec::new();
    let mut total = kapflow_domain::billing::money::Cents::ZERO;
    for (m, units, fee) in lines_of(on, p, &c).await? {
        let amount = fee.and_then(|f| f.times(units));
        if fee.is_none() {
            blocked.push(format!(
                "No fee is set for {} yet: the owner sets it in Billing settings.",
                m.code.as_str()
            ));
        }
        total = total
            .checked_add(amount.unwrap_or_default())
            .unwrap_or(total);
        lines.push(HoursLine {
            person: name(m.person),
            code: m.code.as_str(),
            code_label: m.code.label(),
            minutes: m.minutes,
            units,
            fee: fee.map(|f| f.display(currency)).unwrap_or_default(),
            amount: amount.map(|a| a.display(currency)).unwrap_or_default(),
        });
    }
    if lines.is_empty() {
        blocked.push("The count gives no billable hour: nothing to charge.".into());
    }
    blocked.dedup();
    let when = |t| crate::time_fmt::clock(t);
    let log = p
        .events
        .iter()
        .map(|e| {
            let mut text = format!("{}: {}", name(e.person), e.change.label());
            if let Some(t) = e.taking_over {
                text.push_str(&format!(" to {}", name(t)));
            }
            (when(e.at), text)
        })
        .collect();
    Ok(SessionHoursPage {
        layout: Layout::for_user(state, &user.0).await?,
        csrf: user.0.csrf().to_owned(),
        h,
        key: super::form_key(),
        title: format!(
            "Dosing session {} on {}",
            p.session.number,
            crate::time_fmt::day(p.session.opened_at)
        ),
        log,
        people: p
            .people
            .iter()
            .map(|person| PersonLine {
                id: person.id.to_string(),
                name: person.name.clone(),
                standing: c
                    .standing
                    .iter()
                    .find(|(id, _)| *id == person.id)
                    .map_or(Standing::NotBilled.as_str(), |(_, s)| s.as_str()),
            })
            .collect(),
        rule: c.rule.as_str(),
        lines,
        total: total.display(currency),
        blocked,
        diagnoses: state.store.billing().diagnoses(access).await?,
        alert: None,
        action: crate::paths::billing_session(access.client(), p.session.id),
        notice: None,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Query(choices): Query<Choices>,
) -> Result<SessionHoursPage, AppError> {
    let p = presence(&on, &session).await?;
    page_of(&on, &p, &choices).await
}

/// Charges the hours as counted with the posted rule and standings.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn charge(
    on: OnClient,
    Path((_, session)): Path<(String, String)>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let p = presence(&on, &session).await?;
    let chosen_dx: Vec<String> = posted
        .iter()
        .filter(|(k, _)| k == "dx")
        .map(|(_, v)| v.clone())
        .collect();
    let choices: Choices = posted.into_iter().filter(|(k, _)| k != "dx").collect();
    let c = count(&p, &choices);
    let OnClient(state, user, access) = &on;
    let refuse = |message: String| async {
        let mut page = page_of(&on, &p, &choices).await?;
        page.alert = Some(message);
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let client_dx = state.store.billing().diagnoses(access).await?;
    let diagnoses = match pointers(&chosen_dx, &client_dx) {
        Ok(d) => d,
        Err(m) => return refuse(m.to_owned()).await,
    };
    let mut lines = Vec::new();
    for (m, units, fee) in lines_of(&on, &p, &c).await? {
        let Some(fee) = fee else {
            return refuse(format!("No fee is set for {} yet.", m.code.as_str())).await;
        };
        lines.push(Line {
            code: m.code.as_str().to_owned(),
            modifier: None,
            units,
            unit_fee: fee,
            place: PlaceOfService::Office,
            diagnoses: diagnoses.clone(),
            rendering: Some(m.person),
        });
    }
    let made = state
        .store
        .billing()
        .charge(
            access,
            &NewCharge {
                source: Source::DosingSession(p.session.id),
                on: crate::time_fmt::day(p.session.opened_at),
                lines: &lines,
            },
            user.0.id(),
            &user.0.actor(),
            now_utc(),
        )
        .await?;
    match made {
        Ok(_) => {
            crate::estimates::check_exceeded(state, &user.0.actor(), access).await?;
            Ok(Redirect::to(&format!(
                "{}?done=charged",
                crate::paths::billing(access.client())
            ))
            .into_response())
        }
        Err(Refused::AlreadyCharged) => refuse("This session is already charged.".into()).await,
        Err(Refused::BadCharge(m)) => refuse(m.to_owned()).await,
        Err(_) => refuse("The charge could not be made.".into()).await,
    }
}

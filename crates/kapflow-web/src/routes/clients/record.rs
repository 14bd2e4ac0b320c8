//! The caseload list, opening a client (directly or from an inquiry), the overview page,
//! demographics editing and the care team.

use super::OnClient;
use super::{DoneQuery, form_key};
use crate::AppState;
use crate::auth::{ClientAccess, StaffUser};
use crate::error::AppError;
use crate::form_fields::Fields;
use crate::practice_zone::today;
use crate::time_fmt::when;
use crate::views::clients::record::{
    FormPage, OverviewPage, clinicians, edit_page, form_page, or_dash,
};
use crate::views::clients::{Ctx, Tab, ctx};
use crate::views::layout::Layout;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::InquiryId;
use kapflow_domain::access::Action;
use kapflow_domain::client::ClientInput;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Role, UserId};
use kapflow_store::clients::Created;
use kapflow_store::inquiries::InboxScope;
use kapflow_store::portal::PortalStatus;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    inquiry: String,
}

/// The new-client form, prefilled from an inquiry when one is named.
/// The owner puts themselves on a client's care team — the clinical record then opens to them
/// with no time limit, so it is treated like break-glass: a fresh step-up, a real reason
/// (the break-glass minimum length), audited with the reason, and the team is told.
async fn join(
    state: AppState,
    user: StaffUser,
    access: ClientAccess,
    reason: String,
) -> Result<Response, AppError> {
    let here = crate::paths::client(access.client());
    if let Some(redirect) = crate::routes::mfa::require_step_up(&user.0, &here) {
        return Ok(redirect);
    }
    let min = crate::views::clients::break_glass::min_reason(&state).await?;
    let reason = match kapflow_domain::prescribing::break_glass_reason(&reason, min) {
        Ok(r) => r,
        Err(e) => {
            let p = overview_page(&state, &user, &access, None, reason, e).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    if !state
        .store
        .clients()
        .join_care_team(&access, user.0.id(), &reason, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::BadRequest);
    }
    Ok(Redirect::to(&crate::paths::done(here, "joined")).into_response())
}

/// Which inquiries this person may turn into a client: those in their inbox.
fn inbox_scope(user: &StaffUser) -> InboxScope {
    InboxScope {
        user: user.0.id(),
        role: user.0.role(),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn new_form(
    State(state): State<AppState>,
    user: StaffUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let mut v = ClientInput::default();
    let mut therapist = String::new();
    let mut inquiry = String::new();
    if let Some(id) = InquiryId::parse(&q.inquiry) {
        if let Some(existing) = state.store.clients().of_inquiry(id).await? {
            return Ok(Redirect::to(&crate::paths::client(existing)).into_response());
        }
        let Some((d, _)) = state
            .store
            .inquiries()
            .view(inbox_scope(&user), id, &user.0.actor(), now_utc())
            .await?
        else {
            return Err(AppError::NotFound);
        };
        v.legal_name = d.name;
        v.email = d.email.unwrap_or_default();
        v.phone = d.phone.unwrap_or_default();
        v.concerns = d.concerns.0.iter().map(|c| c.as_str().to_owned()).collect();
        therapist = d.assigned_to.map(|u| u.to_string()).unwrap_or_default();
        inquiry = id.to_string();
    }
    Ok(form_page(
        &state,
        &user,
        v,
        FieldErrors::default(),
        inquiry,
        therapist,
        form_key(),
        None,
    )
    .await?
    .into_response())
}

fn input_from(f: &Fields) -> ClientInput {
    ClientInput {
        legal_name: f.get("legal_name"),
        preferred_name: f.get("preferred_name"),
        pronouns: f.get("pronouns"),
        date_of_birth: f.get("date_of_birth"),
        email: f.get("email"),
        phone: f.get("phone"),
        address: f.get("address"),
        emergency_name: f.get("emergency_name"),
        emergency_phone: f.get("emergency_phone"),
        support_name: f.get("support_name"),
        support_phone: f.get("support_phone"),
        concerns: f.all("concerns"),
        sensitivity: f.get("sensitivity"),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    State(state): State<AppState>,
    user: StaffUser,
    f: Fields,
) -> Result<Response, AppError> {
    let v = input_from(&f);
    let inquiry = f.get("inquiry");
    let therapist = f.get("therapist");
    let key = f.get("_key");
    let mut errors = FieldErrors::default();
    // A therapist opening a client takes them on; others choose the clinician.
    let team: Vec<UserId> = if user.0.role() == Role::Therapist {
        vec![user.0.id()]
    } else if therapist.is_empty() {
        vec![]
    } else {
        match UserId::parse(&therapist) {
            Some(id)
                if clinicians(&state)
                    .await?
                    .iter()
                    .any(|(c, _)| *c == therapist) =>
            {
                vec![id]
            }
            _ => {
                errors.add("therapist", "Choose a clinician from the list.");
                vec![]
            }
        }
    };
    let validated = v.validate(today(now_utc()));
    let client = match validated {
        Ok(c) if errors.is_empty() => c,
        Ok(_) => {
            let page = form_page(&state, &user, v, errors, inquiry, therapist, key, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(mut e) => {
            if let Some(m) = errors.get("therapist") {
                e.add("therapist", m.to_owned());
            }
            let page = form_page(&state, &user, v, e, inquiry, therapist, key, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let inquiry_id = if inquiry.is_empty() {
        None
    } else {
        Some(InquiryId::parse(&inquiry).ok_or(AppError::BadRequest)?)
    };
    if key.len() < 16 {
        return Err(AppError::BadRequest);
    }
    match state
        .store
        .clients()
        .create(
            &key,
            &client,
            inquiry_id.map(|i| (i, inbox_scope(&user))),
            &team,
            &user.0.actor(),
            now_utc(),
        )
        .await?
    {
        Created::Client(id) | Created::Repeat(id) => Ok(Redirect::to(&crate::paths::done(
            crate::paths::client(id),
            "created",
        ))
        .into_response()),
        Created::InquiryTaken => {
            let existing = match inquiry_id {
                Some(i) => state.store.clients().of_inquiry(i).await?,
                None => None,
            };
            match existing {
                Some(id) => Ok(Redirect::to(&crate::paths::client(id)).into_response()),
                None => Err(AppError::BadRequest),
            }
        }
        // Someone else's inquiry, or none at all: the same answer either way.
        Created::InquiryNotFound => Err(AppError::NotFound),
        Created::KeyReused => {
            let msg = "This form was already used. Check the caseload before trying again.";
            let page = form_page(
                &state,
                &user,
                v,
                FieldErrors::default(),
                inquiry,
                therapist,
                form_key(),
                Some(msg.into()),
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn overview(
    OnClient(state, user, access): OnClient,
    Query(q): Query<DoneQuery>,
) -> Result<OverviewPage, AppError> {
    let notice = match q.done.as_str() {
        "created" => Some("Client record opened. The first course starts at assessment."),
        "saved" => Some("Details saved."),
        "team" => Some("Care team updated."),
        "joined" => Some("You joined the care team. The clinicians on it were told."),
        "email-agreed" => {
            Some("Recorded: the client agreed to receive questionnaire links by email.")
        }
        "email-withdrawn" => {
            Some("Recorded: no more questionnaire links by email unless a staff member sends one.")
        }
        "portal-invited" => Some(
            "Portal invitation sent to the client's email address. The email says nothing about their care.",
        ),
        "portal-withdrawn" => Some("Portal invitation withdrawn: its link no longer works."),
        "portal-off" => Some(
            "Portal access switched off: the client is signed out and cannot sign in until it is switched back on.",
        ),
        "portal-on" => Some("Portal access switched back on."),
        "portal-reset" => Some(
            "The client's second step for signing in was reset: they are signed out and set up a new one the next time they sign in with their password.",
        ),
        "portal-no-email" => Some("Add the client's email address under Edit details first."),
        "portal-has-account" => Some("The client already has a portal account."),
        "portal-taken" => Some(
            "That email address belongs to another account. Ask the client for their own address.",
        ),
        _ => None,
    };
    overview_page(
        &state,
        &user,
        &access,
        notice,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

/// The overview, with what was typed into "join the care team" and its error, if any.
async fn overview_page(
    state: &AppState,
    user: &StaffUser,
    access: &ClientAccess,
    notice: Option<&'static str>,
    join_reason: String,
    e: FieldErrors,
) -> Result<OverviewPage, AppError> {
    let Ctx {
        client,
        header,
        email_consent_at,
        ..
    } = ctx(state, access, Tab::Overview).await?;
    let concerns = client.concerns.labels();
    let contact = |n: &Option<String>, p: &Option<String>| match (n, p) {
        (Some(n), Some(p)) => format!("{n}, {p}"),
        (Some(n), None) => n.clone(),
        _ => "—".into(),
    };
    let facts = vec![
        ("Legal name", client.legal_name.clone()),
        ("Preferred name", or_dash(&client.preferred_name)),
        ("Pronouns", or_dash(&client.pronouns)),
        ("Date of birth", client.date_of_birth.to_string()),
        ("Email", or_dash(&client.email)),
        ("Phone", or_dash(&client.phone)),
        ("Address", or_dash(&client.address)),
        (
            "Emergency contact",
            contact(&client.emergency_name, &client.emergency_phone),
        ),
        (
            "Takes them home after dosing",
            contact(&client.support_name, &client.support_phone),
        ),
        (
            "Primary concerns",
            if concerns.is_empty() {
                "—".into()
            } else {
                concerns
            },
        ),
        ("Record sensitivity", client.sensitivity.label().to_owned()),
    ];
    // Everyone who may see the record may know a dosing session is running (front desk
    // included, for the room and the door), never what is in it.
    let mut facts = facts;
    if let Some(live) = state.store.dosing().live(access).await? {
        let since = live.opened_at.unwrap_or(live.prepared_at);
        facts.push((
            "Dosing session today",
            format!("{} (since {})", live.status.label(), when(since)),
        ));
    }
    let members = state.store.clients().care_team(access).await?;
    let me = user.0.id();
    let on_team = members.iter().any(|m| m.user_id == me);
    let team = members
        .into_iter()
        .map(|m| (m.user_id.to_string(), m.display_name, m.role.label()))
        .collect();
    let courses = state
        .store
        .courses()
        .all(access)
        .await?
        .into_iter()
        .map(|c| (c.number, c.stage.label(), when(c.opened_at)))
        .collect();
    let can_assign = access.may(Action::AssignCareTeam);
    let me_text = me.to_string();
    let can_edit = access.may(Action::EditClientDemographics);
    let mut portal_switch = None;
    let (portal, portal_invite, portal_withdraw) =
        match state.store.portal().status(access, now_utc()).await? {
            PortalStatus::None => ("No portal account yet.".to_owned(), can_edit, false),
            PortalStatus::Invited {
                sent_at,
                expires_at,
            } => (
                format!(
                    "Invited on {}; the link works until {}.",
                    when(sent_at),
                    when(expires_at)
                ),
                can_edit,
                can_edit,
            ),
            PortalStatus::Account { since, disabled } => {
                portal_switch = can_edit.then_some(disabled);
                (
                    format!(
                        "Has a portal account since {}{}.",
                        when(since),
                        if disabled { " (switched off)" } else { "" }
                    ),
                    false,
                    false,
                )
            }
        };
    Ok(OverviewPage {
        layout: Layout::for_user(state, &user.0).await?,
        h: header,
        csrf: user.0.csrf().to_owned(),
        notice,
        facts,
        team,
        can_edit,
        can_assign,
        // Others are added here; oneself only through "join", with a reason.
        clinicians: if can_assign {
            clinicians(state)
                .await?
                .into_iter()
                .filter(|(id, _)| *id != me_text)
                .collect()
        } else {
            vec![]
        },
        can_join: can_assign && !on_team && user.0.role() == Role::Owner,
        join_reason,
        e,
        courses,
        has_email: client.email.is_some(),
        email_consent: email_consent_at.map(when),
        portal,
        portal_invite,
        portal_withdraw,
        portal_switch,
        share_by_api: user.0.role() == Role::Owner,
        copy_record: access.relationship()
            == kapflow_domain::access::Relationship::AssignedClinician,
    })
}

fn input_of(c: &kapflow_store::clients::ClientRecord) -> ClientInput {
    ClientInput {
        legal_name: c.legal_name.clone(),
        preferred_name: c.preferred_name.clone().unwrap_or_default(),
        pronouns: c.pronouns.clone().unwrap_or_default(),
        date_of_birth: c.date_of_birth.to_string(),
        email: c.email.clone().unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        address: c.address.clone().unwrap_or_default(),
        emergency_name: c.emergency_name.clone().unwrap_or_default(),
        emergency_phone: c.emergency_phone.clone().unwrap_or_default(),
        support_name: c.support_name.clone().unwrap_or_default(),
        support_phone: c.support_phone.clone().unwrap_or_default(),
        concerns: c.concerns.0.iter().map(|c| c.as_str().to_owned()).collect(),
        sensitivity: c.sensitivity.as_str().to_owned(),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn edit_form(OnClient(state, user, access): OnClient) -> Result<FormPage, AppError> {
    let c = state
        .store
        .clients()
        .get(&access)
        .await?
        .ok_or(AppError::NotFound)?;
    edit_page(&state, &user, c.id, input_of(&c), FieldErrors::default()).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn edit(
    OnClient(state, user, access): OnClient,
    f: Fields,
) -> Result<Response, AppError> {
    let v = input_from(&f);
    let id = access.client();
    match v.validate(today(now_utc())) {
        Ok(c) => {
            if !state
                .store
                .clients()
                .update(&access, &c, &user.0.actor(), now_utc())
                .await?
            {
                return Err(AppError::NotFound);
            }
            Ok(
                Redirect::to(&crate::paths::done(crate::paths::client(id), "saved"))
                    .into_response(),
            )
        }
        Err(e) => {
            let page = edit_page(&state, &user, id, v, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TeamForm {
    user: String,
    change: String,
    reason: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn care_team(
    OnClient(state, user, access): OnClient,
    axum::Form(f): axum::Form<TeamForm>,
) -> Result<Response, AppError> {
    if f.change == "join" {
        return join(state, user, access, f.reason).await;
    }
    let member = UserId::parse(&f.user).ok_or(AppError::BadRequest)?;
    let add = match f.change.as_str() {
        // Putting oneself on a team goes through `join`, with its reason and step-up.
        "add" if member == user.0.id() => return Err(AppError::BadRequest),
        "add" => true,
        "remove" => false,
        _ => return Err(AppError::BadRequest),
    };
    if !state
        .store
        .clients()
        .change_care_team(&access, member, add, &user.0.actor(), now_utc())
        .await?
    {
        return Err(AppError::BadRequest);
    }
    Ok(Redirect::to(&crate::paths::done(
        crate::paths::client(access.client()),
        "team",
    ))
    .into_response())
}

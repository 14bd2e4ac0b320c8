//! The owner's set-up of the calendar: the kinds of appointment (length, room, video, note
//! template) and the practice's rooms.

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::RoomId;
use kapflow_domain::calendar::{NoteTemplate, SessionType, SessionTypeInput};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::text::required_line;
use kapflow_domain::time_util::now_utc;
use kapflow_store::calendar::{RoomRow, RoomSaved};

/// One kind of appointment's form, with what was typed and its errors.
pub struct TypeForm {
    pub key: String,
    pub t: SessionType,
    pub v: SessionTypeInput,
    pub e: FieldErrors,
}

impl TypeForm {
    /// Field ids unique on the page (one form per kind).
    pub fn id(&self, field: &str) -> String {
        format!("{}-{field}", self.key)
    }

    pub fn templates(&self) -> Vec<(String, String)> {
        NoteTemplate::ALL
            .iter()
            .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
            .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_setup.html")]
pub struct SetupPage {
    pub layout: Layout,
    pub csrf: String,
    pub types: Vec<TypeForm>,
    pub rooms: Vec<RoomRow>,
    pub new_room: String,
    pub new_room_dosing: bool,
    pub room_error: Option<String>,
    /// The room whose change was refused (`None`: the new room's form).
    pub room_error_for: Option<RoomId>,
    pub notice: Option<&'static str>,
    /// What the clinicians' calendar feeds say of an appointment (a `FeedDetail` setting).
    pub feed_detail: String,
}

impl SetupPage {
    /// The refusal beside room `r`'s name.
    pub fn room_errors(&self, r: &RoomRow) -> FieldErrors {
        let mine = self.room_error_for == Some(r.id);
        FieldErrors::of("room_name", self.room_error.clone().filter(|_| mine))
    }

    /// The refusal beside the new room's name.
    pub fn new_room_errors(&self) -> FieldErrors {
        let mine = self.room_error_for.is_none();
        FieldErrors::of("room_name", self.room_error.clone().filter(|_| mine))
    }

    /// The id of room `r`'s name field.
    pub fn room_field(&self, r: &RoomRow) -> String {
        format!("room-{}", r.id)
    }

    /// Every refusal on the page, for the summary.
    pub fn all_errors(&self) -> FieldErrors {
        let mut e = FieldErrors::default();
        for t in &self.types {
            for (f, m) in t.e.iter() {
                e.add(f, m.to_owned());
            }
        }
        if let Some(m) = &self.room_error {
            e.add("room_name", m.clone());
        }
        e
    }
}

fn input_of(t: &SessionType) -> SessionTypeInput {
    let on = |b: bool| b.then(|| "on".to_owned());
    SessionTypeInput {
        label: t.label.clone(),
        minutes: t.minutes.to_string(),
        needs_room: on(t.needs_room),
        telehealth: on(t.telehealth),
        note_template: t.note_template.as_str().to_owned(),
        active: on(t.active),
    }
}

async fn page(
    state: &AppState,
    owner: &OwnerUser,
    notice: Option<&'static str>,
) -> Result<SetupPage, AppError> {
    let cal = state.store.calendar();
    Ok(SetupPage {
        layout: Layout::for_user(state, &owner.0).await?,
        csrf: owner.0.csrf().to_owned(),
        types: cal
            .session_types()
            .await?
            .into_iter()
            .map(|t| TypeForm {
                key: t.key.clone(),
                v: input_of(&t),
                t,
                e: FieldErrors::default(),
            })
            .collect(),
        rooms: cal.rooms().await?,
        new_room: String::new(),
        new_room_dosing: false,
        room_error: None,
        room_error_for: None,
        notice,
        feed_detail: crate::ical::FeedDetail::from_setting(
            state
                .store
                .settings()
                .snapshot()
                .await?
                .get(crate::ical::DETAIL_KEY),
        )
        .as_setting()
        .to_owned(),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    owner: OwnerUser,
    Query(q): Query<DoneQuery>,
) -> Result<SetupPage, AppError> {
    let notice = match q.done.as_str() {
        "type" => Some("The kind of appointment is saved."),
        "room" => Some("The room is saved."),
        "feed" => Some("The calendar feeds' wording is saved."),
        _ => None,
    };
    page(&state, &owner, notice).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_type(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(key): Path<String>,
    Form(v): Form<SessionTypeInput>,
) -> Result<Response, AppError> {
    let cal = state.store.calendar();
    let Some(existing) = cal
        .session_types()
        .await?
        .into_iter()
        .find(|t| t.key == key)
    else {
        return Err(AppError::NotFound);
    };
    match v.validate(&key, existing.external) {
        Ok(t) => {
            cal.save_session_type(&t, &owner.0.actor(), now_utc())
                .await?;
            Ok(
                Redirect::to(&format!("{}?done=type", crate::paths::CALENDAR_SETUP))
                    .into_response(),
            )
        }
        Err(e) => {
            let mut p = page(&state, &owner, None).await?;
            if let Some(f) = p.types.iter_mut().find(|f| f.key == key) {
                f.v = v;
                f.e = e;
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RoomForm {
    room_name: String,
    dosing: Option<String>,
    active: Option<String>,
}

async fn save_room(
    state: &AppState,
    owner: &OwnerUser,
    id: Option<RoomId>,
    f: RoomForm,
) -> Result<Response, AppError> {
    let name = required_line(&f.room_name, 80, "the room's name");
    let saved = match &name {
        Ok(n) => Some(
            state
                .store
                .calendar()
                .save_room(
                    id,
                    n,
                    f.dosing.is_some(),
                    id.is_none() || f.active.is_some(),
                    &owner.0.actor(),
                    now_utc(),
                )
                .await?,
        ),
        Err(_) => None,
    };
    let error = match (saved, name) {
        (Some(RoomSaved::Done(_)), _) => {
            return Ok(
                Redirect::to(&format!("{}?done=room", crate::paths::CALENDAR_SETUP))
                    .into_response(),
            );
        }
        (Some(RoomSaved::NoSuchRoom), _) => return Err(AppError::NotFound),
        (Some(RoomSaved::NameTaken), _) => "Another room has this name.".to_owned(),
        (None, Err(m)) => m,
        (None, Ok(_)) => return Err(AppError::NotFound),
    };
    let mut p = page(state, owner, None).await?;
    p.new_room = f.room_name;
    p.new_room_dosing = f.dosing.is_some();
    p.room_error = Some(error);
    p.room_error_for = id;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_room(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(f): Form<RoomForm>,
) -> Result<Response, AppError> {
    save_room(&state, &owner, None, f).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn change_room(
    State(state): State<AppState>,
    owner: OwnerUser,
    Path(id): Path<String>,
    Form(f): Form<RoomForm>,
) -> Result<Response, AppError> {
    let id = RoomId::parse(&id).ok_or(AppError::NotFound)?;
    save_room(&state, &owner, Some(id), f).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FeedDetailForm {
    feed_detail: String,
}

/// What the clinicians' calendar feeds say: "Session", or the kind and the client's initials.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn feed_detail(
    State(state): State<AppState>,
    owner: OwnerUser,
    Form(f): Form<FeedDetailForm>,
) -> Result<Response, AppError> {
    let detail = crate::ical::FeedDetail::from_setting(Some(f.feed_detail.as_str()));
    state
        .store
        .site()
        .save_practice_details(
            &[(crate::ical::DETAIL_KEY, detail.as_setting().to_owned())],
            &owner.0.actor(),
            now_utc(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}?done=feed", crate::paths::CALENDAR_SETUP)).into_response())
}

//! The owner's page of API tokens: the list, the form for a new one, and a new token's secret
//! (shown on the answer to its form only).

use crate::AppState;
use crate::auth::OwnerUser;
use crate::error::AppError;
use crate::views::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use kapflow_domain::api_token::{ApiTokenStatus, LIFETIME_DAYS};
use kapflow_domain::form::FieldErrors;
use kapflow_domain::time_util::now_utc;
use serde::Deserialize;

/// The new-token form as typed (and sent back with its errors).
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
    /// `all_clients` or `one_client`.
    pub scope: String,
    /// The chosen client's id, for `one_client`.
    pub client: String,
    pub days: String,
    #[serde(rename = "_key")]
    pub key: String,
}

impl TokenForm {
    /// An empty form: every client, 90 days.
    pub fn fresh() -> TokenForm {
        TokenForm {
            scope: "all_clients".into(),
            days: "90".into(),
            ..TokenForm::default()
        }
    }
}

/// The client a one-client token is for.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub id: String,
    pub name: String,
}

/// One token in the list.
pub struct TokenLine {
    pub revoke_href: String,
    pub name: String,
    pub scope: String,
    pub made: String,
    pub until: String,
    pub last_used: String,
    pub status: ApiTokenStatus,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_tokens.html")]
pub struct ApiTokensPage {
    pub layout: Layout,
    pub csrf: String,
    pub form: TokenForm,
    pub client: Option<Chosen>,
    pub e: FieldErrors,
    pub tokens: Vec<TokenLine>,
    /// A token just made: its name and secret, shown this once.
    pub made: Option<(String, String)>,
    pub notice: Option<String>,
    /// The FHIR base address other systems call.
    pub base: String,
}

impl ApiTokensPage {
    pub async fn load(
        state: &AppState,
        owner: &OwnerUser,
        mut form: TokenForm,
        client: Option<Chosen>,
    ) -> Result<ApiTokensPage, AppError> {
        let now = now_utc();
        let zone = crate::practice_zone::current();
        let when = |t| crate::time_fmt::when_in(&zone, t);
        let tokens = state
            .store
            .api_tokens()
            .list()
            .await?
            .into_iter()
            .map(|t| TokenLine {
                revoke_href: crate::paths::api_token_revoke(t.id),
                scope: match &t.client_name {
                    Some(name) => format!("Only {name}"),
                    None => "Every client".into(),
                },
                made: format!("{} by {}", when(t.created_at), t.created_by_name),
                until: when(t.expires_at),
                last_used: t.last_used_at.map(when).unwrap_or_else(|| "Never".into()),
                status: t.status(now),
                name: t.name,
            })
            .collect();
        if form.key.is_empty() {
            form.key = crate::routes::clients::form_key();
        }
        if let Some(c) = &client {
            form.client = c.id.clone();
        }
        Ok(ApiTokensPage {
            layout: Layout::for_user(state, &owner.0).await?,
            csrf: owner.0.csrf().to_owned(),
            form,
            client,
            e: FieldErrors::default(),
            tokens,
            made: None,
            notice: None,
            base: format!(
                "{}{}",
                state.config.public_url.trim_end_matches('/'),
                crate::paths::FHIR_BASE
            ),
        })
    }

    /// The lifetimes offered, as (days, words).
    pub fn lifetimes(&self) -> Vec<(String, String)> {
        LIFETIME_DAYS
            .iter()
            .map(|d| {
                let words = match d {
                    7 => "A week".to_owned(),
                    365 => "A year".to_owned(),
                    n => format!("{n} days"),
                };
                (d.to_string(), words)
            })
            .collect()
    }

    pub fn is_active(&self, line: &TokenLine) -> bool {
        line.status == ApiTokenStatus::Active
    }
}

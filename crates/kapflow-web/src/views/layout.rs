//! What every page's frame needs: the practice's name and, when someone is signed in, the
//! navigation, the form token and the idle-timeout settings for `session.js`.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use kapflow_domain::Role;
use kapflow_domain::session_policy::IDLE_WARNING;
use kapflow_store::settings::keys;

#[derive(Clone, Debug)]
pub struct Nav {
    pub name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub is_owner: bool,
    /// May open the inquiry inbox.
    pub inbox: bool,
    /// Owner or therapist: outcomes and measures.
    pub clinician: bool,
    /// Both factors passed: the full navigation is shown.
    pub full: bool,
    pub idle_seconds: i64,
    pub warn_seconds: i64,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub site_name: String,
    pub nav: Option<Nav>,
}

impl Layout {
    /// For pages of no one in particular (errors, first-run pages).
    pub fn plain(site_name: impl Into<String>) -> Layout {
        Layout {
            site_name: site_name.into(),
            nav: None,
        }
    }

    async fn practice_name(state: &AppState) -> Result<String, AppError> {
        Ok(state
            .store
            .settings()
            .get(keys::PRACTICE_NAME)
            .await?
            .unwrap_or_else(|| "kapflow".to_owned()))
    }

    pub async fn public(state: &AppState) -> Result<Layout, AppError> {
        Ok(Layout::plain(Self::practice_name(state).await?))
    }

    pub async fn for_user(state: &AppState, user: &CurrentUser) -> Result<Layout, AppError> {
        let u = &user.session.user;
        Ok(Layout {
            site_name: Self::practice_name(state).await?,
            nav: Some(Nav {
                name: u.display_name.clone(),
                role_label: u.role.label(),
                csrf: user.csrf().to_owned(),
                is_owner: u.role == Role::Owner,
                inbox: matches!(u.role, Role::Owner | Role::FrontDesk | Role::Therapist),
                clinician: matches!(u.role, Role::Owner | Role::Therapist),
                full: user.fully_signed_in(),
                idle_seconds: state.config.idle.for_role(u.role).whole_seconds(),
                warn_seconds: IDLE_WARNING.whole_seconds(),
            }),
        })
    }
}

//! Preparation and aftercare, from the practice's own words: what the therapist goes through
//! before a first dosing session, the dosing day (the practice's eating and drinking text), the
//! aftercare sheet and the practice's "How it works" page.

use super::OnPortal;
use crate::error::AppError;
use crate::site::{Page, SiteInfo};
use crate::views::portal::PreparationPage;
use kapflow_domain::preparation::CHECKLIST;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(on: OnPortal) -> Result<PreparationPage, AppError> {
    let state = &on.0;
    let info = SiteInfo::load(state).await?;
    let sections = crate::site::sections(state, Page::HowItWorks, &info).await?;
    let settings = state.store.settings().snapshot().await?;
    let food = crate::mail::reminders::dosing_food(&settings).to_owned();
    let dosing = crate::dosing_settings::load(state).await?;
    let (layout, f) = on.frame().await?;
    Ok(PreparationPage {
        layout,
        f,
        sections,
        expectations: CHECKLIST.iter().map(|(_, text)| *text).collect(),
        food,
        aftercare_html: crate::markdown::render(&dosing.aftercare, &info.partner),
    })
}

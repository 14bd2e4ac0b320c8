//! The public site's content: sections, their revisions (drafts and publications), and a
//! version number that changes whenever anything visitors see changes (for page caches).

use crate::settings::{self, keys};
use crate::{StoreError, audit};
use kapflow_domain::Actor;
use time::OffsetDateTime;
use uuid::Uuid;

crate::topic!(
    /// The public site's content.
    Site
);

/// One section of content as the practice first publishes it (the web layer holds the text).
#[derive(Clone, Copy, Debug)]
pub struct SeedSection {
    pub key: &'static str,
    /// The page's stored name (its slug).
    pub page: &'static str,
    pub position: i32,
    /// What the section is, for the editor's list.
    pub label: &'static str,
    pub title: &'static str,
    /// Markdown without raw HTML.
    pub body: &'static str,
}

/// A section as visitors see it now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedSection {
    pub key: String,
    pub page: String,
    pub position: i32,
    pub label: String,
    pub title: String,
    pub body_md: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Revision {
    pub id: Uuid,
    pub title: String,
    pub body_md: String,
    #[sqlx(try_from = "String")]
    pub status: RevisionStatus,
    /// Who saved it, by name.
    pub author: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A section in the editor: what is published, and a newer draft if there is one.
#[derive(Debug, Clone)]
pub struct SectionForEdit {
    pub key: String,
    pub page: String,
    pub label: String,
    pub published: Option<Revision>,
    pub draft: Option<Revision>,
}

kapflow_domain::named_enum! {
    /// Whether a revision is what visitors see or a draft.
    pub enum RevisionStatus {
        Draft = "draft", "Draft";
        Published = "published", "Published";
    }
}

/// Bumps the site version inside `tx`: page caches on every instance notice and re-render.
pub(crate) async fn bump_version(
    tx: &mut crate::Tx,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let current: Option<String> = tx
        .scalar_optional(
            "SELECT value FROM practice_settings WHERE key = $1",
            args![keys::SITE_VERSION],
        )
        .await?;
    let next = current.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0) + 1;
    settings::put(tx, keys::SITE_VERSION, &next.to_string(), now).await
}

impl Site<'_> {
    /// Creates the sections that do not exist yet, each with its first published revision.
    /// Runs at every start; existing content is never touched.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn seed(&self, seed: &[SeedSection], now: OffsetDateTime) -> Result<u32, StoreError> {
        let mut tx = self.store.begin().await?;
        let mut added = 0;
        for s in seed {
            let inserted = tx
                .exec(
                    "INSERT INTO site_sections (key, page, position, label) VALUES ($1, $2, $3, \
                     $4) ON CONFLICT (key) DO NOTHING",
                    args![s.key, s.page, s.position, s.label],
                )
                .await?;
            if inserted == 1 {
                tx.exec(
                    "INSERT INTO site_revisions (id, section_key, title, body_md, status, \
                         created_at) VALUES ($1, $2, $3, $4, 'published', $5)",
                    args![Uuid::now_v7(), s.key, s.title, s.body, now],
                )
                .await?;
                added += 1;
            }
        }
        if added > 0 {
            bump_version(&mut tx, now).await?;
            audit::append(
                &mut tx,
                &Actor::default()
                    .entry("site.seeded", now)
                    .record("site_sections", added),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The version of everything visitors see (content and practice settings).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn version(&self) -> Result<i64, StoreError> {
        Ok(self
            .store
            .settings()
            .get(keys::SITE_VERSION)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Every section's latest publication, in page order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn published(&self) -> Result<Vec<PublishedSection>, StoreError> {
        self.store
            .db
            .fetch_all(
                "SELECT s.key, s.page, s.position, s.label, r.title, r.body_md FROM site_sections \
                 s JOIN site_revisions r ON r.id = (SELECT r2.id FROM site_revisions r2 WHERE \
                 r2.section_key = s.key AND r2.status = 'published' ORDER BY r2.created_at DESC, \
                 r2.id DESC LIMIT 1) ORDER BY s.page, s.position",
                args![],
            )
            .await
    }

    /// One section with its publication and any newer draft; `None` for an unknown key.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn section_for_edit(&self, key: &str) -> Result<Option<SectionForEdit>, StoreError> {
        let key = key.to_owned();
        let row: Option<(String, String, String)> = self
            .store
            .db
            .fetch_optional(
                "SELECT key, page, label FROM site_sections WHERE key = $1",
                args![key.as_str()],
            )
            .await?;
        let Some((key, page, label)) = row else {
            return Ok(None);
        };
        let history = self.section_history(&key).await?;
        let published = history
            .iter()
            .find(|r| r.status == RevisionStatus::Published)
            .cloned();
        let draft = history
            .iter()
            .find(|r| r.status == RevisionStatus::Draft)
            .filter(|d| {
                published
                    .as_ref()
                    .is_none_or(|p| (d.created_at, d.id) > (p.created_at, p.id))
            })
            .cloned();
        Ok(Some(SectionForEdit {
            key,
            page,
            label,
            published,
            draft,
        }))
    }

    /// Every revision of a section, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn section_history(&self, key: &str) -> Result<Vec<Revision>, StoreError> {
        const SQL: &str = "SELECT r.id, r.title, r.body_md, r.status, u.display_name AS author, r.created_at \
             FROM site_revisions r LEFT JOIN users u ON u.id = r.author_id \
             WHERE r.section_key = $1 ORDER BY r.created_at DESC, r.id DESC";
        let key = key.to_owned();
        self.store.db.fetch_all(SQL, args![key.as_str()]).await
    }

    /// Saves a new revision of a section (draft, or published at once); publishing bumps the
    /// site version. Audited.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save_section(
        &self,
        key: &str,
        title: &str,
        body_md: &str,
        status: RevisionStatus,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let action = if status == RevisionStatus::Published {
            "site.published"
        } else {
            "site.draft_saved"
        };
        self.write_revision(key, title, body_md, status, actor, action, now)
            .await
    }

    /// Publishes an old revision's text again, as a new revision. `None` if it is not a
    /// revision of this section.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn restore_revision(
        &self,
        key: &str,
        revision: Uuid,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Option<Uuid>, StoreError> {
        let old: Option<(String, String)> = self
            .store
            .db
            .fetch_optional(
                "SELECT title, body_md FROM site_revisions WHERE id = $1 AND section_key = $2",
                args![revision, key],
            )
            .await?;
        let Some((title, body)) = old else {
            return Ok(None);
        };
        let id = self
            .write_revision(
                key,
                &title,
                &body,
                RevisionStatus::Published,
                actor,
                "site.restored",
                now,
            )
            .await?;
        Ok(Some(id))
    }

    #[allow(clippy::too_many_arguments)] // one private writer behind the two public doors
    async fn write_revision(
        &self,
        key: &str,
        title: &str,
        body_md: &str,
        status: RevisionStatus,
        actor: &Actor,
        action: &str,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let mut tx = self.store.begin().await?;
        let id = Uuid::now_v7();
        let author = actor.user.map(|u| u.0.as_uuid());
        tx.exec(
            "INSERT INTO site_revisions (id, section_key, title, body_md, status, author_id, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![id, key, title, body_md, status, author, now],
        )
        .await?;
        if status == RevisionStatus::Published {
            bump_version(&mut tx, now).await?;
        }
        audit::append(
            &mut tx,
            &actor.entry(action, now).record("site_revision", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves practice settings (public contact details and names) and bumps the site version.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn save_practice_details(
        &self,
        values: &[(&str, String)],
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        for (k, v) in values {
            settings::put(&mut tx, k, v, now).await?;
        }
        bump_version(&mut tx, now).await?;
        audit::append(
            &mut tx,
            &actor
                .entry("settings.changed", now)
                .record("practice_settings", values.len()),
        )
        .await?;
        tx.commit().await
    }
}

//! The demo practice's people and papers: the owner (made through the same one-time setup a
//! first start offers, when the practice has none yet), three therapists, a front desk person,
//! the partner prescriber organisation with its prescriber, and the consent documents. Accounts
//! that already exist (a second load) are used as they are; new ones get the load's password.

use anyhow::{Context, anyhow, bail};
use kapflow_domain::consent::{ConsentKind, NewDocument};
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, Email, NewPassword, OrgId, Role, UserId};
use kapflow_store::Store;
use kapflow_store::settings::keys;
use kapflow_store::setup::OwnerSetup;
use kapflow_store::users::NewUser;
use time::{Duration, OffsetDateTime};

pub const PRACTICE_NAME: &str = "Juniper Grove Psychotherapy";
const ORG_NAME: &str = "Clearwater Psychedelic Medicine";

/// (display name, email, role) of every demo account.
const OWNER: (&str, &str) = ("Dr. Renata Whitcombe", "renata@juniper-grove.example");
const STAFF: [(&str, &str, Role); 5] = [
    (
        "Miles Okonkwo, LMFT",
        "miles@juniper-grove.example",
        Role::Therapist,
    ),
    (
        "Ingrid Solberg, LCSW",
        "ingrid@juniper-grove.example",
        Role::Therapist,
    ),
    (
        "Tobias Ferrante, PsyD",
        "tobias@juniper-grove.example",
        Role::Therapist,
    ),
    (
        "Lena Brightwater",
        "frontdesk@juniper-grove.example",
        Role::FrontDesk,
    ),
    (
        "Dr. Kwame Ashdown, MD",
        "k.ashdown@clearwater-medicine.example",
        Role::Prescriber,
    ),
];

const CONSENTS: [(ConsentKind, &str); 3] = [
    (
        ConsentKind::Kap,
        "I understand that ketamine-assisted psychotherapy uses a ketamine lozenge prescribed by \
         a partner physician, taken in the office with my therapist present for the whole \
         session. I know the common effects (dissociation, nausea, a rise in blood pressure), \
         that I must not drive until the next day, and that I may stop at any time.",
    ),
    (
        ConsentKind::ReleaseOfInformation,
        "I allow the practice to share my intake, questionnaire scores and dosing-session notes \
         with the partner prescriber organisation for my medical evaluation and prescription, \
         until I revoke this release in writing.",
    ),
    (
        ConsentKind::Touch,
        "I agree that my therapist may offer supportive touch (a hand on the shoulder or \
         hand) during sessions, only after asking each time, and that I may say no at any time.",
    ),
];

/// A person of the practice, as the load acts for them.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: UserId,
    pub actor: Actor,
}

impl Member {
    fn new(id: UserId, role: Role) -> Member {
        Member {
            id,
            actor: Actor::user(id, role, None, None),
        }
    }
}

/// A sign-in to print at the end.
#[derive(Clone, Debug)]
pub struct Account {
    pub role: Role,
    pub email: String,
    pub name: String,
    /// Made by this load (with its password), or already there.
    pub made_now: bool,
}

pub struct Practice {
    pub name: String,
    /// The owner first, then the therapists: the clinicians whose caseloads clients join.
    pub clinicians: Vec<Member>,
    pub front_desk: Member,
    pub prescriber: Member,
    pub org: OrgId,
    pub accounts: Vec<Account>,
}

async fn password_hash(password: &str) -> anyhow::Result<String> {
    let p = NewPassword::parse(password, password).map_err(|e| anyhow!("--password: {e}"))?;
    kapflow_web::auth::password::hash(p)
        .await
        .map_err(|e| anyhow!("cannot hash the password: {e:?}"))
}

/// The owner: made through a one-time setup link when the practice has none, or the one there.
async fn owner(
    store: &Store,
    password: &str,
    at: OffsetDateTime,
) -> anyhow::Result<(Member, Account)> {
    if store.setup().needs_setup().await? {
        let hash = token_hash(&kapflow_web::setup_link::new_token());
        let email = Email::parse(OWNER.1).map_err(|e| anyhow!("{e}"))?;
        store
            .setup()
            .issue_link(&hash, at, at + Duration::hours(1))
            .await?;
        let setup = OwnerSetup {
            practice_name: PRACTICE_NAME,
            time_zone: Some(super::ZONE),
            display_name: OWNER.0,
            email: &email,
            password_hash: &password_hash(password).await?,
            ip: None,
        };
        let id = store
            .setup()
            .complete(&hash, &setup, at)
            .await?
            .map_err(|status| anyhow!("the practice's setup was refused: {status:?}"))?;
        let account = Account {
            role: Role::Owner,
            email: OWNER.1.to_owned(),
            name: OWNER.0.to_owned(),
            made_now: true,
        };
        return Ok((Member::new(id, Role::Owner), account));
    }
    let owner = store
        .users()
        .list()
        .await?
        .into_iter()
        .find(|u| u.role == Role::Owner && !u.disabled)
        .context("the practice's setup is done but it has no active owner")?;
    let account = Account {
        role: Role::Owner,
        email: owner.email.clone(),
        name: owner.display_name.clone(),
        made_now: false,
    };
    Ok((Member::new(owner.id, Role::Owner), account))
}

/// Makes (or finds) every demo account, the partner organisation and the consent documents.
pub async fn prepare(
    store: &Store,
    password: &str,
    at: OffsetDateTime,
) -> anyhow::Result<Practice> {
    let (owner, owner_account) = owner(store, password, at).await?;
    let mut accounts = vec![owner_account];
    let mut members = Vec::new();
    for (name, email, role) in STAFF {
        let parsed = Email::parse(email).map_err(|e| anyhow!("{e}"))?;
        let (id, made_now) = match store.users().by_email(&parsed).await? {
            Some(u) if u.role == role => (u.id, false),
            Some(u) => bail!(
                "{email} already has an account as {}, not {}",
                u.role.label(),
                role.label()
            ),
            None => {
                let hash = password_hash(password).await?;
                let new = NewUser {
                    email: &parsed,
                    display_name: name,
                    role,
                    password_hash: Some(&hash),
                };
                (
                    store.accounts().create_user(&new, &owner.actor, at).await?,
                    true,
                )
            }
        };
        accounts.push(Account {
            role,
            email: email.to_owned(),
            name: name.to_owned(),
            made_now,
        });
        members.push(Member::new(id, role));
    }
    let [t1, t2, t3, front_desk, prescriber] = <[Member; 5]>::try_from(members)
        .map_err(|_| anyhow!("the demo staff list changed shape"))?;
    let orgs = store.partner_orgs().list().await?;
    let org = match orgs.into_iter().find(|o| o.name == ORG_NAME) {
        Some(o) => o.id,
        None => store
            .partner_orgs()
            .add(ORG_NAME, &owner.actor, at)
            .await?
            .context("the partner organisation's name is taken")?,
    };
    if store.partner_orgs().of(prescriber.id).await? != Some(org) {
        store
            .partner_orgs()
            .set_member(prescriber.id, Some(org), &owner.actor, at)
            .await?;
    }
    let published = store.consents().latest_documents().await?;
    for (kind, body) in CONSENTS {
        if !published.iter().any(|d| d.kind == kind) {
            let doc = NewDocument {
                kind,
                title: kind.label().to_owned(),
                body: body.to_owned(),
            };
            store
                .consents()
                .add_document(&doc, &owner.actor, at)
                .await?;
        }
    }
    if store.settings().get(keys::TIME_ZONE).await?.is_none() {
        store
            .site()
            .save_practice_details(
                &[(keys::TIME_ZONE, super::ZONE.to_owned())],
                &owner.actor,
                at,
            )
            .await?;
    }
    let name = store
        .settings()
        .get(keys::PRACTICE_NAME)
        .await?
        .unwrap_or_else(|| PRACTICE_NAME.to_owned());
    Ok(Practice {
        name,
        clinicians: vec![owner, t1, t2, t3],
        front_desk,
        prescriber,
        org,
        accounts,
    })
}

/// A password of four short words and a number, from the operating system's generator.
pub fn generate_password() -> String {
    use rand::Rng;
    const WORDS: [&str; 16] = [
        "amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "inlet", "juniper",
        "kestrel", "lichen", "maple", "nettle", "osprey", "pebble",
    ];
    let mut rng = rand::rng();
    let mut parts: Vec<String> = (0..4)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())].to_owned())
        .collect();
    parts.push(rng.random_range(10..100).to_string());
    parts.join("-")
}

//! A client with a portal account, made the way the practice makes one: a record with an email
//! address, an invitation to it, accepted.

use super::{Person, TestApp};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, ClientId, Email, Role, UserId};
use kapflow_store::access::for_tests;
use kapflow_store::clients::Created;
use kapflow_store::invitations::{IssuedLink, LinkStatus};
use time::Duration;
use uuid::Uuid;

/// A new client `name` with `email`, on `therapist`'s caseload (none: no care team).
pub async fn client_with_email(
    t: &TestApp,
    name: &str,
    email: &str,
    therapist: Option<UserId>,
) -> ClientId {
    let mut input = super::clinic::adult(name);
    input.email = Some(Email::parse(email).expect("email"));
    let team: Vec<UserId> = therapist.into_iter().collect();
    match t
        .db
        .store
        .clients()
        .create(
            &Uuid::now_v7().to_string(),
            &input,
            None,
            &team,
            &Actor::default(),
            now_utc(),
        )
        .await
        .expect("client")
    {
        Created::Client(id) => id,
        other => panic!("{other:?}"),
    }
}

/// Invites client `c` to the portal and accepts: the account's id.
pub async fn accept_invitation(t: &TestApp, c: ClientId, name: &str) -> UserId {
    let token = format!("portal-{}", Uuid::now_v7().simple());
    let now = now_utc();
    t.db.store
        .portal()
        .invite(
            &for_tests(c),
            &IssuedLink {
                token_hash: &token_hash(&token),
                link: "http://127.0.0.1:8080/invite/x",
                expires_at: now + Duration::days(7),
            },
            7,
            &Actor::default(),
            now,
        )
        .await
        .expect("invite")
        .expect("sent");
    match t
        .db
        .store
        .invitations()
        .accept(
            &token_hash(&token),
            name,
            "no-password",
            &Actor::default(),
            now,
        )
        .await
        .expect("accept")
    {
        LinkStatus::Valid(id) => id,
        other => panic!("{other:?}"),
    }
}

/// A client `name` with a portal account, signed in with both factors.
pub async fn portal_client(
    t: &TestApp,
    name: &str,
    email: &str,
    therapist: Option<UserId>,
) -> (ClientId, Person) {
    let c = client_with_email(t, name, email, therapist).await;
    let id = accept_invitation(t, c, name).await;
    (c, t.session_for(id, Role::Client, email, true).await)
}

//! The owner's API tokens: making one (its secret shown once, only a hash kept), the form's
//! refusals beside their fields with what was typed kept, a token for one client from their
//! record, revoking, and the audit rows of each.

mod support;

use kapflow_domain::api_token::looks_like_secret;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_store::api_tokens::Presented;
use support::clinic::clinic;
use support::{TestApp, on_both_backends};

fn secret_in(body: &str) -> String {
    let at = body.find("kfa_").expect("a secret on the page");
    body[at..at + 68].to_owned()
}

on_both_backends!(
    tokens,
    the_owner_makes_shares_and_revokes_tokens,
    the_owner_makes_shares_and_revokes_tokens_postgres
);

async fn tokens(t: TestApp) {
    let c = clinic(&t).await;
    let owner = t.confirmed(&c.owner).await;
    let page = t.get("/settings/api-tokens", Some(&owner)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No tokens yet."));
    assert!(
        page.body.contains("http://127.0.0.1:8080/fhir/r4"),
        "the address to give"
    );

    // A practice-wide token: its secret is on the answer, once.
    let made = t
        .post(
            "/settings/api-tokens",
            "name=Regional+HIE&scope=all_clients&days=30&_key=aaaaaaaaaaaaaaaaaaaa1",
            Some(&owner),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let secret = secret_in(&made.body);
    assert!(looks_like_secret(&secret), "{secret}");
    assert!(made.body.contains("Regional HIE"));
    let again = t.get("/settings/api-tokens", Some(&owner)).await;
    assert!(
        !again.body.contains(&secret),
        "the secret is shown only once"
    );
    assert!(again.body.contains("Every client") && again.body.contains("Active"));
    // The same form sent twice makes one token.
    let twice = t
        .post(
            "/settings/api-tokens",
            "name=Regional+HIE&scope=all_clients&days=30&_key=aaaaaaaaaaaaaaaaaaaa1",
            Some(&owner),
        )
        .await;
    assert_eq!(twice.status, 409);
    assert!(!twice.body.contains("kfa_"));
    let store = &t.db.store;
    assert_eq!(store.api_tokens().list().await.expect("list").len(), 1);
    let Presented::Open(grant) = store
        .api_tokens()
        .presented(&token_hash(&secret), now_utc())
        .await
        .expect("read")
    else {
        panic!("the new token opens the API");
    };
    assert_eq!((grant.name(), grant.client()), ("Regional HIE", None));

    // Refusals: beside their fields, with what was typed kept.
    let refused = t
        .post(
            "/settings/api-tokens",
            "name=Regional+HIE&scope=all_clients&days=31&_key=aaaaaaaaaaaaaaaaaaaa2",
            Some(&owner),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Choose how long the token lasts."));
    assert!(refused.body.contains("value=\"Regional HIE\""));
    let taken = t
        .post(
            "/settings/api-tokens",
            "name=Regional+HIE&scope=all_clients&days=7&_key=aaaaaaaaaaaaaaaaaaaa3",
            Some(&owner),
        )
        .await;
    assert_eq!(taken.status, 422);
    assert!(taken.body.contains("Another token has this name"));
    assert!(taken.body.contains("aria-invalid=\"true\""));
    let blank = t
        .post(
            "/settings/api-tokens",
            "name=&scope=one_client&days=7&_key=aaaaaaaaaaaaaaaaaaaa4",
            Some(&owner),
        )
        .await;
    assert_eq!(blank.status, 422);
    assert!(
        blank
            .body
            .contains("Enter a name that says who the token is for.")
    );
    assert!(blank.body.contains("open their record"));

    // One client's token, from their record.
    let record = t.get(&format!("/clients/{}", c.a), Some(&owner)).await;
    let share = format!("/settings/api-tokens?client={}", c.a);
    assert!(record.body.contains(&share), "the record offers sharing");
    let form = t.get(&share, Some(&owner)).await;
    assert!(form.body.contains("Only Ada Alpha"));
    let made = t
        .post(
            "/settings/api-tokens",
            &format!(
                "name=Dr+Ng+EHR&scope=one_client&client={}&days=7&_key=aaaaaaaaaaaaaaaaaaaa5",
                c.a
            ),
            Some(&owner),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let one = secret_in(&made.body);
    let Presented::Open(grant) = store
        .api_tokens()
        .presented(&token_hash(&one), now_utc())
        .await
        .expect("read")
    else {
        panic!("open");
    };
    assert_eq!(grant.client(), Some(c.a));
    let listed = t.get("/settings/api-tokens", Some(&owner)).await;
    assert!(listed.body.contains("Only Ada Alpha"));

    // Revoking: at once, audited; a therapist's record page offers no sharing.
    let id = grant.id();
    let revoked = t
        .post(
            &format!("/settings/api-tokens/{id}/revoke"),
            "",
            Some(&owner),
        )
        .await;
    assert_eq!(revoked.location(), "/settings/api-tokens?revoked=1");
    assert!(matches!(
        store
            .api_tokens()
            .presented(&token_hash(&one), now_utc())
            .await
            .expect("read"),
        Presented::Closed { .. }
    ));
    // The revoked token is refused as FHIR, and the refusal shows in the audit viewer.
    let call = t
        .send(
            axum::http::Request::get("/fhir/r4/metadata")
                .header("authorization", format!("Bearer {one}"))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(call.status, 401);
    assert!(call.body.contains("OperationOutcome"));
    let viewer = t.get("/audit", Some(&owner)).await;
    assert_eq!(viewer.status, 200);
    for seen in [
        "fhir.refused",
        "Dr Ng EHR: token revoked",
        "Another system, by API token",
    ] {
        assert!(viewer.body.contains(seen), "the audit viewer shows {seen}");
    }
    // An address sending bad tokens is slowed down before it fills the trail.
    let mut statuses = Vec::new();
    for _ in 0..70 {
        let r = t
            .send(
                axum::http::Request::get("/fhir/r4/Patient")
                    .header("authorization", "Bearer not-a-token")
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await;
        statuses.push(r.status.as_u16());
    }
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(throttled > 0 && throttled < 70, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429));
    let own = t.get(&format!("/clients/{}", c.a), Some(&c.t1)).await;
    assert_eq!(own.status, 200);
    assert!(!own.body.contains("Share by API"));
    for action in ["api_token.created", "api_token.revoked"] {
        let rows = t.audit_of_action(action, 10).await;
        assert!(!rows.is_empty(), "{action} audited");
        assert!(
            rows.iter()
                .all(|r| r.entry.actor_user_id == Some(c.owner.id))
        );
    }
    let created = t.audit_of_action("api_token.created", 10).await;
    assert!(created.iter().any(|r| {
        r.entry
            .reason
            .as_deref()
            .is_some_and(|w| w.starts_with("Dr Ng EHR · One client"))
    }));
    assert!(
        created
            .iter()
            .all(|r| !r.entry.reason.as_deref().unwrap_or("").contains("kfa_"))
    );
}

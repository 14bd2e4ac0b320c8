//! Every client route × every role × two caseloads: a caller reaches a client only through
//! their relationship to that client. A role that can never do the action is refused (403); a
//! client outside the caller's reach answers 404 as if it did not exist, nothing changes, and
//! the denial is audited with the client.

mod support;

use axum::http::StatusCode;
use kapflow_domain::access::{Relationship, decide};
use kapflow_domain::{ClientId, Role};
use kapflow_web::auth::Access;
use support::clinic::{Clinic, clinic};
use support::on_both_backends;
use support::{Person, TestApp};

/// How each person stands to each client, written out by hand from the clinic fixture.
fn relationship(c: &Clinic, who: &Person, client: ClientId) -> Relationship {
    let is_a = client == c.a;
    match who.email.as_str() {
        "t1@example.org" if is_a => Relationship::AssignedClinician,
        "t2@example.org" if !is_a => Relationship::AssignedClinician,
        "p1@example.org" if is_a => Relationship::ReferredPrescriber,
        _ => Relationship::None,
    }
}

fn concrete(path: &str, c: &Clinic, client: ClientId) -> String {
    path.replace("{client}", &client.to_string())
        .replace("{signature}", &c.a_signature.to_string())
        .replace("{shipment}", &c.a_shipment.to_string())
        .replace("{request}", &c.a_dose_request.to_string())
        .replace("{alert}", &c.a_dose_request.to_string())
        // No such session: an allowed caller gets 404 from the page, never a denial.
        .replace("{session}", "0190c0de-0000-7000-8000-000000000006")
        .replace("{photo}", "0190c0de-0000-7000-8000-000000000007")
}

async fn audit_of(t: &TestApp, p: &Person) -> Vec<kapflow_store::audit::AuditListing> {
    let f = kapflow_store::audit::AuditFilter {
        actor: Some(p.id),
        ..Default::default()
    };
    t.audit_rows(&f, 10_000).await
}

async fn probe(t: TestApp) {
    let c = clinic(&t).await;
    let people = [
        &c.owner,
        &c.front,
        &c.t1,
        &c.t2,
        &c.p1,
        &c.p2,
        &c.client_user,
    ];
    let registry = kapflow_web::registry();
    let routes: Vec<_> = registry
        .specs()
        .iter()
        .filter_map(|s| match s.access {
            Access::Client(action) => Some((s.method.clone(), s.path, action)),
            _ => None,
        })
        .collect();
    assert!(routes.len() >= 25, "client routes: {}", routes.len());
    let mut probes = 0;
    for (method, path, action) in &routes {
        for client in [c.a, c.b] {
            let uri = concrete(path, &c, client);
            for who in people {
                let before = audit_of(&t, who).await.len();
                let p = t.session_for(who.id, who.role, &who.email, true).await;
                let r = t.call(method.as_str(), &uri, Some(&p)).await;
                assert!(
                    !r.status.is_server_error(),
                    "{method} {uri} as {}: {}",
                    who.email,
                    r.status
                );
                let role_may = Relationship::ALL
                    .iter()
                    .filter(|r| **r != Relationship::OwnRecord)
                    .any(|r| decide(who.role, *action, *r).is_allowed());
                let rel = relationship(&c, who, client);
                let allowed = decide(who.role, *action, rel).is_allowed();
                let after = audit_of(&t, who).await;
                let new = &after[..after.len() - before];
                let denied_rows: Vec<_> = new
                    .iter()
                    .filter(|a| a.entry.action == "access.denied")
                    .collect();
                if !role_may {
                    // A client is not told that a staff page exists: 404, where staff get 403.
                    let refused = if who.role == Role::Client {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::FORBIDDEN
                    };
                    assert_eq!(r.status, refused, "{method} {path} as {}", who.email);
                    assert_eq!(denied_rows.len(), 1);
                } else if allowed {
                    assert!(
                        r.status != StatusCode::FORBIDDEN && denied_rows.is_empty(),
                        "{method} {path} as {} on {} must be allowed, got {}",
                        who.email,
                        if client == c.a { "A" } else { "B" },
                        r.status
                    );
                } else {
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{method} {path} as {} on {} must look absent",
                        who.email,
                        if client == c.a { "A" } else { "B" }
                    );
                    // Nothing but the audited denial, which names the client.
                    assert_eq!(
                        new.len(),
                        1,
                        "{method} {path} as {}: {:?}",
                        who.email,
                        new.iter().map(|a| &a.entry.action).collect::<Vec<_>>()
                    );
                    assert_eq!(denied_rows.len(), 1);
                    assert_eq!(
                        denied_rows[0].entry.client_id.as_deref(),
                        Some(client.to_string().as_str())
                    );
                    assert!(!r.body.contains("Ada Alpha") && !r.body.contains("Ben Beta"));
                }
                probes += 1;
            }
        }
    }
    assert_eq!(probes, routes.len() * 2 * people.len());
    // Reads that were allowed are in the audit trail with the client.
    let reads: Vec<_> = audit_of(&t, &c.t1)
        .await
        .into_iter()
        .filter(|a| a.entry.action == "client.viewed")
        .collect();
    assert!(
        reads
            .iter()
            .any(|a| a.entry.client_id.as_deref() == Some(c.a.to_string().as_str()))
    );
    let _ = c.org1;
}

on_both_backends!(
    probe,
    every_client_route_reaches_only_the_callers_clients,
    every_client_route_reaches_only_the_callers_clients_postgres
);

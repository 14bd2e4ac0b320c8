//! The authorization matrix: every route of the app × every role (two people each) and the
//! anonymous caller → the expected allow or deny. It must stay exhaustive: a route added to the
//! app without a line here fails `the_table_covers_every_route`.

mod support;

use axum::http::{Method, StatusCode};
use kapflow_domain::Role;
use std::collections::BTreeSet;
use support::{Person, TestApp};

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// Anyone, signed in or not.
    Anyone,
    /// Anyone signed in with a password (second factor may be pending).
    SignedIn,
    /// Only these roles, fully signed in.
    Only(&'static [Role]),
}

const ALL_ROLES: &[Role] = &[
    Role::Owner,
    Role::Therapist,
    Role::FrontDesk,
    Role::Prescriber,
    Role::Client,
];
const STAFF: &[Role] = &[
    Role::Owner,
    Role::Therapist,
    Role::FrontDesk,
    Role::Prescriber,
];
const OWNER: &[Role] = &[Role::Owner];
/// The inbox route is open to these; which inquiries each sees is scoped per record (below).
const INBOX: &[Role] = &[Role::Owner, Role::FrontDesk, Role::Therapist];
/// Client routes: these roles pass the role check; which clients each reaches is decided per
/// record (tests/client_records.rs probes every client route across caseloads).
const CLINICIANS: &[Role] = &[Role::Owner, Role::Therapist];
const DEMOGRAPHICS_EDIT: &[Role] = &[Role::Owner, Role::FrontDesk, Role::Therapist];
const ADMIN_DESK: &[Role] = &[Role::Owner, Role::FrontDesk];
const CLINICAL_READ: &[Role] = &[Role::Owner, Role::Therapist, Role::Prescriber];
const PRESCRIBER: &[Role] = &[Role::Prescriber];

/// The expected access of every route, written independently of the app's registry.
const TABLE: &[(&str, &str, Who)] = &[
    ("GET", "/", Who::Anyone),
    ("GET", "/ketamine", Who::Anyone),
    ("GET", "/benefits", Who::Anyone),
    ("GET", "/how-kap-works", Who::Anyone),
    ("GET", "/medication", Who::Anyone),
    ("GET", "/research", Who::Anyone),
    ("GET", "/faq", Who::Anyone),
    ("GET", "/connect", Who::Anyone),
    ("POST", "/connect", Who::Anyone),
    ("GET", "/connect/thanks", Who::Anyone),
    ("GET", "/sitemap.xml", Who::Anyone),
    ("GET", "/robots.txt", Who::Anyone),
    ("GET", "/healthz", Who::Anyone),
    ("GET", "/readyz", Who::Anyone),
    ("GET", "/metrics", Who::Anyone),
    ("GET", "/static/{file}", Who::Anyone),
    ("GET", "/setup/{token}", Who::Anyone),
    ("POST", "/setup/{token}", Who::Anyone),
    ("GET", "/login", Who::Anyone),
    ("POST", "/login", Who::Anyone),
    ("GET", "/invite/{token}", Who::Anyone),
    ("POST", "/invite/{token}", Who::Anyone),
    ("GET", "/password/forgot", Who::Anyone),
    ("POST", "/password/forgot", Who::Anyone),
    ("GET", "/password/reset/{token}", Who::Anyone),
    ("POST", "/password/reset/{token}", Who::Anyone),
    ("GET", "/login/mfa", Who::SignedIn),
    ("POST", "/login/mfa", Who::SignedIn),
    ("GET", "/mfa/enrol", Who::SignedIn),
    ("POST", "/mfa/enrol", Who::SignedIn),
    ("POST", "/logout", Who::SignedIn),
    ("GET", "/dashboard", Who::Only(STAFF)),
    ("GET", "/account/sessions", Who::Only(ALL_ROLES)),
    ("POST", "/account/sessions/end-others", Who::Only(ALL_ROLES)),
    ("POST", "/session/keepalive", Who::Only(ALL_ROLES)),
    ("GET", "/step-up", Who::Only(ALL_ROLES)),
    ("POST", "/step-up", Who::Only(ALL_ROLES)),
    ("GET", "/staff", Who::Only(OWNER)),
    ("POST", "/staff/invite", Who::Only(OWNER)),
    ("POST", "/staff/invitations/revoke", Who::Only(OWNER)),
    ("POST", "/staff/{id}/disable", Who::Only(OWNER)),
    ("POST", "/staff/{id}/role", Who::Only(OWNER)),
    ("POST", "/staff/{id}/reset-mfa", Who::Only(OWNER)),
    ("GET", "/audit", Who::Only(OWNER)),
    ("GET", "/audit/export.csv", Who::Only(OWNER)),
    ("GET", "/inquiries", Who::Only(INBOX)),
    ("POST", "/inquiries/search", Who::Only(INBOX)),
    ("GET", "/inquiries/{id}", Who::Only(INBOX)),
    ("POST", "/inquiries/{id}/status", Who::Only(INBOX)),
    (
        "POST",
        "/inquiries/{id}/assign",
        Who::Only(&[Role::Owner, Role::FrontDesk]),
    ),
    ("POST", "/inquiries/{id}/notes", Who::Only(INBOX)),
    ("GET", "/site", Who::Only(OWNER)),
    ("POST", "/site/preview", Who::Only(OWNER)),
    ("GET", "/site/{key}", Who::Only(OWNER)),
    ("POST", "/site/{key}", Who::Only(OWNER)),
    ("POST", "/site/{key}/restore/{rev}", Who::Only(OWNER)),
    ("GET", "/photos/{id}", Who::Anyone),
    ("GET", "/site/photos", Who::Only(OWNER)),
    ("POST", "/site/photos", Who::Only(OWNER)),
    ("POST", "/site/photos/{id}/remove", Who::Only(OWNER)),
    ("GET", "/settings", Who::Only(OWNER)),
    ("POST", "/settings", Who::Only(OWNER)),
    ("GET", "/clients", Who::Only(STAFF)),
    ("POST", "/clients/search", Who::Only(STAFF)),
    ("GET", "/clients/new", Who::Only(DEMOGRAPHICS_EDIT)),
    ("POST", "/clients", Who::Only(DEMOGRAPHICS_EDIT)),
    ("GET", "/clients/{client}", Who::Only(STAFF)),
    (
        "GET",
        "/clients/{client}/edit",
        Who::Only(DEMOGRAPHICS_EDIT),
    ),
    (
        "POST",
        "/clients/{client}/edit",
        Who::Only(DEMOGRAPHICS_EDIT),
    ),
    ("POST", "/clients/{client}/care-team", Who::Only(ADMIN_DESK)),
    ("GET", "/clients/{client}/course", Who::Only(CLINICAL_READ)),
    (
        "POST",
        "/clients/{client}/course/advance",
        Who::Only(CLINICIANS),
    ),
    (
        "POST",
        "/clients/{client}/course/discontinue",
        Who::Only(CLINICIANS),
    ),
    (
        "POST",
        "/clients/{client}/course/new",
        Who::Only(CLINICIANS),
    ),
    ("POST", "/clients/{client}/referral", Who::Only(CLINICIANS)),
    ("GET", "/clients/{client}/intake", Who::Only(CLINICAL_READ)),
    ("POST", "/clients/{client}/intake", Who::Only(CLINICIANS)),
    (
        "POST",
        "/clients/{client}/screening/review",
        Who::Only(CLINICIANS),
    ),
    (
        "GET",
        "/clients/{client}/consents",
        Who::Only(CLINICAL_READ),
    ),
    ("POST", "/clients/{client}/consents", Who::Only(CLINICIANS)),
    (
        "POST",
        "/clients/{client}/consents/{signature}/revoke",
        Who::Only(CLINICIANS),
    ),
    (
        "GET",
        "/clients/{client}/preparation",
        Who::Only(CLINICAL_READ),
    ),
    (
        "POST",
        "/clients/{client}/preparation",
        Who::Only(CLINICIANS),
    ),
    (
        "GET",
        "/clients/{client}/prescriber",
        Who::Only(CLINICAL_READ),
    ),
    (
        "POST",
        "/clients/{client}/evaluation",
        Who::Only(PRESCRIBER),
    ),
    (
        "POST",
        "/clients/{client}/prescription",
        Who::Only(PRESCRIBER),
    ),
    ("POST", "/clients/{client}/shipments", Who::Only(PRESCRIBER)),
    (
        "POST",
        "/clients/{client}/shipments/{shipment}/received",
        Who::Only(PRESCRIBER),
    ),
    (
        "POST",
        "/clients/{client}/dose-requests",
        Who::Only(CLINICIANS),
    ),
    (
        "POST",
        "/clients/{client}/dose-requests/{request}/answer",
        Who::Only(PRESCRIBER),
    ),
    (
        "GET",
        "/clients/{client}/messages",
        Who::Only(CLINICAL_READ),
    ),
    (
        "POST",
        "/clients/{client}/messages",
        Who::Only(CLINICAL_READ),
    ),
    ("GET", "/break-glass", Who::Only(CLINICIANS)),
    ("POST", "/break-glass", Who::Only(CLINICIANS)),
    ("GET", "/consent-documents", Who::Only(OWNER)),
    ("POST", "/consent-documents", Who::Only(OWNER)),
    ("POST", "/partner-orgs", Who::Only(OWNER)),
    ("POST", "/staff/{id}/partner-org", Who::Only(OWNER)),
    ("GET", "/settings/clinical", Who::Only(OWNER)),
    ("GET", "/m/{token}", Who::Anyone),
    ("POST", "/m/{token}", Who::Anyone),
    ("GET", "/reports/outcomes", Who::Only(CLINICIANS)),
    ("GET", "/reports/outcomes/research.csv", Who::Only(OWNER)),
    ("GET", "/measures/instruments", Who::Only(OWNER)),
    ("POST", "/measures/instruments", Who::Only(OWNER)),
    (
        "GET",
        "/clients/{client}/measures",
        Who::Only(CLINICAL_READ),
    ),
    ("POST", "/clients/{client}/measures", Who::Only(CLINICIANS)),
    (
        "POST",
        "/clients/{client}/measures/{request}",
        Who::Only(CLINICIANS),
    ),
    (
        "POST",
        "/clients/{client}/measures/{request}/send",
        Who::Only(CLINICIANS),
    ),
    (
        "POST",
        "/clients/{client}/alerts/{alert}/acknowledge",
        Who::Only(CLINICIANS),
    ),
    ("POST", "/settings/clinical", Who::Only(OWNER)),
];

#[test]
fn the_table_covers_every_route() {
    let registered: BTreeSet<(String, String)> = kapflow_web::registry()
        .specs()
        .iter()
        .map(|s| (s.method.as_str().to_owned(), s.path.to_owned()))
        .collect();
    let table: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = registered.difference(&table).collect();
    let stale: Vec<_> = table.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without a line in the matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix lines for routes that do not exist: {stale:?}"
    );
}

fn concrete(path: &str, victim: &str) -> String {
    path.replace("{token}", &"ab".repeat(32))
        .replace("{id}", victim)
        .replace("{file}", "kapflow.css")
        // No such client: an allowed role gets 404 (tests/client_records.rs covers real ones).
        .replace("{client}", "0190c0de-0000-7000-8000-000000000001")
        .replace("{signature}", "0190c0de-0000-7000-8000-000000000002")
        .replace("{shipment}", "0190c0de-0000-7000-8000-000000000003")
        .replace("{request}", "0190c0de-0000-7000-8000-000000000004")
        .replace("{alert}", "0190c0de-0000-7000-8000-000000000005")
}

fn is_login_redirect(r: &support::Reply) -> bool {
    r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next=")
}

#[tokio::test]
async fn every_route_for_every_role_allows_or_denies_as_the_table_says() {
    matrix(TestApp::new().await).await;
}

#[tokio::test]
async fn every_route_for_every_role_allows_or_denies_as_the_table_says_postgres() {
    matrix(TestApp::new_postgres().await).await;
}

async fn matrix(t: TestApp) {
    // Two people per role; the victim is who owner actions are aimed at.
    let mut people: Vec<(Role, usize)> = Vec::new();
    for role in ALL_ROLES {
        for n in 0..2 {
            people.push((*role, n));
        }
    }
    let victim = t
        .signed_in("victim@example.org", Role::FrontDesk)
        .await
        .id
        .to_string();
    let mut accounts = Vec::new();
    for (role, n) in &people {
        let email = format!("{}{n}@example.org", role.as_str());
        accounts.push(t.signed_in(&email, *role).await);
    }
    let mut checked = 0;
    for (method, path, who) in TABLE {
        let uri = concrete(path, &victim);
        // Anonymous caller.
        let anon = if *method == "GET" {
            t.get(&uri, None).await
        } else {
            t.post(&uri, "", None).await
        };
        match who {
            Who::Anyone => assert!(
                anon.status != StatusCode::FORBIDDEN && !is_login_redirect(&anon),
                "{method} {path} anonymous: {}",
                anon.status
            ),
            _ => assert!(
                is_login_redirect(&anon),
                "{method} {path} anonymous must be sent to sign in, got {}",
                anon.status
            ),
        }
        for account in &accounts {
            // A fresh session each time: some routes end sessions (sign-out, sign out elsewhere).
            let p: Person = t
                .session_for(account.id, account.role, &account.email, true)
                .await;
            let r = if *method == "GET" {
                t.get(&uri, Some(&p)).await
            } else {
                t.post(&uri, "", Some(&p)).await
            };
            assert!(
                !r.status.is_server_error(),
                "{method} {path} as {:?}: {}",
                p.role,
                r.status
            );
            let allowed = match who {
                Who::Anyone | Who::SignedIn => true,
                Who::Only(roles) => roles.contains(&p.role),
            };
            if allowed {
                assert!(
                    r.status != StatusCode::FORBIDDEN && !is_login_redirect(&r),
                    "{method} {path} as {:?} must be allowed, got {} {}",
                    p.role,
                    r.status,
                    r.location()
                );
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as {:?} must be denied",
                    p.role
                );
                let denials = t.audit_actions(Some(p.id)).await;
                assert!(
                    denials
                        .iter()
                        .any(|(a, o)| a == "access.denied" && o == "denied"),
                    "{method} {path} as {:?}: denial not audited",
                    p.role
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, TABLE.len() * 10);
}

#[tokio::test]
async fn a_route_added_without_a_policy_is_refused() {
    use axum::routing::get;
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let state = kapflow_web::AppState::new(t.db.store.clone(), kapflow_web::WebConfig::default());
    let (router, registry) = kapflow_web::routes::build().into_parts();
    async fn sneaky() -> &'static str {
        "client records"
    }
    let router = router.route("/sneaky", get(sneaky));
    let app = kapflow_web::app_from_parts(state, router, registry);
    for who in [None, Some(&owner)] {
        let mut req = axum::http::Request::get("/sneaky");
        if let Some(p) = who {
            req = req.header("cookie", format!("kapflow_session={}", p.token));
        }
        let r = support::send(&app, req.body(axum::body::Body::empty()).expect("req")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(!r.body.contains("client records"));
    }
    let _ = Method::GET;
}

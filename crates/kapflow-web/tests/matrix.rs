//! The authorization matrix: every route of the app × every role (two people each) and the
//! anonymous caller → the expected allow or deny. It must stay exhaustive: a route added to the
//! app without a line here fails `the_table_covers_every_route`.

mod support;

use axum::http::{Method, StatusCode};
use kapflow_domain::Role;
use std::collections::BTreeSet;
use support::on_both_backends;
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
    /// The FHIR API: a bearer token, never a session; every person and the anonymous caller
    /// get 401 as FHIR (kapflow-fhir's tests/api.rs runs every token against every client).
    Token,
}

const ALL_ROLES: &[Role] = &[
    Role::Owner,
    Role::Therapist,
    Role::FrontDesk,
    Role::Prescriber,
    Role::Client,
];
const ANYONE: Who = Who::Anyone;
const SIGNED_IN: Who = Who::SignedIn;
const STAFF: Who = Who::Only(&[
    Role::Owner,
    Role::Therapist,
    Role::FrontDesk,
    Role::Prescriber,
]);
const ANY_ROLE: Who = Who::Only(ALL_ROLES);
const OWNER: Who = Who::Only(&[Role::Owner]);
/// The inbox route is open to these; which inquiries each sees is scoped per record (below).
const INBOX: Who = Who::Only(&[Role::Owner, Role::FrontDesk, Role::Therapist]);
/// Client routes: these roles pass the role check; which clients each reaches is decided per
/// record (tests/client_records.rs probes every client route across caseloads).
const CLINICIANS: Who = Who::Only(&[Role::Owner, Role::Therapist]);
const DEMOGRAPHICS_EDIT: Who = Who::Only(&[Role::Owner, Role::FrontDesk, Role::Therapist]);
const ADMIN_DESK: Who = Who::Only(&[Role::Owner, Role::FrontDesk]);
const CLINICAL_READ: Who = Who::Only(&[Role::Owner, Role::Therapist, Role::Prescriber]);
const PRESCRIBER: Who = Who::Only(&[Role::Prescriber]);
/// The practice calendar: everyone who books or holds sessions (client names are scoped per
/// record on the page).
const CALENDAR: Who = Who::Only(&[Role::Owner, Role::Therapist, Role::FrontDesk]);
/// The client portal: clients only (their own record comes from their account;
/// tests/portal.rs probes another client's ids).
const PORTAL: Who = Who::Only(&[Role::Client]);

/// The expected access of every route, written independently of the app's registry (one route
/// a line).
#[rustfmt::skip]
const TABLE: &[(&str, &str, Who)] = &[
    ("GET", "/", ANYONE),
    ("GET", "/ketamine", ANYONE),
    ("GET", "/benefits", ANYONE),
    ("GET", "/how-kap-works", ANYONE),
    ("GET", "/medication", ANYONE),
    ("GET", "/research", ANYONE),
    ("GET", "/faq", ANYONE),
    ("GET", "/connect", ANYONE),
    ("POST", "/connect", ANYONE),
    ("GET", "/connect/thanks", ANYONE),
    ("GET", "/sitemap.xml", ANYONE),
    ("GET", "/robots.txt", ANYONE),
    ("GET", "/healthz", ANYONE),
    ("GET", "/readyz", ANYONE),
    ("GET", "/metrics", ANYONE),
    ("GET", "/static/{file}", ANYONE),
    ("GET", "/setup/{token}", ANYONE),
    ("POST", "/setup/{token}", ANYONE),
    ("GET", "/login", ANYONE),
    ("POST", "/login", ANYONE),
    ("GET", "/invite/{token}", ANYONE),
    ("POST", "/invite/{token}", ANYONE),
    ("GET", "/password/forgot", ANYONE),
    ("POST", "/password/forgot", ANYONE),
    ("GET", "/password/reset/{token}", ANYONE),
    ("POST", "/password/reset/{token}", ANYONE),
    ("GET", "/login/mfa", SIGNED_IN),
    ("POST", "/login/mfa", SIGNED_IN),
    ("GET", "/mfa/enrol", SIGNED_IN),
    ("POST", "/mfa/enrol", SIGNED_IN),
    ("POST", "/logout", SIGNED_IN),
    ("POST", "/passkeys/register/start", SIGNED_IN),
    ("POST", "/passkeys/register/finish", SIGNED_IN),
    ("POST", "/passkeys/sign-in/start", SIGNED_IN),
    ("POST", "/passkeys/sign-in/finish", SIGNED_IN),
    ("GET", "/dashboard", STAFF),
    ("GET", "/account/sessions", ANY_ROLE),
    ("GET", "/account/notifications", ANY_ROLE),
    ("POST", "/account/notifications", ANY_ROLE),
    ("POST", "/account/sessions/end-others", ANY_ROLE),
    ("POST", "/account/passkeys/{passkey}/remove", ANY_ROLE),
    ("POST", "/session/keepalive", ANY_ROLE),
    ("GET", "/step-up", ANY_ROLE),
    ("POST", "/step-up", ANY_ROLE),
    ("GET", "/staff", OWNER),
    ("POST", "/staff/invite", OWNER),
    ("POST", "/staff/invitations/revoke", OWNER),
    ("POST", "/staff/{id}/disable", OWNER),
    ("POST", "/staff/{id}/role", OWNER),
    ("POST", "/staff/{id}/reset-mfa", OWNER),
    ("GET", "/audit", OWNER),
    ("GET", "/audit/export.csv", OWNER),
    ("GET", "/inquiries", INBOX),
    ("POST", "/inquiries/search", INBOX),
    ("GET", "/inquiries/{id}", INBOX),
    ("POST", "/inquiries/{id}/status", INBOX),
    ("POST", "/inquiries/{id}/assign", ADMIN_DESK),
    ("POST", "/inquiries/{id}/notes", INBOX),
    ("GET", "/site", OWNER),
    ("POST", "/site/preview", OWNER),
    ("GET", "/site/{key}", OWNER),
    ("POST", "/site/{key}", OWNER),
    ("POST", "/site/{key}/restore/{rev}", OWNER),
    ("GET", "/photos/{id}", ANYONE),
    ("GET", "/site/photos", OWNER),
    ("POST", "/site/photos", OWNER),
    ("POST", "/site/photos/{id}/remove", OWNER),
    ("GET", "/settings", OWNER),
    ("POST", "/settings", OWNER),
    ("GET", "/clients", STAFF),
    ("POST", "/clients/search", STAFF),
    ("GET", "/clients/new", DEMOGRAPHICS_EDIT),
    ("POST", "/clients", DEMOGRAPHICS_EDIT),
    ("GET", "/clients/{client}", STAFF),
    ("GET", "/clients/{client}/edit", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/edit", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/care-team", ADMIN_DESK),
    ("GET", "/clients/{client}/course", CLINICAL_READ),
    ("POST", "/clients/{client}/course/advance", CLINICIANS),
    ("POST", "/clients/{client}/course/discontinue", CLINICIANS),
    ("POST", "/clients/{client}/course/new", CLINICIANS),
    ("POST", "/clients/{client}/referral", CLINICIANS),
    ("POST", "/clients/{client}/integration", CLINICIANS),
    ("POST", "/clients/{client}/course/complete", CLINICIANS),
    ("GET", "/clients/{client}/intake", CLINICAL_READ),
    ("POST", "/clients/{client}/intake", CLINICIANS),
    ("POST", "/clients/{client}/screening/review", CLINICIANS),
    ("GET", "/clients/{client}/consents", CLINICAL_READ),
    ("POST", "/clients/{client}/consents", CLINICIANS),
    ("POST", "/clients/{client}/consents/{signature}/revoke", CLINICIANS),
    ("GET", "/clients/{client}/preparation", CLINICAL_READ),
    ("POST", "/clients/{client}/preparation", CLINICIANS),
    ("GET", "/clients/{client}/prescriber", CLINICAL_READ),
    ("POST", "/clients/{client}/evaluation", PRESCRIBER),
    ("POST", "/clients/{client}/prescription", PRESCRIBER),
    ("POST", "/clients/{client}/shipments", PRESCRIBER),
    ("POST", "/clients/{client}/shipments/{shipment}/received", PRESCRIBER),
    ("POST", "/clients/{client}/dose-requests", CLINICIANS),
    ("POST", "/clients/{client}/dose-requests/{request}/answer", PRESCRIBER),
    ("POST", "/clients/{client}/portal/invite", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/portal/withdraw", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/portal/access", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/portal/reset-second-factor", DEMOGRAPHICS_EDIT),
    ("GET", "/portal", PORTAL),
    ("GET", "/portal/appointments", PORTAL),
    ("GET", "/portal/appointments/{appointment}/calendar.ics", PORTAL),
    ("POST", "/portal/appointments/{appointment}/change", PORTAL),
    ("GET", "/portal/questionnaires", PORTAL),
    ("POST", "/portal/questionnaires/{request}", PORTAL),
    ("GET", "/portal/journal", PORTAL),
    ("POST", "/portal/journal", PORTAL),
    ("POST", "/portal/journal/{entry}/share", PORTAL),
    ("GET", "/portal/messages", PORTAL),
    ("POST", "/portal/messages", PORTAL),
    ("GET", "/portal/messages/files/{file}", PORTAL),
    ("GET", "/portal/preparation", PORTAL),
    ("GET", "/portal/my-record.csv", PORTAL),
    ("GET", "/portal/intake", PORTAL),
    ("POST", "/portal/intake", PORTAL),
    ("GET", "/portal/consents", PORTAL),
    ("POST", "/portal/consents", PORTAL),
    ("POST", "/clients/{client}/consents/{signature}/accept", CLINICIANS),
    ("GET", "/clients/{client}/messages", CLINICAL_READ),
    ("POST", "/clients/{client}/messages", CLINICAL_READ),
    ("GET", "/clients/{client}/messages/files/{file}", CLINICAL_READ),
    ("GET", "/break-glass", CLINICIANS),
    ("POST", "/break-glass", CLINICIANS),
    ("GET", "/consent-documents", OWNER),
    ("POST", "/consent-documents", OWNER),
    ("POST", "/partner-orgs", OWNER),
    ("POST", "/partner-orgs/{id}", OWNER),
    ("POST", "/staff/{id}/partner-org", OWNER),
    ("GET", "/settings/clinical", OWNER),
    ("GET", "/m/{token}", ANYONE),
    ("POST", "/m/{token}", ANYONE),
    ("GET", "/reports/outcomes", CLINICIANS),
    ("GET", "/clients/{client}/custody", CLINICAL_READ),
    ("GET", "/reports/custody", OWNER),
    ("GET", "/reports/outcomes/research.csv", OWNER),
    ("GET", "/measures/instruments", OWNER),
    ("POST", "/measures/instruments", OWNER),
    ("GET", "/clients/{client}/measures", CLINICAL_READ),
    ("POST", "/clients/{client}/measures", CLINICIANS),
    ("POST", "/clients/{client}/measures/{request}", CLINICIANS),
    ("POST", "/clients/{client}/measures/{request}/send", CLINICIANS),
    ("POST", "/clients/{client}/alerts/acknowledge", CLINICIANS),
    ("POST", "/clients/{client}/email-consent", DEMOGRAPHICS_EDIT),
    ("GET", "/clients/{client}/appointments", STAFF),
    ("POST", "/clients/{client}/appointments", DEMOGRAPHICS_EDIT),
    ("GET", "/clients/{client}/appointments/{appointment}", STAFF),
    ("POST", "/clients/{client}/appointments/{appointment}/move", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/appointments/{appointment}/cancel", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/appointments/{appointment}/no-show", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/appointments/{appointment}/note", CLINICIANS),
    ("GET", "/clients/{client}/notes", CLINICAL_READ),
    ("POST", "/clients/{client}/notes", CLINICIANS),
    ("GET", "/clients/{client}/notes/{note}", CLINICAL_READ),
    ("POST", "/clients/{client}/notes/{note}", CLINICIANS),
    ("POST", "/clients/{client}/notes/{note}/sign", CLINICIANS),
    ("GET", "/clients/{client}/notes/{note}/pdf", CLINICAL_READ),
    ("POST", "/clients/{client}/notes/{note}/addenda", CLINICIANS),
    ("GET", "/clients/{client}/psychotherapy-notes", CLINICIANS),
    ("POST", "/clients/{client}/psychotherapy-notes", CLINICIANS),
    ("GET", "/clients/{client}/psychotherapy-notes/{note}", CLINICIANS),
    ("POST", "/clients/{client}/psychotherapy-notes/{note}", CLINICIANS),
    ("GET", "/calendar", CALENDAR),
    ("GET", "/calendar/day.pdf", CALENDAR),
    ("GET", "/ical/{token}", ANYONE),
    ("POST", "/calendar/my-feed", CALENDAR),
    ("POST", "/calendar/my-feed/withdraw", CALENDAR),
    ("GET", "/calendar/holds/new", CALENDAR),
    ("POST", "/calendar/holds", CALENDAR),
    ("GET", "/calendar/holds/{appointment}", CALENDAR),
    ("POST", "/calendar/holds/{appointment}/cancel", CALENDAR),
    ("GET", "/calendar/hours", CALENDAR),
    ("POST", "/calendar/hours", CALENDAR),
    ("POST", "/calendar/time-off", CALENDAR),
    ("POST", "/calendar/time-off/{entry}/remove", CALENDAR),
    ("GET", "/calendar/setup", OWNER),
    ("POST", "/calendar/setup/types/{key}", OWNER),
    ("POST", "/calendar/setup/rooms", OWNER),
    ("POST", "/calendar/setup/feed", OWNER),
    ("POST", "/calendar/setup/rooms/{room}", OWNER),
    ("GET", "/clients/{client}/responses/{response}", CLINICAL_READ),
    ("GET", "/clients/{client}/dosing", CLINICAL_READ),
    ("POST", "/clients/{client}/dosing", CLINICIANS),
    ("GET", "/clients/{client}/dosing/{session}", CLINICAL_READ),
    ("GET", "/clients/{client}/dosing/{session}/aftercare", CLINICAL_READ),
    ("POST", "/clients/{client}/dosing/{session}/ride-home", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/pre-dose-measures", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/override", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/start", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/cancel", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/vitals", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/alerts/{alert}/acknowledge", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/observations", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/presence", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/custody", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/discharge", CLINICIANS),
    ("POST", "/clients/{client}/dosing/{session}/label-photos", CLINICIANS),
    ("GET", "/clients/{client}/dosing/{session}/label-photos/{photo}", CLINICAL_READ),
    ("POST", "/settings/clinical", OWNER),
    ("GET", "/settings/api-tokens", OWNER),
    ("GET", "/clients/{client}/record-copy.pdf", CLINICIANS),
    ("GET", "/clients/{client}/record-copy.json", CLINICIANS),
    ("GET", "/portal/my-record.pdf", PORTAL),
    ("GET", "/portal/my-record.json", PORTAL),
    ("POST", "/settings/api-tokens", OWNER),
    ("POST", "/settings/api-tokens/{token}/revoke", OWNER),
    ("GET", "/settings/billing", OWNER),
    ("GET", "/reports/billing", OWNER),
    ("GET", "/reports/billing/ledger.csv", OWNER),
    ("POST", "/settings/billing", OWNER),
    ("POST", "/settings/billing/fees", OWNER),
    ("POST", "/settings/billing/codes", OWNER),
    ("POST", "/settings/billing/clinicians/{id}", OWNER),
    ("GET", "/clients/{client}/billing", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/billing/charges", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/billing/payments", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/billing/rates", DEMOGRAPHICS_EDIT),
    ("POST", "/clients/{client}/billing/estimates", DEMOGRAPHICS_EDIT),
    ("GET", "/clients/{client}/billing/estimate.pdf", DEMOGRAPHICS_EDIT),
    ("GET", "/portal/estimate.pdf", PORTAL),
    ("POST", "/clients/{client}/billing/diagnoses", CLINICIANS),
    ("POST", "/clients/{client}/billing/diagnoses/remove", CLINICIANS),
    ("GET", "/clients/{client}/billing/sessions/{session}", CLINICIANS),
    ("POST", "/clients/{client}/billing/sessions/{session}", CLINICIANS),
    ("GET", "/clients/{client}/billing/superbill.pdf", DEMOGRAPHICS_EDIT),
    ("GET", "/clients/{client}/billing/statement.pdf", DEMOGRAPHICS_EDIT),
    ("GET", "/fhir/r4/metadata", Who::Token),
    ("GET", "/fhir/r4/{*rest}", Who::Token),
];

/// The sensitive actions (../shared/design/security.md, and what the practice added): each asks
/// for a fresh step-up before it runs.
#[rustfmt::skip]
const CONFIRMED: &[(&str, &str)] = &[
    ("GET", "/break-glass"),
    ("POST", "/break-glass"),
    ("GET", "/reports/outcomes/research.csv"),
    ("GET", "/audit/export.csv"),
    ("POST", "/staff/{id}/disable"),
    ("POST", "/staff/{id}/role"),
    ("POST", "/staff/{id}/reset-mfa"),
    ("POST", "/clients/{client}/consents"),
    ("POST", "/clients/{client}/shipments"),
    ("POST", "/clients/{client}/shipments/{shipment}/received"),
    ("POST", "/clients/{client}/dosing/{session}/override"),
    ("POST", "/account/passkeys/{passkey}/remove"),
    ("POST", "/clients/{client}/portal/reset-second-factor"),
    ("POST", "/settings/api-tokens"),
    ("GET", "/clients/{client}/record-copy.pdf"),
    ("GET", "/clients/{client}/record-copy.json"),
    ("POST", "/settings/api-tokens/{token}/revoke"),
    ("GET", "/reports/billing/ledger.csv"),
];

fn confirmed(method: &str, path: &str) -> bool {
    CONFIRMED.contains(&(method, path))
}

#[test]
fn the_step_up_table_matches_the_app() {
    let registered: BTreeSet<(String, String)> = kapflow_web::registry()
        .specs()
        .iter()
        .filter(|s| s.step_up)
        .map(|s| (s.method.as_str().to_owned(), s.path.to_owned()))
        .collect();
    let table: BTreeSet<(String, String)> = CONFIRMED
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(registered, table, "routes that ask for step-up");
}

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
        .replace("{session}", "0190c0de-0000-7000-8000-000000000006")
        .replace("{photo}", "0190c0de-0000-7000-8000-000000000007")
        .replace("{response}", "0190c0de-0000-7000-8000-000000000008")
        .replace("{appointment}", "0190c0de-0000-7000-8000-000000000009")
        .replace("{entry}", "0190c0de-0000-7000-8000-00000000000a")
        .replace("{passkey}", "0190c0de-0000-7000-8000-00000000000b")
        .replace(
            "{*rest}",
            "Patient/0190c0de-0000-7000-8000-000000000001/$everything",
        )
}

/// A refusal of the FHIR API: 401 with an OperationOutcome, never a page or a redirect.
fn is_fhir_401(r: &support::Reply) -> bool {
    r.status == StatusCode::UNAUTHORIZED && r.body.contains("\"OperationOutcome\"")
}

fn is_login_redirect(r: &support::Reply) -> bool {
    r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next=")
}

on_both_backends!(
    matrix,
    every_route_for_every_role_allows_or_denies_as_the_table_says,
    every_route_for_every_role_allows_or_denies_as_the_table_says_postgres
);

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
        accounts.push(if *role == Role::Client {
            // A client's account belongs to their record, as an accepted invitation makes it.
            support::portal::portal_client(&t, &format!("Client {n}"), &email, None)
                .await
                .1
        } else {
            t.signed_in(&email, *role).await
        });
    }
    let mut checked = 0;
    for (method, path, who) in TABLE {
        let uri = concrete(path, &victim);
        // Anonymous caller.
        let anon = t.call(method, &uri, None).await;
        match who {
            Who::Token => assert!(
                is_fhir_401(&anon),
                "{method} {path} anonymous: {}",
                anon.status
            ),
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
            let r = t.call(method, &uri, Some(&p)).await;
            assert!(
                !r.status.is_server_error(),
                "{method} {path} as {:?}: {}",
                p.role,
                r.status
            );
            let allowed = match who {
                Who::Token => {
                    // A session never opens the API, whoever it belongs to.
                    assert!(
                        is_fhir_401(&r),
                        "{method} {path} as {:?}: {}",
                        p.role,
                        r.status
                    );
                    checked += 1;
                    continue;
                }
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
                let asks = r.location().starts_with("/step-up?next=");
                // A client route about a client who does not exist answers 404 before anything
                // else (tests/client_records.rs and clients.rs ask for step-up on real ones).
                assert_eq!(
                    asks,
                    confirmed(method, path) && !path.contains("{client}"),
                    "{method} {path} as {:?}: asks for step-up ({})",
                    p.role,
                    r.location()
                );
                if asks {
                    // Just confirmed with a code: the action runs.
                    let fresh = t
                        .confirmed_session_for(account.id, account.role, &account.email)
                        .await;
                    let r = t.call(method, &uri, Some(&fresh)).await;
                    assert!(
                        !r.location().starts_with("/step-up")
                            && r.status != StatusCode::FORBIDDEN
                            && !r.status.is_server_error(),
                        "{method} {path} as {:?} after step-up: {} {}",
                        p.role,
                        r.status,
                        r.location()
                    );
                }
            } else {
                // A client is not told that a staff page exists; staff are refused the portal.
                let refused = if p.role == Role::Client {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::FORBIDDEN
                };
                if *path == "/dashboard" && p.role == Role::Client {
                    // A client's landing page is the portal: sent there, not refused.
                    assert_eq!(r.location(), "/portal", "{method} {path} as a client");
                    checked += 1;
                    continue;
                }
                assert_eq!(
                    r.status, refused,
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

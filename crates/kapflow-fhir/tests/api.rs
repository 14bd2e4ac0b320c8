//! The FHIR read API end to end through the web app: every token kind (every client, one
//! client, expired, revoked, none) against every kind of request for its own client and
//! another, the answers checked by the outside validator, paging followed to the end, and
//! every call in the audit trail under the token's name.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{ApiTokenId, ClientId};
use kapflow_store::api_tokens::{Created, NewToken};
use kapflow_store::audit::AuditFilter;
use kapflow_store::testkit::TestDb;
use serde_json::Value;
use support::validator::hl7_validator;
use support::world::{new_client, ready_for_dosing, world};
use time::Duration;
use tower::ServiceExt;

struct Api {
    app: axum::Router,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    json: Value,
}

impl Api {
    fn new(db: &TestDb) -> Api {
        let state = kapflow_web::AppState::new(db.store.clone(), kapflow_web::WebConfig::default());
        state.install_fhir(std::sync::Arc::new(kapflow_fhir::api::Server));
        Api {
            app: kapflow_web::app(state),
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut req = Request::get(format!("/fhir/r4/{path}"));
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(req, path).await
    }

    /// A page of the app as a signed-in person (session cookie `session`).
    async fn page(&self, path: &str, session: &str) -> Answer {
        let req = Request::get(path).header(header::COOKIE, format!("kapflow_session={session}"));
        self.send(req, path).await
    }

    async fn send(&self, req: axum::http::request::Builder, path: &str) -> Answer {
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = http_body_util::BodyExt::collect(res.into_body())
            .await
            .expect("body")
            .to_bytes();
        // Every answer of the API is JSON; an app page (a refusal) is not.
        let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            assert!(
                !path.starts_with("/clients") || !status.is_success(),
                "{path}"
            );
            assert!(
                path.starts_with('/'),
                "{path}: not JSON: {}",
                String::from_utf8_lossy(&bytes)
            );
            Value::Null
        });
        Answer {
            status,
            content_type,
            json,
        }
    }
}

/// Makes a token named `name` for `client` (or every client), ending `days` from now.
async fn token(
    db: &TestDb,
    owner: kapflow_domain::UserId,
    actor: &kapflow_domain::Actor,
    name: &str,
    client: Option<ClientId>,
    days: i64,
) -> (ApiTokenId, String) {
    let secret =
        kapflow_domain::api_token::secret_from(&format!("{:064x}", uuid::Uuid::now_v7().as_u128()));
    let now = now_utc();
    let made = db
        .store
        .api_tokens()
        .create(
            NewToken {
                name,
                client,
                expires_at: now + Duration::days(days),
                hash: &token_hash(&secret),
            },
            owner,
            actor,
            now,
        )
        .await
        .expect("create");
    let Created::Made(id) = made else {
        panic!("{made:?}");
    };
    (id, secret)
}

/// A session of `user`, both factors passed and just confirmed with a code.
async fn confirmed_session(db: &TestDb, user: kapflow_domain::UserId) -> String {
    let token = format!("{:064x}", uuid::Uuid::now_v7().as_u128());
    db.store
        .accounts()
        .start_session_after_password(
            &kapflow_store::sessions::NewSession {
                user,
                token_hash: &token_hash(&token),
                csrf_token: "csrf-token-of-the-test-session",
                mfa_verified: true,
                step_up: true,
                ip: None,
                user_agent: None,
            },
            &kapflow_domain::Actor::default(),
            now_utc(),
        )
        .await
        .expect("session");
    token
}

fn entries(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|x| &x["resource"]).collect())
        .unwrap_or_default()
}

fn ids_of(bundle: &Value) -> Vec<String> {
    entries(bundle)
        .into_iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn is_outcome(a: &Answer, status: StatusCode) -> bool {
    a.status == status && a.json["resourceType"] == "OperationOutcome"
}

kapflow_store::store_test!(every_token_against_every_client, async |db: &TestDb| {
    let w = world(db).await;
    let a = new_client(db, &w, "Ada Alpha", w.t1.0).await;
    let b = new_client(db, &w, "Ben Beta", w.t1.0).await;
    ready_for_dosing(db, &w, a).await;
    ready_for_dosing(db, &w, b).await;
    let (owner, actor) = (&w.owner.0, &w.owner.1);
    let (_, every) = token(db, *owner, actor, "Regional HIE", None, 30).await;
    let (_, only_a) = token(db, *owner, actor, "Dr Ng EHR", Some(a), 30).await;
    let (_, expired) = token(db, *owner, actor, "Old feed", None, -1).await;
    let (revoked_id, revoked) = token(db, *owner, actor, "Ended feed", None, 30).await;
    db.store
        .api_tokens()
        .revoke(revoked_id, *owner, actor, now_utc())
        .await
        .expect("revoke");
    let api = Api::new(db);
    let mut checked = Vec::new();

    // Every client's whole record, as the practice-wide token reads it.
    let mut records = Vec::new();
    for c in [a, b] {
        let all = api
            .get(&format!("Patient/{c}/$everything?_count=200"), Some(&every))
            .await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.json);
        assert!(all.content_type.starts_with("application/fhir+json"));
        assert_eq!(all.json["type"], "searchset");
        let ids = ids_of(&all.json);
        assert!(ids.contains(&format!("Patient/{c}")));
        for kind in [
            "EpisodeOfCare",
            "Consent",
            "MedicationRequest",
            "MedicationDispense",
            "Flag",
            "Provenance",
            "Practitioner",
            "Organization",
        ] {
            assert!(
                ids.iter().any(|i| i.starts_with(&format!("{kind}/"))),
                "{kind} in {ids:?}"
            );
        }
        checked.push(all.json.clone());
        records.push(ids);
    }
    let (a_ids, b_ids) = (&records[0], &records[1]);
    // The client-level records of B (not the practice's own kinds they share).
    let b_own: Vec<&String> = b_ids
        .iter()
        .filter(|i| {
            !["Practitioner/", "Organization/", "Questionnaire/"]
                .iter()
                .any(|k| i.starts_with(k))
        })
        .collect();
    assert!(b_own.len() > 5, "{b_own:?}");

    // The one-client token: A in full; for B, every read is "not found", every search empty.
    for id in a_ids {
        let r = api.get(id, Some(&only_a)).await;
        assert_eq!(r.status, StatusCode::OK, "{id}: {}", r.json);
        assert_eq!(
            format!(
                "{}/{}",
                r.json["resourceType"].as_str().unwrap_or(""),
                r.json["id"].as_str().unwrap_or("")
            ),
            *id
        );
    }
    for id in &b_own {
        let r = api.get(id, Some(&only_a)).await;
        assert!(
            is_outcome(&r, StatusCode::NOT_FOUND),
            "{id} read by A's token: {}",
            r.status
        );
        let r = api.get(id, Some(&every)).await;
        assert_eq!(r.status, StatusCode::OK, "{id} read by the practice token");
    }
    let r = api
        .get(&format!("Patient/{b}/$everything"), Some(&only_a))
        .await;
    assert!(is_outcome(&r, StatusCode::NOT_FOUND));
    checked.push(r.json);
    for kind in kapflow_fhir::api::PATIENT_KINDS
        .iter()
        .filter(|k| **k != "Patient")
    {
        let r = api.get(&format!("{kind}?patient={b}"), Some(&only_a)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            (r.json["total"].as_u64(), entries(&r.json).len()),
            (Some(0), 0),
            "{kind} of B by A's token"
        );
        // Without `patient`, the one-client token reads its own client.
        let mine = api.get(kind, Some(&only_a)).await;
        let theirs = api.get(&format!("{kind}?patient={a}"), Some(&every)).await;
        assert_eq!(ids_of(&mine.json), ids_of(&theirs.json), "{kind}");
    }
    let patients = api.get("Patient", Some(&only_a)).await;
    assert_eq!(ids_of(&patients.json), vec![format!("Patient/{a}")]);
    let patients = api.get(&format!("Patient?_id={b}"), Some(&only_a)).await;
    assert_eq!(patients.json["total"], 0);
    let all_patients = api.get("Patient", Some(&every)).await;
    assert_eq!(all_patients.json["total"], 2, "{}", all_patients.json);
    checked.push(all_patients.json);

    // Expired, revoked, missing or foreign tokens: 401 as FHIR, whatever is asked.
    for path in [
        "metadata".to_owned(),
        format!("Patient/{a}"),
        format!("Observation?patient={a}"),
        format!("Patient/{a}/$everything"),
    ] {
        for t in [
            Some(expired.as_str()),
            Some(revoked.as_str()),
            None,
            Some("abc"),
            Some(&format!("kfa_{}", "0".repeat(64))),
        ] {
            let r = api.get(&path, t).await;
            assert!(
                is_outcome(&r, StatusCode::UNAUTHORIZED),
                "{path} with {t:?}: {}",
                r.status
            );
        }
    }

    // Metadata, refusals and the practice's own kinds.
    let meta = api.get("metadata", Some(&only_a)).await;
    assert_eq!(meta.json["resourceType"], "CapabilityStatement");
    assert_eq!(meta.json["fhirVersion"], "4.0.1");
    // The validator's schema was published with R4's first release and lists its code, 4.0.0,
    // not the 4.0.1 of R4's technical correction (the version this server follows, as HL7's
    // own R4 servers report); everything else in the statement is checked as sent.
    let mut statement = meta.json.clone();
    statement["fhirVersion"] = "4.0.0".into();
    checked.push(statement);
    let wide = api.get("Observation", Some(&every)).await;
    assert!(
        is_outcome(&wide, StatusCode::BAD_REQUEST),
        "a practice token searches by patient"
    );
    checked.push(wide.json);
    let odd = api
        .get(
            &format!("Observation?patient={a}&code=1234-5"),
            Some(&every),
        )
        .await;
    assert!(is_outcome(&odd, StatusCode::BAD_REQUEST));
    assert!(
        odd.json["issue"][0]["diagnostics"]
            .as_str()
            .unwrap_or("")
            .contains("`code`")
    );
    let nothing = api.get("Basic/x", Some(&every)).await;
    assert!(is_outcome(&nothing, StatusCode::NOT_FOUND));
    checked.push(nothing.json);
    for kind in kapflow_fhir::api::PRACTICE_KINDS {
        let r = api.get(kind, Some(&only_a)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.json["total"].as_u64().unwrap_or(0) > 0, "{kind}");
        for id in ids_of(&r.json) {
            assert_eq!(
                api.get(&id, Some(&only_a)).await.status,
                StatusCode::OK,
                "{id}"
            );
        }
    }

    // Paging: `_count=3` pages, followed by their `next` links, give the record once, in order.
    let mut paged = Vec::new();
    let mut next = Some(format!("Patient/{a}/$everything?_count=3"));
    let mut pages = 0;
    while let Some(path) = next.take() {
        let page = api.get(&path, Some(&only_a)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(entries(&page.json).len() <= 3);
        paged.extend(ids_of(&page.json));
        next = page.json["link"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["relation"] == "next"))
            .and_then(|l| l["url"].as_str())
            .map(|u| {
                u.split_once("/fhir/r4/")
                    .map(|(_, p)| p.to_owned())
                    .unwrap_or_default()
            });
        pages += 1;
        assert!(pages < 200, "paging ends");
    }
    assert_eq!(&paged, a_ids);
    assert!(pages > 2);

    // The web layer's own refusal (no token) is FHIR too.
    checked.push(api.get("metadata", None).await.json);
    // The right of access's machine-readable copy: the same record as a `collection`, made by
    // the care team from the client's record page.
    let session = confirmed_session(db, w.t1.0).await;
    let copy = api
        .page(&format!("/clients/{a}/record-copy.json"), &session)
        .await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.json);
    assert!(copy.content_type.starts_with("application/fhir+json"));
    assert_eq!(copy.json["type"], "collection");
    assert_eq!(
        &ids_of(&copy.json),
        a_ids,
        "the copy holds what $everything does"
    );
    checked.push(copy.json);
    let refused = api
        .page(
            &format!("/clients/{a}/record-copy.json"),
            &confirmed_session(db, w.t2.0).await,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::NOT_FOUND,
        "not on the care team"
    );

    if let Some(result) = hl7_validator(&checked) {
        result.expect("valid FHIR R4");
    }

    // Every call is in the audit trail with the token's name; reads name their client.
    let rows = db
        .store
        .audit()
        .query(&AuditFilter::default(), 100_000)
        .await
        .expect("audit");
    let calls: Vec<_> = rows
        .iter()
        .filter(|r| r.entry.action.starts_with("fhir."))
        .collect();
    assert!(calls.iter().any(|r| {
        r.entry.action == "fhir.everything"
            && r.entry.client_id == Some(a.to_string())
            && r.entry
                .reason
                .as_deref()
                .is_some_and(|w| w.starts_with("Dr Ng EHR · GET Patient/"))
    }));
    assert!(calls.iter().any(|r| r.entry.action == "fhir.refused"
        && r.entry.reason.as_deref() == Some("Old feed: token expired")));
    assert!(calls.iter().any(|r| r.entry.action == "fhir.refused"
        && r.entry.reason.as_deref() == Some("Ended feed: token revoked")));
    assert!(calls.iter().any(|r| r.entry.action == "fhir.read"
        && r.entry.client_id == Some(b.to_string())
        && r.entry.outcome == kapflow_domain::AuditOutcome::Success));
    assert!(
        !calls.iter().any(|r| r
            .entry
            .reason
            .as_deref()
            .is_some_and(|w| w.contains("kfa_"))),
        "no secret in the audit trail"
    );
});

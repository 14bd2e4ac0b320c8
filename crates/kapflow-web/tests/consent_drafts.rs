//! A new practice starts from drafts of the consent documents a KAP practice needs, with its
//! partner organisation's name in them; a draft is not published until its draft line is gone.

mod support;

use axum::http::StatusCode;
use kapflow_domain::Role;
use kapflow_domain::consent_drafts::DRAFT_NOTE;
use support::TestApp;

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The text of the page's textarea `name`, unescaped enough to compare.
fn textarea(body: &str, name: &str) -> String {
    let at = body.find(&format!("name=\"{name}\"")).expect("textarea");
    let start = at + body[at..].find('>').expect("open") + 1;
    let end = start + body[start..].find("</textarea>").expect("close");
    body[start..end]
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn the_owner_starts_each_consent_from_a_draft_and_publishes_it_only_once_reviewed() {
    let t = TestApp::new().await;
    let owner = t.signed_in("owner@example.org", Role::Owner).await;
    let page = t.get("/consent-documents", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    for kind in ["kap", "release_of_information", "touch"] {
        assert!(page.body.contains(&format!("?draft={kind}")), "{kind}");
    }
    let draft = t
        .get(
            "/consent-documents?draft=release_of_information",
            Some(&owner),
        )
        .await;
    let body = textarea(&draft.body, "body");
    assert!(body.starts_with(DRAFT_NOTE), "{body}");
    assert!(draft.body.contains("selected>Release of information"));
    // As it is: refused, the text kept.
    let title = "Release of information";
    let r = t
        .post(
            "/consent-documents",
            &form(&[
                ("kind", "release_of_information"),
                ("title", title),
                ("body", &body),
            ]),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This is still the draft"));
    assert_eq!(textarea(&r.body, "body"), body);
    // Reviewed: published, and no longer offered as a draft.
    let reviewed = body.replace(DRAFT_NOTE, "").trim().to_owned();
    let r = t
        .post(
            "/consent-documents",
            &form(&[
                ("kind", "release_of_information"),
                ("title", title),
                ("body", &reviewed),
            ]),
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get("/consent-documents", Some(&owner)).await;
    assert!(!page.body.contains("?draft=release_of_information"));
    assert!(page.body.contains("?draft=touch"));
}

//! Notes through the app: an appointment's note from its template, a save from a second window
//! refused with both texts (nothing lost), signing with a fresh code (the draft saved first),
//! no change after, an addendum, the signed note as a PDF; psychotherapy notes invisible to
//! everyone but their author.

mod support;

use axum::http::StatusCode;
use kapflow_domain::time_util::now_utc;
use support::TestApp;
use support::clinic::clinic;
use time::Duration;

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_note_is_written_in_two_windows_signed_and_then_only_added_to() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let day = (now_utc().date() + Duration::days(2)).to_string();
    let r = t
        .post(
            &format!("/clients/{a}/appointments"),
            &format!(
                "session_type=integration&date={day}&time=10%3A00&clinician={}",
                c.t1.id
            ),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let appointment = {
        let page = t
            .get(&format!("/clients/{a}/appointments"), Some(&c.t1))
            .await
            .body;
        let at = page
            .find(&format!("/clients/{a}/appointments/"))
            .expect("link");
        page[at..]
            .split('"')
            .next()
            .expect("href")
            .rsplit('/')
            .next()
            .expect("id")
            .to_owned()
    };
    // The appointment's note starts from the integration template; starting again opens it.
    let r = t
        .post(
            &format!("/clients/{a}/appointments/{appointment}/note"),
            "",
            Some(&c.t1),
        )
        .await;
    let note = r.location().to_owned();
    assert!(note.starts_with(&format!("/clients/{a}/notes/")), "{note}");
    let again = t
        .post(
            &format!("/clients/{a}/appointments/{appointment}/note"),
            "",
            Some(&c.t1),
        )
        .await;
    assert_eq!(again.location(), note);
    let page = t.get(&note, Some(&c.t1)).await.body;
    assert!(
        page.contains("Integration note") && page.contains(">Data<") && page.contains(">Plan<")
    );

    // Window one saves version 1; window two, also from version 1, is refused with both texts.
    let r = t
        .post(
            &note,
            &format!(
                "version=1&data={}&plan=Weekly",
                enc("Window one wrote this.")
            ),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.location(), format!("{note}?done=saved"));
    let r = t
        .post(
            &note,
            &format!("version=1&data={}", enc("Window two wrote this.")),
            Some(&c.t1),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("saved in another window"));
    assert!(r.body.contains("Window two wrote this."), "yours kept");
    assert!(r.body.contains("Window one wrote this."), "theirs shown");
    assert!(
        r.body.contains("name=\"version\" value=\"2\""),
        "the next save is made over it knowingly"
    );

    // Signing saves first, then asks for the code; with it, the note is signed.
    let sign = format!("{note}/sign");
    let form = format!(
        "version=2&data={}&plan=Weekly",
        enc("Both windows, combined.")
    );
    let r = t.post(&sign, &form, Some(&c.t1)).await;
    assert!(
        r.location().starts_with("/step-up?next="),
        "{}",
        r.location()
    );
    let page = t.get(&note, Some(&c.t1)).await.body;
    assert!(
        page.contains("Both windows, combined."),
        "the draft was saved before the code"
    );
    let t1 = t.confirmed(&c.t1).await;
    let r = t
        .post(
            &sign,
            "version=3&data=Both+windows%2C+combined.&plan=Weekly",
            Some(&t1),
        )
        .await;
    assert_eq!(
        r.location(),
        format!("/clients/{a}/notes?done=signed"),
        "{}",
        r.body
    );
    let page = t.get(&note, Some(&t1)).await.body;
    assert!(page.contains("Signed by") && page.contains("SHA-256"));
    assert!(!page.contains("Save draft"), "no form once signed");
    // A change is refused; an addendum is signed and added.
    let r = t.post(&note, "version=3&data=Changed", Some(&t1)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("signed and can no longer change"));
    let r = t
        .post(&format!("{note}/addenda"), "addendum=", Some(&t1))
        .await;
    assert!(r.body.contains("Write the addendum."));
    let r = t
        .post(
            &format!("{note}/addenda"),
            "addendum=Called+the+next+day%3A+well.",
            Some(&t1),
        )
        .await;
    assert_eq!(r.location(), format!("{note}?done=addendum"));
    assert!(
        t.get(&note, Some(&t1))
            .await
            .body
            .contains("Called the next day: well.")
    );
    // Front desk never reads a note.
    assert_eq!(
        t.get(&note, Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );

    // The signed note as a PDF another reader opens: the client, the text as signed, who
    // signed it, its hash and the addendum; the file's name says nothing about the client.
    let page = t.get(&note, Some(&t1)).await.body;
    assert!(page.contains(&format!("{note}/pdf")), "the page offers it");
    let r = t.get(&format!("{note}/pdf"), Some(&t1)).await;
    assert_eq!(r.status, StatusCode::OK);
    let (pages, text) = support::pdf_text(&r);
    assert_eq!(pages, 1);
    for want in [
        "Integration note",
        "Ada Alpha",
        "Both windows, combined.",
        "Signed by:",
        "SHA-256 of the signed text:",
        "Called the next day: well.",
        "SHA-256 of the addendum:",
        "Page 1 of 1",
    ] {
        assert!(text.contains(want), "{want:?} missing from {text}");
    }
    let disposition = r.header(axum::http::header::CONTENT_DISPOSITION);
    assert!(
        disposition.starts_with("attachment; filename=\"note-") && !disposition.contains("Ada"),
        "{disposition}"
    );
    assert_eq!(
        t.get(&format!("{note}/pdf"), Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn psychotherapy_notes_are_invisible_to_all_but_their_author() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let list = format!("/clients/{a}/psychotherapy-notes");
    let r = t
        .post(
            &list,
            "body=Felt+protective%3B+explore+in+supervision.",
            Some(&c.t1),
        )
        .await;
    let note = r.location().to_owned();
    assert!(note.starts_with(&list), "{note}");
    assert!(
        t.get(&note, Some(&c.t1))
            .await
            .body
            .contains("explore in supervision")
    );
    // Owner (not on the team), front desk and the prescriber: refused.
    for p in [&c.owner, &c.front, &c.p1] {
        let r = t.get(&note, Some(p)).await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{:?} reads it: {}",
            p.role,
            r.status
        );
        assert!(!r.body.contains("explore in supervision"));
    }
    // Clinical notes never show it.
    assert!(
        !t.get(&format!("/clients/{a}/notes"), Some(&c.t1))
            .await
            .body
            .contains("explore in supervision")
    );
    assert!(!t.audit_of_action("access.denied", 10).await.is_empty());
    assert!(
        !t.audit_of_action("psychotherapy_note.viewed", 5)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_draft_saves_itself_in_the_background_and_stops_at_a_conflict() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let r = t
        .post(&format!("/clients/{a}/notes"), "template=soap", Some(&c.t1))
        .await;
    let note = r.location().to_owned();
    assert!(
        t.get(&note, Some(&c.t1))
            .await
            .body
            .contains("data-autosave")
    );
    // A draft may still change: it has no PDF.
    assert_eq!(
        t.get(&format!("{note}/pdf"), Some(&c.t1)).await.status,
        StatusCode::NOT_FOUND
    );
    let autosave = |form: String| {
        let req = axum::http::Request::post(note.as_str())
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header("sec-fetch-site", "same-origin")
            .header("x-autosave", "1")
            .header(
                axum::http::header::COOKIE,
                format!("kapflow_session={}", c.t1.token),
            )
            .body(axum::body::Body::from(format!(
                "{form}&_csrf={}",
                c.t1.csrf
            )))
            .expect("request");
        t.send(req)
    };
    let r = autosave("version=1&subjective=Slept+better".into()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        r.headers.get("x-version").and_then(|v| v.to_str().ok()),
        Some("2")
    );
    assert!(
        t.get(&note, Some(&c.t1))
            .await
            .body
            .contains("Slept better")
    );
    // The other window's background save, from version 1: refused, nothing overwritten.
    let r = autosave("version=1&subjective=Other".into()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        t.get(&note, Some(&c.t1))
            .await
            .body
            .contains("Slept better")
    );
}

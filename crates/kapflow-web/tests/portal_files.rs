//! Files with portal messages: a photo or a PDF sent by the client reaches the care team (a
//! photo without its location), the type is sniffed and the size is the practice's setting,
//! refusals keep the words, and nobody else (another client, the prescriber) gets the file.

mod support;

use axum::http::{StatusCode, header};
use kapflow_web::photo::samples::jpeg_with_exif;
use support::clinic::clinic;
use support::on_both_backends;
use support::portal::portal_client;
use support::{TestApp, mailed};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

fn key() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The file links of a thread's page, in order.
fn file_links(page: &str, prefix: &str) -> Vec<String> {
    page.match_indices(&format!("href=\"{prefix}"))
        .map(|(i, _)| {
            let rest = &page[i + 6..];
            rest[..rest.find('"').expect("end")].to_owned()
        })
        .collect()
}

on_both_backends!(
    files,
    a_clients_file_reaches_the_care_team_and_nobody_else,
    a_clients_file_reaches_the_care_team_and_nobody_else_postgres
);

async fn files(t: TestApp) {
    let c = clinic(&t).await;
    let (ada, ada_p) = portal_client(&t, "Ada Alpha", "ada.f@example.org", Some(c.t1.id)).await;
    let (_, bea_p) = portal_client(&t, "Bea Beta", "bea.f@example.org", Some(c.t1.id)).await;
    let page = t.get("/portal/messages", Some(&ada_p)).await.body;
    assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("at most 5 MB"));

    // Something that is not a photo or a PDF, whatever its name: refused beside the file field,
    // the words kept, nothing sent.
    let html = b"<html><script>alert(1)</script></html>";
    let r = t
        .post_multipart(
            "/portal/messages",
            &[("_key", &key()), ("body", "My blood test from Tuesday")],
            Some(("file", "results.pdf", html)),
            &ada_p,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"file-error\"") && r.body.contains("or a PDF"));
    assert!(r.body.contains(">My blood test from Tuesday</textarea>"));
    assert!(file_links(&r.body, "/portal/messages/files/").is_empty());

    // A PDF with words, and a photo by itself.
    let r = t
        .post_multipart(
            "/portal/messages",
            &[("_key", &key()), ("body", "My blood test from Tuesday")],
            Some(("file", "Blood test.pdf", PDF)),
            &ada_p,
        )
        .await;
    assert_eq!(r.location(), "/portal/messages");
    let jpeg = jpeg_with_exif();
    let r = t
        .post_multipart(
            "/portal/messages",
            &[("_key", &key()), ("body", "")],
            Some(("file", "IMG_0042.JPG", &jpeg)),
            &ada_p,
        )
        .await;
    assert_eq!(r.location(), "/portal/messages");
    let page = t.get("/portal/messages", Some(&ada_p)).await.body;
    assert!(page.contains(">Blood test.pdf</a>") && page.contains(">IMG_0042.jpg</a>"));
    let links = file_links(&page, "/portal/messages/files/");
    assert_eq!(links.len(), 2);

    // The client downloads their own: the bytes sent, a download, never cached.
    let pdf = t.get(&links[0], Some(&ada_p)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.bytes, PDF);
    assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(
        pdf.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"Blood_test.pdf\""
    );
    assert_eq!(pdf.header(header::CACHE_CONTROL), "no-store");

    // The care team's clinician reads both; the photo has lost its location.
    let staff_page = t
        .get(&format!("/clients/{ada}/messages"), Some(&c.t1))
        .await
        .body;
    let staff_links = file_links(&staff_page, &format!("/clients/{ada}/messages/files/"));
    assert_eq!(staff_links.len(), 2);
    let photo = t.get(&staff_links[1], Some(&c.t1)).await;
    assert_eq!(photo.header(header::CONTENT_TYPE), "image/jpeg");
    assert!(!photo.bytes.windows(3).any(|w| w == b"GPS"));
    assert!(photo.bytes.windows(4).any(|w| w == b"JFIF"));
    // The notice says only that there is a message.
    for mail in mailed(&t).await {
        assert!(!mail.contains("Blood") && !mail.contains(".pdf"), "{mail}");
    }

    // Another client: the same id in their portal is 404, audited; through another client's
    // record it is 404 too.
    let id = links[0].rsplit('/').next().expect("id");
    let before = t.audit_actions(Some(bea_p.id)).await.len();
    let r = t.get(&links[0], Some(&bea_p)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Blood"));
    let after = t.audit_actions(Some(bea_p.id)).await;
    assert!(
        after.len() > before
            && after
                .iter()
                .any(|(a, o)| a == "access.denied" && o == "denied")
    );
    let elsewhere = format!("/clients/{}/messages/files/{id}", c.a);
    assert_eq!(
        t.get(&elsewhere, Some(&c.t1)).await.status,
        StatusCode::NOT_FOUND
    );
    // Front desk never reads the record's messages.
    assert_eq!(
        t.get(&staff_links[0], Some(&c.front)).await.status,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(
    replies,
    the_care_team_replies_with_a_file_the_prescriber_never_sees,
    the_care_team_replies_with_a_file_the_prescriber_never_sees_postgres
);

async fn replies(t: TestApp) {
    let c = clinic(&t).await;
    let a = c.a;
    let r = t
        .post_multipart(
            &format!("/clients/{a}/messages"),
            &[
                ("_key", &key()),
                ("thread", "client"),
                ("body", "The aftercare sheet we talked about"),
            ],
            Some(("file", "aftercare.pdf", PDF)),
            &c.t1,
        )
        .await;
    assert_eq!(r.location(), format!("/clients/{a}/messages"));
    let page = t
        .get(&format!("/clients/{a}/messages"), Some(&c.t1))
        .await
        .body;
    let links = file_links(&page, &format!("/clients/{a}/messages/files/"));
    assert_eq!(links.len(), 1);
    assert_eq!(t.get(&links[0], Some(&c.t1)).await.bytes, PDF);
    // The prescriber of the referral reads the record but never the client's thread.
    let prescriber_page = t.get(&format!("/clients/{a}/messages"), Some(&c.p1)).await;
    assert_eq!(prescriber_page.status, StatusCode::OK);
    assert!(!prescriber_page.body.contains("aftercare.pdf"));
    assert_eq!(
        t.get(&links[0], Some(&c.p1)).await.status,
        StatusCode::NOT_FOUND
    );
    // The prescriber's thread takes no files.
    let r = t
        .post_multipart(
            &format!("/clients/{a}/messages"),
            &[("_key", &key()), ("thread", "team"), ("body", "See scan")],
            Some(("file", "scan.pdf", PDF)),
            &c.t1,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A refused reply keeps its words beside the reply box.
    let r = t
        .post_multipart(
            &format!("/clients/{a}/messages"),
            &[
                ("_key", &key()),
                ("thread", "client"),
                ("body", "Photo attached"),
            ],
            Some(("file", "x.gif", b"GIF89a....")),
            &c.t1,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(">Photo attached</textarea>") && r.body.contains("id=\"file-error\""));
}

on_both_backends!(
    limits,
    the_practice_sets_how_large_a_file_may_be_or_takes_none,
    the_practice_sets_how_large_a_file_may_be_or_takes_none_postgres
);

async fn limits(t: TestApp) {
    let c = clinic(&t).await;
    let (_, ada_p) = portal_client(&t, "Ada Alpha", "ada.l@example.org", Some(c.t1.id)).await;
    let r = t
        .post(
            "/settings/clinical",
            "portal_attachment_mb=1",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let big = [PDF, &vec![b' '; 1024 * 1024]].concat();
    let r = t
        .post_multipart(
            "/portal/messages",
            &[("_key", &key()), ("body", "Scan of my letter")],
            Some(("file", "letter.pdf", &big)),
            &ada_p,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("at most 1 MB") && r.body.contains(">Scan of my letter</textarea>"));
    // Larger than any practice may allow: refused before it is read.
    let huge = vec![b'x'; kapflow_web::attachment::MAX_BYTES + 100 * 1024];
    let r = t
        .post_multipart(
            "/portal/messages",
            &[("_key", &key()), ("body", "x")],
            Some(("file", "huge.pdf", &huge)),
            &ada_p,
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // No files at all: the page offers none and a hand-made one is refused in words.
    let r = t
        .post(
            "/settings/clinical",
            "portal_attachment_mb=0",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get("/portal/messages", Some(&ada_p)).await.body;
    assert!(!page.contains("type=\"file\"") && !page.contains("multipart"));
    let r = t
        .post_multipart(
            "/portal/messages",
            &[("_key", &key()), ("body", "Here")],
            Some(("file", "a.pdf", PDF)),
            &ada_p,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("does not take files"));
    // Words alone still go.
    let r = t
        .post(
            "/portal/messages",
            &format!("_key={}&body=Just+words", key()),
            Some(&ada_p),
        )
        .await;
    assert_eq!(r.location(), "/portal/messages");
}

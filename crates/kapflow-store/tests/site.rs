//! The public site's content and the inquiry inbox in the store, on both backends.

mod common;

use common::*;
use kapflow_domain::inquiry::{InquiryInput, InquiryStatus};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::{Actor, InquiryId, Role};
use kapflow_store::inquiries::Submitted;
use kapflow_store::rate_limit::RateLimit;
use kapflow_store::site::{RevisionStatus, SeedSection};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;

const LIMIT: RateLimit<'static> = RateLimit {
    bucket: "inquiry-ip:test",
    window: time::Duration::HOUR,
    limit: 100,
};

/// A small site to seed: two questions of a FAQ page and a home page.
const SEED: &[SeedSection] = &[
    SeedSection {
        key: "home.intro",
        page: "home",
        position: 1,
        label: "Home",
        title: "Welcome",
        body: "About the practice.",
    },
    SeedSection {
        key: "faq.1",
        page: "faq",
        position: 1,
        label: "FAQ 1",
        title: "What is KAP?",
        body: "Ketamine-assisted psychotherapy is a therapeutic approach.",
    },
    SeedSection {
        key: "faq.2",
        page: "faq",
        position: 2,
        label: "FAQ 2",
        title: "Is it safe?",
        body: "When administered by trained professionals.",
    },
];

fn inquiry(name: &str) -> kapflow_domain::inquiry::NewInquiry {
    InquiryInput {
        name: name.into(),
        email: "jo@example.org".into(),
        preferred_contact: "email".into(),
        concerns: vec!["ptsd".into()],
        message: "Tell me more, 100% curious_about it".into(),
        consent: true,
        ..Default::default()
    }
    .validate()
    .expect("valid")
}

/// A new inquiry from `name`, submitted with form key `key` and request hash `hash`.
async fn new_inquiry(db: &TestDb, key: &str, hash: &[u8], name: &str) -> InquiryId {
    let submitted = db
        .store
        .inquiries()
        .submit(
            key,
            hash,
            &inquiry(name),
            &LIMIT,
            &Actor::default(),
            now_utc(),
        )
        .await
        .expect("submit");
    let Submitted::Created(id) = submitted else {
        panic!("{submitted:?}")
    };
    id
}

store_test!(
    seeding_is_idempotent_and_drafts_do_not_show,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        assert_eq!(
            s.site().seed(SEED, now).await.expect("seed") as usize,
            SEED.len()
        );
        assert_eq!(s.site().seed(SEED, now).await.expect("seed"), 0);
        let v1 = s.site().version().await.expect("v");
        let site = s.site().published().await.expect("site");
        assert_eq!(site.len(), SEED.len());

        let (_, owner) = person(db, "o@example.org", Role::Owner).await;
        let save = |body: &'static str, status: RevisionStatus| {
            let owner = &owner;
            async move {
                s.site()
                    .save_section("faq.1", "Q?", body, status, owner, now_utc())
                    .await
                    .expect("save")
            }
        };
        save("draft text", RevisionStatus::Draft).await;
        assert_eq!(
            s.site().version().await.expect("v"),
            v1,
            "a draft changes nothing visitors see"
        );
        let edit = s
            .site()
            .section_for_edit("faq.1")
            .await
            .expect("q")
            .expect("section");
        assert_eq!(
            edit.draft.as_ref().map(|d| d.body_md.as_str()),
            Some("draft text")
        );
        assert!(
            edit.published
                .as_ref()
                .is_some_and(|p| p.body_md.starts_with("Ketamine-assisted psychotherapy is"))
        );

        save("published text", RevisionStatus::Published).await;
        assert!(s.site().version().await.expect("v") > v1);
        let now_site = s.site().published().await.expect("site");
        assert_eq!(
            now_site
                .iter()
                .find(|x| x.key == "faq.1")
                .map(|x| x.body_md.as_str()),
            Some("published text")
        );
        assert!(
            s.site()
                .section_for_edit("faq.1")
                .await
                .expect("q")
                .expect("s")
                .draft
                .is_none(),
            "the draft is older than the publication"
        );

        // Restore the original.
        let history = s.site().section_history("faq.1").await.expect("h");
        assert_eq!(history.len(), 3);
        let original = history.last().expect("first").id;
        // Not as a revision of another section.
        for (key, restored) in [("faq.1", true), ("faq.2", false)] {
            assert_eq!(
                s.site()
                    .restore_revision(key, original, &owner, now_utc())
                    .await
                    .expect("restore")
                    .is_some(),
                restored,
                "{key}"
            );
        }
        let restored = s.site().published().await.expect("site");
        assert!(
            restored
                .iter()
                .find(|x| x.key == "faq.1")
                .is_some_and(|x| x.body_md.starts_with("Ketamine-assisted psychotherapy is"))
        );
        assert!(
            s.site()
                .section_for_edit("nope")
                .await
                .expect("q")
                .is_none()
        );
    }
);

store_test!(an_inquiry_is_made_once_per_form_key, async |db: &TestDb| {
    let s = &db.store;
    let i = inquiry("Jo Lee");
    let actor = Actor::anonymous(Some("198.51.100.4".into()));
    let submit = |hash: &'static [u8]| {
        let (i, actor) = (&i, &actor);
        async move {
            s.inquiries()
                .submit("key-1", hash, i, &LIMIT, actor, now_utc())
                .await
                .expect("submit")
        }
    };
    assert!(matches!(submit(b"hash-a").await, Submitted::Created(_)));
    assert_eq!(submit(b"hash-a").await, Submitted::Repeat);
    assert_eq!(submit(b"hash-b").await, Submitted::KeyReused);
    let (owner, oa) = person(db, "o@example.org", Role::Owner).await;
    let scope = inbox(owner, Role::Owner);
    assert_eq!(
        s.inquiries()
            .list(scope, None, None, &oa, now_utc())
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        s.outbox().pending().await.expect("p"),
        1,
        "staff are notified"
    );
});

store_test!(
    therapists_see_only_assigned_inquiries_and_every_look_is_audited,
    async |db: &TestDb| {
        let s = &db.store;
        let a = new_inquiry(db, "k-a", b"a", "Alex A").await;
        let b = new_inquiry(db, "k-b", b"b", "Blair B").await;
        let (desk, da) = person(db, "d@example.org", Role::FrontDesk).await;
        let (ther, ta) = person(db, "t@example.org", Role::Therapist).await;
        let desk_scope = inbox(desk, Role::FrontDesk);
        let ther_scope = inbox(ther, Role::Therapist);

        assert!(
            s.inquiries()
                .list(ther_scope, None, None, &ta, now_utc())
                .await
                .expect("l")
                .is_empty()
        );
        assert!(
            s.inquiries()
                .view(ther_scope, a, &ta, now_utc())
                .await
                .expect("v")
                .is_none()
        );
        assert!(
            !s.inquiries()
                .set_status(ther_scope, a, InquiryStatus::Contacted, &ta, now_utc())
                .await
                .expect("s")
        );

        assert!(
            s.inquiries()
                .assign(desk_scope, a, Some((ther, "T".into())), &da, now_utc())
                .await
                .expect("assign")
        );
        assert!(
            s.inquiries()
                .set_status(desk_scope, a, InquiryStatus::Contacted, &da, now_utc())
                .await
                .expect("status")
        );
        assert!(
            s.inquiries()
                .add_note(desk_scope, a, "Left a voicemail", &da, now_utc())
                .await
                .expect("note")
        );
        let mine = s
            .inquiries()
            .list(ther_scope, None, None, &ta, now_utc())
            .await
            .expect("l");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].id, a);
        let (detail, events) = s
            .inquiries()
            .view(ther_scope, a, &ta, now_utc())
            .await
            .expect("v")
            .expect("visible");
        assert_eq!(detail.status, InquiryStatus::Contacted);
        let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["received", "assigned", "status", "note"]);
        assert!(
            s.inquiries()
                .view(ther_scope, b, &ta, now_utc())
                .await
                .expect("v")
                .is_none()
        );

        // Search escapes wildcards and matches the message.
        let found = s
            .inquiries()
            .list(desk_scope, None, Some("100%"), &da, now_utc())
            .await
            .expect("l");
        assert_eq!(found.len(), 2);
        assert!(
            s.inquiries()
                .list(desk_scope, None, Some("zz%"), &da, now_utc())
                .await
                .expect("l")
                .is_empty()
        );
        assert_eq!(
            s.inquiries()
                .list(desk_scope, Some(InquiryStatus::New), None, &da, now_utc())
                .await
                .expect("l")
                .len(),
            1
        );

        let denied = s
            .audit()
            .query(
                &kapflow_store::audit::AuditFilter {
                    actor: Some(ther),
                    ..Default::default()
                },
                50,
            )
            .await
            .expect("audit");
        assert!(denied.iter().any(|r| r.entry.action == "inquiry.view"
            && r.entry.outcome == kapflow_domain::AuditOutcome::Denied));
        assert!(denied.iter().any(|r| r.entry.action == "inquiry.view"
            && r.entry.outcome == kapflow_domain::AuditOutcome::Success));
    }
);

store_test!(photos_are_stored_served_and_removed, async |db: &TestDb| {
    let s = &db.store;
    let (_, owner) = person(db, "o@example.org", Role::Owner).await;
    let v0 = s.site().version().await.expect("v");
    let bytes = [0x89u8, b'P', b'N', b'G', 1, 2, 3];
    let photo = kapflow_store::photos::NewPhoto {
        page: "home",
        content_type: "image/png",
        bytes: &bytes,
        alt: "The office",
    };
    let id = s
        .photos()
        .add(&photo, &owner, now_utc())
        .await
        .expect("add");
    assert!(s.site().version().await.expect("v") > v0);
    assert_eq!(
        s.photos().bytes(id).await.expect("q"),
        Some(("image/png".to_owned(), bytes.to_vec()))
    );
    let list = s.photos().list().await.expect("list");
    assert_eq!(
        (list.len(), list[0].alt.as_str(), list[0].page.as_str()),
        (1, "The office", "home")
    );
    // Removed once; a second removal finds nothing.
    for removed in [true, false] {
        assert_eq!(
            s.photos()
                .remove(id, &owner, now_utc())
                .await
                .expect("remove"),
            removed
        );
    }
    assert!(s.photos().bytes(id).await.expect("q").is_none());
    assert!(s.photos().list().await.expect("list").is_empty());
});

//! Clinical and psychotherapy notes on both backends: a stale save is refused with the stored
//! text, a signed note keeps its hash and is refused by the database itself, addenda are signed
//! and never change, and psychotherapy notes are their author's alone.

mod common;

use common::*;
use kapflow_domain::calendar::NoteTemplate;
use kapflow_domain::notes::{NoteBody, content_hash};
use kapflow_domain::time_util::now_utc;
use kapflow_store::notes::{NewNote, Saved, Signing};
use kapflow_store::psych_notes::PsychSaved;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;

fn body(data: &str) -> NoteBody {
    NoteBody(vec![
        ("data".into(), data.into()),
        ("assessment".into(), String::new()),
        ("plan".into(), "Next week.".into()),
    ])
}

store_test!(
    a_note_is_saved_by_version_signed_once_and_then_never_changes,
    async |db: &TestDb| {
        let s = &db.store;
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let t1 = db
            .store
            .grant_for_tests(
                w.t1.0,
                kapflow_domain::Role::Therapist,
                kapflow_domain::access::Action::EditClinicalRecord,
                c,
            )
            .await
            .expect("care team")
            .clinical()
            .expect("clinical");
        let now = now_utc();
        let notes = s.notes();
        let id = notes
            .start(
                &t1,
                &NewNote {
                    appointment: None,
                    template: NoteTemplate::General,
                    title: "General note",
                    body: &NoteBody::default(),
                },
                &w.t1.1,
                now,
            )
            .await
            .expect("start")
            .expect("started");
        // Signing an empty note is refused.
        assert_eq!(
            notes.sign(&t1, id, 1, &w.t1.1, now).await.expect("sign"),
            Signing::Empty
        );
        // Two windows edit version 1: the first saves, the second is refused with the first's text.
        assert_eq!(
            notes
                .save(&t1, id, &body("First window."), 1, &w.t1.1, now)
                .await
                .expect("save"),
            Saved::Done(2)
        );
        let Saved::Stale(current) = notes
            .save(&t1, id, &body("Second window."), 1, &w.t1.1, now)
            .await
            .expect("save")
        else {
            panic!("a stale save went through")
        };
        assert_eq!(current.body().expect("body").get("data"), "First window.");
        // Another clinician of the team does not write the author's note.
        let t2 = db
            .store
            .grant_for_tests(
                w.owner.0,
                kapflow_domain::Role::Owner,
                kapflow_domain::access::Action::EditClinicalRecord,
                c,
            )
            .await;
        assert!(t2.is_none(), "the owner is not on this care team");
        // Signed at version 2: the hash of its text, the signer, the time.
        assert_eq!(
            notes.sign(&t1, id, 2, &w.t1.1, now).await.expect("sign"),
            Signing::Done
        );
        let (n, addenda) = notes.get(&t1, id).await.expect("get").expect("note");
        assert!(n.is_signed() && addenda.is_empty());
        let text = n.body().expect("body").canonical(NoteTemplate::General);
        assert_eq!(
            n.content_sha256.as_deref(),
            Some(content_hash(&text).as_str())
        );
        // The store refuses a change and a second signature…
        assert_eq!(
            notes
                .save(&t1, id, &body("Changed."), 2, &w.t1.1, now)
                .await
                .expect("save"),
            Saved::Signed
        );
        assert_eq!(
            notes.sign(&t1, id, 2, &w.t1.1, now).await.expect("sign"),
            Signing::AlreadySigned
        );
        // …and so does the database itself.
        assert!(raw_sql_fails(db, "UPDATE clinical_notes SET body = '[]'").await);
        assert!(raw_sql_fails(db, "DELETE FROM clinical_notes").await);
        // An addendum is signed as it is added and never changes.
        let add = notes
            .add_addendum(
                &t1,
                id,
                "The client called the next day: well.",
                &w.t1.1,
                now,
            )
            .await
            .expect("addendum")
            .expect("added");
        let (_, addenda) = notes.get(&t1, id).await.expect("get").expect("note");
        assert_eq!(addenda.len(), 1);
        assert_eq!(addenda[0].id, add);
        assert_eq!(
            addenda[0].content_sha256,
            content_hash("The client called the next day: well.")
        );
        assert!(raw_sql_fails(db, "UPDATE note_addenda SET body = 'x'").await);
        assert!(raw_sql_fails(db, "DELETE FROM note_addenda").await);
        for action in ["note.started", "note.saved", "note.signed", "note.addendum"] {
            assert!(
                !audit_rows(db, &action_filter(action), 5).await.is_empty(),
                "{action}"
            );
        }
        // A draft started 80 hours ago waits on its author's dashboard; a signed note does not.
        let old = notes
            .start(
                &t1,
                &NewNote {
                    appointment: None,
                    template: NoteTemplate::Soap,
                    title: "Old draft",
                    body: &NoteBody::default(),
                },
                &w.t1.1,
                now - time::Duration::hours(80),
            )
            .await
            .expect("start")
            .expect("started");
        let waiting = s
            .work()
            .unsigned_notes(w.t1.0, now - time::Duration::hours(72))
            .await
            .expect("q");
        assert_eq!(waiting.iter().map(|n| n.note).collect::<Vec<_>>(), [old]);
        assert_eq!(waiting[0].name, "Ada Alpha");
        assert!(
            s.work()
                .unsigned_notes(w.t2.0, now)
                .await
                .expect("q")
                .is_empty(),
            "the author's only"
        );
    }
);

store_test!(
    psychotherapy_notes_are_their_authors_alone,
    async |db: &TestDb| {
        let s = &db.store;
        let w = world(db).await;
        let c = new_client(db, &w, "Ada Alpha", w.t1.0).await;
        let now = now_utc();
        let grant = |user, role| async move {
            s.grant_for_tests(
                user,
                role,
                kapflow_domain::access::Action::ViewClinicalRecord,
                c,
            )
            .await
            .and_then(|a| a.clinical())
        };
        let t1 = grant(w.t1.0, kapflow_domain::Role::Therapist)
            .await
            .expect("t1");
        let pn = s.psych_notes();
        let id = pn
            .write(&t1, "Countertransference: felt protective.", &w.t1.1, now)
            .await
            .expect("write");
        assert_eq!(pn.mine(&t1, &w.t1.1, now).await.expect("mine").len(), 1);
        // A second clinician on the same care team reads none of it.
        assert!(
            s.clients()
                .change_care_team(&for_tests(c), w.t2.0, true, &w.front.1, now)
                .await
                .expect("team")
        );
        let t2 = grant(w.t2.0, kapflow_domain::Role::Therapist)
            .await
            .expect("t2");
        assert!(pn.mine(&t2, &w.t2.1, now).await.expect("mine").is_empty());
        assert!(pn.one(&t2, id, &w.t2.1, now).await.expect("one").is_none());
        assert!(
            !audit_rows(db, &action_filter("psychotherapy_note.refused"), 5)
                .await
                .is_empty()
        );
        // The author's stale save is refused with the stored text.
        assert_eq!(
            pn.save(&t1, id, "Second thought.", 1, &w.t1.1, now)
                .await
                .expect("save"),
            PsychSaved::Done(2)
        );
        let PsychSaved::Stale(cur) = pn
            .save(&t1, id, "Other window.", 1, &w.t1.1, now)
            .await
            .expect("save")
        else {
            panic!("stale save went through")
        };
        assert_eq!(cur.body, "Second thought.");
        assert!(pn.one(&t1, id, &w.t1.1, now).await.expect("one").is_some());
        assert!(
            !audit_rows(db, &action_filter("psychotherapy_note.viewed"), 5)
                .await
                .is_empty()
        );
    }
);

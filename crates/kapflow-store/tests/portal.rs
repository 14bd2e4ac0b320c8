//! The client portal on both backends: an invitation bound to the record's address, the account
//! it makes belonging to that record, the client's reach limited to it, the private journal and
//! the client's message thread kept apart from the prescriber's.

mod common;

use common::*;
use kapflow_domain::client::{ClientInput, Sensitivity};
use kapflow_domain::portal::Thread;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, ClientId, Role, UserId};
use kapflow_store::access::for_tests;
use kapflow_store::invitations::{IssuedLink, LinkStatus};
use kapflow_store::portal::{PortalInviteRefused, PortalStatus};
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::Duration;

async fn client_with_email(db: &TestDb, w: &World, name: &str, email: &str) -> ClientId {
    let input = ClientInput {
        legal_name: name.into(),
        date_of_birth: "1985-03-14".into(),
        email: email.into(),
        support_name: "Sam Support".into(),
        support_phone: "555-123-4567".into(),
        concerns: vec!["depression".into()],
        ..ClientInput::default()
    }
    .validate(kapflow_domain::zone::PracticeZone::utc().today(now_utc()))
    .expect("valid");
    open_client(db, &input, w.t1.0, &w.front.1).await
}

async fn invite(
    db: &TestDb,
    c: ClientId,
    token: &str,
    by: &Actor,
) -> Result<(), PortalInviteRefused> {
    let now = now_utc();
    db.store
        .portal()
        .invite(
            &for_tests(c),
            &IssuedLink {
                token_hash: &token_hash(token),
                link: "http://x/invite/t",
                expires_at: now + Duration::days(7),
            },
            7,
            by,
            now,
        )
        .await
        .expect("invite")
}

/// Two clients with portal accounts: Ada (whose actor acts) and Bea.
struct Pair {
    ada: ClientId,
    bea: ClientId,
    bea_user: UserId,
    a: kapflow_store::portal::PortalAccess,
    b: kapflow_store::portal::PortalAccess,
    actor: Actor,
}

async fn pair(db: &TestDb, w: &World) -> Pair {
    let s = &db.store;
    let ada = client_with_email(db, w, "Ada Alpha", "ada@example.org").await;
    let bea = client_with_email(db, w, "Bea Beta", "bea@example.org").await;
    let ada_user = portal_account(db, w, ada, "tok-ada-0000000000000000000000000").await;
    let bea_user = portal_account(db, w, bea, "tok-bea-0000000000000000000000000").await;
    Pair {
        ada,
        bea,
        bea_user,
        a: s.portal().access(ada_user).await.expect("a").expect("a"),
        b: s.portal().access(bea_user).await.expect("a").expect("a"),
        actor: Actor::user(ada_user, Role::Client, None, None),
    }
}

/// Invites and accepts: the client's portal account id.
async fn portal_account(db: &TestDb, w: &World, c: ClientId, token: &str) -> UserId {
    invite(db, c, token, &w.front.1).await.expect("sent");
    match db
        .store
        .invitations()
        .accept(
            &token_hash(token),
            "Ada",
            "hash",
            &Actor::anonymous(None),
            now_utc(),
        )
        .await
        .expect("accept")
    {
        LinkStatus::Valid(id) => id,
        other => panic!("{other:?}"),
    }
}

store_test!(
    an_invitation_goes_to_the_records_address_and_its_account_belongs_to_that_record,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let now = now_utc();
        let ada = client_with_email(db, &w, "Ada Alpha", "ada@example.org").await;
        let ben = new_client(db, &w, "Ben Beta", w.t2.0).await;
        assert_eq!(
            invite(db, ben, "tok-ben-000000000000000000000000", &w.front.1).await,
            Err(PortalInviteRefused::NoEmail)
        );
        let before = s.outbox().pending().await.expect("p");
        invite(db, ada, "tok-ada-1-0000000000000000000000", &w.front.1)
            .await
            .expect("sent");
        assert_eq!(s.outbox().pending().await.expect("p"), before + 1);
        assert!(matches!(
            s.portal().status(&for_tests(ada), now).await.expect("s"),
            PortalStatus::Invited { .. }
        ));
        // Withdrawn: the link no longer works and nothing is pending.
        assert!(
            s.portal()
                .withdraw(&for_tests(ada), &w.front.1, now)
                .await
                .expect("w")
        );
        assert!(
            !s.portal()
                .withdraw(&for_tests(ada), &w.front.1, now)
                .await
                .expect("w")
        );
        assert_eq!(
            s.portal().status(&for_tests(ada), now).await.expect("s"),
            PortalStatus::None
        );
        assert_eq!(
            s.invitations()
                .status(&token_hash("tok-ada-1-0000000000000000000000"), now)
                .await
                .expect("s"),
            LinkStatus::Used
        );
        let user = portal_account(db, &w, ada, "tok-ada-2-0000000000000000000000").await;
        assert!(matches!(
            s.portal()
                .status(&for_tests(ada), now_utc())
                .await
                .expect("s"),
            PortalStatus::Account {
                disabled: false,
                ..
            }
        ));
        let access = s.portal().access(user).await.expect("a").expect("a client");
        assert_eq!(access.client(), ada);
        assert_eq!(
            invite(db, ada, "tok-ada-3-0000000000000000000000", &w.front.1).await,
            Err(PortalInviteRefused::HasAccount)
        );
        // Staff have no portal record, and their address cannot be a client's.
        assert!(s.portal().access(w.t1.0).await.expect("a").is_none());
        let cal = client_with_email(db, &w, "Cal Gamma", "t1@example.org").await;
        assert_eq!(
            invite(db, cal, "tok-cal-000000000000000000000000", &w.front.1).await,
            Err(PortalInviteRefused::AddressTaken)
        );
        // The portal account is not a member of staff.
        assert!(
            s.users()
                .staff()
                .await
                .expect("staff")
                .iter()
                .all(|l| l.user.role != Role::Client)
        );
    }
);

store_test!(
    the_journal_is_private_until_shared_and_only_the_clients_own,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let now = now_utc();
        let Pair {
            ada,
            bea_user,
            a,
            b,
            actor,
            ..
        } = pair(db, &w).await;
        let private = s
            .portal()
            .write_journal(&a, "Only for me", false, &actor, now)
            .await
            .expect("w");
        let shared = s
            .portal()
            .write_journal(&a, "For my therapist", true, &actor, now)
            .await
            .expect("w");
        assert_eq!(s.portal().journal(&a).await.expect("j").len(), 2);
        assert!(s.portal().journal(&b).await.expect("j").is_empty());
        let team_sees = |c| async move {
            s.portal()
                .shared_journal(&seen(c))
                .await
                .expect("j")
                .into_iter()
                .map(|e| e.body)
                .collect::<Vec<_>>()
        };
        assert_eq!(team_sees(ada).await, vec!["For my therapist".to_owned()]);
        // Another client cannot share (or see) Ada's entry.
        let bea_actor = Actor::user(bea_user, Role::Client, None, None);
        assert!(
            !s.portal()
                .share_journal(&b, private, true, &bea_actor, now)
                .await
                .expect("s")
        );
        assert_eq!(team_sees(ada).await.len(), 1);
        // Ada shares the private one and takes the other back.
        assert!(
            s.portal()
                .share_journal(&a, private, true, &actor, now)
                .await
                .expect("s")
        );
        assert!(
            s.portal()
                .share_journal(&a, shared, false, &actor, now)
                .await
                .expect("s")
        );
        assert_eq!(team_sees(ada).await, vec!["Only for me".to_owned()]);
    }
);

store_test!(
    the_clients_thread_is_apart_from_the_prescribers_and_counts_as_unread_for_the_care_team,
    async |db: &TestDb| {
        let w = world(db).await;
        let s = &db.store;
        let now = now_utc();
        let ada = client_with_email(db, &w, "Ada Alpha", "ada@example.org").await;
        let user = portal_account(db, &w, ada, "tok-ada-0000000000000000000000000").await;
        let a = s.portal().access(user).await.expect("a").expect("a");
        let actor = Actor::user(user, Role::Client, None, None);
        s.messages()
            .post(
                &for_tests(ada),
                Thread::Team,
                "Vitals stable",
                None,
                Sensitivity::General,
                &w.t1.1,
                now,
            )
            .await
            .expect("posted");
        // Writing in the team's thread marked it read for t1 up to then; the client writes later.
        s.portal()
            .send_message(
                &a,
                "Can we talk about last session?",
                None,
                &actor,
                now + Duration::seconds(1),
            )
            .await
            .expect("sent");
        // The client sees only their thread.
        let mine = s.portal().messages(&a).await.expect("m");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].body, "Can we talk about last session?");
        let client_thread = s
            .messages()
            .list(&seen(ada), Thread::Client)
            .await
            .expect("l");
        let team_thread = s
            .messages()
            .list(&seen(ada), Thread::Team)
            .await
            .expect("l");
        assert_eq!(client_thread.len(), 1);
        assert_eq!(team_thread.len(), 1);
        assert_eq!(team_thread[0].body, "Vitals stable");
        // The therapist has the client's message unread; the prescriber is never told of it.
        let later = now + Duration::seconds(2);
        let t1 = s
            .work()
            .nav_counts(w.t1.0, Role::Therapist, true, later)
            .await
            .expect("c");
        assert_eq!(t1.unread_messages, 1);
        let rows = s.work().messages(w.t1.0, false, later).await.expect("q");
        assert_eq!(rows.len(), 1);
    }
);

store_test!(
    a_file_sent_with_a_message_is_read_only_by_the_client_and_their_care_team,
    async |db: &TestDb| {
        use kapflow_store::message_attachments::NewAttachment;
        let w = world(db).await;
        let s = &db.store;
        let now = now_utc();
        let Pair {
            ada,
            bea,
            a,
            b,
            actor,
            ..
        } = pair(db, &w).await;
        let pdf = b"%PDF-1.7\n%%EOF\n";
        let file = NewAttachment {
            file_name: "Blood test.pdf",
            content_type: "application/pdf",
            bytes: pdf,
        };
        s.portal()
            .send_message(&a, "", Some(file), &actor, now)
            .await
            .expect("sent");
        let mine = s.portal().messages(&a).await.expect("m");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].attachment_name.as_deref(), Some("Blood test.pdf"));
        assert_eq!(mine[0].attachment_size, Some(pdf.len() as i64));
        let id = kapflow_domain::AttachmentId::from(mine[0].attachment_id.expect("file"));
        // The client and the care team read it, byte for byte.
        let own = s
            .portal()
            .attachment(&a, id)
            .await
            .expect("r")
            .expect("own");
        assert_eq!(own.bytes, pdf);
        assert_eq!(own.content_type, "application/pdf");
        let team = s
            .messages()
            .attachment(&seen(ada), id)
            .await
            .expect("r")
            .expect("care team");
        assert_eq!(team.file_name, "Blood test.pdf");
        // Another client, and the same id through another client's record: nothing.
        assert!(s.portal().attachment(&b, id).await.expect("r").is_none());
        assert!(
            s.messages()
                .attachment(&seen(bea), id)
                .await
                .expect("r")
                .is_none()
        );
        // The prescriber's thread takes no files.
        assert!(
            !s.messages()
                .post(
                    &for_tests(ada),
                    Thread::Team,
                    "Scan attached",
                    Some(file),
                    Sensitivity::General,
                    &w.t1.1,
                    now,
                )
                .await
                .expect("refused")
        );
        // The care team's reply can carry one, and the message's audit row has its digest.
        assert!(
            s.messages()
                .post(
                    &for_tests(ada),
                    Thread::Client,
                    "Here is the aftercare sheet",
                    Some(NewAttachment {
                        file_name: "Aftercare.pdf",
                        ..file
                    }),
                    Sensitivity::General,
                    &w.t1.1,
                    now,
                )
                .await
                .expect("posted")
        );
        assert_eq!(s.portal().messages(&a).await.expect("m").len(), 2);
        let digest = kapflow_domain::digest::sha256_hex(pdf);
        let audited = s.audit().recent(20).await.expect("audit");
        assert_eq!(
            audited
                .iter()
                .filter(|r| r.entry.action == "message.posted"
                    && r.entry
                        .reason
                        .as_deref()
                        .is_some_and(|why| why.contains(&digest)))
                .count(),
            2
        );
        assert!(
            raw_sql_fails(db, "UPDATE message_attachments SET file_name = 'x.pdf'").await,
            "files are kept as sent"
        );
        assert!(
            raw_sql_fails(db, "DELETE FROM message_attachments").await,
            "files are never removed"
        );
    }
);

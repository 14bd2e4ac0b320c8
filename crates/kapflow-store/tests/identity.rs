//! Identity in the store, on both backends: sessions, lockout, MFA, staff changes, links, audit queries.

mod common;

use common::*;
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, Email, Role, UserId};
use kapflow_store::accounts::AccountChangeRefused;
use kapflow_store::audit::AuditFilter;
use kapflow_store::invitations::{InviteRefused, IssuedLink, LinkStatus};
use kapflow_store::sessions::NewSession;
use kapflow_store::store_test;
use kapflow_store::testkit::TestDb;
use time::{Duration, OffsetDateTime};

/// A staff account with a (stand-in) password hash.
async fn user(db: &TestDb, email: &str, role: Role) -> UserId {
    account(db, email, role, Some("h")).await
}

/// Whether no session has the token `token` (it ended, or never was).
async fn no_session(db: &TestDb, token: &str) -> bool {
    db.store
        .sessions()
        .by_token(&token_hash(token))
        .await
        .expect("q")
        .is_none()
}

/// Invites `email` as `role` by `link` (token hash `h`), valid for three days from `now`.
async fn invite(
    db: &TestDb,
    email: &Email,
    role: Role,
    h: &[u8],
    link: &str,
    by: &Actor,
    now: OffsetDateTime,
) -> Result<(), InviteRefused> {
    let issued = IssuedLink {
        token_hash: h,
        link,
        expires_at: now + Duration::days(3),
    };
    db.store
        .invitations()
        .create(email, role, None, &issued, by, now)
        .await
        .expect("q")
}

/// Asks for a password reset for `email` by a link (token hash `h`) valid for an hour.
async fn request_reset(db: &TestDb, email: &Email, h: &[u8], now: OffsetDateTime) {
    let issued = IssuedLink {
        token_hash: h,
        link: "l",
        expires_at: now + Duration::hours(1),
    };
    db.store
        .invitations()
        .request_password_reset(email, &issued, &Actor::default(), now)
        .await
        .expect("q");
}

async fn session(db: &TestDb, user: UserId, token: &str) -> kapflow_domain::SessionId {
    let hash = token_hash(token);
    db.store
        .accounts()
        .start_session_after_password(
            &NewSession {
                user,
                token_hash: &hash,
                csrf_token: "csrf",
                mfa_verified: false,
                step_up: false,
                ip: Some("127.0.0.1"),
                user_agent: None,
            },
            &Actor::anonymous(None),
            now_utc(),
        )
        .await
        .expect("session")
}

store_test!(
    sessions_are_found_by_token_hash_and_end,
    async |db: &TestDb| {
        let s = &db.store;
        let u = user(db, "t@example.org", Role::Therapist).await;
        let id = session(db, u, "tok-1").await;
        let rec = s
            .sessions()
            .by_token(&token_hash("tok-1"))
            .await
            .expect("q")
            .expect("found");
        assert_eq!(rec.id, id);
        assert_eq!(rec.user.id, u);
        assert_eq!(rec.user.role, Role::Therapist);
        assert!(!rec.mfa_verified && !rec.mfa_enrolled);
        assert!(no_session(db, "other").await);
        s.sessions()
            .touch(id, now_utc() + Duration::minutes(1))
            .await
            .expect("touch");
        s.sessions()
            .end(id, &Actor::default(), "auth.logout", now_utc())
            .await
            .expect("end");
        assert!(no_session(db, "tok-1").await, "ended sessions are gone");
    }
);

store_test!(
    sign_out_everywhere_else_keeps_only_this_session,
    async |db: &TestDb| {
        let s = &db.store;
        let u = user(db, "t@example.org", Role::Therapist).await;
        let a = session(db, u, "a").await;
        session(db, u, "b").await;
        session(db, u, "c").await;
        assert_eq!(s.sessions().list(u).await.expect("list").len(), 3);
        assert_eq!(
            s.sessions()
                .end_others(u, a, &Actor::default(), now_utc())
                .await
                .expect("end"),
            2
        );
        let left = s.sessions().list(u).await.expect("list");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id, a);
    }
);

store_test!(
    ten_wrong_passwords_lock_the_account_and_queue_a_notice,
    async |db: &TestDb| {
        let s = &db.store;
        let u = user(db, "t@example.org", Role::Therapist).await;
        let actor = Actor::anonymous(Some("203.0.113.9".into()));
        let fail = |times| {
            let actor = &actor;
            async move {
                for _ in 0..times {
                    s.accounts()
                        .record_login_failure(Some(u), actor, "wrong password", now_utc())
                        .await
                        .expect("fail");
                }
            }
        };
        let locked_until = || async {
            s.accounts()
                .login_record(&Email::parse("t@example.org").expect("e"))
                .await
                .expect("q")
                .expect("rec")
                .locked_until
        };
        fail(9).await;
        assert!(locked_until().await.is_none());
        assert_eq!(s.outbox().pending().await.expect("p"), 0);
        fail(1).await;
        assert!(locked_until().await.is_some_and(|t| t > now_utc()));
        assert_eq!(s.outbox().pending().await.expect("p"), 1);
        let locked = audit_rows(db, &action_filter("auth.account_locked"), 10).await;
        assert_eq!(locked.len(), 1);
        let failures = audit_rows(db, &action_filter("auth.login"), 50).await;
        assert_eq!(failures.len(), 10);
        assert!(
            failures
                .iter()
                .all(|f| f.entry.ip.as_deref() == Some("203.0.113.9"))
        );
    }
);

store_test!(totp_steps_only_move_forward, async |db: &TestDb| {
    let s = &db.store;
    let u = user(db, "t@example.org", Role::Therapist).await;
    assert!(
        !s.accounts().accept_totp_step(u, 100).await.expect("q"),
        "no secret, no step"
    );
    let pending = s
        .accounts()
        .pending_totp_secret(u, b"first-secret")
        .await
        .expect("pending");
    assert_eq!(pending, b"first-secret");
    assert_eq!(
        s.accounts()
            .pending_totp_secret(u, b"second")
            .await
            .expect("pending"),
        b"first-secret",
        "stable across reloads"
    );
    let codes = vec![token_hash("r1"), token_hash("r2")];
    s.accounts()
        .enrol_totp(u, &pending, 100, &codes, &Actor::default(), now_utc())
        .await
        .expect("enrol");
    assert!(
        !s.accounts().accept_totp_step(u, 100).await.expect("q"),
        "the enrolment code cannot be replayed"
    );
    assert!(s.accounts().accept_totp_step(u, 101).await.expect("q"));
    assert!(!s.accounts().accept_totp_step(u, 101).await.expect("q"));
    assert!(!s.accounts().accept_totp_step(u, 99).await.expect("q"));
    assert_eq!(
        s.accounts()
            .totp_record(u)
            .await
            .expect("r")
            .totp_secret
            .as_deref(),
        Some(&b"first-secret"[..])
    );

    assert_eq!(s.accounts().unused_recovery_codes(u).await.expect("n"), 2);
    for (code, used, why) in [
        ("r1", true, "a recovery code works"),
        ("r1", false, "single use"),
        ("nope", false, "an unknown code does not"),
    ] {
        assert_eq!(
            s.accounts()
                .use_recovery_code(u, &token_hash(code), now_utc())
                .await
                .expect("use"),
            used,
            "{why}"
        );
    }
    assert_eq!(s.accounts().unused_recovery_codes(u).await.expect("n"), 1);
});

store_test!(
    owner_changes_end_the_targets_sessions,
    async |db: &TestDb| {
        let s = &db.store;
        let owner = user(db, "o@example.org", Role::Owner).await;
        let t = user(db, "t@example.org", Role::Therapist).await;
        let actor = Actor::user(owner, Role::Owner, None, None);
        // A new role, an MFA reset and disabling each end the target's sessions.
        for (token, change) in [("t1", "role"), ("t2", "mfa"), ("t3", "disable")] {
            session(db, t, token).await;
            match change {
                "role" => {
                    s.accounts()
                        .change_role(t, Role::FrontDesk, &actor, now_utc())
                        .await
                }
                "mfa" => s.accounts().reset_mfa(t, &actor, now_utc()).await,
                _ => s.accounts().disable_user(t, &actor, now_utc()).await,
            }
            .expect("q")
            .expect("ok");
            assert!(no_session(db, token).await, "{change}");
        }
        let target = s.users().by_id(t).await.expect("q").expect("u");
        assert_eq!(target.role, Role::FrontDesk);
        assert!(target.disabled);

        assert_eq!(
            s.accounts()
                .disable_user(owner, &actor, now_utc())
                .await
                .expect("q"),
            Err(AccountChangeRefused::OwnAccount)
        );
        assert_eq!(
            s.accounts()
                .disable_user(UserId::new(), &actor, now_utc())
                .await
                .expect("q"),
            Err(AccountChangeRefused::NotFound)
        );
        let by_owner = AuditFilter {
            actor: Some(owner),
            ..Default::default()
        };
        let rows = audit_rows(db, &by_owner, 10).await;
        let actions: Vec<_> = rows.iter().map(|r| r.entry.action.as_str()).collect();
        assert_eq!(actions, ["user.disabled", "mfa.reset", "user.role_changed"]);
        assert_eq!(rows[0].actor_email.as_deref(), Some("o@example.org"));
    }
);

store_test!(
    invitations_are_single_use_and_bound_to_their_address,
    async |db: &TestDb| {
        let s = &db.store;
        let owner = user(db, "o@example.org", Role::Owner).await;
        let actor = Actor::user(owner, Role::Owner, None, None);
        let now = now_utc();
        let email = Email::parse("new@example.org").expect("e");
        let h = token_hash("invite");
        invite(
            db,
            &email,
            Role::Therapist,
            &h,
            "http://x/invite/t",
            &actor,
            now,
        )
        .await
        .expect("ok");
        assert_eq!(s.outbox().pending().await.expect("p"), 1);
        assert_eq!(
            s.invitations().status(&h, now).await.expect("q"),
            LinkStatus::Valid(kapflow_store::invitations::Invitation {
                email: "new@example.org".into(),
                role: Role::Therapist,
                org: None,
                client: None,
            })
        );
        assert_eq!(
            s.invitations()
                .status(&h, now + Duration::days(4))
                .await
                .expect("q"),
            LinkStatus::Expired
        );
        let LinkStatus::Valid(id) = s
            .invitations()
            .accept(&h, "New Therapist", "hash", &Actor::default(), now)
            .await
            .expect("q")
        else {
            panic!("accept failed")
        };
        let u = s.users().by_id(id).await.expect("q").expect("u");
        assert_eq!(
            (u.email.as_str(), u.role),
            ("new@example.org", Role::Therapist)
        );
        assert_eq!(
            s.invitations()
                .accept(&h, "Again", "hash", &Actor::default(), now)
                .await
                .expect("q"),
            LinkStatus::Used
        );
        assert_eq!(
            invite(
                db,
                &email,
                Role::FrontDesk,
                &token_hash("x"),
                "l",
                &actor,
                now
            )
            .await,
            Err(InviteRefused::AccountExists)
        );
    }
);

store_test!(
    a_newer_invitation_replaces_the_older_one,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let email = Email::parse("new@example.org").expect("e");
        let (a, b) = (token_hash("a"), token_hash("b"));
        for (role, h) in [(Role::Therapist, &a), (Role::FrontDesk, &b)] {
            invite(db, &email, role, h, "l", &Actor::default(), now)
                .await
                .expect("ok");
        }
        assert_eq!(
            s.invitations().status(&a, now).await.expect("q"),
            LinkStatus::Used
        );
        assert!(matches!(
            s.invitations().status(&b, now).await.expect("q"),
            LinkStatus::Valid(_)
        ));
    }
);

store_test!(
    password_resets_reveal_nothing_and_work_once,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let u = user(db, "t@example.org", Role::Therapist).await;
        session(db, u, "live").await;
        let unknown = Email::parse("nobody@example.org").expect("e");
        request_reset(db, &unknown, &token_hash("x"), now).await;
        assert_eq!(s.outbox().pending().await.expect("p"), 0);
        assert_eq!(
            s.invitations()
                .reset_link_status(&token_hash("x"), now)
                .await
                .expect("q"),
            LinkStatus::Unknown
        );

        let known = Email::parse("t@example.org").expect("e");
        let h = token_hash("reset");
        request_reset(db, &known, &h, now).await;
        assert_eq!(s.outbox().pending().await.expect("p"), 1);
        assert_eq!(
            s.invitations()
                .complete_password_reset(&h, "new-hash", &Actor::default(), now)
                .await
                .expect("q"),
            LinkStatus::Valid(u)
        );
        assert!(no_session(db, "live").await, "old sessions end");
        assert_eq!(
            s.accounts()
                .login_record(&known)
                .await
                .expect("q")
                .expect("r")
                .password_hash
                .as_deref(),
            Some("new-hash")
        );
        assert_eq!(
            s.invitations()
                .complete_password_reset(&h, "again", &Actor::default(), now)
                .await
                .expect("q"),
            LinkStatus::Used
        );
    }
);

store_test!(audit_queries_filter_and_page, async |db: &TestDb| {
    let s = &db.store;
    let base = now_utc();
    let u = user(db, "t@example.org", Role::Therapist).await;
    for i in 0..7 {
        let mut e = Actor::user(u, Role::Therapist, None, None).entry(
            if i % 2 == 0 {
                "client.view"
            } else {
                "client.search"
            },
            base + Duration::minutes(i),
        );
        e.client_id = Some(format!("c{}", i % 3));
        s.audit().record(&e).await.expect("audit");
    }
    let views = audit_rows(db, &action_filter("client.view"), 100).await;
    assert_eq!(views.len(), 4);
    let of_c0 = AuditFilter {
        client_id: Some("c0".into()),
        ..Default::default()
    };
    let c0 = audit_rows(db, &of_c0, 100).await;
    assert_eq!(c0.len(), 3);
    let window = AuditFilter {
        from: Some(base + Duration::minutes(2)),
        until: Some(base + Duration::minutes(5)),
        actor: Some(u),
        ..Default::default()
    };
    assert_eq!(audit_rows(db, &window, 100).await.len(), 3);
    let page1 = audit_rows(db, &AuditFilter::default(), 3).await;
    let before_page1 = AuditFilter {
        before_seq: Some(page1[2].seq),
        ..Default::default()
    };
    let page2 = audit_rows(db, &before_page1, 3).await;
    assert_eq!(page1.len(), 3);
    assert!(page2[0].seq < page1[2].seq);
});

store_test!(
    open_invitations_are_listed_and_can_be_withdrawn,
    async |db: &TestDb| {
        let s = &db.store;
        let now = now_utc();
        let email = Email::parse("new@example.org").expect("e");
        let h = token_hash("inv");
        invite(db, &email, Role::Therapist, &h, "l", &Actor::default(), now)
            .await
            .expect("ok");
        let open = s.invitations().pending(now).await.expect("q");
        assert_eq!(
            (open.len(), open[0].email.as_str(), open[0].role.as_str()),
            (1, "new@example.org", "therapist")
        );
        assert!(
            s.invitations()
                .pending(now + Duration::days(4))
                .await
                .expect("q")
                .is_empty(),
            "expired ones are not open"
        );
        assert_eq!(
            s.invitations()
                .revoke(&email, &Actor::default(), now)
                .await
                .expect("revoke"),
            1
        );
        assert!(s.invitations().pending(now).await.expect("q").is_empty());
        assert_eq!(
            s.invitations().status(&h, now).await.expect("q"),
            LinkStatus::Used,
            "a withdrawn link no longer works"
        );
    }
);

store_test!(
    a_prescribers_invitation_sets_their_partner_organisation_and_names_are_kept_once,
    async |db: &TestDb| {
        use kapflow_store::partner_orgs::Renamed;
        let s = &db.store;
        let owner = user(db, "o@example.org", Role::Owner).await;
        let actor = Actor::user(owner, Role::Owner, None, None);
        let now = now_utc();
        let org = s
            .partner_orgs()
            .add("Journey Clinic", &actor, now)
            .await
            .expect("q")
            .expect("added");
        let other = s
            .partner_orgs()
            .add("Aurora Medical", &actor, now)
            .await
            .expect("q")
            .expect("added");
        let email = Email::parse("dr@example.org").expect("e");
        let h = token_hash("prescriber-invite");
        let issued = IssuedLink {
            token_hash: &h,
            link: "http://x/invite/p",
            expires_at: now + Duration::days(3),
        };
        s.invitations()
            .create(&email, Role::Prescriber, Some(org), &issued, &actor, now)
            .await
            .expect("q")
            .expect("invited");
        let LinkStatus::Valid(id) = s
            .invitations()
            .accept(&h, "Dr Ng", "hash", &Actor::default(), now)
            .await
            .expect("q")
        else {
            panic!("accept failed")
        };
        assert_eq!(s.partner_orgs().of(id).await.expect("q"), Some(org));
        // A rename keeps the organisation (and its prescribers); a name is never held twice.
        assert_eq!(
            s.partner_orgs()
                .rename(org, "Journey Clinical", &actor, now)
                .await
                .expect("q"),
            Renamed::Done
        );
        assert_eq!(
            s.partner_orgs()
                .rename(other, "Journey Clinical", &actor, now)
                .await
                .expect("q"),
            Renamed::NameTaken
        );
        let names: Vec<String> = s
            .partner_orgs()
            .list()
            .await
            .expect("q")
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, ["Aurora Medical", "Journey Clinical"]);
        assert_eq!(s.partner_orgs().of(id).await.expect("q"), Some(org));
        assert_eq!(
            s.partner_orgs()
                .rename(kapflow_domain::OrgId::new(), "Elsewhere", &actor, now)
                .await
                .expect("q"),
            Renamed::NoSuchOrg
        );
    }
);

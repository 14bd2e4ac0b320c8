//! A questionnaire answered through a single-use link, as the client would, at a chosen time.

use super::TestApp;
use kapflow_domain::measures::schedule::{AlertTiming, Channel};
use kapflow_domain::measures::{self, MeasureSettings, score};
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, ClientId};
use kapflow_store::access::for_tests;
use kapflow_store::measures::Submission;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Schedules `code` for `client` at `at` (by `by`), and answers it with `answers` (item code →
/// value) through a link; the submission's outcome.
pub async fn answer(
    t: &TestApp,
    client: ClientId,
    code: &str,
    answers: &BTreeMap<String, u8>,
    at: OffsetDateTime,
    by: &Actor,
) -> Submission {
    let settings = MeasureSettings::default();
    answer_under(t, client, code, answers, &settings, at, by).await
}

/// [`answer`], scored under the practice's `settings`.
pub async fn answer_under(
    t: &TestApp,
    client: ClientId,
    code: &str,
    answers: &BTreeMap<String, u8>,
    settings: &MeasureSettings,
    at: OffsetDateTime,
    by: &Actor,
) -> Submission {
    let seen = for_tests(client).clinical().expect("clinical");
    let i = measures::builtin(code).expect("a built-in questionnaire");
    let s = score(&i, answers, settings).expect("scored");
    assert!(
        t.db.store
            .measures()
            .add_request(&seen, code, at.date(), by, at)
            .await
            .expect("req")
    );
    let req =
        t.db.store
            .measures()
            .requests(&seen)
            .await
            .expect("requests")
            .into_iter()
            .find(|r| r.instrument == code && r.completed_at.is_none() && r.cancelled_at.is_none())
            .expect("open request")
            .id;
    let token = format!("tok-{}", Uuid::now_v7());
    t.db.store
        .measures()
        .issue_link(
            &seen,
            req,
            &token_hash(&token),
            Channel::Link,
            Duration::days(365),
            &format!("/m/{token}"),
            by,
            at,
        )
        .await
        .expect("link");
    let timing = AlertTiming {
        escalate_after: Duration::hours(24),
        escalate_high_after: Duration::hours(1),
    };
    t.db.store
        .measures()
        .submit(&token_hash(&token), &s, timing, at)
        .await
        .expect("submit")
}

/// PHQ-9 answers, items 1 to 9 in order.
pub fn phq9(items: [u8; 9]) -> BTreeMap<String, u8> {
    items
        .iter()
        .enumerate()
        .map(|(n, v)| (format!("q{}", n + 1), *v))
        .collect()
}

//! Every score in full on a client's Measures page: the PCL-5's cluster sub-scores and DSM-5
//! reading beside its total, the C-SSRS's risk level and the questions answered "yes" (no
//! total, no chart of yes answers), and each response's answers on their own page.

mod support;

use axum::http::StatusCode;
use kapflow_domain::measures::MeasureSettings;
use kapflow_domain::measures::cssrs::{NO, YES};
use kapflow_domain::time_util::now_utc;
use kapflow_store::measures::Submission;
use std::collections::BTreeMap;
use support::TestApp;
use support::answers::{answer, answer_under};
use support::clinic::clinic;
use time::Duration;

fn answers(pairs: &[(&str, u8)]) -> BTreeMap<String, u8> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// The links from the Measures page to each response's answers.
fn response_links(body: &str) -> Vec<String> {
    body.match_indices("href=\"/clients/")
        .filter_map(|(i, _)| {
            let rest = &body[i + 6..];
            let end = rest.find('"')?;
            let href = &rest[..end];
            href.contains("/responses/").then(|| href.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_pcl5_and_the_cssrs_show_their_whole_result_and_every_answer() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    let a = c.a;
    let by = c.t1.actor();
    let at = now_utc() - Duration::days(2);
    // The practice reads the PCL-5 at 31 and over.
    let r = t
        .post(
            "/settings/clinical",
            "break_glass_hours=4&break_glass_reason=20&bp_systolic=160&bp_diastolic=100&minimum_age=18&alert_hours=24&alert_high_hours=1&pcl5_cutoff=31",
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let settings = MeasureSettings {
        pcl5_provisional_cutoff: 31,
    };
    // PCL-5: items 1–5 at 2, 6–7 at 0, 8–14 at 3, 15–20 at 1: total 5·2 + 7·3 + 6·1 = 37.
    let pcl5: BTreeMap<String, u8> = (1..=20)
        .map(|n| {
            let v = match n {
                1..=5 => 2,
                6..=7 => 0,
                8..=14 => 3,
                _ => 1,
            };
            (format!("q{n}"), v)
        })
        .collect();
    let r = answer_under(&t, a, "pcl5", &pcl5, &settings, at, &by).await;
    assert!(matches!(r, Submission::Recorded { .. }));
    // C-SSRS: yes to 1, no to 2 (3–5 skipped), behaviour more than 3 months ago.
    let cssrs = answers(&[("q1", YES), ("q2", NO), ("q6", YES), ("q6_recent", NO)]);
    let r = answer(&t, a, "cssrs", &cssrs, at + Duration::hours(1), &by).await;
    assert!(matches!(r, Submission::Recorded { alert: true, .. }));

    let page = t.get(&format!("/clients/{a}/measures"), Some(&c.t1)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    // PCL-5: the total, the provisional reading, each cluster, the DSM-5 rule (C not met).
    for shown in [
        "<td>37</td>",
        "B intrusion (items 1–5)",
        "<td>10 of 20; 5 endorsed, 1 needed</td>",
        "<td>0 of 8; 0 endorsed, 1 needed</td>",
        "<td>21 of 28; 7 endorsed, 2 needed</td>",
        "<td>6 of 24; 0 endorsed, 2 needed</td>",
        "<td>Not met</td>",
        "<td>Provisional PTSD (total at or above 31)</td>",
        // The chart's bands are the ones the score was read against.
        "<title>Provisional PTSD (total at or above 31) (31–80)</title>",
    ] {
        assert!(body.contains(shown), "{shown:?}");
    }
    // C-SSRS: the level and the yes answers; no total column and no chart for it.
    let cssrs_at = body
        .find("<section class=\"series\" aria-label=\"Columbia")
        .expect("the C-SSRS series");
    let section = &body[cssrs_at..];
    let section = &section[..section.find("</section>").expect("end")];
    assert!(section.contains("<th scope=\"col\">Risk level</th>"));
    assert!(!section.contains(">Total<"), "never a total of yes answers");
    assert!(!section.contains("<svg"), "no chart of yes answers");
    assert!(section.contains("Moderate risk"));
    assert!(section.contains("Q1 wish to be dead; Q6 behaviour (more than 3 months ago)"));

    // Each row links to its answers; the C-SSRS page says which questions were skipped.
    let links = response_links(body);
    assert_eq!(links.len(), 2);
    let cssrs_page = page_with(&t, &links, &c.t1, "Answered yes").await;
    for shown in [
        "Have you wished you were dead",
        "Yes (1)",
        "Not asked (the questionnaire skips it after the answers above)",
        "Was this within the past 3 months?",
        "No (0)",
        "C-SSRS: yes to Q1, Q6 (behaviour more than 3 months ago)",
    ] {
        assert!(cssrs_page.contains(shown), "{shown:?}");
    }
    // Front desk and a therapist off the care team do not get the answers.
    for p in [&c.front, &c.t2] {
        let r = t.get(&links[0], Some(p)).await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{}",
            r.status
        );
    }
    // Another client's response under this client's path is not found.
    let other = links[0].replace(&a.to_string(), &c.b.to_string());
    assert_eq!(
        t.get(&other, Some(&c.t2)).await.status,
        StatusCode::NOT_FOUND
    );
}

/// The body of the first of `links` whose page contains `needle`.
async fn page_with(t: &TestApp, links: &[String], who: &support::Person, needle: &str) -> String {
    for l in links {
        let r = t.get(l, Some(who)).await;
        assert_eq!(r.status, StatusCode::OK, "{l}");
        if r.body.contains(needle) {
            return r.body;
        }
    }
    panic!("no page with {needle:?}");
}

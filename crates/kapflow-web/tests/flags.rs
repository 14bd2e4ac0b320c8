//! A screening flag stays an open warning until the prescriber decides: then the client's
//! header lists it as reviewed, with the decision, who and when.

mod support;

use support::TestApp;
use support::clinic::clinic;

#[tokio::test]
async fn screening_flags_read_as_reviewed_once_the_prescriber_has_decided() {
    let t = TestApp::new().await;
    let c = clinic(&t).await;
    // Ada was evaluated eligible: her flag (blood pressure at intake) is reviewed.
    let page = t.get(&format!("/clients/{}", c.a), Some(&c.t1)).await;
    assert!(
        page.body.contains("class=\"flag reviewed\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Reviewed by the prescriber (p1@example.org): Eligible,")
    );
    assert!(!page.body.contains("aria-label=\"Open screening flags\""));
    // Front desk sees no flags at all.
    let desk = t.get(&format!("/clients/{}", c.a), Some(&c.front)).await;
    assert!(!desk.body.contains("Reviewed by the prescriber"));
}

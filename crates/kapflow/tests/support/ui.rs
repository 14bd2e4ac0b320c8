//! What the browser tests do the way a person would: type, click, wait for the next page,
//! read, enrol a second factor, check accessibility.

#![allow(dead_code)]

use super::browser::axe_violations;
use fantoccini::Locator;

/// Types into the field with this id, replacing what is there. Waits (up to 10 s) for the
/// field: a click that submits a form returns before the next page has loaded.
pub async fn fill(c: &fantoccini::Client, id: &str, text: &str) {
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Id(id)).await
            && el.clear().await.is_ok()
            && el.send_keys(text).await.is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("field #{id} never became usable");
}

/// An attribute of the element with this id (`None` when it has none).
pub async fn attr_of(c: &fantoccini::Client, id: &str, name: &str) -> Option<String> {
    c.find(Locator::Id(id))
        .await
        .expect("element")
        .attr(name)
        .await
        .expect("attribute")
}

/// The text of the element, waiting (up to 10 s) for it to appear.
pub async fn wait_text(c: &fantoccini::Client, locator: Locator<'_>) -> String {
    for _ in 0..100 {
        if let Ok(el) = c.find(locator).await
            && let Ok(text) = el.text().await
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{locator:?} never appeared");
}

/// Clicks the element, waiting (up to 10 s) for it to appear.
pub async fn click(c: &fantoccini::Client, css: &str) {
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && el.click().await.is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("element {css} never became clickable");
}

/// Waits (up to 10 s) until the page's heading is `expected`: a click that submits a form
/// returns before the next page has loaded.
pub async fn expect_h1(c: &fantoccini::Client, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css("h1")).await
            && let Ok(text) = el.text().await
        {
            if text == expected {
                return;
            }
            seen = text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("expected the heading {expected:?}, the page shows {seen:?}");
}

/// Saves a screenshot when KAPFLOW_SCREENSHOTS_DIR is set (for looking at pages by eye).
pub async fn shot(c: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("KAPFLOW_SCREENSHOTS_DIR") {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).expect("write");
    }
}

pub fn totp_code(secret: &[u8], steps_ahead: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    kapflow_web::auth::totp::code_at(secret, now + (steps_ahead * 30) as u64)
}

/// Signs in with the password and lands on the second-factor page.
pub async fn sign_in(c: &fantoccini::Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    fill(c, "email", email).await;
    fill(c, "password", password).await;
    click(c, "form[action='/login'] button[type=submit]").await;
}

/// On the enrolment page: reads the shown secret, enters the current code, and returns the
/// secret and the recovery codes shown.
pub async fn enrol(c: &fantoccini::Client) -> (Vec<u8>, Vec<String>) {
    expect_h1(c, "Set up two-step sign-in").await;
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_ok(),
        "QR code shown as SVG"
    );
    shot(c, "mfa-enrol").await;
    assert_accessible(
        c,
        super::browser::axe_source().as_deref(),
        "the MFA enrolment page",
    )
    .await;
    let text = wait_text(c, Locator::Id("totp-secret")).await;
    let secret = kapflow_web::auth::totp::decode_secret_text(&text).expect("base32 secret");
    fill(c, "code", &totp_code(&secret, 0)).await;
    click(c, "form[action='/mfa/enrol'] button[type=submit]").await;
    expect_h1(c, "Two-step sign-in is on").await;
    let mut codes = Vec::new();
    for el in c
        .find_all(Locator::Css("#recovery-codes code"))
        .await
        .expect("codes")
    {
        codes.push(el.text().await.expect("code"));
    }
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

pub fn mailed_link(data: &std::path::Path, marker: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(dir) = std::fs::read_dir(data.join("mail")) {
            for f in dir.flatten() {
                let text = std::fs::read_to_string(f.path()).unwrap_or_default();
                let unfolded = text
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=");
                if let Some(i) = unfolded.find(marker) {
                    let start = unfolded[..i].rfind("http").expect("link start");
                    let rest = &unfolded[start..];
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    return rest[..end].to_owned();
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no email with {marker}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// axe-core's rules (where axe is present) and kapflow's own WCAG 2.2 checks (always).
pub async fn assert_accessible(c: &fantoccini::Client, axe: Option<&str>, what: &str) {
    if let Some(js) = axe {
        let v = axe_violations(c, js).await;
        assert!(v.is_empty(), "axe-core found violations on {what}: {v:#?}");
    }
    let v = super::wcag::violations(c).await;
    assert!(v.is_empty(), "WCAG 2.2 problems on {what}: {v:#?}");
}

/// Owner setup and TOTP enrolment through the browser; returns the owner's secret.
pub async fn set_up_owner(c: &fantoccini::Client, setup_link: &str, password: &str) -> Vec<u8> {
    c.goto(setup_link).await.expect("setup");
    fill(c, "practice_name", "Alvarado Therapy").await;
    choose(c, "time_zone", "UTC").await;
    fill(c, "display_name", "Catherine Alvarado").await;
    fill(c, "email", "catherine@example.org").await;
    fill(c, "password", password).await;
    fill(c, "password_confirm", password).await;
    click(c, "form button[type=submit]").await;
    expect_h1(c, "Your practice is set up").await;
    click(c, "a.button.primary").await;
    fill(c, "email", "catherine@example.org").await;
    fill(c, "password", password).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    let (secret, _) = enrol(c).await;
    click(c, "a.button.primary").await;
    expect_h1(c, "Welcome, Catherine Alvarado").await;
    secret
}

/// Clicks the element and waits (up to 10 s) until a new page has loaded in place of the one
/// it was clicked on: for a submit whose next page looks like the last (same heading, same
/// notice).
pub async fn click_and_load(c: &fantoccini::Client, css: &str) {
    c.execute("window.__kapflowOldPage = true;", vec![])
        .await
        .expect("mark the page");
    click(c, css).await;
    for _ in 0..100 {
        if let Ok(v) = c
            .execute(
                "return window.__kapflowOldPage === undefined && document.readyState === 'complete'",
                vec![],
            )
            .await
            && v == serde_json::Value::Bool(true)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("clicking {css} did not load a new page");
}

/// The text of the element once it contains `needle`, waiting up to 10 s.
pub async fn wait_contains(c: &fantoccini::Client, locator: Locator<'_>, needle: &str) -> String {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(locator).await
            && let Ok(text) = el.text().await
        {
            if text.contains(needle) {
                return text;
            }
            seen = text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{locator:?} never contained {needle:?}; it shows {seen:?}");
}

/// Chooses the option with this visible label in the select with this id (waits up to 10 s).
pub async fn choose(c: &fantoccini::Client, id: &str, label: &str) {
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Id(id)).await
            && el.select_by_label(label).await.is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no option {label:?} in the select #{id}");
}

/// Sets a `type=date` field to `YYYY-MM-DD`. Typing into a date field goes through the
/// browser's locale-ordered date parts, so the value is set as a date picker would set it,
/// with the same input and change events.
pub async fn set_date(c: &fantoccini::Client, id: &str, yyyy_mm_dd: &str) {
    for _ in 0..100 {
        if let Ok(v) = c
            .execute(
                "const el = document.getElementById(arguments[0]);\
                 if (!el || el.type !== 'date') return null;\
                 el.value = arguments[1];\
                 el.dispatchEvent(new Event('input', { bubbles: true }));\
                 el.dispatchEvent(new Event('change', { bubbles: true }));\
                 return el.value;",
                vec![id.into(), yyyy_mm_dd.into()],
            )
            .await
            && v.as_str() == Some(yyyy_mm_dd)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("date field #{id} never took {yyyy_mm_dd}");
}

/// The id of the form control a `<label>` with exactly this text is for (visually hidden
/// labels included), waiting up to 10 s.
pub async fn id_for_label(c: &fantoccini::Client, label: &str) -> String {
    for _ in 0..100 {
        if let Ok(v) = c
            .execute(
                "const l = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === arguments[0]);\
                 return l ? l.htmlFor : null;",
                vec![label.into()],
            )
            .await
            && let Some(id) = v.as_str()
            && !id.is_empty()
        {
            return id.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no label {label:?}");
}

/// Clicks the element of this tag whose whole visible text is `text` (a link, a summary,
/// a button), waiting up to 10 s.
pub async fn click_text(c: &fantoccini::Client, tag: &str, text: &str) {
    let xpath = format!("//{tag}[normalize-space(.)={}]", xpath_literal(text));
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::XPath(&xpath)).await
            && el.click().await.is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no clickable {tag} {text:?}");
}

fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// Staff created the way an operator does: `kapflow user add` prints an invitation link,
/// which the person accepts (over HTTP) with their name and this password.
pub fn add_staff_from_console(
    server: &super::Server,
    data: &std::path::Path,
    (email, role, name): (&str, &str, &str),
    password: &str,
) {
    let out = super::kapflow_command(data, None)
        .args([
            "user",
            "add",
            "--email",
            email,
            "--role",
            role,
            "--public-url",
            &server.url,
        ])
        .output()
        .expect("user add");
    assert!(out.status.success(), "user add {email}: {out:?}");
    let link = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|w| w.contains("/invite/"))
        .expect("invitation link")
        .to_owned();
    let accepted = server.post_form(
        &super::path_of(&link),
        &format!(
            "display_name={}&password={1}&password_confirm={1}",
            name.replace(' ', "+"),
            password.replace(' ', "+")
        ),
    );
    assert_eq!(accepted.status, 200, "{email} accepts: {}", accepted.body);
}

/// A staff member's own browser (a fresh Chromium profile): signs in for the first time,
/// enrols TOTP, lands on the dashboard.
pub async fn staff_browser(
    base: &str,
    email: &str,
    password: &str,
    name: &str,
) -> super::browser::Browser {
    staff_browser_with_secret(base, email, password, name)
        .await
        .0
}

/// [`staff_browser`], with the person's TOTP secret (for the step-up of sensitive actions).
pub async fn staff_browser_with_secret(
    base: &str,
    email: &str,
    password: &str,
    name: &str,
) -> (super::browser::Browser, Vec<u8>) {
    let browser = super::browser::Browser::start().await.expect("a browser");
    let c = &browser.client;
    sign_in(c, base, email, password).await;
    let (secret, _) = enrol(c).await;
    click(c, "a.button.primary").await;
    expect_h1(c, &format!("Welcome, {name}")).await;
    (browser, secret)
}

/// On the step-up page a sensitive action sent the person to: confirms with the next code and
/// waits to be back where the action was.
pub async fn confirm_step_up(c: &fantoccini::Client, secret: &[u8]) {
    expect_h1(c, "Confirm with your code").await;
    fill(c, "code", &totp_code(secret, 1)).await;
    click_and_load(c, "form[action^='/step-up'] button[type=submit]").await;
}

/// One email written under DATA_DIR/mail (the server has no SMTP in tests): its `To` and
/// `Subject` headers (unfolded) and its whole text with quoted-printable soft breaks undone.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl Mail {
    /// The first `http…` link in the text that contains `marker`.
    pub fn link(&self, marker: &str) -> String {
        let i = self
            .text
            .find(marker)
            .unwrap_or_else(|| panic!("no {marker} in the email: {}", self.text));
        let start = self.text[..i].rfind("http").expect("link start");
        let rest = &self.text[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest[..end].to_owned()
    }
}

fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, _) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    Mail {
        to: header("To"),
        subject: header("Subject"),
        text: raw.replace("=\n", "").replace("=3D", "="),
    }
}

/// The email to `to` whose text contains `marker`, waiting (up to 20 s) for the outbox
/// worker to write it.
pub fn mail_to(data: &std::path::Path, to: &str, marker: &str) -> Mail {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(dir) = std::fs::read_dir(data.join("mail")) {
            for f in dir.flatten() {
                if f.path().extension().and_then(|e| e.to_str()) != Some("eml") {
                    continue;
                }
                let mail = parse_mail(&std::fs::read_to_string(f.path()).unwrap_or_default());
                if mail.to.to_lowercase().contains(&to.to_lowercase()) && mail.text.contains(marker)
                {
                    return mail;
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no email to {to} with {marker}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Clicks the button whose text starts with `button` in the table row whose first cell is
/// exactly `row` (a button per row, told apart by visually hidden text), waiting up to 10 s.
pub async fn click_in_row(c: &fantoccini::Client, row: &str, button: &str) {
    let xpath = format!(
        "//tr[td[1][normalize-space(.)={}]]//button[starts-with(normalize-space(.), {})]",
        xpath_literal(row),
        xpath_literal(button)
    );
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::XPath(&xpath)).await
            && el.click().await.is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no button {button:?} in the row {row:?}");
}

/// Whether the element is on the page now (no waiting).
pub async fn present(c: &fantoccini::Client, css: &str) -> bool {
    c.find(Locator::Css(css)).await.is_ok()
}

/// The current value of the field with this id.
pub async fn field_value(c: &fantoccini::Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .expect("field")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

/// Sets a form control's value as a picker would (time and date fields).
pub async fn set_value(c: &fantoccini::Client, id: &str, value: &str) {
    c.execute(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];\
         el.dispatchEvent(new Event('input', { bubbles: true }));\
         el.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![id.into(), value.into()],
    )
    .await
    .expect("set value");
}

/// A weekday at least a week ahead.
pub fn next_weekday() -> String {
    let mut d = kapflow_domain::time_util::now_utc().date() + time::Duration::days(8);
    while matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        d = d.next_day().expect("day");
    }
    d.to_string()
}

/// The page's document width and the viewport's, in CSS pixels.
pub async fn widths(c: &fantoccini::Client) -> (u64, u64) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    let n = |i: usize| v[i].as_u64().expect("a width");
    (n(0), n(1))
}

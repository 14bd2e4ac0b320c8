//! `kapflow demo-data`: a practice of invented people for demos, screenshots and benchmarks,
//! made through the store's own calls so every record, audit row and hash chain is what the
//! app itself would have written (and `kapflow check` passes).
//!
//! Deterministic: the seed decides every person, stage, score, session and text; dates are
//! counted back from the day it runs (whole days before today; a session running now is placed
//! minutes before the present), so the same seed makes the same practice on any day, only
//! moved in time. Ids are random (UUIDv7) as always.
//!
//! It refuses a database holding clients or inquiries it did not make (a real practice) unless
//! forced; a practice it made may be loaded again, which adds more clients.

mod course;
mod forms;
mod front_desk;
mod load;
mod one_cpu;
mod practice;
mod questionnaires;
mod scores;
mod script;
mod session;
mod session_load;
mod steps;
mod story;
mod words;

use crate::cli::{Cli, DemoDataArgs};
use anyhow::Context;
use kapflow_domain::Actor;
use kapflow_domain::audit_checkpoint::CheckpointEvent;
use kapflow_domain::pathway::Stage;
use kapflow_domain::time_util::now_utc;
use kapflow_store::demo::Holdings;
use load::{Event, Tally};
pub use one_cpu::keep_to_one_cpu;
use script::When;
use std::process::ExitCode;
use std::time::Instant;
use story::Story;
use time::{Date, Duration, OffsetDateTime};

/// Inquirers are numbered apart from clients, so their names and stories never follow a
/// client's.
/// The demo practice's time zone (its office hours are the US east coast's).
pub(crate) const ZONE: &str = "America/New_York";

/// The demo practice's date at `t`.
pub(crate) fn practice_today(t: OffsetDateTime) -> Date {
    kapflow_domain::zone::PracticeZone::named(ZONE)
        .unwrap_or_default()
        .today(t)
}

const INQUIRER_NUMBERS: u64 = 1_000_000;

pub async fn run(cli: &Cli, args: &DemoDataArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let store = crate::open::open_keyed(cli).await?;
    let before = store.demo().holdings().await?;
    if (before.real_clients() > 0 || before.real_inquiries() > 0) && !args.force {
        eprintln!(
            "kapflow: refusing to add invented people to this database: it holds {} clients and \
             {} inquiries that demo-data did not make, so it looks like a real practice. Use an \
             empty data directory (or DATABASE_URL), or --force if this database is a scratch copy.",
            before.real_clients(),
            before.real_inquiries()
        );
        store.close().await;
        return Ok(ExitCode::FAILURE);
    }
    let now = now_utc();
    let first = u64::try_from(before.demo_clients).unwrap_or(0);
    let mut everyone: Vec<Story> = (first..first + args.clients)
        .map(|n| Story::new(args.seed, n))
        .collect();
    let clients = everyone.len();
    let inquirers = if args.clients == 0 {
        0
    } else {
        args.clients / 20 + 2
    };
    let first_inquirer = INQUIRER_NUMBERS + u64::try_from(before.demo_inquiries).unwrap_or(0);
    everyone.extend((first_inquirer..first_inquirer + inquirers).map(|n| Story::new(args.seed, n)));
    let events = events(&everyone, clients, now);
    let opened = events
        .first()
        .map_or(now, |e| e.at)
        .min(now - Duration::days(1));
    // The practice's people join a week before its first record.
    let setup_at = (practice_today(opened) - Duration::days(7))
        .midnight()
        .assume_utc()
        + Duration::hours(15);

    let password = match &args.password {
        Some(p) => p.clone(),
        None => practice::generate_password(),
    };
    let loader = store.demo().loader().await?;
    let practice = practice::prepare(&loader, &password, setup_at).await?;
    let tally = load::run(&loader, &practice, &everyone, events)
        .await
        .context("the load stopped part way; start again on an empty data directory")?;
    loader.close().await;
    let made = Holdings {
        clients: tally.clients,
        inquiries: tally.inquiries,
        ..Holdings::default()
    };
    store
        .demo()
        .finish_load(
            args.seed,
            made,
            &Actor::anonymous(Some("cli".into())),
            now_utc(),
        )
        .await?;
    // The rows this command wrote are anchored before it exits, as `kapflow user` does.
    crate::audit::checkpoint(&store, cli, CheckpointEvent::Command).await?;
    store.close().await;
    summary(
        args,
        &practice,
        &everyone[..clients],
        &tally,
        &password,
        started,
    );
    Ok(ExitCode::SUCCESS)
}

/// How many minutes further back a session running now must go so that all its steps (from
/// the medication logged before it opened to now) fall on one practice day: none, unless the
/// practice's clock passed midnight since its first step (demo-data run just after midnight),
/// then the minutes since that midnight and one more, so the whole session is on the day
/// before. The gates compare the day a session opens with the day its medication was logged
/// and with the last session's day.
fn live_shift(steps: &[script::Planned], now: OffsetDateTime) -> i64 {
    let Some(earliest) = steps
        .iter()
        .filter_map(|p| match p.when {
            When::Ago(minutes) => Some(minutes),
            When::Course(_) => None,
        })
        .max()
    else {
        return 0;
    };
    let local = kapflow_domain::zone::PracticeZone::named(ZONE)
        .unwrap_or_default()
        .local(now);
    let since_midnight = i64::from(local.hour()) * 60 + i64::from(local.minute());
    if earliest >= since_midnight {
        since_midnight + 1
    } else {
        0
    }
}

/// Every step of every story at its moment, in the order they happened.
fn events(stories: &[Story], clients: usize, now: OffsetDateTime) -> Vec<Event> {
    let day = practice_today(now);
    let mut events = Vec::new();
    for (i, story) in stories.iter().enumerate() {
        let script = if i < clients {
            script::script(story)
        } else {
            script::inquiry_only(story)
        };
        let shift = live_shift(&script.steps, now);
        // A session running now that had to start before midnight belongs to yesterday's
        // course day: its gates compare the day it started with the days of the others.
        let today = practice_today(now - Duration::minutes(shift));
        let first_day: Date = (if shift > 0 { today } else { day }) - Duration::days(script.today);
        let midnight = first_day.midnight().assume_utc();
        for (order, planned) in script.steps.into_iter().enumerate() {
            let at = match planned.when {
                When::Course(minutes) => midnight + Duration::minutes(minutes),
                When::Ago(minutes) => now - Duration::minutes(minutes + shift),
            };
            events.push(Event {
                at,
                client: i,
                order,
                step: planned.step,
            });
        }
    }
    events.sort_by_key(|e| (e.at, e.client, e.order));
    events
}

fn summary(
    args: &DemoDataArgs,
    practice: &practice::Practice,
    stories: &[Story],
    tally: &Tally,
    password: &str,
    started: Instant,
) {
    let by_stage: Vec<String> = Stage::ALL
        .iter()
        .map(|s| {
            let n = stories.iter().filter(|x| x.stage == *s).count();
            format!("{} {n}", s.label().to_lowercase())
        })
        .collect();
    let running = stories.iter().filter(|s| s.stage == Stage::Dosing).count();
    println!(
        "Demo data (seed {}) added to {} in {:.1} s: invented people only.",
        args.seed,
        practice.name,
        started.elapsed().as_secs_f64()
    );
    println!("  clients: {} ({})", tally.clients, by_stage.join(", "));
    println!(
        "  inquiries: {} through the website ({} of them became clients)",
        tally.inquiries,
        stories.iter().filter(|s| s.via_inquiry).count()
    );
    println!(
        "  questionnaires answered: {} ({} item answers), suicide-risk alerts raised: {}",
        tally.responses, tally.item_answers, tally.risk_alerts
    );
    println!(
        "  dosing sessions: {} ({running} running now), vitals: {}, custody log entries: {}, \
         integration sessions: {}",
        tally.sessions, tally.vitals, tally.custody_entries, tally.integration_sessions
    );
    println!("Sign in as (staff set up an authenticator app at their first sign-in):");
    for a in &practice.accounts {
        println!(
            "  {:<11} {:<38} {}{}",
            a.role.as_str(),
            a.email,
            a.name,
            if a.made_now {
                ""
            } else {
                " (already there: password unchanged)"
            }
        );
    }
    if practice.accounts.iter().any(|a| a.made_now) {
        println!("  password of the accounts made now: {password}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn steps(agos: &[i64]) -> Vec<script::Planned> {
        agos.iter()
            .map(|&m| script::Planned {
                when: When::Ago(m),
                step: script::Step::Inquiry,
            })
            .chain([script::Planned {
                when: When::Course(600),
                step: script::Step::Inquiry,
            }])
            .collect()
    }

    #[test]
    fn a_session_running_now_stays_on_one_practice_day_whatever_the_hour() {
        // 05:17 UTC is 00:17 in New York: a session opened 60 minutes ago (its medication
        // logged 30 before that) began yesterday, so all of it moves to yesterday.
        let just_after_midnight = datetime!(2026-12-04 05:17 UTC);
        let shift = live_shift(&steps(&[90, 60, 5]), just_after_midnight);
        assert_eq!(shift, 18);
        for ago in [90, 60, 5, 0] {
            assert_eq!(
                practice_today(just_after_midnight - Duration::minutes(ago + shift)),
                time::macros::date!(2026 - 12 - 03)
            );
        }
        // In the afternoon nothing moves; a story with no session running now never does.
        assert_eq!(
            live_shift(&steps(&[90, 60, 5]), datetime!(2026-12-04 19:00 UTC)),
            0
        );
        assert_eq!(live_shift(&steps(&[]), just_after_midnight), 0);
    }
}

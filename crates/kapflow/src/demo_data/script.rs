//! A story turned into the steps of its course, each at its moment: the whole course is laid
//! out from its first day, then cut at "today", a day chosen inside the stretch where the
//! course stands at the story's stage. Days before today are whole days in the practice's
//! office hours; only a session running now is placed in minutes before the present, so what
//! is made does not depend on the hour demo-data runs.

use super::course::course;
use super::scores::{self, Answer};
pub use super::steps::{Planned, Script, Step, When};
use super::story::{Risk, Story};
use super::words;
use kapflow_domain::inquiry::Concern;
use kapflow_domain::measures::{cssrs, gad7, pcl5, phq9};
use kapflow_domain::pathway::Stage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Minutes in a day.
pub(super) const DAY: i64 = 1440;
/// Office hours in UTC minutes of the day (09:00–17:30 on the US east coast).
const OPENS: i64 = 14 * 60;
const CLOSES: i64 = 22 * 60 + 30;

const SYMPTOMS: &[&str] = &[phq9::CODE, gad7::CODE];
const SYMPTOMS_PTSD: &[&str] = &[phq9::CODE, gad7::CODE, pcl5::CODE];

/// Lays out one story's steps in course time and remembers where the course could be cut.
pub(super) struct Builder<'a> {
    pub story: &'a Story,
    pub rng: StdRng,
    steps: Vec<Planned>,
    /// The moment of the latest step (minutes from the course's first midnight).
    pub last: i64,
    /// Where the course may be cut for each stage: (stage, first day, last day).
    windows: Vec<(Stage, i64, i64)>,
    /// The change from baseline at the end of the course, per instrument (percent).
    reductions: [i32; 3],
    /// The session running now, if this story has one: (its number, minutes since it opened).
    pub live: Option<(u32, i64)>,
    /// Troches the client still has at home.
    pub troches: i64,
}

impl Builder<'_> {
    /// Adds a step at `day`, `minute`, or just after the previous one if that is later.
    pub fn at(&mut self, day: i64, minute: i64, step: Step) -> i64 {
        let t = (day * DAY + minute).max(self.last + 1);
        self.last = t;
        self.steps.push(Planned {
            when: When::Course(t),
            step,
        });
        t
    }

    /// Adds a step `minutes` after the previous one.
    pub fn then(&mut self, minutes: i64, step: Step) -> i64 {
        let t = self.last + minutes;
        self.at(0, t, step)
    }

    /// Adds a step of the session running now, `ago` minutes before the present.
    pub fn live_at(&mut self, ago: i64, step: Step) {
        self.steps.push(Planned {
            when: When::Ago(ago),
            step,
        });
    }

    /// A minute of the day in office hours, with room after it for what follows.
    pub fn office_minute(&mut self) -> i64 {
        self.rng.random_range(OPENS..CLOSES - 90)
    }

    pub fn day_of(t: i64) -> i64 {
        t.div_euclid(DAY)
    }

    /// Today may be any day from `from` to `to` for a course to stand at `stage`.
    pub fn window(&mut self, stage: Stage, from: i64, to: i64) {
        self.windows.push((stage, from, to.max(from)));
    }

    /// One questionnaire's answers at `progress` (‰ of the course's effect reached).
    pub fn answer(&mut self, instrument: &'static str, progress: u32, risky: bool) -> Answer {
        let s = self.story;
        let (baseline, max, reduction) = match instrument {
            gad7::CODE => (s.gad7, 21, self.reductions[1]),
            pcl5::CODE => (s.pcl5.unwrap_or(40), 80, self.reductions[2]),
            _ => (s.phq9, 24, self.reductions[0]),
        };
        let noise = scores::noise(&mut self.rng);
        let item9 = u8::from(instrument == phq9::CODE && risky && s.risk != Risk::None);
        Answer {
            instrument,
            total: scores::total_at(baseline, max, reduction, progress, noise),
            item9,
            risk: if risky { s.risk } else { Risk::None },
            salt: self.rng.random(),
        }
    }

    /// Links for `instruments` now, answered over the next `within` minutes; whether an answer
    /// raises a suicide-risk alert (the caller has it acknowledged).
    pub fn questionnaires(
        &mut self,
        instruments: &'static [&'static str],
        add: bool,
        kiosk: bool,
        within: i64,
        progress: u32,
        risky: bool,
    ) -> bool {
        self.then(
            1,
            Step::SendQuestionnaires {
                instruments,
                add,
                kiosk,
            },
        );
        let step = (within / instruments.len() as i64).max(2);
        let mut alerts = false;
        for &code in instruments {
            let a = self.answer(code, progress, risky);
            alerts |= a.item9 > 0 || (code == cssrs::CODE && a.risk != Risk::None);
            let wait = self.rng.random_range(1..=step);
            self.then(wait, Step::Answer(a));
        }
        alerts
    }

    /// The therapist acknowledges the client's open alerts `wait` minutes from now, with a note.
    pub fn acknowledge(&mut self, wait: i64) {
        let note = self.alert_note();
        self.then(wait, Step::AcknowledgeAlerts { note });
    }

    /// One of the notes a therapist leaves on an acknowledged alert.
    pub fn alert_note(&mut self) -> &'static str {
        words::ALERT_NOTES[self.rng.random_range(0..words::ALERT_NOTES.len())]
    }

    /// The symptom questionnaires this client answers (PCL-5 too when PTSD is a concern).
    pub fn symptoms(&self) -> &'static [&'static str] {
        if self.story.has(Concern::Ptsd) {
            SYMPTOMS_PTSD
        } else {
            SYMPTOMS
        }
    }

    /// Progress after `held` of the planned sessions, in thousandths.
    pub fn progress(&self, held: u32) -> u32 {
        held * 1000 / self.story.regimen.sessions.max(1)
    }
}

/// Someone who asked through the website and is not a client (yet, or ever): the inquiry a
/// few days to weeks ago, then a call back, a polite no, or nothing so far.
pub fn inquiry_only(story: &Story) -> Script {
    let mut rng = StdRng::seed_from_u64(story.script_seed);
    let asked = -rng.random_range(1..=40);
    let minute = rng.random_range(OPENS..CLOSES);
    let mut steps = vec![Planned {
        when: When::Course(asked * DAY + minute),
        step: Step::Inquiry,
    }];
    let later = (asked + rng.random_range(1..=3)).min(-1);
    let answer = match rng.random_range(0..10) {
        0..=3 if later > asked => Some(Step::InquiryContacted),
        4..=5 if later > asked => Some(Step::InquiryDeclined),
        _ => None,
    };
    if let Some(step) = answer {
        steps.push(Planned {
            when: When::Course(later * DAY + rng.random_range(OPENS..CLOSES)),
            step,
        });
    }
    Script { steps, today: 0 }
}

/// Lays out the story's course and cuts it at today.
pub fn script(story: &Story) -> Script {
    let mut rng = StdRng::seed_from_u64(story.script_seed);
    let reductions = [
        story.response.reduction_percent(&mut rng),
        story.response.reduction_percent(&mut rng),
        story.response.reduction_percent(&mut rng),
    ];
    let live = (story.stage == Stage::Dosing).then(|| {
        let k = rng.random_range(1..=3.min(story.regimen.sessions));
        (k, rng.random_range(25..=110))
    });
    let mut b = Builder {
        story,
        rng,
        steps: Vec::new(),
        last: i64::MIN / 2,
        windows: Vec::new(),
        reductions,
        live,
        troches: i64::from(story.regimen.quantity()),
    };
    let end = course(&mut b);
    let today = match (story.stage, end) {
        (Stage::Dosing, Some(day)) => day,
        _ => {
            let fits: Vec<(i64, i64)> = b
                .windows
                .iter()
                .filter(|(s, _, _)| *s == story.stage)
                .map(|&(_, from, to)| (from, to))
                .collect();
            let (from, to) = fits
                .get(b.rng.random_range(0..fits.len().max(1)))
                .copied()
                .unwrap_or((1, 1));
            b.rng.random_range(from..=to)
        }
    };
    let steps = b
        .steps
        .into_iter()
        .filter(|p| match p.when {
            When::Course(t) => Builder::day_of(t) < today,
            When::Ago(_) => true,
        })
        .collect();
    Script { steps, today }
}

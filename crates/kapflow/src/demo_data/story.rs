//! One invented client, decided from the seed and the client's number alone before anything is
//! written: who they are, where their course stands today, how their scores and blood pressure
//! run, and how (if at all) the course ends. Client `n` of a seed is the same person whether
//! 30 or 10,000 clients are made, so a small practice is the first part of a large one.

use super::words::{self, FIRST_NAMES, LAST_NAMES};
use kapflow_domain::inquiry::Concern;
use kapflow_domain::pathway::Stage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Duration};

/// How many clinicians share the caseloads: the owner (index 0) and three therapists.
pub const CLINICIANS: usize = 4;

/// At most this many sessions run at the moment the practice is made, one per clinician: a
/// therapist is in the room for the whole of a session.
const LIVE_SESSIONS: u64 = CLINICIANS as u64;

/// Where courses stand, in a block of 20 clients: every stage, in proportions a practice of a
/// year or so might have.
const DECK: [Stage; 20] = [
    Stage::Assessment,
    Stage::Assessment,
    Stage::Preparation,
    Stage::Preparation,
    Stage::MedicalEvaluation,
    Stage::MedicalEvaluation,
    Stage::Medication,
    Stage::ReadyForDosing,
    Stage::Dosing,
    Stage::Integration,
    Stage::Integration,
    Stage::Integration,
    Stage::Integration,
    Stage::Integration,
    Stage::Completed,
    Stage::Completed,
    Stage::Completed,
    Stage::Completed,
    Stage::Discontinued,
    Stage::Discontinued,
];

/// Suicide-risk answers over the course.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Risk {
    None,
    /// Passive thoughts: PHQ-9 item 9 above 0 now and then, C-SSRS question 1 at baseline.
    Passive,
    /// C-SSRS questions 1–3 at baseline.
    Moderate,
    /// C-SSRS intent at baseline: the course stops at assessment.
    High,
}

/// How the symptom scores move over the course.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    /// Down by half or more.
    Responder,
    /// Down by a quarter to a half.
    Partial,
    Flat,
    Worse,
}

impl Response {
    /// The change from baseline at the end of the course, in percent of baseline (negative:
    /// the score rises).
    pub fn reduction_percent(self, rng: &mut StdRng) -> i32 {
        match self {
            Response::Responder => rng.random_range(50..=80),
            Response::Partial => rng.random_range(25..=45),
            Response::Flat => rng.random_range(-8..=10),
            Response::Worse => rng.random_range(-35..=-15),
        }
    }
}

/// Why a discontinued course ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The client decided not to go on during preparation.
    Withdrew,
    /// The prescriber found the client not eligible.
    NotEligible,
    /// The client stopped after this many dosing sessions.
    StoppedAfter(u32),
    /// A high-risk answer at baseline: referred to a higher level of care.
    HigherCare,
}

/// The prescriber's plan: strength (mg), the dose (mg), whether it may be split, the booster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regimen {
    pub strength_mg: u32,
    pub dose_mg: u32,
    pub split: bool,
    pub booster_mg: Option<u32>,
    pub sessions: u32,
    pub days_between: u32,
}

impl Regimen {
    /// Troches dispensed: one a session (two with a booster) and two spare.
    pub fn quantity(&self) -> u32 {
        self.sessions * if self.booster_mg.is_some() { 2 } else { 1 } + 2
    }
}

const REGIMENS: [Regimen; 3] = [
    Regimen {
        strength_mg: 100,
        dose_mg: 100,
        split: false,
        booster_mg: None,
        sessions: 6,
        days_between: 14,
    },
    Regimen {
        strength_mg: 150,
        dose_mg: 150,
        split: true,
        booster_mg: None,
        sessions: 6,
        days_between: 7,
    },
    Regimen {
        strength_mg: 100,
        dose_mg: 100,
        split: false,
        booster_mg: Some(50),
        sessions: 8,
        days_between: 14,
    },
];

/// Someone the client names: an emergency contact or the person who takes them home.
#[derive(Clone, Debug)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub legal_name: String,
    pub pronouns: &'static str,
    pub date_of_birth: Date,
    pub email: Option<String>,
    pub phone: String,
    pub address: String,
    pub emergency: Contact,
    pub support: Contact,
    pub concerns: Vec<Concern>,
}

/// One client's course, as decided.
#[derive(Clone, Debug)]
pub struct Story {
    /// The client's number in the practice (0 for the first demo client).
    pub n: u64,
    pub person: Person,
    /// Whose caseload: an index into the practice's clinicians (0 is the owner).
    pub clinician: usize,
    /// Where the course stands today.
    pub stage: Stage,
    pub exit: Option<Exit>,
    pub via_inquiry: bool,
    pub risk: Risk,
    pub response: Response,
    /// Baseline totals: PHQ-9 (of the 24 its first eight items allow), GAD-7, PCL-5 when PTSD
    /// is a concern.
    pub phq9: u32,
    pub gad7: u32,
    pub pcl5: Option<u32>,
    /// Usual blood pressure and heart rate.
    pub systolic: u16,
    pub diastolic: u16,
    pub heart_rate: u16,
    pub regimen: Regimen,
    /// Seeds the script's own choices (days, minutes, which session has an alert).
    pub script_seed: u64,
}

/// SplitMix64's mixer: a well-spread seed for each (seed, stream, number).
pub fn mix(seed: u64, stream: u64, n: u64) -> u64 {
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0xD6E8_FEB8_6659_FD93))
        .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const STREAM_STORY: u64 = 1;
const STREAM_DECK: u64 = 2;
const STREAM_SCRIPT: u64 = 3;

/// The stage of client `n`: each block of 20 deals the deck in its own order, and only the
/// first blocks' "dosing" cards are sessions running now (the rest are in integration).
pub fn stage_of(seed: u64, n: u64) -> Stage {
    let block = n / DECK.len() as u64;
    let mut order: Vec<usize> = (0..DECK.len()).collect();
    let mut rng = StdRng::seed_from_u64(mix(seed, STREAM_DECK, block));
    // Fisher–Yates with the block's generator.
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let stage = DECK[order[(n % DECK.len() as u64) as usize]];
    if stage == Stage::Dosing && block >= LIVE_SESSIONS {
        Stage::Integration
    } else {
        stage
    }
}

/// A unique name for each of the first 10,000 numbers (then they repeat, as names do).
pub fn name_of(n: u64) -> (&'static str, &'static str) {
    let first = words::names(FIRST_NAMES);
    let last = words::names(LAST_NAMES);
    let all = (first.len() * last.len()) as u64;
    // 7919 is prime and does not divide 10,000: n -> idx is a bijection on 0..10,000.
    let idx = (n.wrapping_mul(7919).wrapping_add(4271) % all) as usize;
    (first[idx % first.len()], last[idx / first.len()])
}

fn phone(rng: &mut StdRng) -> String {
    format!("555-01{:02}", rng.random_range(0..100))
}

fn contact(rng: &mut StdRng, family: &str) -> Contact {
    let first = words::names(FIRST_NAMES);
    let last = words::names(LAST_NAMES);
    let surname = if rng.random_bool(0.5) {
        family.to_owned()
    } else {
        last[rng.random_range(0..last.len())].to_owned()
    };
    Contact {
        name: format!("{} {surname}", first[rng.random_range(0..first.len())]),
        phone: phone(rng),
    }
}

fn concerns(rng: &mut StdRng) -> Vec<Concern> {
    let mut c = Vec::new();
    if rng.random_bool(0.7) {
        c.push(Concern::Depression);
    }
    if rng.random_bool(0.3) {
        c.push(Concern::Ptsd);
    }
    if rng.random_bool(0.45) {
        c.push(Concern::Anxiety);
    }
    if rng.random_bool(0.08) {
        c.push(Concern::ChronicPain);
    }
    if c.is_empty() {
        c.push(Concern::Depression);
    }
    c
}

impl Story {
    /// Client `n` of `seed`.
    pub fn new(seed: u64, n: u64) -> Story {
        let mut rng = StdRng::seed_from_u64(mix(seed, STREAM_STORY, n));
        let stage = stage_of(seed, n);
        let (first, last) = name_of(n);
        // Born 1958–2002: adults of every age a practice sees, the same whenever it is made.
        let born = rng.random_range(0..45 * 365);
        let street = words::STREETS[rng.random_range(0..words::STREETS.len())];
        let person = Person {
            legal_name: format!("{first} {last}"),
            pronouns: words::PRONOUNS[rng.random_range(0..words::PRONOUNS.len())],
            date_of_birth: time::macros::date!(1958 - 01 - 01) + Duration::days(born),
            email: rng.random_bool(0.85).then(|| {
                format!(
                    "{}.{}@mail.example",
                    first.to_lowercase(),
                    last.to_lowercase()
                )
            }),
            phone: phone(&mut rng),
            address: format!("{} {street}, {}", rng.random_range(2..990), words::TOWN),
            emergency: contact(&mut rng, last),
            support: contact(&mut rng, last),
            concerns: concerns(&mut rng),
        };
        let exit = (stage == Stage::Discontinued).then(|| match rng.random_range(0..10) {
            0..=2 => Exit::Withdrew,
            3..=5 => Exit::NotEligible,
            6..=8 => Exit::StoppedAfter(rng.random_range(1..=3)),
            _ => Exit::HigherCare,
        });
        let mut risk = match rng.random_range(0..100) {
            0..=11 => Risk::Passive,
            12..=17 => Risk::Moderate,
            _ => Risk::None,
        };
        if exit == Some(Exit::HigherCare) || (stage == Stage::Assessment && rng.random_bool(0.1)) {
            risk = Risk::High;
        }
        let response = match rng.random_range(0..100) {
            0..=59 => Response::Responder,
            60..=79 => Response::Partial,
            80..=91 => Response::Flat,
            _ => Response::Worse,
        };
        let depressed = person.concerns.contains(&Concern::Depression);
        let ptsd = person.concerns.contains(&Concern::Ptsd);
        let clinician = if stage == Stage::Dosing {
            // One running session per clinician (see LIVE_SESSIONS).
            (n / DECK.len() as u64) as usize % CLINICIANS
        } else if rng.random_bool(0.15) {
            0
        } else {
            rng.random_range(1..CLINICIANS)
        };
        // Not-eligible courses are the ones whose blood pressure is high.
        let high_bp = exit == Some(Exit::NotEligible);
        Story {
            n,
            clinician,
            stage,
            exit,
            via_inquiry: rng.random_bool(0.4),
            risk,
            response,
            phq9: if depressed {
                rng.random_range(12..=22)
            } else {
                rng.random_range(6..=14)
            },
            gad7: rng.random_range(7..=18),
            pcl5: ptsd.then(|| rng.random_range(34..=62)),
            systolic: if high_bp {
                rng.random_range(150..=165)
            } else {
                rng.random_range(108..=132)
            },
            diastolic: if high_bp {
                rng.random_range(92..=99)
            } else {
                rng.random_range(68..=84)
            },
            heart_rate: rng.random_range(58..=84),
            regimen: REGIMENS[rng.random_range(0..REGIMENS.len())],
            script_seed: mix(seed, STREAM_SCRIPT, n),
            person,
        }
    }

    pub fn has(&self, c: Concern) -> bool {
        self.person.concerns.contains(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_lists_hold_a_hundred_names_each_and_the_first_10000_names_differ() {
        assert_eq!(words::names(FIRST_NAMES).len(), 100);
        assert_eq!(words::names(LAST_NAMES).len(), 100);
        let names: std::collections::HashSet<_> = (0..10_000).map(name_of).collect();
        assert_eq!(names.len(), 10_000);
    }

    #[test]
    fn every_block_of_twenty_has_every_stage_and_few_sessions_run_at_once() {
        let stages: Vec<Stage> = (0..20).map(|n| stage_of(7, n)).collect();
        for s in Stage::ALL {
            assert!(stages.contains(&s), "{s:?} missing from the first block");
        }
        let live = (0..2000)
            .filter(|&n| stage_of(7, n) == Stage::Dosing)
            .count();
        assert_eq!(live, LIVE_SESSIONS as usize);
    }

    #[test]
    fn a_story_depends_on_the_seed_and_its_number_only() {
        let a = Story::new(3, 17);
        let b = Story::new(3, 17);
        assert_eq!(a.person.legal_name, b.person.legal_name);
        assert_eq!(
            (a.stage, a.phq9, a.script_seed),
            (b.stage, b.phq9, b.script_seed)
        );
        assert_ne!(Story::new(4, 17).script_seed, a.script_seed);
    }
}

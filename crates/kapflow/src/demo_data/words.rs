//! The invented words demo data is made of: names (common first names and surnames put
//! together by number, so no real person is meant), places and the clinicians' phrases.
//! Addresses use the reserved `.example` domain and the 555-01xx numbers set aside for fiction.

/// A hundred first names, separated by spaces (see [`names`]).
pub const FIRST_NAMES: &str = "\
    Aaliyah Aaron Abigail Adrian Aiden Alana Alex Alicia Amara Andre Anika Ari Asha Beatriz \
    Ben Bianca Blake Brandon Briana Caleb Camila Carmen Casey Chloe Colin Dana Dante Deja \
    Desmond Diego Elena Eli Elise Emeka Erin Esther Evan Farah Felix Fiona Gabriel Grace \
    Hana Harper Hector Imani Iris Isaac Ivy Jada Jamal Jasmine Joel Jonah Julia Kai Keisha \
    Kenji Laila Leah Leo Lila Lucas Luz Malik Marisol Mateo Maya Micah Mina Nadia Naomi Nico \
    Noor Omar Paloma Quinn Rafael Reese Rina Rohan Rosa Ruth Samir Selena Simone Tara Theo \
    Tomas Uma Valeria Vera Wes Xavier Yara Yusuf Zadie Zane Zoe Noah";

pub const LAST_NAMES: &str = "\
    Abbott Acosta Adeyemi Alvarez Andersen Arroyo Bakshi Barnes Bell Bishop Brennan Calloway \
    Castro Chandra Chen Coleman Costa Dalton Delgado Dixon Duarte Ellison Estrada Farrell \
    Fischer Flores Fuller Garland Gibson Greer Haddad Hale Harlow Hayes Holt Ibarra Iwata \
    Jensen Joshi Kane Keller Kimura Lambert Lang Lindgren Lowe Lucero Madsen Malone Marsh \
    Medina Mercer Moreau Nakamura Navarro Nguyen Novak Okafor Olsen Ortega Osei Pace Park \
    Pereira Quintero Rahman Ramos Reilly Rios Rowe Salazar Sato Serrano Shah Sloane Soto \
    Stark Suarez Tanaka Thorne Torres Tran Underwood Valdez Vance Varga Voss Wade Walsh \
    Weller Whitaker Wilder Xu Yates Yilmaz Young Zamora Zeller Ziegler Zubiri";

/// The words of a space-separated list.
pub fn names(list: &'static str) -> Vec<&'static str> {
    list.split_whitespace().collect()
}

pub const STREETS: [&str; 12] = [
    "Alder Lane",
    "Birch Street",
    "Cedar Court",
    "Dogwood Avenue",
    "Elm Row",
    "Fern Way",
    "Garnet Road",
    "Hazel Place",
    "Juniper Drive",
    "Laurel Street",
    "Maple Terrace",
    "Oak Hollow",
];

pub const TOWN: &str = "Riverton, OR 97000";

pub const PRONOUNS: [&str; 3] = ["she/her", "he/him", "they/them"];

/// Where a client heard of the practice (the inquiry form's last question).
pub const HEARD_FROM: [&str; 5] = [
    "My primary care doctor",
    "A friend who was a client",
    "Psychology Today listing",
    "My psychiatrist",
    "A podcast about ketamine therapy",
];

/// What people write in the inquiry form.
pub const INQUIRY_MESSAGES: [&str; 8] = [
    "I have tried several antidepressants over ten years and I am curious whether KAP could help.",
    "My therapist suggested ketamine-assisted therapy for my PTSD. Do you have openings?",
    "I would like to know more about the process and whether you take new clients.",
    "Anxiety has been getting worse since last winter. Is a consultation possible in the evening?",
    "Looking for an in-person practice near Riverton. What does a first session look like?",
    "I read about KAP for treatment-resistant depression and want to ask a few questions.",
    "Chronic pain and low mood; my doctor mentioned ketamine. Can we talk?",
    "I had IV ketamine two years ago and want to try it with therapy this time.",
];

pub const MEDICAL_HISTORY: [&str; 6] = [
    "None",
    "Seasonal allergies; appendectomy in 2015",
    "Migraine, managed with sumatriptan as needed",
    "Hypothyroidism, stable on levothyroxine",
    "Asthma in childhood, none since",
    "Lower back pain since a 2019 car accident",
];

pub const MEDICATIONS: [&str; 6] = [
    "None",
    "Sertraline 100 mg daily",
    "Bupropion XL 300 mg daily",
    "Escitalopram 10 mg daily",
    "Venlafaxine XR 150 mg daily",
    "Levothyroxine 75 mcg daily",
];

pub const SUBSTANCE_USE: [&str; 4] = [
    "None",
    "Alcohol, two or three drinks a week",
    "Cannabis occasionally, stopped for treatment",
    "Alcohol socially; no other substances",
];

pub const PRIOR_KETAMINE: [&str; 3] = [
    "None",
    "Six IV infusions at a clinic in 2022",
    "Esketamine nasal spray, stopped after four weeks",
];

pub const GOALS: [&str; 6] = [
    "Feel less stuck; get back to work full time",
    "Sleep through the night and stop dreading mornings",
    "Understand the trauma without being flooded by it",
    "Reconnect with my partner and friends",
    "Less anxiety at work; stop avoiding driving",
    "Find some meaning again after a hard few years",
];

pub const INTENTIONS: [&str; 5] = [
    "Meet the sadness with curiosity instead of fear",
    "Let go of the need to control every outcome",
    "Feel safe in my body",
    "Forgive myself for the years I lost",
    "See my patterns from the outside",
];

/// What the therapist writes about an integration session.
pub const INTEGRATION_SUMMARIES: [&str; 10] = [
    "Talked through imagery of a river; client linked it to letting grief move. Will journal daily.",
    "Client felt more compassion toward younger self. Plan: two walks a week without the phone.",
    "Processed fear that came up at the peak; named it as old. Practising the grounding breath.",
    "Insights about work boundaries. Client will say no to one extra task this week.",
    "Quiet session; client noticed less rumination since dosing. Keeping the mood log.",
    "Revisited an early memory with less distress than before. Next step: talk to sister.",
    "Client described a sense of spaciousness; we planned how to return to it in meditation.",
    "Some tearfulness in the days after; normalised it. Sleep better. Continue journalling.",
    "Worked on self-criticism that showed up during the session; wrote a letter to self.",
    "Client reconnected with music; plans to play again with friends on weekends.",
];

/// The therapist's note when acknowledging a suicide-risk answer.
pub const ALERT_NOTES: [&str; 4] = [
    "Called the client the same day: passive thoughts only, no plan or intent. Safety plan reviewed.",
    "Discussed in session; thoughts are longstanding and passive. Crisis numbers given again.",
    "Spoke with client; denies intent. Increased check-ins to weekly until the next session.",
    "Reviewed with client and their partner; safety plan updated, follow-up in two days.",
];

/// What was done about a vitals alert during a session.
pub const SESSION_ALERT_ACTIONS: [&str; 3] = [
    "Rested with eyes open and slow breathing; rechecked in 10 minutes: back under the line.",
    "Reassured client, dimmed the music, rechecked after 10 minutes: settling.",
    "Client sat up and drank water; repeat reading lower. Continued to observe.",
];

pub const OBSERVATION_NOTES: [&str; 4] = [
    "Eyes closed, calm, music on; some slow speech.",
    "Describes floating and distant sounds; relaxed.",
    "Brief tearfulness, settled with reassurance.",
    "Quiet and inward; responds to name.",
];

pub const COMPLETION_REASONS: [&str; 3] = [
    "Planned dosing sessions done; goals largely met and integration complete.",
    "Course finished as planned; client continues monthly talk therapy.",
    "Client and therapist agree the course has done what it set out to do.",
];

/// Why a course that did not help much still ends as planned.
pub const COMPLETED_WITHOUT_CHANGE: &str = "Planned sessions done with little change in scores; continuing weekly therapy and reviewing other options with the prescriber.";

pub const WITHDRAWAL_REASONS: [&str; 4] = [
    "Client decided not to go ahead after preparation; may return next year.",
    "Client moved out of state and continues care there.",
    "Client chose to stop after two sessions: the experience was not a good fit.",
    "Cost was no longer manageable; referred to low-fee therapy.",
];

pub const HIGHER_CARE: &str =
    "Referred to a higher level of care after the risk assessment; may return when stable.";

pub const NOT_ELIGIBLE_REASONS: &str = "Uncontrolled hypertension at the medical evaluation; re-evaluate after treatment with primary care.";

pub const MORE_INFORMATION: &str =
    "Please send the most recent psychiatric notes and a current medication list.";

pub const PHARMACIES: [&str; 3] = [
    "Riverbend Compounding Pharmacy",
    "Cascade Specialty Pharmacy",
    "Northgate Compounding",
];

pub const CARRIERS: [&str; 3] = ["UPS", "FedEx", "USPS"];

/// A message from the therapist to the prescriber at referral, and the answer.
pub const REFERRAL_NOTE: &str = "Referral sent today. Intake and baseline scores are on the record; the client prefers afternoon appointments.";
pub const EVALUATION_NOTE: &str = "Evaluation done by video. Prescription follows; please send the session notes after each dosing session.";

//! PCL-5 (PTSD, past month): the published wording, the B–E cluster sub-scores, and the two
//! provisional-PTSD readings (docs/domain.md §4) — the total against the practice's cutoff, and the DSM-5
//! symptom-cluster rule — reported separately because they can disagree.

use serde::{Deserialize, Serialize};

use super::instrument::{Band, Instrument, Kind, Subscale, bands, options, plain_items};
use super::score::{Answers, Flag, FlagKind};

pub const CODE: &str = "pcl5";
pub const MAX_TOTAL: u32 = 80;

const ITEMS: [&str; 20] = [
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience (for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    "Being “superalert” or watchful or on guard?",
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
];

/// DSM-5 clusters: (code, label, first item, last item, items needed at "Moderately" or above).
const CLUSTERS: [(&str, &str, u8, u8, u8); 4] = [
    ("B", "Intrusion (items 1–5)", 1, 5, 1),
    ("C", "Avoidance (items 6–7)", 6, 7, 1),
    (
        "D",
        "Negative alterations in cognitions and mood (items 8–14)",
        8,
        14,
        2,
    ),
    (
        "E",
        "Alterations in arousal and reactivity (items 15–20)",
        15,
        20,
        2,
    ),
];

/// An item counts toward the DSM-5 rule at "Moderately" (2) or above.
pub const ENDORSED_AT: u8 = 2;

pub const CUTOFF_RULE: &str = "PCL-5 total at or above the practice's provisional-PTSD cutoff (default 33; 31–33 in the literature)";
pub const CUTOFF_SOURCE: &str = "National Center for PTSD, PCL-5 scoring guidance";
pub const DSM5_RULE: &str = "DSM-5 provisional diagnosis: an item rated 2 (Moderately) or higher counts as endorsed; needs at least 1 B item (1–5), 1 C item (6–7), 2 D items (8–14) and 2 E items (15–20)";
pub const DSM5_SOURCE: &str =
    "National Center for PTSD, PCL-5 scoring (DSM-5 symptom-cluster rule)";

const INSTRUCTIONS: &str = "Instructions: Below is a list of problems that people sometimes have in response to a very stressful experience. Please read each problem carefully and then circle one of the numbers to the right to indicate how much you have been bothered by that problem in the past month.";

const SOURCE: &str = "Weathers, Litz, Keane, Palmieri, Marx & Schnurr (2013). The PTSD Checklist for DSM-5 (PCL-5). National Center for PTSD; public domain.";

pub fn instrument() -> Instrument {
    Instrument {
        code: CODE.to_owned(),
        version: "1".to_owned(),
        title: "PTSD Checklist for DSM-5 (PCL-5)".to_owned(),
        instructions: INSTRUCTIONS.to_owned(),
        stem: "In the past month, how much were you bothered by:".to_owned(),
        kind: Kind::Pcl5,
        items: plain_items(
            &ITEMS,
            &options(&[
                (0, "Not at all"),
                (1, "A little bit"),
                (2, "Moderately"),
                (3, "Quite a bit"),
                (4, "Extremely"),
            ]),
        ),
        subscales: CLUSTERS
            .iter()
            .map(|&(code, label, first, last, _)| Subscale {
                code: code.to_owned(),
                label: label.to_owned(),
                items: (first..=last).map(|n| format!("q{n}")).collect(),
            })
            .collect(),
        bands: bands_for_cutoff(33),
        source: SOURCE.to_owned(),
    }
}

/// The PCL-5 has no published severity bands, only a cutoff, and the cutoff is a practice
/// setting: the bands are derived from it so they always agree with the provisional reading.
pub fn bands_for_cutoff(cutoff: u32) -> Vec<Band> {
    let below = format!("Below the provisional PTSD cutoff ({cutoff})");
    let above = format!("Provisional PTSD (total at or above {cutoff})");
    if cutoff == 0 {
        bands(&[(0, MAX_TOTAL, &above)])
    } else if cutoff > MAX_TOTAL {
        bands(&[(0, MAX_TOTAL, &below)])
    } else {
        bands(&[(0, cutoff - 1, &below), (cutoff, MAX_TOTAL, &above)])
    }
}

/// How many items of one cluster are endorsed, against how many the DSM-5 rule needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterCount {
    pub cluster: String,
    pub endorsed: u8,
    pub needed: u8,
}

impl ClusterCount {
    pub fn met(&self) -> bool {
        self.endorsed >= self.needed
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pcl5Findings {
    /// The cutoff applied, recorded because the practice may change it later.
    pub cutoff: u32,
    pub meets_cutoff: bool,
    pub clusters: Vec<ClusterCount>,
    pub meets_dsm5_rule: bool,
}

pub(super) fn findings(answers: &Answers, total: u32, cutoff: u32) -> Pcl5Findings {
    let clusters: Vec<ClusterCount> = CLUSTERS
        .iter()
        .map(|&(code, _, first, last, needed)| {
            let endorsed = (first..=last)
                .filter(|n| {
                    answers
                        .get(&format!("q{n}"))
                        .is_some_and(|&v| v >= ENDORSED_AT)
                })
                .count();
            ClusterCount {
                cluster: code.to_owned(),
                endorsed: u8::try_from(endorsed).unwrap_or(u8::MAX),
                needed,
            }
        })
        .collect();
    Pcl5Findings {
        cutoff,
        meets_cutoff: total >= cutoff,
        meets_dsm5_rule: clusters.iter().all(ClusterCount::met),
        clusters,
    }
}

pub(super) fn flags(f: &Pcl5Findings) -> Vec<Flag> {
    let mut flags = Vec::new();
    if f.meets_cutoff {
        flags.push(Flag {
            kind: FlagKind::ProvisionalPtsdByCutoff,
            risk: None,
            finding: format!("PCL-5 total at or above {}", f.cutoff),
            rule: CUTOFF_RULE.to_owned(),
            source: CUTOFF_SOURCE.to_owned(),
        });
    }
    if f.meets_dsm5_rule {
        let counts: Vec<String> = f
            .clusters
            .iter()
            .map(|c| format!("{} {}/{}", c.cluster, c.endorsed, c.needed))
            .collect();
        flags.push(Flag {
            kind: FlagKind::ProvisionalPtsdByDsm5Rule,
            risk: None,
            finding: format!(
                "PCL-5 endorsed items meet the DSM-5 rule ({})",
                counts.join(", ")
            ),
            rule: DSM5_RULE.to_owned(),
            source: DSM5_SOURCE.to_owned(),
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::super::score::{MeasureSettings, Scored, score};
    use super::*;

    /// All 20 items at 0, then the given (item, value) pairs.
    fn answers(set: &[(u8, u8)]) -> Answers {
        let mut a: Answers = (1..=20).map(|n| (format!("q{n}"), 0)).collect();
        for &(n, v) in set {
            a.insert(format!("q{n}"), v);
        }
        a
    }

    fn scored(a: &Answers) -> Scored {
        score(&instrument(), a, &MeasureSettings::default()).expect("complete")
    }

    fn cluster_counts(s: &Scored) -> Vec<u8> {
        s.pcl5
            .as_ref()
            .expect("pcl5 findings")
            .clusters
            .iter()
            .map(|c| c.endorsed)
            .collect()
    }

    #[test]
    fn the_wording_and_options_are_the_published_text() {
        let i = instrument();
        assert_eq!(i.items.len(), 20);
        assert_eq!(i.stem, "In the past month, how much were you bothered by:");
        assert_eq!(i.items[19].text, "Trouble falling or staying asleep?");
        let labels: Vec<&str> = i.items[0]
            .options
            .iter()
            .map(|o| o.label.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "Not at all",
                "A little bit",
                "Moderately",
                "Quite a bit",
                "Extremely"
            ]
        );
        assert_eq!(i.max_total(), MAX_TOTAL);
    }

    #[test]
    fn sub_scores_are_the_cluster_sums() {
        // Item n answered n mod 5: B = 1+2+3+4+0 = 10, C = 1+2 = 3,
        // D = 3+4+0+1+2+3+4 = 17, E = 0+1+2+3+4+0 = 10; total 40.
        let set: Vec<(u8, u8)> = (1..=20).map(|n| (n, n % 5)).collect();
        let s = scored(&answers(&set));
        let subs: Vec<(&str, u32, u32)> = s
            .subscores
            .iter()
            .map(|x| (x.code.as_str(), x.total, x.max))
            .collect();
        assert_eq!(
            subs,
            [("B", 10, 20), ("C", 3, 8), ("D", 17, 28), ("E", 10, 24)]
        );
        assert_eq!(s.total, 40);
    }

    #[test]
    fn dsm5_rule_met_with_the_minimum_in_every_cluster() {
        // B: item 1; C: item 6; D: items 8, 9; E: items 15, 16 — six items at 2, total 12.
        let s = scored(&answers(&[
            (1, 2),
            (6, 2),
            (8, 2),
            (9, 2),
            (15, 2),
            (16, 2),
        ]));
        let f = s.pcl5.as_ref().expect("findings");
        assert_eq!(cluster_counts(&s), [1, 1, 2, 2]);
        assert!(f.meets_dsm5_rule);
        // Total 12 is far below 33: the two readings are independent.
        assert!(!f.meets_cutoff);
        let kinds: Vec<FlagKind> = s.flags.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlagKind::ProvisionalPtsdByDsm5Rule]);
        assert!(!s.has_safety_alert());
    }

    #[test]
    fn dsm5_rule_fails_when_only_d_is_short() {
        // D has one endorsed item (8) instead of two; every other cluster is met.
        let s = scored(&answers(&[(1, 4), (6, 3), (8, 2), (15, 2), (16, 2)]));
        assert_eq!(cluster_counts(&s), [1, 1, 1, 2]);
        let f = s.pcl5.as_ref().expect("findings");
        assert!(!f.meets_dsm5_rule);
        assert!(!f.clusters[2].met());
        assert!(f.clusters.iter().filter(|c| c.met()).count() == 3);
    }

    #[test]
    fn items_at_1_do_not_count_as_endorsed() {
        // Every item at "A little bit": total 20, nothing endorsed.
        let set: Vec<(u8, u8)> = (1..=20).map(|n| (n, 1)).collect();
        let s = scored(&answers(&set));
        assert_eq!(s.total, 20);
        assert_eq!(cluster_counts(&s), [0, 0, 0, 0]);
        assert!(!s.pcl5.as_ref().expect("findings").meets_dsm5_rule);
        assert!(s.flags.is_empty());
    }

    #[test]
    fn total_33_meets_the_default_cutoff_and_32_does_not() {
        // Items 1–8 at 4 = 32, plus item 20 at 1 = 33 (item 20 at 1 is not endorsed).
        let at_4: Vec<(u8, u8)> = (1..=8).map(|n| (n, 4)).collect();
        let s32 = scored(&answers(&at_4));
        assert_eq!(s32.total, 32);
        assert!(!s32.pcl5.as_ref().expect("findings").meets_cutoff);
        assert_eq!(s32.band, "Below the provisional PTSD cutoff (33)");

        let mut set = at_4;
        set.push((20, 1));
        let s33 = scored(&answers(&set));
        assert_eq!(s33.total, 33);
        let f = s33.pcl5.as_ref().expect("findings");
        assert!(f.meets_cutoff);
        assert_eq!(f.cutoff, 33);
        assert_eq!(s33.band, "Provisional PTSD (total at or above 33)");
        // B 5, C 2, D 1 (item 8), E 0: high total but the DSM-5 rule is not met.
        assert_eq!(cluster_counts(&s33), [5, 2, 1, 0]);
        assert!(!f.meets_dsm5_rule);
        let flag = &s33.flags[0];
        assert_eq!(flag.kind, FlagKind::ProvisionalPtsdByCutoff);
        assert_eq!(
            (flag.rule.as_str(), flag.source.as_str()),
            (CUTOFF_RULE, CUTOFF_SOURCE)
        );
    }

    #[test]
    fn the_cutoff_is_a_setting() {
        let set: Vec<(u8, u8)> = (1..=8).map(|n| (n, 4)).collect(); // total 32
        let i = instrument();
        let at = |cutoff| {
            let s = score(
                &i,
                &answers(&set),
                &MeasureSettings {
                    pcl5_provisional_cutoff: cutoff,
                },
            )
            .expect("complete");
            s.pcl5.expect("findings").meets_cutoff
        };
        assert!(at(31));
        assert!(at(32));
        assert!(!at(33));
    }

    #[test]
    fn bands_follow_the_cutoff_and_cover_0_to_80() {
        for cutoff in [0, 1, 31, 33, 80, 81, 200] {
            let b = bands_for_cutoff(cutoff);
            for total in 0..=MAX_TOTAL {
                assert_eq!(b.iter().filter(|x| x.contains(total)).count(), 1);
                let provisional = b
                    .iter()
                    .any(|x| x.contains(total) && x.label.starts_with("Provisional"));
                assert_eq!(
                    provisional,
                    total >= cutoff,
                    "cutoff {cutoff} total {total}"
                );
            }
        }
    }

    #[test]
    fn both_readings_flag_when_both_are_met() {
        let set: Vec<(u8, u8)> = (1..=20).map(|n| (n, 2)).collect(); // total 40
        let s = scored(&answers(&set));
        let kinds: Vec<FlagKind> = s.flags.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FlagKind::ProvisionalPtsdByCutoff,
                FlagKind::ProvisionalPtsdByDsm5Rule
            ]
        );
        assert!(s.flags[1].finding.contains("B 5/1, C 2/1, D 7/2, E 6/2"));
    }
}

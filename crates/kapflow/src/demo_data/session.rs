//! One dosing session, minute by minute from its opening (negative: before it): prepared,
//! medication logged as brought, questionnaires on the office tablet (or skipped with a
//! reason), pre-dose vitals (now and then a hold, rechecked or overridden), the ride home, the
//! dose (in two halves where the prescription allows), vitals every 15–30 minutes with an
//! occasional alert acknowledged, observations, a colleague looking in, final vitals, discharge
//! (rarely an early end), the troches handed back and the client's attestation.

use super::script::{Builder, Step};
use super::story::Risk;
use super::words;
use kapflow_domain::dosing::entries::ObservationKind;
use kapflow_domain::dosing::vitals::Vitals;
use rand::Rng;

const DAY: i64 = 1440;
/// Sessions open at 10:00 or 13:00 on the US east coast (UTC minutes of the day).
const STARTS: [i64; 2] = [15 * 60, 18 * 60];

/// A session held on course day `day` (the `k`th).
pub(super) fn held(b: &mut Builder<'_>, day: i64, k: u32) {
    let start = day * DAY + STARTS[b.rng.random_range(0..STARTS.len())];
    for (offset, step) in steps(b, k, false) {
        b.at(0, start + offset, step);
    }
}

/// The session running now: what has happened since it was prepared.
pub(super) fn live(b: &mut Builder<'_>, k: u32) {
    let Some((_, ago)) = b.live else { return };
    for (offset, step) in steps(b, k, true) {
        if offset <= ago {
            b.live_at(ago - offset, step);
        }
    }
}

fn reading(b: &mut Builder<'_>, systolic: u16, diastolic: u16, heart_rate: u16) -> Vitals {
    Vitals {
        systolic,
        diastolic,
        heart_rate,
        spo2: b.rng.random_range(96..=99),
        respiratory_rate: Some(b.rng.random_range(12..=18)),
    }
}

fn steps(b: &mut Builder<'_>, k: u32, live: bool) -> Vec<(i64, Step)> {
    let s = b.story;
    let r = s.regimen;
    let mut out = vec![
        (-45, Step::Prepare),
        (-42, Step::Brought { count: b.troches }),
    ];
    if b.rng.random_bool(0.88) {
        // Before-session questionnaires on the tablet; their alerts are seen before the dose.
        let risky = s.risk == Risk::Passive && b.rng.random_bool(0.3);
        let progress = b.progress(k - 1);
        out.push((
            -40,
            Step::SendQuestionnaires {
                instruments: &[
                    kapflow_domain::measures::phq9::CODE,
                    kapflow_domain::measures::gad7::CODE,
                ],
                add: true,
                kiosk: true,
            },
        ));
        let phq9 = b.answer(kapflow_domain::measures::phq9::CODE, progress, risky);
        let gad7 = b.answer(kapflow_domain::measures::gad7::CODE, progress, false);
        let flagged = phq9.item9 > 0;
        out.push((-36, Step::Answer(phq9)));
        out.push((-33, Step::Answer(gad7)));
        if flagged {
            let note = b.alert_note();
            out.push((-30, Step::AcknowledgeAlerts { note }));
        }
    } else {
        out.push((-40, Step::SkipMeasures));
    }
    let (sys, dia, hr) = (s.systolic, s.diastolic, s.heart_rate);
    let wobble = b.rng.random_range(0..=6);
    let pre = if b.rng.random_bool(0.05) {
        // A hold: above 140/90 before the dose.
        let high = reading(b, 144 + wobble, 92, hr + 6);
        out.push((-20, Step::PreDoseVitals(high)));
        if b.rng.random_bool(0.75) {
            let again = reading(b, sys + wobble, dia, hr);
            out.push((-10, Step::PreDoseVitals(again)));
            again
        } else {
            out.push((-10, Step::OverrideHold));
            high
        }
    } else {
        let v = reading(b, sys + wobble, dia + wobble / 2, hr);
        out.push((-20, Step::PreDoseVitals(v)));
        v
    };
    out.push((-8, Step::RideHome));
    out.push((0, Step::Start));
    let mut used = 1;
    if r.split {
        out.push((
            2,
            Step::Take {
                booster: false,
                mg: r.dose_mg / 2,
            },
        ));
        out.push((
            20,
            Step::Take {
                booster: false,
                mg: r.dose_mg - r.dose_mg / 2,
            },
        ));
    } else {
        out.push((
            2,
            Step::Take {
                booster: false,
                mg: r.dose_mg,
            },
        ));
    }
    let alert_at = b.rng.random_bool(0.08).then_some(45);
    for m in [15, 30, 45, 60, 90, 120] {
        // Blood pressure peaks about 40 minutes after the dose, then settles.
        let rise: u16 = match m {
            15 => 6,
            30 | 45 => 14,
            60 => 10,
            90 => 5,
            _ => 2,
        };
        let v = if alert_at == Some(m) {
            reading(b, 162 + rise / 2, 101, pre.heart_rate + 12)
        } else {
            let jitter = b.rng.random_range(0..=4);
            reading(
                b,
                pre.systolic.min(sys + 6) + rise + jitter,
                pre.diastolic.min(dia + 3) + rise / 2,
                pre.heart_rate + rise / 2,
            )
        };
        out.push((
            m,
            Step::Vitals {
                vitals: v,
                is_final: false,
            },
        ));
        if alert_at == Some(m) {
            let action = words::SESSION_ALERT_ACTIONS
                [b.rng.random_range(0..words::SESSION_ALERT_ACTIONS.len())];
            out.push((m + 3, Step::AcknowledgeSessionAlerts { action }));
        }
    }
    let note = words::OBSERVATION_NOTES[b.rng.random_range(0..words::OBSERVATION_NOTES.len())];
    out.push((
        35,
        Step::Observe {
            kind: ObservationKind::Dissociation,
            cadss: Some(b.rng.random_range(3..=22)),
            note,
            action: "",
        },
    ));
    if b.rng.random_bool(0.1) {
        out.push((
            52,
            Step::Observe {
                kind: ObservationKind::Nausea,
                cadss: None,
                note: "Mild nausea after the peak.",
                action: "Offered ginger tea and a bowl; settled within 15 minutes.",
            },
        ));
    }
    if let Some(booster) = r.booster_mg
        && b.rng.random_bool(0.4)
    {
        out.push((
            50,
            Step::Take {
                booster: true,
                mg: booster,
            },
        ));
        used += 1;
    }
    if b.rng.random_bool(0.2) {
        out.push((62, Step::Presence { join: true }));
        out.push((80, Step::Presence { join: false }));
    }
    let early = !live && b.rng.random_bool(0.02);
    let end = if early { 70 } else { 125 };
    let settle = b.rng.random_range(0..=6);
    let last = reading(
        b,
        pre.systolic + settle,
        pre.diastolic + settle / 2,
        pre.heart_rate + 2,
    );
    out.push((
        end,
        Step::Vitals {
            vitals: last,
            is_final: true,
        },
    ));
    out.push((end + 3, Step::Close { early }));
    let brought = b.troches;
    out.push((
        end + 5,
        Step::Returned {
            count: brought - used,
        },
    ));
    out.push((end + 7, Step::Attested));
    if early {
        // Nothing of the session's second half happens after an early end.
        let ending = |s: &Step| {
            matches!(
                s,
                Step::Vitals { is_final: true, .. }
                    | Step::Close { .. }
                    | Step::Returned { .. }
                    | Step::Attested
            )
        };
        out.retain(|(offset, step)| *offset < end || ending(step));
    }
    out.sort_by_key(|(offset, _)| *offset);
    b.troches = brought - used;
    out
}

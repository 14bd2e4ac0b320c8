//! The trend chart of one instrument for one client, drawn on the server as SVG by
//! `kapflow_domain::measures::chart` from the instrument's bands, the scores, the dosing
//! sessions, and the baseline with its response (≥ 50% lower) and remission lines.

use kapflow_domain::measures::chart::{ChartInput, render};
use kapflow_domain::measures::{Instrument, Kind};
use time::Date;

pub fn trend(i: &Instrument, points: &[(Date, u32)], dosing: &[(Date, String)]) -> String {
    let baseline = points.first().map(|p| p.1);
    let remission_below = match i.kind {
        // Remission: PHQ-9 < 5, GAD-7 < 5 by analogy (domain reference §4).
        Kind::Phq9 | Kind::Gad7 => Some(5),
        _ => None,
    };
    let response = match i.kind {
        Kind::Cssrs => None,
        _ => baseline.filter(|b| *b > 0).map(|b| b / 2),
    };
    render(&ChartInput {
        title: i.title.clone(),
        max: i.max_total(),
        bands: i
            .bands
            .iter()
            .map(|b| (b.min, b.max, b.label.clone()))
            .collect(),
        points: points.to_vec(),
        markers: dosing.to_vec(),
        baseline: if i.kind == Kind::Cssrs {
            None
        } else {
            baseline
        },
        response_line: response,
        remission_below,
    })
}

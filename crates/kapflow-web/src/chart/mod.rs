//! The trend chart of one instrument for one client: the instrument's bands, the scores, the
//! dosing sessions, and the baseline with its response and remission lines. Which lines an
//! instrument has, and where, is the domain's rule (`measures::outcome`); `svg` draws them.

pub mod svg;

use kapflow_domain::measures::outcome::{remission_below, response_ceiling};
use kapflow_domain::measures::{Instrument, Kind};
use svg::{ChartInput, render};
use time::Date;

pub fn trend(i: &Instrument, points: &[(Date, u32)], dosing: &[(Date, String)]) -> String {
    // The C-SSRS total counts "yes" answers: it has no baseline to improve on.
    let baseline = points
        .first()
        .map(|p| p.1)
        .filter(|_| i.kind != Kind::Cssrs);
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
        baseline,
        response_line: baseline.and_then(|b| response_ceiling(i.kind, b)),
        remission_below: remission_below(i.kind),
    })
}

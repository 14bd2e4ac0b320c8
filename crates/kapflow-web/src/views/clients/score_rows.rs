//! What a client's history table shows of each answered questionnaire: the total and its band,
//! and in full what a total would hide — the PCL-5's cluster sub-scores and DSM-5 reading, the
//! C-SSRS's risk level and which questions were answered "yes" (never a count of them).

use kapflow_domain::measures::{Kind, Scored, cssrs};
use kapflow_store::measures::ResponsePoint;

/// The columns after "Answered" for an instrument of `kind`.
pub fn columns(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Cssrs => vec!["Risk level", "Answered yes"],
        Kind::Pcl5 => vec![
            "Total",
            "Provisional PTSD (total)",
            "B intrusion (items 1–5)",
            "C avoidance (items 6–7)",
            "D cognition and mood (items 8–14)",
            "E arousal and reactivity (items 15–20)",
            "DSM-5 symptom rule",
        ],
        _ => vec!["Total", "Severity"],
    }
}

/// Whether the cells of `kind` read the whole scored submission (parsed once per row: it is
/// most of what a long history costs).
pub fn needs_detail(kind: Kind) -> bool {
    matches!(kind, Kind::Cssrs | Kind::Pcl5)
}

/// The cells of one response under [`columns`]; `detail` is its parsed submission where
/// [`needs_detail`].
pub fn cells(kind: Kind, r: &ResponsePoint, detail: Option<&Scored>) -> Vec<String> {
    match kind {
        Kind::Cssrs => {
            let yes = detail
                .map(|s| cssrs::yes_answers(&s.answers))
                .unwrap_or_default();
            vec![
                r.band.clone(),
                if yes.is_empty() {
                    "None".to_owned()
                } else {
                    yes.join("; ")
                },
            ]
        }
        Kind::Pcl5 => {
            let mut cells = vec![r.total.to_string(), r.band.clone()];
            match detail {
                Some(s) => cells.extend(pcl5_cells(s)),
                None => cells.extend(std::iter::repeat_n("—".to_owned(), 5)),
            }
            cells
        }
        _ => vec![r.total.to_string(), r.band.clone()],
    }
}

/// The four cluster sub-scores ("5 of 20; 2 endorsed, 1 needed") and the DSM-5 reading.
fn pcl5_cells(s: &Scored) -> Vec<String> {
    let findings = s.pcl5.as_ref();
    let mut cells: Vec<String> = ["B", "C", "D", "E"]
        .iter()
        .map(|code| {
            let sub = s.subscores.iter().find(|x| x.code == *code);
            let count = findings.and_then(|f| f.clusters.iter().find(|c| c.cluster == *code));
            match (sub, count) {
                (Some(sub), Some(c)) => format!(
                    "{} of {}; {} endorsed, {} needed",
                    sub.total, sub.max, c.endorsed, c.needed
                ),
                (Some(sub), None) => format!("{} of {}", sub.total, sub.max),
                _ => "—".to_owned(),
            }
        })
        .collect();
    cells.push(match findings {
        Some(f) if f.meets_dsm5_rule => "Met".to_owned(),
        Some(_) => "Not met".to_owned(),
        None => "—".to_owned(),
    });
    cells
}

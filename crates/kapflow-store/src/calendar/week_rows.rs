//! A span of the calendar read as one value: the rows aggregated into one JSON array by the
//! database (`json_group_array` on SQLite, `json_agg` on PostgreSQL; the one query whose text
//! differs by backend) and read back here. sqlx hands each row across from the connection's
//! thread and copies each of its values; a practice's week is a few hundred rows of twenty
//! values, and one value in place of thousands was most of the week view's cost
//! (bench/RESULTS.md).

use super::reading::AppointmentRow;
use crate::{Backend, StoreError};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// The columns of an [`AppointmentRow`], in order, as one JSON array per row: ids as text
/// (hex on SQLite, where they are blobs), times as RFC 3339 text.
pub(super) fn array_of_row(backend: Backend, client_name: &str, risk: &str) -> String {
    let id = |col: &str| match backend {
        Backend::Sqlite => format!("CASE WHEN {col} IS NULL THEN NULL ELSE hex({col}) END"),
        Backend::Postgres => col.to_owned(),
    };
    let cols = [
        id("a.id"),
        id("a.client_id"),
        client_name.to_owned(),
        "a.title".into(),
        "a.session_type".into(),
        "st.label".into(),
        id("a.clinician_id"),
        "u.display_name".into(),
        id("a.second_clinician"),
        "u2.display_name".into(),
        id("a.room_id"),
        "r.name".into(),
        "a.starts_at".into(),
        "a.ends_at".into(),
        "a.telehealth".into(),
        "a.video_link".into(),
        id("a.series_id"),
        "a.status".into(),
        "a.cancel_reason".into(),
        risk.to_owned(),
    ]
    .join(", ");
    match backend {
        Backend::Sqlite => format!("json_group_array(json_array({cols}))"),
        Backend::Postgres => format!("COALESCE(json_agg(json_build_array({cols}))::text, '[]')"),
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("calendar row: {what}"))
}

/// One row's values, read by position.
struct Values<'a>(&'a [Value]);

impl Values<'_> {
    fn text(&self, i: usize) -> Option<String> {
        self.0.get(i).and_then(Value::as_str).map(str::to_owned)
    }

    fn uuid(&self, i: usize) -> Result<Option<Uuid>, StoreError> {
        match self.0.get(i).and_then(Value::as_str) {
            None => Ok(None),
            Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| corrupt("an id")),
        }
    }

    fn id<T: From<Uuid>>(&self, i: usize) -> Result<T, StoreError> {
        self.uuid(i)?
            .map(T::from)
            .ok_or_else(|| corrupt("a missing id"))
    }

    fn time(&self, i: usize) -> Result<OffsetDateTime, StoreError> {
        let s = self.text(i).ok_or_else(|| corrupt("a missing time"))?;
        OffsetDateTime::parse(&s, &Rfc3339).map_err(|_| corrupt("a time"))
    }

    fn flag(&self, i: usize) -> bool {
        match self.0.get(i) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }
}

/// The rows of the aggregated text, by start and then clinician, as the calendar lists them.
pub(super) fn read(json: &str) -> Result<Vec<AppointmentRow>, StoreError> {
    let rows: Vec<Vec<Value>> =
        serde_json::from_str(json).map_err(|_| corrupt("not a JSON array"))?;
    let mut out = rows
        .iter()
        .map(|r| {
            let v = Values(r);
            Ok(AppointmentRow {
                id: v.id(0)?,
                client_id: v.uuid(1)?.map(Into::into),
                client_name: v.text(2),
                title: v.text(3),
                session_type: v.text(4).ok_or_else(|| corrupt("a kind"))?,
                type_label: v.text(5).unwrap_or_default(),
                clinician_id: v.id(6)?,
                clinician_name: v.text(7).unwrap_or_default(),
                second_clinician: v.uuid(8)?.map(Into::into),
                second_name: v.text(9),
                room_id: v.uuid(10)?.map(Into::into),
                room_name: v.text(11),
                starts_at: v.time(12)?,
                ends_at: v.time(13)?,
                telehealth: v.flag(14),
                video_link: v.text(15),
                series_id: v.uuid(16)?.map(Into::into),
                status: v
                    .text(17)
                    .and_then(|s| kapflow_domain::calendar::Status::parse(&s))
                    .ok_or_else(|| corrupt("a status"))?,
                cancel_reason: v.text(18),
                risk: match v.text(19) {
                    None => None,
                    Some(s) => Some(
                        kapflow_domain::measures::schedule::AlertLevel::parse(&s)
                            .ok_or_else(|| corrupt("a risk level"))?,
                    ),
                },
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // The aggregate keeps no order of its own on SQLite.
    out.sort_by(|a, b| (a.starts_at, &a.clinician_name).cmp(&(b.starts_at, &b.clinician_name)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same appointment as each backend writes it: hex ids and 0/1 on SQLite, hyphenated
    /// ids and booleans on PostgreSQL; a second one earlier in the day, listed first.
    #[test]
    fn both_backends_shapes_read_the_same() {
        let sqlite = r#"[
            ["0190A1B2C3D47E5F8A9B0C1D2E3F4051", null, null, "Supervision", "integration",
             "Integration", "0190A1B2C3D47E5F8A9B0C1D2E3F4052", "Dr Rivera", null, null, null,
             null, "2026-12-03T15:00:00Z", "2026-12-03T15:50:00Z", 1, null, null, "booked",
             null, null],
            ["0190A1B2C3D47E5F8A9B0C1D2E3F4053", "0190A1B2C3D47E5F8A9B0C1D2E3F4054", "Ada Alpha",
             null, "dosing", "Dosing session", "0190A1B2C3D47E5F8A9B0C1D2E3F4052", "Dr Rivera",
             null, null, "0190A1B2C3D47E5F8A9B0C1D2E3F4055", "Dosing room",
             "2026-12-03T14:00:00Z", "2026-12-03T17:00:00Z", 0, null, null, "no_show", null,
             "high"]
        ]"#;
        let pg = sqlite
            .replace(
                "0190A1B2C3D47E5F8A9B0C1D2E3F405",
                "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f405",
            )
            .replace("Z\", 1,", "+00:00\", true,")
            .replace("Z\", 0,", "+00:00\", false,");
        let (a, b) = (read(sqlite).expect("sqlite"), read(&pg).expect("pg"));
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].client_name.as_deref(), Some("Ada Alpha"), "by start");
        assert!(!a[0].telehealth && a[1].telehealth);
        assert_eq!(a[0].status, kapflow_domain::calendar::Status::NoShow);
        assert!(a[0].risk.is_some() && a[1].risk.is_none());
        assert!(a[1].is_hold() && a[1].room_id.is_none());
        assert!(read("[]").expect("empty").is_empty());
        assert!(read("[[\"not an id\"]]").is_err());
    }
}

//! The search parameters the API understands, read from a query string: anything else is
//! refused by name (a search that silently ignored a filter would return more than was asked).

use kapflow_domain::ClientId;

/// Results per page when `_count` is not given, and the most a page holds.
pub const DEFAULT_COUNT: u32 = 50;
pub const MAX_COUNT: u32 = 200;

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `patient=` (or `Patient/<id>`), and `_id=` for Patient searches.
    pub patient: Option<ClientId>,
    pub id: Option<String>,
    pub count: u32,
    pub offset: u32,
}

/// Why a query was refused, in a sentence for the other system's log.
pub type Refusal = String;

/// Reads `raw`; `allowed` are the parameters this search takes besides `_count` and `_offset`.
pub fn parse(raw: &str, allowed: &[&str]) -> Result<Query, Refusal> {
    let mut q = Query {
        count: DEFAULT_COUNT,
        ..Query::default()
    };
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        match name.as_ref() {
            "_count" => {
                q.count = value
                    .parse::<u32>()
                    .map_err(|_| format!("_count must be a whole number from 0 to {MAX_COUNT}."))?
                    .min(MAX_COUNT);
            }
            "_offset" => {
                q.offset = value
                    .parse::<u32>()
                    .map_err(|_| "_offset must be a whole number.".to_owned())?;
            }
            "_format" if matches!(value.as_ref(), "json" | "application/fhir+json") => {}
            "_format" => return Err("Only JSON is served (_format=json).".into()),
            "patient" if allowed.contains(&"patient") => {
                let id = value.strip_prefix("Patient/").unwrap_or(&value);
                let client = ClientId::parse(id)
                    .ok_or_else(|| "patient must be a Patient id.".to_owned())?;
                q.patient = Some(client);
            }
            "_id" if allowed.contains(&"_id") => q.id = Some(value.into_owned()),
            other => {
                let name: String = other
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
                    .take(40)
                    .collect();
                let known = if allowed.is_empty() {
                    "_count and _offset".to_owned()
                } else {
                    format!("{}, _count and _offset", allowed.join(", "))
                };
                return Err(format!(
                    "The search parameter `{name}` is not supported here; this search takes {known}."
                ));
            }
        }
    }
    Ok(q)
}

/// The query as the audit trail keeps it: only the parameters understood (ids and numbers,
/// never text a caller typed).
pub fn described(q: &Query) -> String {
    let mut parts = Vec::new();
    if let Some(p) = q.patient {
        parts.push(format!("patient={p}"));
    }
    if let Some(id) = &q.id {
        let id: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(64)
            .collect();
        parts.push(format!("_id={id}"));
    }
    parts.push(format!("_count={}", q.count));
    if q.offset > 0 {
        parts.push(format!("_offset={}", q.offset));
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_knows_and_refuses_the_rest() {
        let id = ClientId::new();
        let q = parse(
            &format!("patient=Patient/{id}&_count=500&_offset=20"),
            &["patient"],
        )
        .expect("known");
        assert_eq!(q.patient, Some(id));
        assert_eq!((q.count, q.offset), (MAX_COUNT, 20));
        let why = parse("name=Smith", &["patient"]).expect_err("unknown");
        assert!(why.contains("`name`") && why.contains("patient"), "{why}");
        assert!(parse("patient=x", &["patient"]).is_err());
        assert!(parse(&format!("patient={id}"), &[]).is_err());
        assert!(parse("_count=-1", &[]).is_err());
        assert_eq!(parse("", &[]).expect("empty").count, DEFAULT_COUNT);
    }

    #[test]
    fn the_audit_never_keeps_free_text() {
        let q = parse("_id=abc%20def%3Cscript%3E", &["_id"]).expect("an id");
        assert_eq!(described(&q), "_id=abcdefscript&_count=50");
    }
}

//! One value of a table as a practice export carries it, the same from either database: the
//! value as the embedded (SQLite) database stores it — integers (booleans as 0 or 1), text
//! (times as RFC 3339, dates as `YYYY-MM-DD`, JSON as written), bytes (UUIDs as their 16
//! bytes) — written into a CSV field so that NULL, bytes and text cannot be confused:
//! `\N` is NULL, `\x` and hex is bytes, and text that begins with `\` gets one more.

/// A value of one column of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Cell {
    /// The CSV field.
    pub fn to_field(&self) -> String {
        match self {
            Cell::Null => "\\N".into(),
            Cell::Int(i) => i.to_string(),
            Cell::Text(t) if t.starts_with('\\') => format!("\\{t}"),
            Cell::Text(t) => t.clone(),
            Cell::Bytes(b) => format!("\\x{}", hex::encode(b)),
        }
    }

    /// The value of a CSV field. Digits alone stay text here: the target column's type says
    /// whether they are a number (`Cell::int`).
    pub fn from_field(field: &str) -> Result<Cell, String> {
        if field == "\\N" {
            return Ok(Cell::Null);
        }
        if let Some(h) = field.strip_prefix("\\x") {
            return hex::decode(h)
                .map(Cell::Bytes)
                .map_err(|_| "bytes that are not hex".to_owned());
        }
        if let Some(t) = field.strip_prefix('\\') {
            if t.starts_with('\\') {
                return Ok(Cell::Text(t.to_owned()));
            }
            return Err(format!(
                "an unknown escape `{}`",
                field.chars().take(3).collect::<String>()
            ));
        }
        Ok(Cell::Text(field.to_owned()))
    }

    /// The value as a whole number (a field of an integer column).
    pub fn int(&self) -> Result<Option<i64>, String> {
        match self {
            Cell::Null => Ok(None),
            Cell::Int(i) => Ok(Some(*i)),
            Cell::Text(t) => t
                .parse()
                .map(Some)
                .map_err(|_| format!("`{}` is not a whole number", short(t))),
            Cell::Bytes(_) => Err("bytes where a number belongs".into()),
        }
    }
}

/// The start of a value, for a message that must not carry a whole record.
pub(crate) fn short(t: &str) -> String {
    t.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_comes_back_as_it_went() {
        for cell in [
            Cell::Null,
            Cell::Text(String::new()),
            Cell::Text("\\N".into()),
            Cell::Text("\\x00".into()),
            Cell::Text("line one\nline \"two\"".into()),
            Cell::Bytes(vec![0, 255, 16]),
            Cell::Bytes(Vec::new()),
        ] {
            assert_eq!(
                Cell::from_field(&cell.to_field()),
                Ok(cell.clone()),
                "{cell:?}"
            );
        }
        assert_eq!(
            Cell::from_field(&Cell::Int(-7).to_field()).and_then(|c| c.int()),
            Ok(Some(-7))
        );
        assert!(Cell::from_field("\\q").is_err());
        assert!(Cell::from_field("\\xzz").is_err());
    }
}

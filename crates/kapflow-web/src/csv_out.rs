//! The one way kapflow writes CSV: the `csv` crate for quoting (RFC 4180), typed cells so a
//! number is written as a number, and one guard that keeps every text cell from running as a
//! spreadsheet formula.

/// One cell of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Text from anywhere (a name, an action, a reason): always guarded.
    Text(&'a str),
    /// A number, written as it is (a score change of -8 stays a number).
    Number(i64),
    /// An amount of money, written as a decimal number (`-140.00`).
    Money(kapflow_domain::billing::money::Cents),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(s: &'a String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Number(n)
    }
}

/// A text cell made safe for spreadsheets: one that starts with = + - @ tab or CR could run as
/// a formula in Excel, LibreOffice or Sheets (OWASP "CSV injection"), so it gets a leading
/// apostrophe. Numbers never pass through here, so none is mistaken for a formula.
pub fn guard(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// A CSV document being written into memory.
pub struct Csv {
    out: csv::Writer<Vec<u8>>,
}

impl Csv {
    /// A document whose first row names the columns.
    pub fn new(header: &[&str]) -> Csv {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        // Writing into memory cannot fail.
        let _ = out.write_record(header.iter().map(|h| guard(h).into_owned()));
        Csv { out }
    }

    pub fn row(&mut self, cells: &[Cell<'_>]) {
        let _ = self.out.write_record(cells.iter().map(|c| match c {
            Cell::Text(t) => guard(t).into_owned(),
            Cell::Number(n) => n.to_string(),
            Cell::Money(c) => c.to_string(),
        }));
    }

    /// The document's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cells: &[Cell<'_>]) -> String {
        let mut c = Csv::new(&["a", "b"]);
        c.row(cells);
        String::from_utf8(c.finish()).expect("utf-8")
    }

    #[test]
    fn text_that_could_run_as_a_formula_is_neutralised_and_numbers_stay_numbers() {
        assert_eq!(guard("=1+2"), "'=1+2");
        assert_eq!(guard("+1"), "'+1");
        assert_eq!(guard("-1+cmd|' /C calc'!A0"), "'-1+cmd|' /C calc'!A0");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("\tx"), "'\tx");
        assert_eq!(
            guard("-8"),
            "'-8",
            "text that looks like a number is still text"
        );
        assert_eq!(guard("a=b"), "a=b");
        assert_eq!(guard(""), "");
        assert_eq!(
            one(&[Cell::Number(-8), Cell::Text("-8")]),
            "a,b\r\n-8,'-8\r\n"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_back_guarded_and_never_starts_a_formula(text in ".{0,40}") {
            let doc = one(&[Cell::Text(&text), Cell::Number(1)]);
            let mut r = csv::ReaderBuilder::new().from_reader(doc.as_bytes());
            let row = r.records().next().expect("a row").expect("parses");
            let cell = row.get(0).expect("a cell");
            let guarded = guard(&text);
            proptest::prop_assert_eq!(cell, guarded.as_ref());
            // Nothing lost: the original is the cell, less any apostrophe added.
            let prefixed = format!("'{}", text);
            proptest::prop_assert!(cell == text || cell == prefixed);
            proptest::prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']));
        }
    }

    #[test]
    fn cells_are_quoted_when_they_must_be() {
        assert_eq!(
            one(&[Cell::Text("x,y"), Cell::Text("say \"hi\"")]),
            "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(
            one(&[Cell::Text("=HYPERLINK(\"x\")"), Cell::Text("\rx")]),
            "a,b\r\n\"'=HYPERLINK(\"\"x\"\")\",\"'\rx\"\r\n"
        );
        assert_eq!(
            one(&[Cell::Text("line\nbreak"), Cell::Number(3)]),
            "a,b\r\n\"line\nbreak\",3\r\n"
        );
    }
}

//! Lays a document's blocks out on US Letter pages: words wrapped to the text width with the
//! fonts' real widths, a heading kept with what follows it, and a new page when one is full.

use crate::document::{Block, Document};
use crate::metrics::{Face, encode};

pub const PAGE_WIDTH: f32 = 612.0;
pub const PAGE_HEIGHT: f32 = 792.0;
pub const MARGIN: f32 = 54.0;
/// Text stops here; the footer sits below.
const BOTTOM: f32 = 66.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

pub(crate) const TEXT_WIDTH_PT: f32 = TEXT_WIDTH;
const BODY: f32 = 10.5;
const BODY_LEADING: f32 = 14.0;
pub(crate) const SMALL: f32 = 8.5;
const SMALL_LEADING: f32 = 11.0;
const HEADING: f32 = 12.0;
const HEADING_LEADING: f32 = 18.0;
const TITLE: f32 = 16.0;
const TITLE_LEADING: f32 = 22.0;

/// A piece of text at one place in one font.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub x: f32,
    pub y: f32,
    pub face: Face,
    pub size: f32,
    /// WinAnsi bytes.
    pub text: Vec<u8>,
}

/// What one page shows, footer aside.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Page {
    pub runs: Vec<Run>,
    /// Heights of the rules across the page.
    pub rules: Vec<f32>,
    /// Lines drawn (a chart's axes, cut-offs and scores).
    pub strokes: Vec<Stroke>,
}

/// A line through `points`, in grey `gray` (0 black), `width` points wide, dashed or not.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    pub points: Vec<(f32, f32)>,
    pub width: f32,
    pub gray: f32,
    pub dashed: bool,
}

/// Where the next line goes.
pub(crate) struct Cursor {
    pages: Vec<Page>,
    /// The top of the next line.
    pub(crate) y: f32,
}

impl Cursor {
    fn new() -> Self {
        Cursor {
            pages: vec![Page::default()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn at_top(&self) -> bool {
        (self.y - (PAGE_HEIGHT - MARGIN)).abs() < f32::EPSILON
    }

    /// Starts a new page unless `height` still fits on this one.
    pub(crate) fn need(&mut self, height: f32) {
        if self.y - height < BOTTOM && !self.at_top() {
            self.pages.push(Page::default());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    pub(crate) fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// One line of runs (x, face, text) at `size`.
    fn line(&mut self, leading: f32, size: f32, runs: Vec<(f32, Face, Vec<u8>)>) {
        self.need(leading);
        // The baseline sits a little above the line's bottom, as in a word processor.
        let baseline = self.y - leading + (leading - size) / 2.0 + size * 0.2;
        self.y -= leading;
        let page = self.page();
        for (x, face, text) in runs {
            if !text.is_empty() {
                page.runs.push(Run {
                    x,
                    y: baseline,
                    face,
                    size,
                    text,
                });
            }
        }
    }

    fn space(&mut self, height: f32) {
        if !self.at_top() {
            self.y -= height;
        }
    }
}

/// Greedy word wrap of encoded text: the first line `first` wide, the rest `rest` wide.
/// A word longer than a line is broken between characters; nothing is ever dropped.
pub fn wrap(text: &[u8], face: Face, size: f32, first: f32, rest: f32) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let width = |n: usize| if n == 0 { first } else { rest };
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if face.measure(&candidate, size) <= width(lines.len()) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for &b in word {
            line.push(b);
            if face.measure(&line, size) > width(lines.len()) && line.len() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, vec![b]));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn paragraphs(cursor: &mut Cursor, text: &str, face: Face, size: f32, leading: f32) {
    for para in text.lines() {
        if para.trim().is_empty() {
            cursor.space(leading / 2.0);
            continue;
        }
        for l in wrap(&encode(para), face, size, TEXT_WIDTH, TEXT_WIDTH) {
            cursor.line(leading, size, vec![(MARGIN, face, l)]);
        }
    }
}

/// A bold lead and its value beside it; `separator` follows the lead (": " for a field).
fn field(cursor: &mut Cursor, lead: &str, separator: &[u8], value: &str) {
    let mut label = encode(lead);
    label.extend_from_slice(separator);
    let label_width = Face::Bold.measure(&label, BODY);
    // A long label puts its value on the lines below, at the margin.
    let indent = if label_width <= TEXT_WIDTH * 0.4 {
        label_width
    } else {
        0.0
    };
    let mut first = true;
    for para in value.lines().chain(value.is_empty().then_some("")) {
        let lines = wrap(
            &encode(para),
            Face::Regular,
            BODY,
            TEXT_WIDTH - indent,
            TEXT_WIDTH - indent,
        );
        for l in lines {
            let mut runs = Vec::new();
            if first {
                runs.push((MARGIN, Face::Bold, std::mem::take(&mut label)));
                if indent == 0.0 {
                    cursor.line(BODY_LEADING, BODY, runs);
                    runs = Vec::new();
                }
                first = false;
            }
            runs.push((MARGIN + indent, Face::Regular, l));
            cursor.line(BODY_LEADING, BODY, runs);
        }
    }
}

/// The document's pages.
pub fn lay_out(doc: &Document) -> Vec<Page> {
    let mut cursor = Cursor::new();
    let mut blocks = doc.blocks.iter().peekable();
    while let Some(block) = blocks.next() {
        match block {
            Block::Title(t) => {
                for l in wrap(&encode(t), Face::Bold, TITLE, TEXT_WIDTH, TEXT_WIDTH) {
                    cursor.line(TITLE_LEADING, TITLE, vec![(MARGIN, Face::Bold, l)]);
                }
                cursor.space(4.0);
            }
            Block::Heading(t) => {
                cursor.space(8.0);
                // The heading and the first two lines of what follows stay together.
                let follows = if blocks.peek().is_some() {
                    2.0 * BODY_LEADING
                } else {
                    0.0
                };
                cursor.need(HEADING_LEADING + follows);
                for l in wrap(&encode(t), Face::Bold, HEADING, TEXT_WIDTH, TEXT_WIDTH) {
                    cursor.line(HEADING_LEADING, HEADING, vec![(MARGIN, Face::Bold, l)]);
                }
            }
            Block::Text(t) => paragraphs(&mut cursor, t, Face::Regular, BODY, BODY_LEADING),
            Block::Small(t) => paragraphs(&mut cursor, t, Face::Regular, SMALL, SMALL_LEADING),
            Block::Field(label, value) => field(&mut cursor, label, b": ", value),
            Block::Entry(lead, text) => field(&mut cursor, lead, b"   ", text),
            Block::Rule => {
                cursor.need(12.0);
                cursor.y -= 6.0;
                let y = cursor.y;
                cursor.page().rules.push(y);
                cursor.y -= 6.0;
            }
            Block::Gap => cursor.space(8.0),
            Block::Chart(chart) => crate::chart::lay_out(&mut cursor, chart),
        }
    }
    cursor.pages
}

/// The footer's runs on page `n` of `of`: the document's footer at the left, the page number
/// at the right.
pub fn footer(text: &str, n: usize, of: usize) -> Vec<Run> {
    let y = MARGIN - 18.0;
    let number = encode(&format!("Page {n} of {of}"));
    let right = PAGE_WIDTH - MARGIN - Face::Regular.measure(&number, SMALL);
    let mut runs = Vec::new();
    let room = right - MARGIN - 12.0;
    if let Some(left) = wrap(&encode(text), Face::Regular, SMALL, room, room)
        .into_iter()
        .next()
    {
        runs.push(Run {
            x: MARGIN,
            y,
            face: Face::Regular,
            size: SMALL,
            text: left,
        });
    }
    runs.push(Run {
        x: right,
        y,
        face: Face::Regular,
        size: SMALL,
        text: number,
    });
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(lines: &[Vec<u8>]) -> String {
        lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn words_wrap_at_the_width_and_none_is_lost() {
        // "aaaa" is 4 × 5.56 = 22.24 pt at 10 pt; a space 2.78.
        let lines = wrap(b"aaaa aaaa aaaa", Face::Regular, 10.0, 50.0, 50.0);
        assert_eq!(joined(&lines), "aaaa aaaa|aaaa");
        for l in &lines {
            assert!(Face::Regular.measure(l, 10.0) <= 50.0);
        }
    }

    #[test]
    fn a_word_longer_than_a_line_is_broken_not_cut() {
        let lines = wrap(b"abcdefghijklmnop", Face::Regular, 10.0, 30.0, 30.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), b"abcdefghijklmnop");
    }

    #[test]
    fn the_first_line_may_be_narrower() {
        let lines = wrap(b"aaaa aaaa aaaa", Face::Regular, 10.0, 25.0, 80.0);
        assert_eq!(joined(&lines), "aaaa|aaaa aaaa");
    }

    #[test]
    fn long_text_runs_onto_more_pages_and_stays_inside_the_margins() {
        let mut doc = Document::new("t", "f");
        doc.push(Block::Title("A title".into()));
        for i in 0..120 {
            doc.push(Block::Text(format!("Paragraph {i} of a long note.")));
        }
        let pages = lay_out(&doc);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let texts: usize = pages.iter().map(|p| p.runs.len()).sum();
        assert_eq!(texts, 121);
        for p in &pages {
            for r in &p.runs {
                assert!(r.y >= BOTTOM - 1.0 && r.y <= PAGE_HEIGHT - MARGIN);
                assert!(r.x + r.face.measure(&r.text, r.size) <= PAGE_WIDTH - MARGIN + 0.01);
            }
        }
    }

    #[test]
    fn a_heading_never_ends_a_page() {
        let mut doc = Document::new("t", "f");
        for _ in 0..200 {
            doc.push(Block::Heading("Assessment".into()));
            doc.push(Block::Text("One line of text under it.".into()));
        }
        for p in lay_out(&doc) {
            let last = p.runs.last().expect("a page with text");
            assert_ne!(last.face, Face::Bold, "a page ends with a heading");
        }
    }

    #[test]
    fn a_field_keeps_its_label_and_value_on_one_line() {
        let mut doc = Document::new("t", "f");
        doc.field("Signed by", "Dr Rivera");
        let page = &lay_out(&doc)[0];
        assert_eq!(page.runs.len(), 2);
        assert_eq!(page.runs[0].y, page.runs[1].y);
        assert_eq!(page.runs[0].text, b"Signed by: ");
        assert_eq!(page.runs[1].text, b"Dr Rivera");
    }
}

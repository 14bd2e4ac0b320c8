//! What a printable document holds: a title, a footer for every page and blocks in reading
//! order. Callers (the web layer) build one from a record; `render` turns it into PDF bytes.

/// One piece of a document, laid out top to bottom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// The document's own heading, once at the top.
    Title(String),
    /// A section heading; never left alone at the foot of a page.
    Heading(String),
    /// Running text; a newline starts a new line, an empty line leaves a gap.
    Text(String),
    /// "Label: value" on one line, the value wrapped under itself.
    Field(String, String),
    /// A bold lead (a time) and its text beside it, the text wrapped under itself.
    Entry(String, String),
    /// Small print: a hash, a caption, a notice.
    Small(String),
    /// A thin line across the page.
    Rule,
    /// A little vertical space.
    Gap,
    /// A line chart of scores over time, drawn to scale with its caption.
    Chart(Chart),
}

/// One measure's scores over time. A chart is never the only place a number is: the caller
/// lists the scores as text too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// Printed under the chart (what it shows, in words).
    pub caption: String,
    /// The top of the scale (the measure's highest possible score).
    pub max: u32,
    /// The scores in time order, each with the date it is labelled by.
    pub points: Vec<(String, u32)>,
    /// Cut-offs drawn as dashed lines across the chart, each with its label.
    pub marks: Vec<(u32, String)>,
}

/// A document to print.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    /// The PDF's title in its properties (a reader shows it in the window's title bar).
    pub title: String,
    /// Printed at the foot of every page, before "Page n of N".
    pub footer: String,
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn new(title: impl Into<String>, footer: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            footer: footer.into(),
            blocks: Vec::new(),
        }
    }

    /// Adds a block.
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// Adds a heading and its text, skipping both when the text is empty.
    pub fn section(&mut self, heading: &str, text: &str) -> &mut Self {
        if !text.trim().is_empty() {
            self.push(Block::Heading(heading.to_owned()));
            self.push(Block::Text(text.trim_end().to_owned()));
        }
        self
    }

    /// Adds a field.
    pub fn field(&mut self, label: &str, value: &str) -> &mut Self {
        self.push(Block::Field(label.to_owned(), value.to_owned()))
    }

    /// Every piece of text the document shows.
    pub(crate) fn texts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.footer.as_str()).chain(self.blocks.iter().flat_map(|b| {
            match b {
                Block::Title(t) | Block::Heading(t) | Block::Text(t) | Block::Small(t) => {
                    vec![t.as_str()]
                }
                Block::Field(l, v) | Block::Entry(l, v) => vec![l.as_str(), v.as_str()],
                Block::Chart(c) => std::iter::once(c.caption.as_str())
                    .chain(c.points.iter().map(|(label, _)| label.as_str()))
                    .chain(c.marks.iter().map(|(_, label)| label.as_str()))
                    .collect(),
                Block::Rule | Block::Gap => vec![],
            }
        }))
    }
}

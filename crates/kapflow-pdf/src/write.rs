//! Writes laid-out pages as a PDF: one content stream per page in the two standard fonts
//! (WinAnsi-encoded, so no font file travels in the document), the title in the document's
//! properties, and "Page n of N" in every footer.

use crate::document::{Block, Document};
use crate::layout::{MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Page, Run, footer, lay_out};
use crate::metrics::{Face, fully_encodable};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// What a reader learns when some characters could not be printed.
const UNPRINTABLE: &str = "Some characters of this record cannot be shown in this PDF and appear as \"?\"; kapflow shows the record in full.";

/// The document as PDF bytes.
pub fn render(doc: &Document) -> Vec<u8> {
    let mut doc = doc.clone();
    // Nothing is dropped silently: a character outside the fonts' set is a "?" and says so.
    if !doc.texts().all(fully_encodable) {
        doc.push(Block::Rule)
            .push(Block::Small(UNPRINTABLE.to_owned()));
    }
    let pages = lay_out(&doc);
    write(&doc, &pages)
}

fn content_of(page: &Page, footer_runs: &[Run]) -> Vec<u8> {
    let mut c = Content::new();
    for &y in &page.rules {
        c.set_stroke_gray(0.6)
            .set_line_width(0.5)
            .move_to(MARGIN, y)
            .line_to(PAGE_WIDTH - MARGIN, y)
            .stroke();
    }
    for s in &page.strokes {
        let Some(&(x0, y0)) = s.points.first() else {
            continue;
        };
        c.set_stroke_gray(s.gray).set_line_width(s.width);
        if s.dashed {
            c.set_dash_pattern([3.0, 2.0], 0.0);
        } else {
            c.set_dash_pattern([], 0.0);
        }
        c.move_to(x0, y0);
        for &(x, y) in &s.points[1..] {
            c.line_to(x, y);
        }
        c.stroke();
    }
    c.set_dash_pattern([], 0.0);
    c.begin_text();
    for run in page.runs.iter().chain(footer_runs) {
        let font = match run.face {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
        };
        c.set_font(font, run.size);
        c.set_text_matrix([1.0, 0.0, 0.0, 1.0, run.x, run.y]);
        c.show(Str(&run.text));
    }
    c.end_text();
    c.finish().into_vec()
}

fn write(doc: &Document, pages: &[Page]) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    // Each page takes two ids: the page and its content stream.
    let page_ref = |i: usize| Ref::new(6 + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4));
    let content_ref = |i: usize| Ref::new(7 + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4));

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree).lang(TextStr("en"));
    pdf.pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    for (face, id) in [("Helvetica", regular), ("Helvetica-Bold", bold)] {
        pdf.type1_font(id)
            .base_font(Name(face.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .producer(TextStr("kapflow"));
    for (i, page) in pages.iter().enumerate() {
        let mut p = pdf.page(page_ref(i));
        p.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(content_ref(i));
        p.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        p.finish();
        let stream = content_of(page, &footer(&doc.footer, i + 1, pages.len()));
        pdf.stream(content_ref(i), &stream);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(pdf: &[u8]) -> (usize, String) {
        let doc = lopdf::Document::load_mem(pdf).expect("a PDF another reader opens");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).expect("its text");
        (pages.len(), text)
    }

    fn note() -> Document {
        let mut d = Document::new("Integration note", "Rivera Counseling · Confidential");
        d.push(Block::Title("Integration note, 3 December 2026".into()));
        d.field("Client", "Renée Example")
            .field("Signed by", "Dr Ana Rivera, 2026-12-03 09:05 EST");
        d.section("Data", "Talked about the week.\n\nSlept well.");
        d.push(Block::Rule);
        d.push(Block::Small("SHA-256 of the signed text: 0123abcd".into()));
        d
    }

    #[test]
    fn another_reader_opens_it_and_reads_every_line() {
        let bytes = render(&note());
        assert!(bytes.starts_with(b"%PDF-"));
        let (pages, text) = text_of(&bytes);
        assert_eq!(pages, 1);
        for want in [
            "Integration note, 3 December 2026",
            "Client:",
            "Renée Example",
            "Data",
            "Talked about the week.",
            "Slept well.",
            "SHA-256 of the signed text: 0123abcd",
            "Rivera Counseling · Confidential",
            "Page 1 of 1",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text:?}");
        }
        assert!(!text.contains(UNPRINTABLE.split(';').next().unwrap_or("")));
    }

    #[test]
    fn a_long_document_numbers_every_page() {
        let mut d = note();
        d.section("Plan", &"Keep the journal going. ".repeat(600));
        let (pages, text) = text_of(&render(&d));
        assert!(pages >= 3, "{pages} pages");
        assert!(text.contains(&format!("Page {pages} of {pages}")));
        assert!(text.contains("Page 1 of"));
    }

    #[test]
    fn a_character_the_fonts_lack_is_marked_not_dropped() {
        let mut d = note();
        d.section("Assessment", "Said 谢谢 at the end.");
        let (_, text) = text_of(&render(&d));
        assert!(text.contains("Said ?? at the end."), "{text}");
        assert!(text.contains("cannot be shown in this PDF"), "{text}");
    }
}

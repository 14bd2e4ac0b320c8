//! Widths of the two standard fonts a document uses (Helvetica and Helvetica-Bold) and the
//! WinAnsi encoding their text is written in.
//!
//! The widths are Adobe's published core-14 font metrics (the AFM files every PDF reader
//! carries), for WinAnsi codes 32–255, as shipped in groff's `devps` HR and HB files; no
//! crate of the ecosystem offers these tables without a font parser, and the standard fonts
//! need no font file in the PDF, which keeps each document a few kilobytes.

/// One of the document's two fonts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    /// Width of one encoded byte in thousandths of the font size.
    fn width(self, byte: u8) -> u16 {
        let table = match self {
            Face::Regular => &REGULAR,
            Face::Bold => &BOLD,
        };
        match byte.checked_sub(32).and_then(|i| table.get(usize::from(i))) {
            Some(&0) | None => 278,
            Some(&w) => w,
        }
    }

    /// Width of encoded text at `size` points.
    pub fn measure(self, text: &[u8], size: f32) -> f32 {
        let units: u32 = text.iter().map(|&b| u32::from(self.width(b))).sum();
        // Units are thousandths of the size; every sum of a page's text fits f32 exactly.
        #[allow(clippy::cast_precision_loss)]
        let units = units as f32;
        units * size / 1000.0
    }
}

/// The WinAnsi (Windows-1252) byte of a character, or `?` for one the standard fonts cannot
/// show (the page the PDF was printed from shows every character; the PDF says so).
pub fn encode_char(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        '\t' => b' ',
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => b'?',
    }
}

/// Text in WinAnsi bytes.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

/// Whether every character of `text` has a WinAnsi byte.
pub fn fully_encodable(text: &str) -> bool {
    text.chars()
        .all(|c| c == '?' || c == '\n' || c == '\r' || encode_char(c) != b'?')
}

/// Helvetica, WinAnsi codes 32–255 (0: no glyph).
const REGULAR: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222,
    333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 578, 537, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold, WinAnsi codes 32–255 (0: no glyph).
const BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278,
    500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611,
    611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_adobes() {
        // Spot checks against the AFM files: space, "W", "i", "m" in both faces.
        assert_eq!(Face::Regular.measure(b" ", 1000.0), 278.0);
        assert_eq!(Face::Regular.measure(b"W", 1000.0), 944.0);
        assert_eq!(Face::Regular.measure(b"i", 1000.0), 222.0);
        assert_eq!(Face::Bold.measure(b"i", 1000.0), 278.0);
        assert_eq!(Face::Bold.measure(b"m", 1000.0), 889.0);
        assert!((Face::Regular.measure(b"Note", 10.0) - 21.12).abs() < 1e-4);
    }

    #[test]
    fn latin_text_and_typography_encode() {
        assert_eq!(
            encode("Zoë’s “note” – done…"),
            b"Zo\xeb\x92s \x93note\x94 \x96 done\x85"
        );
        assert_eq!(encode("漢"), b"?");
        assert!(fully_encodable("Renée, 10 mg — ok?"));
        assert!(!fully_encodable("मरीज़"));
    }
}

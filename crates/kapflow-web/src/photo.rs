//! Uploaded photos: the type is sniffed from the bytes (never taken from the browser), and
//! metadata that may identify a person or place (EXIF with GPS, XMP, IPTC, comments, text
//! chunks) is removed without re-encoding the image (img-parts).

use bytes::Bytes;
use img_parts::ImageEXIF;

pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
    Webp,
}

impl PhotoKind {
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
            PhotoKind::Webp => "image/webp",
        }
    }
}

/// What the bytes are, by their signature.
pub fn sniff(b: &[u8]) -> Option<PhotoKind> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(PhotoKind::Jpeg)
    } else if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(PhotoKind::Png)
    } else if b.len() > 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some(PhotoKind::Webp)
    } else {
        None
    }
}

/// JPEG segments kept: JFIF (APP0), the colour profile (APP2) and Adobe's colour transform
/// (APP14); every other application segment and comments go.
fn keep_jpeg_marker(marker: u8) -> bool {
    !matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE)
}

/// The image without its metadata; an error sentence if the file does not parse.
pub fn strip_metadata(kind: PhotoKind, data: &[u8]) -> Result<Vec<u8>, &'static str> {
    let bytes = Bytes::copy_from_slice(data);
    let bad = "This file is not a readable JPEG, PNG or WebP image.";
    Ok(match kind {
        PhotoKind::Jpeg => {
            let mut j = img_parts::jpeg::Jpeg::from_bytes(bytes).map_err(|_| bad)?;
            j.segments_mut().retain(|s| keep_jpeg_marker(s.marker()));
            j.encoder().bytes().to_vec()
        }
        PhotoKind::Png => {
            let mut p = img_parts::png::Png::from_bytes(bytes).map_err(|_| bad)?;
            p.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME"));
            p.encoder().bytes().to_vec()
        }
        PhotoKind::Webp => {
            let mut w = img_parts::webp::WebP::from_bytes(bytes).map_err(|_| bad)?;
            w.set_exif(None);
            w.remove_chunks_by_id(*b"XMP ");
            w.encoder().bytes().to_vec()
        }
    })
}

#[doc(hidden)]
pub mod samples {
    //! Tiny images with metadata, built byte by byte, for tests.

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        c
    }

    /// A 1×1 PNG with a text chunk naming a place.
    pub fn png_with_text() -> Vec<u8> {
        let mut p = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        p.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        p.extend(png_chunk(
            b"tEXt",
            b"Location\0Oakland office, 37.80N 122.27W",
        ));
        // zlib stream of one scanline: filter 0, one grey byte.
        p.extend(png_chunk(
            b"IDAT",
            &[0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
        ));
        p.extend(png_chunk(b"IEND", &[]));
        p
    }

    /// A JPEG-structured file with an EXIF segment (GPS text) before its scan.
    pub fn jpeg_with_exif() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        let app0 = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
        j.extend_from_slice(&[0xFF, 0xE0]);
        j.extend_from_slice(&((app0.len() + 2) as u16).to_be_bytes());
        j.extend_from_slice(app0);
        let exif = b"Exif\0\0GPS 37.80N 122.27W";
        j.extend_from_slice(&[0xFF, 0xE1]);
        j.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        j.extend_from_slice(exif);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        j.extend_from_slice(&[0x12, 0x34, 0x56]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(&samples::png_with_text()), Some(PhotoKind::Png));
        assert_eq!(sniff(&samples::jpeg_with_exif()), Some(PhotoKind::Jpeg));
        assert_eq!(sniff(b"GIF89a...."), None);
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
    }

    #[test]
    fn metadata_is_removed_and_the_image_kept() {
        let png = strip_metadata(PhotoKind::Png, &samples::png_with_text()).expect("png");
        assert!(!contains(&png, b"Oakland") && contains(&png, b"IDAT") && contains(&png, b"IHDR"));
        let jpg = strip_metadata(PhotoKind::Jpeg, &samples::jpeg_with_exif()).expect("jpeg");
        assert!(!contains(&jpg, b"GPS") && contains(&jpg, b"JFIF"));
        assert!(jpg.ends_with(&[0xFF, 0xD9]));
        assert!(strip_metadata(PhotoKind::Png, b"\x89PNG\r\n\x1a\nnonsense").is_err());
    }
}

//! Files sent with a message in the client's thread: a photo (JPEG, PNG or WebP, its metadata
//! removed as `photo` does for every uploaded photo) or a PDF. The type is sniffed from the
//! bytes, never taken from the browser or the file's name.

use crate::upload::Posted;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kapflow_domain::AttachmentId;
use kapflow_domain::form::FieldErrors;
use kapflow_domain::portal::{ATTACHMENT_MB_MAX, attachment_name};
use kapflow_domain::prescribing::message_body;

/// The largest file any practice may allow (the setting chooses up to this).
pub const MAX_BYTES: usize = ATTACHMENT_MB_MAX as usize * 1024 * 1024;

/// The types a message may carry, as the file input offers them.
pub const ACCEPT: &str =
    "image/jpeg,image/png,image/webp,application/pdf,.pdf,.jpg,.jpeg,.png,.webp";

/// A file ready to keep: what it is, the name it is shown under, and its bytes.
#[derive(Debug)]
pub struct Cleaned {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The file as it will be kept, or the sentence shown beside the file field.
pub fn clean(sent_name: &str, bytes: &[u8], max_mb: u32) -> Result<Cleaned, String> {
    if max_mb == 0 {
        return Err("The practice does not take files with messages.".to_owned());
    }
    if bytes.len() > max_mb as usize * 1024 * 1024 {
        return Err(format!("A file can be at most {max_mb} MB."));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(Cleaned {
            content_type: "application/pdf",
            file_name: attachment_name(sent_name, "pdf", "document"),
            bytes: bytes.to_vec(),
        });
    }
    let Some(kind) = crate::photo::sniff(bytes) else {
        return Err("Send a photo (JPEG, PNG or WebP) or a PDF.".to_owned());
    };
    let bytes = crate::photo::strip_metadata(kind, bytes).map_err(str::to_owned)?;
    let extension = match kind {
        crate::photo::PhotoKind::Jpeg => "jpg",
        crate::photo::PhotoKind::Png => "png",
        crate::photo::PhotoKind::Webp => "webp",
    };
    Ok(Cleaned {
        content_type: kind.content_type(),
        file_name: attachment_name(sent_name, extension, "photo"),
        bytes,
    })
}

/// The message's words and its file, checked: a file may go by itself; otherwise the message
/// needs words. (The portal and the care team's reply to the client.)
pub fn message_and_file(
    posted: &Posted,
    max_mb: u32,
) -> (Option<String>, Option<Cleaned>, FieldErrors) {
    let typed = posted.text("body");
    let mut e = FieldErrors::in_form_order(&["body", "file"]);
    let file = posted
        .file
        .as_ref()
        .and_then(|f| e.take("file", clean(&f.name, &f.bytes, max_mb)));
    let body = if posted.file.is_some() && typed.trim().is_empty() {
        Some(String::new())
    } else {
        match message_body(typed) {
            Ok(b) => Some(b),
            Err(be) => {
                for (field, m) in be.iter() {
                    e.add(field, m);
                }
                None
            }
        }
    };
    (body, file, e)
}

/// A message's file as a thread shows it: a link, the name it was sent under, its size.
pub struct FileLink {
    pub href: String,
    pub name: String,
    pub size: String,
}

/// The link to `row`'s file, if it has one; `href` makes the address from the file's id.
pub fn link(
    row: &kapflow_store::messages::MessageRow,
    href: impl Fn(AttachmentId) -> String,
) -> Option<FileLink> {
    let id = AttachmentId::from(row.attachment_id?);
    Some(FileLink {
        href: href(id),
        name: row.attachment_name.clone().unwrap_or_default(),
        size: size_label(row.attachment_size.unwrap_or(0)),
    })
}

/// A kept file as a download: never shown inside the app's pages (a PDF is the browser's to
/// open), never cached, its type the sniffed one.
pub fn download(file: kapflow_store::message_attachments::AttachmentFile) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        kapflow_domain::portal::ascii_file_name(&file.file_name)
    );
    (
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response()
}

/// A size for people: "820 KB", "2.4 MB".
pub fn size_label(bytes: i64) -> String {
    let kb = (bytes as f64 / 1024.0).ceil();
    if kb < 1000.0 {
        format!("{kb:.0} KB")
    } else {
        format!("{:.1} MB", kb / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::samples;

    #[test]
    fn a_pdf_is_kept_as_sent_and_named_for_what_it_is() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
        let c = clean("results.txt", pdf, 5).expect("a pdf");
        assert_eq!(c.content_type, "application/pdf");
        assert_eq!(c.file_name, "results.pdf");
        assert_eq!(c.bytes, pdf);
    }

    #[test]
    fn a_photo_loses_its_location_and_keeps_its_picture() {
        let jpeg = samples::jpeg_with_exif();
        let c = clean("IMG_0001.JPG", &jpeg, 5).expect("a photo");
        assert_eq!(c.content_type, "image/jpeg");
        assert_eq!(c.file_name, "IMG_0001.jpg");
        assert!(!c.bytes.windows(3).any(|w| w == b"GPS"));
        assert!(c.bytes.windows(4).any(|w| w == b"JFIF"));
    }

    #[test]
    fn anything_else_or_too_big_is_refused_in_words() {
        let html = b"<html><script>alert(1)</script></html>";
        assert!(
            clean("x.pdf", html, 5)
                .expect_err("refused")
                .contains("PDF")
        );
        let big = [b"%PDF-".as_slice(), &vec![0u8; 1024 * 1024]].concat();
        assert!(
            clean("x.pdf", &big, 1)
                .expect_err("refused")
                .contains("at most 1 MB")
        );
        assert!(
            clean("x.pdf", b"%PDF-1.4", 0)
                .expect_err("refused")
                .contains("does not take")
        );
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(820 * 1024), "820 KB");
        assert_eq!(size_label(2_516_582), "2.4 MB");
    }
}

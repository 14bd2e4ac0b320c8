//! The practice's Markdown, rendered to safe HTML: raw HTML in the source is shown as text,
//! and links may only point to http(s), mailto, tel, or paths on this site. No sanitiser crate
//! is needed because no HTML from the source ever reaches the output unescaped.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("https://")
        || u.starts_with("http://")
        || u.starts_with("mailto:")
        || u.starts_with("tel:")
        || (u.starts_with('/') && !u.starts_with("//"))
        || u.starts_with('#')
}

/// Renders `md` after replacing `{partner}` with the partner organisation's name.
pub fn render(md: &str, partner: &str) -> String {
    let text = md.replace(crate::site::PARTNER_PLACEHOLDER, partner);
    let parser = Parser::new_ext(&text, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        // Raw HTML becomes visible text.
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::from("#"),
            title,
            id,
        }),
        // Images are managed through photo uploads, not Markdown: show their alt text only.
        Event::Start(Tag::Image { .. }) => Event::Text(CowStr::from("")),
        Event::End(pulldown_cmark::TagEnd::Image) => Event::Text(CowStr::from("")),
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

/// Plain text of rendered Markdown (for descriptions and tests).
pub fn plain_text(md: &str, partner: &str) -> String {
    let text = md.replace(crate::site::PARTNER_PLACEHOLDER, partner);
    let mut out = String::new();
    for event in Parser::new(&text) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped_and_bad_links_neutralised() {
        let html = render(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](/faq) <b>bold</b>",
            "P",
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("href=\"#\""));
        assert!(html.contains("href=\"/faq\""));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn the_partner_name_is_filled_in() {
        assert_eq!(
            render("{partner} ships it", "Skylight Psychedelics"),
            "<p>Skylight Psychedelics ships it</p>\n"
        );
        assert_eq!(plain_text("**A** and\n- b", "P"), "A and b");
    }
}

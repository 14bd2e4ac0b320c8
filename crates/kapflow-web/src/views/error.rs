//! The error page every failure shows: a status, a plain message and the request id.

use crate::views::layout::Layout;
use askama::Template;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub layout: Layout,
    pub status: u16,
    pub message: &'a str,
    pub detail: &'a str,
    pub request_id: &'a str,
}

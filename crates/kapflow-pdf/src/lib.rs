//! kapflow's printable documents (a signed note, a day's schedule): a small block model, laid
//! out on US Letter pages in the standard Helvetica fonts and written with `pdf-writer`. Its own
//! crate, so the PDF code is compiled once and not with every change to the web layer.

mod chart;
mod document;
mod layout;
mod metrics;
mod write;

pub use document::{Block, Chart, Document};
pub use write::render;

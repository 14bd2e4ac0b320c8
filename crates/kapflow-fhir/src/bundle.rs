//! Bundle: resources sent together — a page of search results or `Patient/$everything`
//! (`searchset`, with paging links), or a client's whole record for their right of access
//! (`collection`). Each entry carries its full URL under the server's FHIR base address.

use crate::r4::codes::{BundleType, SearchEntryMode};
use crate::r4::resources::bundle::{BundleEntry, BundleEntrySearch, BundleLink};
use crate::r4::resources::{Bundle, Resource};
use crate::r4::types;
use crate::values::string;
use fhir::coded::Coded;
use time::OffsetDateTime;

/// A page of search results: `total` matches in all, `links` the paging relations
/// (`self`, `next`, `previous`) with their URLs.
pub fn searchset(
    id: &str,
    base: &str,
    resources: Vec<Resource>,
    total: u32,
    links: &[(&str, String)],
    now: OffsetDateTime,
) -> Bundle {
    Bundle {
        total: Some(types::UnsignedInt(total)),
        link: links
            .iter()
            .map(|(relation, url)| BundleLink {
                relation: string(relation),
                url: types::Uri(url.clone()),
                ..Default::default()
            })
            .collect(),
        ..bundle(id, BundleType::Searchset, base, resources, now)
    }
}

/// A collection: resources kept together with no search behind them.
pub fn collection(id: &str, base: &str, resources: Vec<Resource>, now: OffsetDateTime) -> Bundle {
    bundle(id, BundleType::Collection, base, resources, now)
}

fn bundle(
    id: &str,
    kind: BundleType,
    base: &str,
    resources: Vec<Resource>,
    now: OffsetDateTime,
) -> Bundle {
    let search = kind == BundleType::Searchset;
    Bundle {
        id: Some(string(id)),
        r#type: Coded::Known(kind),
        timestamp: Some(types::Instant(crate::observation::date_time(now).0)),
        entry: resources
            .into_iter()
            .map(|resource| {
                let json = crate::to_json(resource);
                let full_url = match (json["resourceType"].as_str(), json["id"].as_str()) {
                    (Some(kind), Some(id)) => Some(types::Uri(format!(
                        "{}/{kind}/{id}",
                        base.trim_end_matches('/')
                    ))),
                    _ => None,
                };
                BundleEntry {
                    full_url,
                    resource: Some(json),
                    search: search.then(|| BundleEntrySearch {
                        mode: Some(Coded::Known(SearchEntryMode::Match)),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            })
            .collect(),
        ..Default::default()
    }
}

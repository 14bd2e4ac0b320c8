//! A submitted `application/x-www-form-urlencoded` body read as a multimap: repeated fields
//! (checkbox groups) keep every value, which serde's urlencoded structs do not.

#[derive(Debug, Default, Clone)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `key`, or empty.
    pub fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A checkbox is on when the field was sent at all.
    pub fn on(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_keep_every_value() {
        let f = Fields::parse(b"a=1&c=x&c=y&b=%C3%A9");
        assert_eq!(f.get("a"), "1");
        assert_eq!(f.all("c"), vec!["x", "y"]);
        assert_eq!(f.get("b"), "é");
        assert!(f.on("c") && !f.on("z"));
        assert_eq!(f.get("z"), "");
    }
}

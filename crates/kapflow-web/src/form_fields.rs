//! A submitted form read as a multimap: repeated fields (checkbox groups) keep every value.
//! axum-extra's `Form` does the parsing (its serde_html_form reads repeated keys); this keeps
//! the pairs for forms whose fields are only known at run time (the intake's questions, a
//! questionnaire's items).

use axum::extract::{FromRequest, Request};
use axum_extra::extract::Form;

#[derive(Debug, Default, Clone)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
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

impl From<Vec<(String, String)>> for Fields {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Fields(pairs)
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = <Form<Vec<(String, String)>> as FromRequest<S>>::Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state).await?;
        Ok(Fields(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::header;

    #[tokio::test]
    async fn repeated_fields_keep_every_value() {
        let req = Request::post("/")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("a=1&c=x&c=y&b=%C3%A9"))
            .expect("request");
        let f = Fields::from_request(req, &()).await.expect("form");
        assert_eq!(f.get("a"), "1");
        assert_eq!(f.all("c"), vec!["x", "y"]);
        assert_eq!(f.get("b"), "é");
        assert!(f.on("c") && !f.on("z"));
        assert_eq!(f.get("z"), "");
    }
}

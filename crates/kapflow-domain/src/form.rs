//! Field-by-field validation messages for forms, in words for the person, keyed by the form
//! field's name so a page can show each one beside its field, and in the order they were found
//! in the order of the form, so the summary above a form reads top to bottom like the form.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>, &'static [&'static str]);

impl FieldErrors {
    /// Errors of a form whose fields stand in `fields` order: each message is filed at its
    /// field's place whatever order the checks run in (a rule that spans two fields runs last).
    /// Fields not named come after, in the order found.
    pub fn in_form_order(fields: &'static [&'static str]) -> FieldErrors {
        FieldErrors(Vec::new(), fields)
    }

    fn place(&self, field: &str) -> usize {
        self.1
            .iter()
            .position(|f| *f == field)
            .unwrap_or(usize::MAX)
    }

    /// Records the first message for `field`; later ones for the same field are dropped so the
    /// person fixes one thing at a time.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.has(field) {
            let at = self.place(field);
            let i = self.0.iter().position(|(f, _)| self.place(f) > at);
            self.0
                .insert(i.unwrap_or(self.0.len()), (field, message.into()));
        }
    }

    /// The errors of one field, if it has one (for forms with a single field that can fail).
    pub fn of(field: &'static str, message: Option<String>) -> FieldErrors {
        let mut e = FieldErrors::default();
        if let Some(m) = message {
            e.add(field, m);
        }
        e
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// These errors without those of `fields` (a check whose fields someone else fills in,
    /// such as the blood pressure taken at the assessment, not by the client at home).
    pub fn without(mut self, fields: &[&str]) -> FieldErrors {
        self.0.retain(|(f, _)| !fields.contains(f));
        self
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// In the form's order (or the order found, for errors made without one).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// Keeps `Ok` values and files an `Err` message under `field`.
    pub fn take<T>(&mut self, field: &'static str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(m) => {
                self.add(field, m);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_per_field_wins() {
        let mut e = FieldErrors::default();
        assert!(e.is_empty());
        e.add("name", "Enter a name.");
        e.add("name", "Too long.");
        assert_eq!(e.get("name"), Some("Enter a name."));
        assert_eq!(e.take::<u8>("dob", Err("Enter a date.".into())), None);
        assert_eq!(e.take("x", Ok(3)), Some(3));
        assert_eq!(e.len(), 2);
        // In the order found, not alphabetical: the summary follows the form.
        assert_eq!(
            e.iter().map(|(f, _)| f).collect::<Vec<_>>(),
            ["name", "dob"]
        );
    }

    #[test]
    fn errors_stand_in_the_order_of_the_form_whatever_order_the_checks_ran() {
        let mut e = FieldErrors::in_form_order(&["name", "email", "phone", "consent"]);
        e.add("consent", "Tick the box.");
        e.add("other", "Something else.");
        e.add("phone", "Enter a phone number.");
        e.add("name", "Enter a name.");
        e.add("email", "Enter an email address.");
        e.add("name", "A second message is dropped.");
        assert_eq!(
            e.iter().collect::<Vec<_>>(),
            [
                ("name", "Enter a name."),
                ("email", "Enter an email address."),
                ("phone", "Enter a phone number."),
                ("consent", "Tick the box."),
                ("other", "Something else."),
            ]
        );
    }
}

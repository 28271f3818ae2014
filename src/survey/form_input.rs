//! The raw fields a form posts, as the validator and the re-rendered form read them.

use std::fmt;

/// Raw submitted fields, for validation and for re-rendering a bad form with every answer
/// kept.
///
/// Field names: a single, yesno, scale, number or text question posts `<id>`; a multiple
/// question posts `<id>` once per ticked option; a matrix posts `<id>.<item>`. Fields
/// starting with `_` (token, timing) are the caller's and ignored by validation, as are unknown
/// fields.
///
/// Every name and value is kept in one string, and the fields as ranges of it sorted by name
/// (stably: a repeated name keeps its values in posted order). A submission posts some forty
/// fields and one is read for every submission: two allocations instead of eighty (issue 8).
#[derive(Clone, Default)]
pub struct FormInput {
    text: String,
    fields: Vec<Field>,
}

#[derive(Clone, Debug)]
struct Field {
    name: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

impl FormInput {
    /// Collects `(name, value)` pairs as posted, keeping every value of a repeated name in
    /// order.
    pub fn from_pairs<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> FormInput
    where
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let pairs = pairs.into_iter();
        let mut input = FormInput {
            text: String::new(),
            fields: Vec::with_capacity(pairs.size_hint().0),
        };
        for (name, value) in pairs {
            let start = input.text.len();
            input.text.push_str(name.as_ref());
            let middle = input.text.len();
            input.text.push_str(value.as_ref());
            input.fields.push(Field {
                name: start..middle,
                value: middle..input.text.len(),
            });
        }
        let text = &input.text;
        input
            .fields
            .sort_by(|a, b| text[a.name.clone()].cmp(&text[b.name.clone()]));
        input
    }

    fn name(&self, field: &Field) -> &str {
        &self.text[field.name.clone()]
    }

    fn value(&self, field: &Field) -> &str {
        &self.text[field.value.clone()]
    }

    /// The fields posted under `name`, in posted order.
    fn posted(&self, name: &str) -> &[Field] {
        let start = self.fields.partition_point(|f| self.name(f) < name);
        let len = self.fields[start..]
            .iter()
            .take_while(|f| self.name(f) == name)
            .count();
        &self.fields[start..start + len]
    }

    /// The first value posted under `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.posted(name).first().map(|f| self.value(f))
    }

    /// Every value posted under `name` (none if none), in posted order.
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.posted(name).iter().map(|f| self.value(f))
    }

    /// Whether `value` was posted under `name` (to re-check a ticked box or a picked option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.all(name).any(|posted| posted == value)
    }

    /// Every `(name, value)`, by name.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|f| (self.name(f), self.value(f)))
    }

    /// Replaces whatever was posted for `name` with one value (an answer set by an invitation).
    pub fn set(&mut self, name: &str, value: &str) {
        let kept: Vec<(String, String)> = self
            .pairs()
            .filter(|(n, _)| *n != name)
            .chain(std::iter::once((name, value)))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        *self = FormInput::from_pairs(kept);
    }
}

/// Two forms are equal when they post the same values under the same names.
impl PartialEq for FormInput {
    fn eq(&self, other: &FormInput) -> bool {
        self.pairs().eq(other.pairs())
    }
}

impl Eq for FormInput {}

impl fmt::Debug for FormInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.pairs()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_a_repeated_name_is_kept_in_posted_order() {
        let input = FormInput::from_pairs([
            ("channels", "tv"),
            ("_token", "abc"),
            ("zone", "z"),
            ("channels", "web"),
            ("age", "40"),
            ("channels", "paper"),
        ]);

        assert_eq!(input.first("channels"), Some("tv"));
        assert_eq!(
            input.all("channels").collect::<Vec<_>>(),
            ["tv", "web", "paper"]
        );
        assert!(input.has("channels", "web"));
        assert!(!input.has("channels", "radio"));
        assert_eq!(input.all("nothing").count(), 0);
        assert_eq!(input.first("nothing"), None);
        assert_eq!(
            input.first("chan"),
            None,
            "a prefix of a name is not the name"
        );
        assert_eq!(input.first("channelsx"), None, "nor is a longer name");
        assert_eq!(
            (input.first("age"), input.first("zone")),
            (Some("40"), Some("z"))
        );
    }

    #[test]
    fn an_empty_form_answers_nothing() {
        let input = FormInput::default();
        assert_eq!(input.first("county"), None);
        assert_eq!(input, FormInput::from_pairs(Vec::<(&str, &str)>::new()));
    }

    #[test]
    fn setting_a_field_replaces_every_value_posted_for_it() {
        let mut input =
            FormInput::from_pairs([("county", "north"), ("county", "south"), ("sex", "male")]);
        input.set("county", "east");
        input.set("band", "18_29");

        assert_eq!(input.all("county").collect::<Vec<_>>(), ["east"]);
        assert_eq!(input.first("band"), Some("18_29"));
        assert_eq!(input.first("sex"), Some("male"));
        assert_eq!(
            input,
            FormInput::from_pairs([("sex", "male"), ("band", "18_29"), ("county", "east")]),
            "the same as posting those fields"
        );
    }

    #[test]
    fn forms_with_the_same_fields_in_another_order_are_equal() {
        assert_eq!(
            FormInput::from_pairs([("a", "1"), ("b", "2")]),
            FormInput::from_pairs([("b", "2"), ("a", "1")])
        );
        assert_ne!(
            FormInput::from_pairs([("a", "1"), ("a", "2")]),
            FormInput::from_pairs([("a", "2"), ("a", "1")]),
            "values of one name are in posted order"
        );
    }

    #[test]
    fn a_form_shows_its_fields_by_name() {
        let input = FormInput::from_pairs([("sex", "female"), ("county", "南湖")]);
        assert_eq!(
            format!("{input:?}"),
            r#"[("county", "南湖"), ("sex", "female")]"#
        );
    }
}

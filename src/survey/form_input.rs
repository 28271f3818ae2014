//! The raw fields a form posts, as the validator and the re-rendered form read them.

use std::fmt;
use std::ops::Range;

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
    /// Fields were pushed since the last sort (`finish`).
    unsorted: bool,
}

#[derive(Clone, Debug)]
struct Field {
    name: Range<usize>,
    value: Range<usize>,
}

impl FormInput {
    /// Collects `(name, value)` pairs as posted, keeping every value of a repeated name in
    /// order.
    pub fn from_pairs<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> FormInput
    where
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let mut input = FormInput::default();
        for (name, value) in pairs {
            input.push_str(name.as_ref());
            let value_start = input.mark();
            input.push_str(value.as_ref());
            input.push_field(value_start);
        }
        input.finish()
    }

    /// An empty form about to be filled by a decoder (`push_bytes`, `push_field`, `finish`)
    /// that writes names and values straight into it, `bytes` long in all at most.
    pub fn with_capacity(bytes: usize, fields: usize) -> FormInput {
        FormInput {
            text: String::with_capacity(bytes),
            fields: Vec::with_capacity(fields),
            unsorted: false,
        }
    }

    /// Appends text to the field being written.
    pub fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Appends decoded bytes to the field being written; `false` (and nothing appended) if
    /// they are not UTF-8 text.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> bool {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                self.text.push_str(text);
                true
            }
            Err(_) => false,
        }
    }

    /// Where the next piece of text starts: call after writing a name, before its value.
    pub fn mark(&self) -> usize {
        self.text.len()
    }

    /// Ends a field: its name is what was written between the previous field's end and
    /// `value_start`, its value what was written since.
    pub fn push_field(&mut self, value_start: usize) {
        let name_start = self.fields.last().map_or(0, |f| f.value.end);
        self.fields.push(Field {
            name: name_start..value_start,
            value: value_start..self.text.len(),
        });
        self.unsorted = true;
    }

    /// Sorts the fields by name, ready for reading.
    pub fn finish(mut self) -> FormInput {
        self.sort();
        self
    }

    fn sort(&mut self) {
        if self.unsorted {
            let text = &self.text;
            self.fields
                .sort_by(|a, b| text[a.name.clone()].cmp(&text[b.name.clone()]));
            self.unsorted = false;
        }
    }

    fn name(&self, field: &Field) -> &str {
        &self.text[field.name.clone()]
    }

    fn value(&self, field: &Field) -> &str {
        &self.text[field.value.clone()]
    }

    /// The fields posted under `name`, in posted order.
    fn posted(&self, name: &str) -> &[Field] {
        debug_assert!(!self.unsorted, "FormInput read before finish()");
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
    fn repeated_names_keep_their_posted_order_and_lookups_find_every_value() {
        let input = FormInput::from_pairs([
            ("places", "b"),
            ("county", "north"),
            ("places", "a"),
            ("_token", "t"),
            ("places", "c"),
        ]);
        assert_eq!(input.first("county"), Some("north"));
        assert_eq!(input.all("places").collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(input.first("place"), None);
        assert_eq!(input.first("placesx"), None);
        assert!(input.has("places", "a"));
        assert!(!input.has("county", "south"));
        assert_eq!(input.all("missing").count(), 0);
    }

    #[test]
    fn an_empty_form_answers_nothing() {
        let input = FormInput::default();
        assert_eq!(input.first("county"), None);
        assert_eq!(input, FormInput::from_pairs(Vec::<(&str, &str)>::new()));
    }

    #[test]
    fn set_replaces_every_value_of_a_name_and_keeps_the_rest() {
        let mut input =
            FormInput::from_pairs([("county", "north"), ("county", "east"), ("sex", "female")]);
        input.set("county", "south");
        assert_eq!(
            input,
            FormInput::from_pairs([("sex", "female"), ("county", "south")])
        );
    }

    #[test]
    fn a_decoder_writes_names_and_values_into_one_buffer() {
        let mut input = FormInput::with_capacity(32, 2);
        input.push_str("sex");
        let value = input.mark();
        assert!(input.push_bytes(b"female"));
        input.push_field(value);
        input.push_str("county");
        let value = input.mark();
        assert!(!input.push_bytes(b"\xff"), "not UTF-8");
        assert!(input.push_bytes("南湖".as_bytes()));
        input.push_field(value);
        let input = input.finish();
        assert_eq!(
            input,
            FormInput::from_pairs([("county", "南湖"), ("sex", "female")])
        );
        assert_eq!(
            format!("{input:?}"),
            r#"[("county", "南湖"), ("sex", "female")]"#
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
}

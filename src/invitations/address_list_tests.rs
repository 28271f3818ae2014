use super::*;

fn example() -> Survey {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/surveys/jiaxing-food-safety-2016.toml"
    );
    let source = std::fs::read_to_string(path).expect("example survey");
    Survey::from_toml(&source, path).expect("valid")
}

fn parse(text: &str) -> Result<Vec<InvitedAddress>, AddressListError> {
    parse_address_list(text.as_bytes(), "list.csv", &example())
}

fn problems(text: &str) -> String {
    parse(text).expect_err("refused").to_string()
}

#[test]
fn a_list_gives_each_address_its_county_and_language() {
    let list = parse(
        "\u{feff}Email,County,lang\n\
         a@example.org,nanhu,\n\
         b@example.org,海盐县,en\n\
         c@example.org,,\n\
         \n\
         d@example.org\n",
    )
    .expect("valid list");
    let got: Vec<(&str, Option<&str>, Lang)> = list
        .iter()
        .map(|a| (a.email.as_str(), a.stratum.as_deref(), a.lang))
        .collect();
    assert_eq!(
        got,
        [
            ("a@example.org", Some("nanhu"), Lang::Zh),
            ("b@example.org", Some("haiyan"), Lang::En),
            ("c@example.org", None, Lang::Zh),
            ("d@example.org", None, Lang::Zh),
        ],
        "a county by code or by name; no county and no language are allowed"
    );
}

#[test]
fn a_column_minyi_does_not_read_is_refused_not_ignored() {
    let message = problems("email,区县,lang_code\nh1@example.org,海盐县,en\n");
    assert!(
        message.contains("line 1: column \"lang_code\" is not one Minyi reads; expected email"),
        "{message}"
    );
    let chinese = parse("邮箱,地区,语言,\nh1@example.org,海盐县,en,\n").expect("Chinese headings");
    assert_eq!(
        (chinese[0].stratum.as_deref(), chinese[0].lang),
        (Some("haiyan"), Lang::En)
    );
}

#[test]
fn a_problem_after_a_blank_line_is_reported_at_its_own_line() {
    let message = problems("email,county\na@example.org,nanhu\n\n,jiashan\n");
    assert!(message.contains("list.csv: line 4: email:"), "{message}");
}

#[test]
fn the_county_column_is_optional() {
    let list = parse("email\nx@example.org\n").expect("valid");
    assert_eq!(list[0].stratum, None);
}

#[test]
fn every_problem_is_listed_by_line_with_what_was_expected() {
    let message = problems(
        "email,county,lang\n\
         not-an-address,nanhu,zh\n\
         a@example.org,atlantis,zh\n\
         b@example.org,nanhu,fr\n\
         A@example.org,nanhu,zh\n",
    );
    for expected in [
        "list.csv: line 2: email: expected an address such as name@example.org, found \"not-an-address\"",
        "list.csv: line 3: county: expected a county of survey jiaxing-food-safety-2016, by its code or its name (nanhu / 南湖区 / Nanhu District; xiuzhou / 秀洲区 / Xiuzhou District;",
        "found \"atlantis\"",
        "list.csv: line 4: lang: expected zh or en, found \"fr\"",
        "list.csv: line 5: email: A@example.org is already on line 3",
    ] {
        assert!(message.contains(expected), "{message}\n  should say: {expected}");
    }
}

#[test]
fn an_address_without_a_dot_in_its_domain_is_taken_for_a_typo() {
    let message = problems("email\nwang@qq\nli@b\nzhao@.com\nsun@qq.\n");
    for line in [2, 3] {
        assert!(
            message.contains(&format!(
                "line {line}: email: expected an address whose domain has a dot"
            )),
            "{message}"
        );
    }
    // An empty label (`zhao@.com`, or a trailing dot) lettre refuses itself.
    for line in [4, 5] {
        assert!(
            message.contains(&format!(
                "line {line}: email: expected an address such as name@example.org"
            )),
            "{message}"
        );
    }
    let list = parse("email\nwang@qq.com\nzhao@mail.example.org\nli@[192.0.2.1]\n")
        .expect("Internet domains");
    assert_eq!(list.len(), 3);
}

#[test]
fn a_file_without_an_email_column_says_how_to_name_the_columns() {
    let message = problems("address\nx@example.org\n");
    assert!(message.contains("\"email\""), "{message}");
    assert!(message.contains("email,county"), "{message}");
}

#[test]
fn a_file_saved_in_a_legacy_encoding_is_refused_with_how_to_save_it() {
    let gbk_header = b"email,\xc7\xf8\xcf\xd8\nx@example.org,\xc4\xcf\xba\xfe\n";
    let message = parse_address_list(gbk_header, "list.csv", &example())
        .expect_err("not UTF-8")
        .to_string();
    assert!(message.contains("CSV UTF-8"), "{message}");
}

use super::*;

fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn age_bands() -> Vec<String> {
    codes(&["18_29", "30_39", "40_49", "50_59", "60_plus"])
}

fn columns() -> Vec<QiColumn> {
    vec![
        QiColumn {
            name: "county".into(),
            steps: Vec::new(),
        },
        QiColumn {
            name: "sex".into(),
            steps: Vec::new(),
        },
        QiColumn {
            name: "age_band".into(),
            steps: adjacent_band_steps(&age_bands()),
        },
    ]
}

/// `n` rows of one combination.
fn rows(n: usize, county: &str, sex: &str, age: &str) -> Vec<Vec<String>> {
    (0..n).map(|_| codes(&[county, sex, age])).collect()
}

#[test]
fn age_bands_merge_with_their_neighbours_step_by_step() {
    let steps = adjacent_band_steps(&age_bands());

    let described: Vec<Vec<String>> = steps.iter().map(Generalization::describe).collect();
    assert_eq!(
        described,
        [
            vec![
                "18_29+30_39 → 18_39".to_string(),
                "40_49+50_59 → 40_59".to_string()
            ],
            vec!["18_29+30_39+40_49+50_59 → 18_59".to_string()],
        ],
        "pairs first, then fours; never everything in one band"
    );
}

#[test]
fn data_already_k_anonymous_is_left_alone() {
    let mut data = [
        rows(5, "nanhu", "male", "18_29"),
        rows(5, "nanhu", "female", "60_plus"),
    ]
    .concat();
    let before = data.clone();

    let report = anonymize(&mut data, &columns(), 5);

    assert_eq!(data, before);
    assert!(report.generalized.is_empty());
    assert_eq!(report.suppressed_rows, 0);
}

#[test]
fn small_age_groups_are_merged_before_anything_is_suppressed() {
    // 3 + 3 young men: neither band reaches k = 5, together they do.
    let mut data = [
        rows(3, "nanhu", "male", "18_29"),
        rows(3, "nanhu", "male", "30_39"),
        rows(40, "nanhu", "female", "40_49"),
        rows(40, "nanhu", "female", "50_59"),
    ]
    .concat();

    let report = anonymize(&mut data, &columns(), 5);

    assert_eq!(report.suppressed_rows, 0, "merging was enough");
    assert_eq!(
        report.generalized,
        [(
            "age_band".to_string(),
            vec![
                "18_29+30_39 → 18_39".to_string(),
                "40_49+50_59 → 40_59".to_string()
            ]
        )]
    );
    assert_eq!(data.iter().filter(|r| r[2] == "18_39").count(), 6);
    assert!(violations(&data, 5).is_empty());
}

#[test]
fn a_lone_outlier_is_suppressed_rather_than_coarsening_everyone() {
    // One woman in Haiyan among 100 others: merging bands cannot help her; suppress her alone.
    let mut data = [
        rows(50, "nanhu", "male", "18_29"),
        rows(50, "nanhu", "female", "30_39"),
        rows(1, "haiyan", "female", "60_plus"),
    ]
    .concat();

    let report = anonymize(&mut data, &columns(), 5);

    assert!(
        report.generalized.is_empty(),
        "the age bands stay as they were"
    );
    assert_eq!(report.suppressed_rows, 1);
    assert_eq!(data[100], codes(&[SUPPRESSED, SUPPRESSED, SUPPRESSED]));
    assert!(violations(&data, 5).is_empty());
}

#[test]
fn the_result_is_always_k_anonymous_even_when_nothing_is_common() {
    let mut data: Vec<Vec<String>> = ["nanhu", "xiuzhou", "jiashan", "haiyan"]
        .iter()
        .flat_map(|county| {
            age_bands()
                .into_iter()
                .flat_map(move |age| ["male", "female"].map(|sex| codes(&[county, sex, &age])))
        })
        .collect();

    let report = anonymize(&mut data, &columns(), 5);

    assert!(violations(&data, 5).is_empty(), "{data:?}");
    assert!(report.suppressed_rows > 0);
}

#[test]
fn violations_name_each_rare_combination_with_its_count() {
    let data = [
        rows(2, "nanhu", "male", "60_plus"),
        rows(1, "haiyan", "female", "18_29"),
        rows(7, "nanhu", "female", "30_39"),
        rows(3, SUPPRESSED, SUPPRESSED, SUPPRESSED),
    ]
    .concat();

    let found = violations(&data, 5);

    assert_eq!(
        found,
        [
            Violation {
                values: codes(&["haiyan", "female", "18_29"]),
                count: 1
            },
            Violation {
                values: codes(&["nanhu", "male", "60_plus"]),
                count: 2
            },
        ],
        "smallest first; fully suppressed rows are no combination"
    );
}

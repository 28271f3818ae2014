//! Plausible synthetic responses for trying the pipeline end to end before fieldwork: answers
//! with the skews of a real online sample (some counties, younger people and one sex answer more
//! than their share), deterministic for a seed. They pass through the same validation and storage
//! as real answers and are recorded with channel `simulated`, so they can never pass for real ones.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::survey::{Choice, Measure, QuestionKind, Survey};

/// One synthetic resident's form, as a browser would post it.
#[derive(Clone, Debug)]
pub struct SimulatedForm {
    pub fields: Vec<(String, String)>,
    pub duration_seconds: u32,
}

const SUGGESTIONS: [&str; 6] = [
    "希望加强对农贸市场的抽检，并公开检测结果。",
    "学校食堂的监管要再严一些。",
    "网络订餐平台上的小店卫生情况让人担心。",
    "投诉电话打通后处理得很及时，点赞。",
    "希望多开展食品安全知识宣传，特别是面向老年人。",
    "路边摊的食品安全问题比较突出。",
];

/// `count` synthetic forms for `survey`, made one at a time; the same seed gives the same forms.
pub fn simulate(
    survey: &Survey,
    count: usize,
    seed: u64,
) -> impl Iterator<Item = SimulatedForm> + '_ {
    let mut rng = StdRng::seed_from_u64(seed);
    let units = &survey.strata.units;
    // Online samples over-represent some counties (the urban districts, where the link spread
    // first) and under-represent others: a fixed tilt per county position.
    let county_weights: Vec<f64> = units
        .iter()
        .enumerate()
        .map(|(i, u)| u.population as f64 * [1.7, 1.2, 0.8, 0.5, 1.0, 0.7, 0.9][i % 7])
        .collect();
    // Each county has its own level of satisfaction, so that county results differ.
    let county_mood: Vec<f64> = (0..units.len())
        .map(|_| rng.random_range(-0.15..0.15))
        .collect();
    (0..count).map(move |_| {
        let county = pick_weighted(&mut rng, &county_weights);
        let mood = county_mood[county] + rng.random_range(-0.2..0.2);
        let mut fields = Vec::new();
        for q in &survey.questions {
            if q.id == survey.strata.question {
                fields.push((q.id.clone(), units[county].code.clone()));
                continue;
            }
            answer(&mut rng, survey, q, mood, &mut fields);
        }
        let duration_seconds = if rng.random_bool(0.03) {
            rng.random_range(15..60)
        } else {
            rng.random_range(90..900)
        };
        SimulatedForm {
            fields,
            duration_seconds,
        }
    })
}

fn answer(
    rng: &mut StdRng,
    survey: &Survey,
    q: &crate::survey::Question,
    mood: f64,
    fields: &mut Vec<(String, String)>,
) {
    let mut push = |value: &str| fields.push((q.id.clone(), value.to_owned()));
    match &q.kind {
        QuestionKind::Single { options } => {
            let weights: Vec<f64> = match survey.margins.iter().find(|m| m.question == q.id) {
                // Weighting variables: population shares tilted like an online sample (younger
                // people and the first-listed sex answer more).
                Some(margin) => margin
                    .targets
                    .iter()
                    .enumerate()
                    .map(|(i, (_, n))| n * online_tilt(i, options.len()))
                    .collect(),
                // Other questions: answers that an indicator counts as favourable (support,
                // a correct quiz answer) are given by most, as in real surveys.
                None => {
                    let favoured = favoured_codes(survey, &q.id);
                    let lift = (3.0 * (1.0 + 2.0 * mood)).max(0.5);
                    options
                        .iter()
                        .map(|o| {
                            if favoured.contains(&o.code.as_str()) {
                                lift
                            } else {
                                1.0
                            }
                        })
                        .collect()
                }
            };
            push(&options[pick_weighted(rng, &weights)].code);
        }
        QuestionKind::YesNo { options } => {
            let yes = rng.random_bool((0.75 + mood).clamp(0.05, 0.95));
            push(&options[if yes { 0 } else { options.len() - 1 }].code);
        }
        QuestionKind::Multiple {
            options,
            max_choices,
        } => {
            let max = max_choices.unwrap_or(options.len()).max(1);
            let mut chosen: Vec<&Choice> = options
                .iter()
                .filter(|_| rng.random_bool(0.35))
                .take(max)
                .collect();
            if chosen.is_empty() {
                chosen.push(&options[rng.random_range(0..options.len())]);
            }
            for c in chosen {
                push(&c.code);
            }
        }
        QuestionKind::Scale { scale } => {
            let code = scale_answer(rng, &scale.points, scale.dont_know.as_ref(), mood);
            push(&code);
        }
        QuestionKind::Matrix { scale, items } => {
            for item in items {
                let code = scale_answer(rng, &scale.points, scale.dont_know.as_ref(), mood);
                fields.push((format!("{}.{}", q.id, item.code), code));
            }
        }
        QuestionKind::Number {
            min, max, integer, ..
        } => {
            let value = rng.random_range(*min..=*max);
            push(&if *integer {
                format!("{}", value.round())
            } else {
                format!("{value:.1}")
            });
        }
        QuestionKind::Text { .. } => {
            if rng.random_bool(0.15) {
                push(SUGGESTIONS[rng.random_range(0..SUGGESTIONS.len())]);
            }
        }
    }
}

/// The codes of `question` that an indicator counts as success or as the correct answer.
fn favoured_codes<'a>(survey: &'a Survey, question: &str) -> Vec<&'a str> {
    let mut codes = Vec::new();
    for indicator in &survey.indicators {
        match &indicator.measure {
            Measure::Proportion {
                question: q,
                item: None,
                success,
                ..
            } if q == question => {
                codes.extend(success.iter().map(String::as_str));
            }
            Measure::CorrectShare { answers } => {
                codes.extend(
                    answers
                        .iter()
                        .filter(|(q, _)| q == question)
                        .map(|(_, c)| c.as_str()),
                );
            }
            _ => {}
        }
    }
    codes
}

/// Points are listed most favourable first; a better mood moves answers toward the front.
fn scale_answer(
    rng: &mut StdRng,
    points: &[Choice],
    dont_know: Option<&Choice>,
    mood: f64,
) -> String {
    if let Some(dk) = dont_know {
        if rng.random_bool(0.04) {
            return dk.code.clone();
        }
    }
    let base = [0.30, 0.38, 0.20, 0.07, 0.05];
    let weights: Vec<f64> = (0..points.len())
        .map(|i| {
            let b = base.get(i).copied().unwrap_or(0.05);
            let position = if points.len() > 1 {
                i as f64 / (points.len() - 1) as f64
            } else {
                0.0
            };
            b * (1.0 + mood * (1.0 - 2.0 * position) * 2.0).max(0.05)
        })
        .collect();
    points[pick_weighted(rng, &weights)].code.clone()
}

fn online_tilt(index: usize, options: usize) -> f64 {
    match options {
        0 | 1 => 1.0,
        2 => [0.85, 1.15][index],
        n => 1.5 - index as f64 / (n - 1) as f64,
    }
}

fn pick_weighted(rng: &mut StdRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = rng.random_range(0.0..total.max(f64::MIN_POSITIVE));
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    weights.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::survey::tests::example;

    #[test]
    fn the_same_seed_gives_the_same_forms_and_another_seed_others() {
        let survey = example();
        let fields = |seed| {
            simulate(&survey, 50, seed)
                .map(|f| f.fields)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(3), fields(3));
        assert_ne!(fields(3), fields(4));
    }

    #[test]
    fn every_simulated_form_passes_the_survey_validation() {
        let survey = example();
        for (i, form) in simulate(&survey, 500, 11).enumerate() {
            let input = crate::survey::FormInput::from_pairs(form.fields);
            assert!(
                survey.validate(&input).is_ok(),
                "form {i}: {:?}",
                survey.validate(&input).err()
            );
        }
    }

    #[test]
    fn the_sample_is_skewed_like_an_online_one() {
        let survey = example();
        let young = simulate(&survey, 4000, 5)
            .filter(|f| {
                f.fields
                    .iter()
                    .any(|(k, v)| k == "age_band" && v == "18_29")
            })
            .count() as f64
            / 4000.0;
        let margin = survey
            .margins
            .iter()
            .find(|m| m.question == "age_band")
            .expect("age margin");
        let total: f64 = margin.targets.iter().map(|(_, n)| n).sum();
        let share = margin
            .targets
            .iter()
            .find(|(c, _)| c == "18_29")
            .map(|(_, n)| n / total)
            .unwrap_or(0.0);
        assert!(
            young > share * 1.2,
            "the young are over-represented: {young:.3} vs population {share:.3}"
        );
    }
}

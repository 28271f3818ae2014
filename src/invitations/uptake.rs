//! Response rates of an invitation campaign, per county: how many residents were invited and
//! how many answered through their link. Pure: counts in, rates out.
//!
//! The rate is AAPOR's response rate 1 for a mailed list: responses over invitations, every
//! invitation in the denominator whether its message arrived or not (an address that bounced,
//! or a resident who moved away, is not known to be ineligible), and each submitted form
//! counted as a complete interview (the form takes none with a required answer missing;
//! responses the quality rules exclude count, as they were answered). A county is the one the
//! address list gave the invitation (the sampling frame's), which the form keeps.

use serde::{Deserialize, Serialize};

use crate::survey::{Survey, Text};

/// Invitations of one county (the stratum the address list gave them), or of those it gave
/// none (`stratum` `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationCount {
    pub stratum: Option<String>,
    pub invited: i64,
    /// Not used yet: no response came in through the link.
    pub unused: i64,
}

/// Invitations and responses to them, of one county or all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Uptake {
    /// The stratum code; `None` for invitations without a county, and for the total.
    pub code: Option<String>,
    /// The county's name; `None` for a code the survey does not have (then shown as it is),
    /// invitations without a county, and the total.
    pub name: Option<Text>,
    pub invited: i64,
    /// Invitations whose link was used: a response came in through it.
    pub answered: i64,
}

impl Uptake {
    /// Responses over invitations (AAPOR RR1); `None` with no invitation.
    pub fn rate(&self) -> Option<f64> {
        (self.invited > 0).then(|| self.answered as f64 / self.invited as f64)
    }

    /// The rate in percent with one decimal ("60.0%"), as the dashboard and the result set's
    /// methodology write it; empty with no invitation.
    pub fn rate_text(&self) -> String {
        self.rate()
            .map(|r| format!("{:.1}%", r * 100.0))
            .unwrap_or_default()
    }
}

/// A campaign's uptake: each county invited, in the survey file's order (then codes it does
/// not have, then invitations without a county), and the total.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CampaignUptake {
    pub counties: Vec<Uptake>,
    pub total: Uptake,
}

/// The uptake of survey `survey`'s invitations; `None` when nobody was invited.
pub fn uptake(survey: &Survey, counts: &[InvitationCount]) -> Option<CampaignUptake> {
    let of = |count: &InvitationCount| Uptake {
        code: count.stratum.clone(),
        name: count
            .stratum
            .as_deref()
            .and_then(|code| survey.stratum(code))
            .map(|s| s.name.clone()),
        invited: count.invited,
        answered: count.invited - count.unused,
    };
    let order = |count: &InvitationCount| match count.stratum.as_deref() {
        Some(code) => match survey.strata.units.iter().position(|s| s.code == code) {
            Some(place) => (0, place),
            None => (1, 0),
        },
        None => (2, 0),
    };
    let mut invited: Vec<&InvitationCount> = counts.iter().filter(|c| c.invited > 0).collect();
    if invited.is_empty() {
        return None;
    }
    invited.sort_by_key(|c| (order(c), c.stratum.clone()));
    let counties: Vec<Uptake> = invited.into_iter().map(of).collect();
    let total = Uptake {
        code: None,
        name: None,
        invited: counties.iter().map(|c| c.invited).sum(),
        answered: counties.iter().map(|c| c.answered).sum(),
    };
    Some(CampaignUptake { counties, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::survey::tests::example;

    fn count(stratum: Option<&str>, invited: i64, unused: i64) -> InvitationCount {
        InvitationCount {
            stratum: stratum.map(str::to_owned),
            invited,
            unused,
        }
    }

    #[test]
    fn each_county_invited_has_its_rate_in_the_files_order_then_the_rest_and_the_total() {
        let survey = example();
        let first = &survey.strata.units[0];
        let second = &survey.strata.units[1];
        // Storage gives them sorted by code; the file's order is not that.
        let counts = [
            count(None, 10, 10),
            count(Some("atlantis"), 4, 3),
            count(Some(&second.code), 200, 150),
            count(Some(&first.code), 100, 40),
        ];

        let uptake = uptake(&survey, &counts).expect("invitations were sent");

        let rows: Vec<(Option<&str>, i64, i64)> = uptake
            .counties
            .iter()
            .map(|u| (u.code.as_deref(), u.invited, u.answered))
            .collect();
        assert_eq!(
            rows,
            [
                (Some(first.code.as_str()), 100, 60),
                (Some(second.code.as_str()), 200, 50),
                (Some("atlantis"), 4, 1),
                (None, 10, 0),
            ]
        );
        assert_eq!(uptake.counties[0].name.as_ref(), Some(&first.name));
        assert_eq!(uptake.counties[2].name, None, "a code the file lacks");
        assert_eq!(uptake.counties[0].rate(), Some(0.6));
        assert_eq!(uptake.counties[3].rate(), Some(0.0));
        assert_eq!(uptake.counties[0].rate_text(), "60.0%");
        assert_eq!(uptake.counties[1].rate_text(), "25.0%");
        assert_eq!((uptake.total.invited, uptake.total.answered), (314, 111));
        assert_eq!(uptake.total.rate(), Some(111.0 / 314.0));
    }

    #[test]
    fn no_invitation_is_no_campaign() {
        assert_eq!(uptake(&example(), &[]), None);
        assert_eq!(uptake(&example(), &[count(Some("nanhu"), 0, 0)]), None);
    }
}

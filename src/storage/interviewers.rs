//! Interviewer links: the hash of each link's token, the survey, the label the publisher gave
//! it, the county it sets and whether it still works. Nothing joins a link to a response
//! (docs/privacy.md, "Interviewer links").

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::interviewer_links;
use super::{lower, DbConnection, StorageError};

/// A link as stored: never its token, only the token's SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = interviewer_links)]
pub struct InterviewerLinkRecord {
    pub token_hash: String,
    pub survey_id: String,
    /// The publisher's name for the link (an interviewer's code, say).
    pub label: String,
    /// The county every form through the link is for, if it sets one.
    pub stratum: Option<String>,
    /// The day it was issued (`YYYY-MM-DD`).
    pub issued_on: String,
    /// The day it stopped working, once withdrawn.
    pub withdrawn_on: Option<String>,
}

impl InterviewerLinkRecord {
    pub fn works(&self) -> bool {
        self.withdrawn_on.is_none()
    }
}

/// Stores a new link; `false` (nothing stored) if the survey has a working link of that label,
/// in any case ("a07" for "A07").
pub fn insert_interviewer_link(
    conn: &mut DbConnection,
    link: &InterviewerLinkRecord,
) -> Result<bool, StorageError> {
    match diesel::insert_into(interviewer_links::table)
        .values(link)
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The link whose token hashes to `token_hash`, working or withdrawn.
pub fn find_interviewer_link(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<InterviewerLinkRecord>, StorageError> {
    Ok(interviewer_links::table
        .filter(interviewer_links::token_hash.eq(token_hash))
        .select(InterviewerLinkRecord::as_select())
        .first(conn)
        .optional()?)
}

/// A survey's links, working and withdrawn, by label, then the day issued.
pub fn interviewer_links(
    conn: &mut DbConnection,
    survey_id: &str,
) -> Result<Vec<InterviewerLinkRecord>, StorageError> {
    Ok(interviewer_links::table
        .filter(interviewer_links::survey_id.eq(survey_id))
        .select(InterviewerLinkRecord::as_select())
        .order((
            interviewer_links::label,
            interviewer_links::issued_on,
            interviewer_links::token_hash,
        ))
        .load(conn)?)
}

/// Which of a survey's links: the working one of a label (the command line), or one by its
/// stored hash (the dashboard's button, which must not reach a link issued again under the
/// same label since the page was shown).
#[derive(Clone, Copy, Debug)]
pub enum WhichLink<'a> {
    Label(&'a str),
    TokenHash(&'a str),
}

/// Stops the survey's working link `which` from `today` on: its label as stored, `None` if
/// there is none. A label finds its link in any case, as the unique index compares them.
pub fn withdraw_interviewer_link(
    conn: &mut DbConnection,
    survey_id: &str,
    which: WhichLink<'_>,
    today: &str,
) -> Result<Option<String>, StorageError> {
    let working = interviewer_links::table
        .filter(interviewer_links::survey_id.eq(survey_id))
        .filter(interviewer_links::withdrawn_on.is_null());
    let withdrawn: Vec<String> = match which {
        WhichLink::Label(label) => {
            let label = lower(interviewer_links::label.nullable()).eq(lower(Some(label)));
            diesel::update(working.filter(label))
                .set(interviewer_links::withdrawn_on.eq(today))
                .returning(interviewer_links::label)
                .get_results(conn)?
        }
        WhichLink::TokenHash(hash) => {
            diesel::update(working.filter(interviewer_links::token_hash.eq(hash)))
                .set(interviewer_links::withdrawn_on.eq(today))
                .returning(interviewer_links::label)
                .get_results(conn)?
        }
    };
    Ok(withdrawn.into_iter().next())
}

//! Everything that can go wrong while answering a request, and the page each outcome shows.
//! Residents see a short, friendly message in their language; the cause chain goes to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::pages::{MessagePage, Pages};
use super::routes::in_lang;
use crate::analysis::AnalysisError;
use crate::catalog::CatalogError;
use crate::ingest::IngestError;
use crate::invitations::InvitationError;
use crate::publishing::PublishError;
use crate::storage::StorageError;
use crate::survey::Lang;
use crate::transitions::TransitionError;

/// The `Retry-After` of a 503: long enough for a full queue to drain or a database to come
/// back from a restart, short enough that a resident does not give up.
const UNAVAILABLE_RETRY_AFTER: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A path no route has (where [`AppError::NotFound`] is a survey that is not there).
    #[error("no such page")]
    PageNotFound,
    /// A path a route has, asked with a method it does not answer.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// An invitation link we did not issue: most often one copied in part from the mail.
    #[error("no such invitation")]
    InvitationNotFound,
    /// An interviewer link we did not issue.
    #[error("no such interviewer link")]
    InterviewerLinkNotFound,
    /// An interviewer link the survey's publisher withdrew.
    #[error("interviewer link withdrawn")]
    InterviewerLinkWithdrawn,
    /// A results page asked for before the survey's results are published (or for no survey).
    #[error("no published results")]
    ResultsNotPublished,
    #[error("survey closed")]
    SurveyClosed,
    #[error("request body too large")]
    TooLarge,
    #[error("request body still arriving after the deadline")]
    TooSlow,
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("cross-site or forged request")]
    Forbidden,
    #[error("this account may not use this page")]
    NotAllowed,
    #[error("not ready: the survey is still collecting answers")]
    NotReady,
    /// A result set whose released (k-anonymous) rows cannot be weighted.
    #[error("the released rows cannot be weighted: {0}")]
    NotWeightable(String),
    /// A result set of a survey none of whose responses can be counted.
    #[error("no usable responses")]
    NoUsableResponses,
    /// A closed survey's free text asked for after the purge deleted it.
    #[error("the free-text answers were deleted after the retention period")]
    CommentsPurged,
    #[error("the county has reached its quota")]
    QuotaFull,
    #[error("too many submissions from one network")]
    RateLimited {
        /// Seconds until the network may submit again.
        retry_after: u64,
    },
    #[error("database unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<CatalogError> for AppError {
    fn from(e: CatalogError) -> AppError {
        match e {
            CatalogError::UnknownSurvey(_) => AppError::NotFound,
            // Not now, but soon: 503 with Retry-After (and a form kept), not a 500.
            CatalogError::Storage(e) if e.is_busy() => AppError::Unavailable(e.into()),
            other => AppError::Unexpected(other.into()),
        }
    }
}

/// Whatever kept the writer from storing a response (a full queue, no connection, a write the
/// database refused) means the same to the resident: not saved just now, try again.
impl From<IngestError> for AppError {
    fn from(e: IngestError) -> AppError {
        AppError::Unavailable(e.into())
    }
}

impl From<AnalysisError> for AppError {
    fn from(e: AnalysisError) -> AppError {
        match e {
            AnalysisError::Catalog(e) => e.into(),
            AnalysisError::Storage(e) => e.into(),
            other => AppError::Unexpected(other.into()),
        }
    }
}

/// Publishing's catalog and storage errors as any others (a database out of reach is a 503 to
/// try again); the rest is a fault.
impl From<PublishError> for AppError {
    fn from(e: PublishError) -> AppError {
        match e {
            PublishError::Catalog(e) => e.into(),
            PublishError::Storage(e) => e.into(),
            other => AppError::Unexpected(other.into()),
        }
    }
}

/// A move the rules refused is answered by its handler; what reaches here is a fault.
impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> AppError {
        match e {
            TransitionError::Catalog(e) => e.into(),
            TransitionError::Storage(e) => e.into(),
            TransitionError::Publish(e) => e.into(),
            TransitionError::Analysis(e) => e.into(),
            other => AppError::Unexpected(other.into()),
        }
    }
}

impl From<InvitationError> for AppError {
    fn from(e: InvitationError) -> AppError {
        match e {
            InvitationError::Catalog(e) => e.into(),
            InvitationError::Storage(e) => e.into(),
            other => AppError::Unexpected(other.into()),
        }
    }
}

impl From<crate::interviewers::InterviewerError> for AppError {
    fn from(e: crate::interviewers::InterviewerError) -> AppError {
        use crate::interviewers::InterviewerError;
        match e {
            InterviewerError::Catalog(e) => e.into(),
            InterviewerError::Storage(e) => e.into(),
            other => AppError::Unexpected(other.into()),
        }
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> AppError {
        CatalogError::Storage(e).into()
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound
            | AppError::PageNotFound
            | AppError::InvitationNotFound
            | AppError::InterviewerLinkNotFound
            | AppError::ResultsNotPublished => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::SurveyClosed
            | AppError::CommentsPurged
            | AppError::InterviewerLinkWithdrawn => StatusCode::GONE,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooSlow => StatusCode::REQUEST_TIMEOUT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden | AppError::NotAllowed => StatusCode::FORBIDDEN,
            AppError::NotReady
            | AppError::NotWeightable(_)
            | AppError::NoUsableResponses
            | AppError::QuotaFull => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds a client should wait before trying again, for the `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after } => Some(*retry_after),
            AppError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER),
            _ => None,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::PageNotFound => "page_not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::InvitationNotFound => "invitation_not_found",
            AppError::InterviewerLinkNotFound => "interviewer_link_not_found",
            AppError::InterviewerLinkWithdrawn => "interviewer_link_withdrawn",
            AppError::ResultsNotPublished => "results_pending",
            AppError::SurveyClosed => "closed",
            AppError::TooLarge => "too_large",
            AppError::TooSlow => "too_slow",
            AppError::BadRequest(_) => "bad_request",
            AppError::Forbidden => "forbidden",
            AppError::NotAllowed => "not_allowed",
            AppError::NotReady => "not_ready",
            AppError::NotWeightable(_) => "not_weightable",
            AppError::NoUsableResponses => "no_usable_responses",
            AppError::CommentsPurged => "comments_purged",
            AppError::QuotaFull => "quota_full",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::Unexpected(_) => "unexpected",
        }
    }

    /// The page a resident sees. `back` links to where they can carry on (a path, and the
    /// message key of the link's words); without one, a page
    /// that found no survey, or a closed one, links to the home page (open surveys and
    /// published results) rather than leave the resident at a dead end.
    pub fn render(
        &self,
        pages: &Pages,
        lang: Lang,
        req: &HttpRequest,
        back: Option<(&str, &str)>,
    ) -> HttpResponse {
        match self {
            // No path here: a path can carry a token. The request log line that follows names
            // the route and the survey.
            AppError::Unexpected(e) | AppError::Unavailable(e) => {
                tracing::error!(error = ?e, "request failed");
            }
            other => tracing::debug!(error = %other, "request refused"),
        }
        let m = pages.messages();
        // Staff pages (`/admin/…`) answer in staff terms and lead back among staff pages.
        let path = super::access::routed_path(req);
        let staff = path.starts_with("/admin");
        // Answers sent to a survey that has closed: say they were not saved, and lead away
        // from the form, which is gone.
        let posted = req.method() == actix_web::http::Method::POST;
        let sent_closed = matches!(self, AppError::SurveyClosed) && posted;
        // An interviewer's link: staff, told as staff what became of the interview.
        let interviewer = path.starts_with("/iv/");
        let key = match self {
            AppError::SurveyClosed if interviewer && sent_closed => "closed_interviewer_unsaved",
            AppError::SurveyClosed if interviewer => "closed_interviewer",
            AppError::SurveyClosed if sent_closed => "closed_unsaved",
            // A "no more reminders" link that is not known: no answers were at stake.
            AppError::InvitationNotFound if path.starts_with("/i/") && path.ends_with("/stop") => {
                "stop_reminders_not_found"
            }
            // Answers sent through an invitation link the close has deleted (the form was
            // open while the survey closed): the same, as far as the link can tell.
            AppError::InvitationNotFound if posted => "invitation_not_found_unsaved",
            AppError::NotFound if staff => "staff_not_found",
            AppError::Forbidden if staff || matches!(path, "/login" | "/logout") => {
                "staff_forbidden"
            }
            // A download address with a query it does not know: say which it knows.
            AppError::BadRequest(_) if path.starts_with("/resultsets/") => "download_bad_request",
            // Not the resident's "go back to the survey page": an upload or a staff form.
            AppError::BadRequest(_) if staff => "staff_bad_request",
            other => other.message_key(),
        };
        let way_on = |href: &str, label: &str| Some((in_lang(href, lang), m.text(lang, label)));
        let page = MessagePage {
            heading: m.text(lang, &format!("error.{key}_title")),
            paragraphs: vec![m.text(lang, &format!("error.{key}_body"))],
            link: match (back, self) {
                // Back to the form would only invite another county: a false answer to the
                // question the results are grouped by.
                (Some(_), AppError::SurveyClosed) if sent_closed => way_on("/", "error.home"),
                (Some(_), AppError::QuotaFull) => way_on("/", "error.home"),
                (Some((href, label)), _) => way_on(href, label),
                (None, AppError::NotAllowed) => way_on("/account", "error.back_account"),
                (
                    None,
                    AppError::NotFound | AppError::PageNotFound | AppError::MethodNotAllowed,
                ) if staff => way_on("/admin/surveys", "error.back_surveys"),
                (
                    None,
                    AppError::NotFound
                    | AppError::PageNotFound
                    | AppError::MethodNotAllowed
                    | AppError::InvitationNotFound
                    | AppError::InterviewerLinkNotFound
                    | AppError::InterviewerLinkWithdrawn
                    | AppError::ResultsNotPublished
                    | AppError::SurveyClosed
                    | AppError::QuotaFull,
                ) => way_on("/", "error.home"),
                // A page that could not be read just now: the same address again, one tap away
                // (an older reader on a slow network may not think of reloading).
                (None, AppError::Unavailable(_) | AppError::Unexpected(_))
                    if req.method() == actix_web::http::Method::GET =>
                {
                    way_on(req.path(), "error.try_again")
                }
                (None, _) => None,
            },
            role: "alert",
            sent_draft: None,
        };
        let mut response = HttpResponse::build(self.status());
        // What went wrong is of this moment (a survey not yet open, a server busy, a session
        // ended): no browser or shared cache keeps it to show again.
        response.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
        if let Some(seconds) = self.retry_after() {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds));
        }
        match pages.message(lang, req, page) {
            Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                tracing::error!(error = ?e, "cannot render the error page");
                response
                    .content_type("text/plain; charset=utf-8")
                    .body(self.status().to_string())
            }
        }
    }
}

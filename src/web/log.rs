//! Request logging without personal data: method, route pattern, survey id, status and time
//! taken. Never the client address, user agent, cookies, query string or body, and never the
//! concrete path: a path can carry a token (an invitation link), so only the route's pattern
//! (`/s/{id}`) is logged, with the survey id, which names no one.

use std::time::Instant;

use tracing_subscriber::EnvFilter;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    let response = next.call(req).await?;
    let survey = response.request().match_info().get("id").map(str::to_owned);
    tracing::info!(
        %method,
        route,
        survey,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(response)
}

/// The log filter Minyi installs: the directives of `MINYI_LOG`, with the template engine held
/// at `warn` whatever they say. At `debug` handlebars logs the values it renders, which include
/// a resident's answers and invitation links.
pub fn log_filter(directives: &str) -> EnvFilter {
    EnvFilter::new(format!("{directives},handlebars=warn"))
}

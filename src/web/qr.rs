//! QR codes of the links handed out: the survey's public link (a poster's image) and an
//! interviewer's link (shown once, in the page that issues it). One setting for both: medium
//! error correction (a poster survives a crease or a smudge), the standard quiet zone.

use super::AppError;

/// The QR code of `link` as an SVG document at least `pixels` wide.
pub fn svg(link: &str, pixels: u32) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("QR code of a link: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(pixels, pixels)
        .quiet_zone(true)
        .build())
}

/// [`svg`] to put inside an HTML page: without the XML declaration.
pub fn inline_svg(link: &str, pixels: u32) -> Result<String, AppError> {
    let svg = svg(link, pixels)?;
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    })
}

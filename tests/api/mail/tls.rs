//! Mail over STARTTLS with a password, to a server whose certificate only
//! `MINYI_SMTP_CA_FILE` vouches for (as with a private certificate authority).

use minyi::invitations::invite;
use minyi::mail::{SmtpSecurity, SmtpSettings, TransportSettings};

use super::*;

#[actix_web::test]
async fn mail_goes_over_starttls_with_a_password_to_a_server_trusted_by_its_certificate() {
    // The test server's rustls and lettre's both live in this binary: name the provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let smtp = SmtpServer::start_tls("survey-sender", "pa:ss@word");
    let transport = TransportSettings::Smtp(SmtpSettings {
        host: "127.0.0.1".into(),
        port: smtp.port,
        security: SmtpSecurity::StartTls,
        credentials: Some(("survey-sender".into(), "pa:ss@word".into())),
        ca_file: Some(repo_path("tests/fixtures/smtp-tls/cert.pem")),
    });
    let app = spawn_app_with_settings(Backend::Sqlite, &repo_path("surveys"), move |s| {
        s.mail.transport = transport;
    })
    .await;

    invite(
        &app.catalog(),
        EXAMPLE_ID,
        &addresses(&[("tls@example.org", None)]),
        invited_on(),
    )
    .unwrap();
    let received = smtp.wait_for(1).await;

    assert_eq!(
        smtp.users(),
        [Some("survey-sender".to_owned())],
        "signed in, which this server allows only after STARTTLS"
    );
    assert_eq!(read(&received[0]).to, "tls@example.org");
}

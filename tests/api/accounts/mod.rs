//! Accounts and authorization (issue 5): signing in and out, session cookies, throttling, the
//! command line for accounts and grants, the audit log, and every route for every role.

mod audit_log;
mod changes;
mod cli;
mod routes;
mod sessions;
mod throttling;

use minyi::accounts::{Accounts, Email, Password, Role};
use minyi::storage::Database;

use crate::helpers::*;

/// A response with the headers these tests look at.
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
    /// Every `Set-Cookie` header, in order.
    pub set_cookies: Vec<String>,
    pub bytes: Vec<u8>,
    /// `X-Frame-Options` and `Content-Security-Policy`, which every answer carries.
    pub frame_options: Option<String>,
    pub content_security_policy: Option<String>,
}

pub fn accounts(app: &TestApp) -> Accounts {
    Accounts::new(Database::connect(app.db.url.clone(), 2).expect("database")).expect("accounts")
}

/// Adds an account with a fixed password, as `minyi user add` would; returns the password.
pub fn add_account(app: &TestApp, email: &str, role: Role) -> String {
    let password = format!("{email} long password");
    accounts(app)
        .add_user(
            &Email::parse(email).unwrap(),
            role,
            &Password::parse(&password).unwrap(),
            "test",
        )
        .expect("account added");
    password
}

pub async fn request(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Reply {
    let mut request = match method {
        "get" => app.client.get(app.url(path)),
        "post" => app.client.post(app.url(path)),
        "head" => app.client.head(app.url(path)),
        other => panic!("method {other}"),
    };
    if let Some(cookie) = cookie {
        request = request.insert_header(("Cookie", cookie));
    }
    let mut response = if method == "post" {
        let body = serde_urlencoded::to_string(form).unwrap();
        request
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .send_body(body)
            .await
            .expect("POST")
    } else {
        request.send().await.expect(method)
    };
    let header = |name: &str| header_of(&response, name);
    let (location, set_cookie) = (header("location"), header("set-cookie"));
    let set_cookies = set_cookies_of(&response);
    let bytes = response
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .expect("body")
        .to_vec();
    Reply {
        status: response.status().as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        location,
        set_cookie,
        set_cookies,
        bytes,
        frame_options: header_of(&response, "x-frame-options"),
        content_security_policy: header_of(&response, "content-security-policy"),
    }
}

/// Signs in over HTTP; returns the `Cookie` header value that carries the session.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    let reply = request(
        app,
        "post",
        "/login",
        None,
        &[
            ("email", email),
            ("password", password),
            ("next", "/account"),
        ],
    )
    .await;
    assert_eq!(reply.status, 303, "signed in as {email}: {}", reply.body);
    let set_cookie = reply.set_cookie.expect("a session cookie");
    set_cookie.split(';').next().expect("name=value").to_owned()
}

/// The `name=value` of the cookie `name` a reply sets, if it sets one.
pub fn cookie_set(reply: &Reply, name: &str) -> Option<String> {
    reply
        .set_cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

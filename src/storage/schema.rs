//! The database schema, shared by both backends (see `migrations/sqlite` and `migrations/postgres`).

diesel::table! {
    surveys (id) {
        id -> Text,
        state -> Text,
        current_version -> Text,
        created_at -> Text,
        opened_at -> Nullable<Text>,
        closed_at -> Nullable<Text>,
        published_at -> Nullable<Text>,
        number -> Integer,
        fieldwork_traces_cleared -> Bool,
    }
}

diesel::table! {
    survey_versions (survey_id, version) {
        survey_id -> Text,
        version -> Text,
        file_name -> Text,
        source -> Text,
        imported_at -> Text,
    }
}

diesel::table! {
    responses (slot) {
        slot -> BigInt,
        id -> Text,
        survey_id -> Text,
        version -> Text,
        stratum -> Text,
        channel -> Text,
        answers -> Text,
        quality_flags -> Text,
        submitted_on -> Text,
        client_hash -> Nullable<Text>,
    }
}

diesel::table! {
    server_keys (name) {
        name -> Text,
        secret -> Text,
    }
}

diesel::table! {
    survey_secrets (survey_id) {
        survey_id -> Text,
        secret -> Text,
    }
}

diesel::table! {
    survey_purges (survey_id) {
        survey_id -> Text,
        purged_on -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        role -> Text,
        password_hash -> Text,
        session_epoch -> Integer,
        created_at -> Text,
    }
}

diesel::table! {
    grants (user_id, survey_id) {
        user_id -> Text,
        survey_id -> Text,
        granted_at -> Text,
    }
}

diesel::table! {
    login_failures (throttle_key) {
        throttle_key -> Text,
        window_start -> BigInt,
        failures -> Integer,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Text,
        actor -> Text,
        action -> Text,
        survey_id -> Nullable<Text>,
        manifest_sha256 -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    result_sets (survey_id, version) {
        survey_id -> Text,
        version -> Text,
        manifest_sha256 -> Text,
        merkle_root -> Text,
        responses -> BigInt,
        recorded_at -> Text,
        manifest_sha256_utf8 -> Nullable<Text>,
    }
}

diesel::table! {
    stratum_quotas (survey_id, stratum) {
        survey_id -> Text,
        stratum -> Text,
        accepted -> Integer,
    }
}

diesel::joinable!(survey_versions -> surveys (survey_id));
diesel::joinable!(grants -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    surveys,
    survey_versions,
    responses,
    server_keys,
    published_results,
    survey_secrets,
    survey_purges,
    users,
    grants,
    login_failures,
    audit_log,
    result_sets,
    invitations,
    reminder_rounds,
    unused_invitations,
    invitation_links,
    interviewer_links,
    outbox,
    stratum_quotas
);

diesel::table! {
    published_results (survey_id) {
        survey_id -> Text,
        version -> Text,
        published_at -> Text,
        evaluation -> Text,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        survey_id -> Text,
        email -> Nullable<Text>,
        stratum -> Nullable<Text>,
        lang -> Text,
        reminders_declined -> Bool,
    }
}

diesel::table! {
    reminder_rounds (survey_id, round) {
        survey_id -> Text,
        round -> Integer,
        queued_on -> Text,
        reminders -> Integer,
    }
}

diesel::table! {
    unused_invitations (invitation_id) {
        invitation_id -> Text,
        invited_on -> Nullable<Text>,
    }
}

diesel::table! {
    invitation_links (token_hash) {
        token_hash -> Text,
        invitation_id -> Text,
    }
}

diesel::table! {
    interviewer_links (token_hash) {
        token_hash -> Text,
        survey_id -> Text,
        label -> Text,
        stratum -> Nullable<Text>,
        issued_on -> Text,
        withdrawn_on -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        survey_id -> Text,
        kind -> Text,
        recipient -> Text,
        invitation_id -> Nullable<Text>,
        lang -> Text,
        claimed_until -> BigInt,
        claim -> Nullable<Text>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
    }
}

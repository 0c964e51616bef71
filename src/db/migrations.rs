//! The migrations, in order (the SQL itself is in `migrations/`).

/// Migrations are embedded in the binary (no sqlx macros needed) and run at
/// start-up on both backends; the SQL in `migrations/` is portable.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../migrations/0001_init.sql")),
    (
        2,
        "ledger",
        include_str!("../../migrations/0002_ledger.sql"),
    ),
    (
        3,
        "deposits",
        include_str!("../../migrations/0003_deposits.sql"),
    ),
    (
        4,
        "withdrawals",
        include_str!("../../migrations/0004_withdrawals.sql"),
    ),
    (
        5,
        "backoffice",
        include_str!("../../migrations/0005_backoffice.sql"),
    ),
    (
        7,
        "notification_hygiene",
        include_str!("../../migrations/0007_notification_hygiene.sql"),
    ),
    (
        10,
        "payout_safety",
        include_str!("../../migrations/0010_payout_safety.sql"),
    ),
    (
        11,
        "scale_out",
        include_str!("../../migrations/0011_scale_out.sql"),
    ),
    (16, "mail", include_str!("../../migrations/0016_mail.sql")),
];

/// The few migrations SQLite and PostgreSQL cannot share (trigger syntax),
/// as (version, name, SQLite text, PostgreSQL text); run after the others.
pub(super) const BACKEND_MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        6,
        "audit_append_only",
        include_str!("../../migrations/0006_audit_append_only.sqlite.sql"),
        include_str!("../../migrations/0006_audit_append_only.postgres.sql"),
    ),
    (
        12,
        "live_events",
        include_str!("../../migrations/0012_live_events.sqlite.sql"),
        include_str!("../../migrations/0012_live_events.postgres.sql"),
    ),
    (
        13,
        "ledger_kinds",
        include_str!("../../migrations/0013_ledger_kinds.sqlite.sql"),
        include_str!("../../migrations/0013_ledger_kinds.postgres.sql"),
    ),
    (
        14,
        "recorded_columns",
        include_str!("../../migrations/0014_recorded_columns.sqlite.sql"),
        include_str!("../../migrations/0014_recorded_columns.postgres.sql"),
    ),
    (
        15,
        "refunds",
        include_str!("../../migrations/0015_refunds.sqlite.sql"),
        include_str!("../../migrations/0015_refunds.postgres.sql"),
    ),
];

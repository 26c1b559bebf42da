-- Tokens (API bearer tokens and browser sessions share one store), login
-- throttling, idempotency keys, the audit log of changes to people and
-- units, and the service's own secrets.

-- +goose Up
CREATE TABLE auth_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token; the token itself is never stored.
    token_hash   bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    kind         text        NOT NULL CHECK (kind IN ('api', 'session')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    client_ip    text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT ''
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id) WHERE revoked_at IS NULL;
CREATE INDEX auth_tokens_expires_idx ON auth_tokens (expires_at);

-- Failed sign-ins counted per fixed window, per account and per client
-- address (subject is 'email:<lowercased>' or 'ip:<address>').
CREATE TABLE login_failures (
    subject      text        NOT NULL,
    window_start timestamptz NOT NULL,
    failures     integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (subject, window_start)
);

-- Responses of creating requests, replayed for a retry with the same key.
CREATE TABLE idempotency_keys (
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method        text        NOT NULL,
    path          text        NOT NULL,
    fingerprint   bytea       NOT NULL,
    -- NULL while the first request is still being answered.
    status        integer,
    content_type  text,
    location      text,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- Who changed which user or unit, when, and how.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    bigint      REFERENCES users (id),
    action      text        NOT NULL,
    object_type text        NOT NULL,
    object_id   bigint      NOT NULL,
    changes     jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, id);

-- Keys the service makes for itself (the cursor signing key), shared by all
-- replicas.
CREATE TABLE app_secrets (
    name       text        PRIMARY KEY,
    value      bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE app_secrets;
DROP TABLE audit_log;
DROP TABLE idempotency_keys;
DROP TABLE login_failures;
DROP TABLE auth_tokens;

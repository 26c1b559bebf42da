-- Units (perangkat daerah) and the people who use the service.

-- +goose Up
CREATE TABLE units (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text        NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    parent_id   bigint      REFERENCES units (id),
    email       text        CHECK (email IS NULL OR length(email) <= 254),
    version     integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE UNIQUE INDEX units_code_key ON units (lower(code));

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    nip           text        CHECK (nip IS NULL OR nip ~ '^[0-9]{18}$'),
    role          text        NOT NULL CHECK (role IN ('admin', 'auditor', 'manager', 'officer', 'viewer')),
    unit_id       bigint      NOT NULL REFERENCES units (id),
    active        boolean     NOT NULL DEFAULT true,
    password_hash text        NOT NULL,
    version       integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_nip_key ON users (nip) WHERE nip IS NOT NULL;
CREATE INDEX users_unit_role_idx ON users (unit_id, role) WHERE active;

-- +goose Down
DROP TABLE users;
DROP TABLE units;

-- Each user's language of the web interface: Bahasa Indonesia unless they
-- switch to English, on whichever browser they sign in from next.

-- +goose Up
ALTER TABLE users ADD COLUMN lang text NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en'));

-- +goose Down
ALTER TABLE users DROP COLUMN lang;

-- A sender's claim of a batch of mail is one UPDATE … RETURNING. When the
-- connection is lost as it commits (a failover), the sender cannot know
-- whether the claim took: before, rows it had claimed stayed 'sending'
-- until their lease ran out (five minutes late, though never lost). Each
-- claim now writes a token of its own, so that a sender that lost the
-- answer can give back exactly the rows of that claim, if any, at once.

-- +goose Up
ALTER TABLE notifications ADD COLUMN claim text;
-- Only the rows being sent are ever looked up by their claim.
CREATE INDEX notifications_claim_idx ON notifications (claim) WHERE status = 'sending';

-- +goose Down
DROP INDEX notifications_claim_idx;
ALTER TABLE notifications DROP COLUMN claim;

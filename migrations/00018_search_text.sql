-- The text search of the finding list matches each word case-insensitively
-- anywhere in code, title, condition and recommendation. It compared with
-- ILIKE against the four joined, which lowercases some 700 characters of
-- every finding it checks, at every check: in the trigram index's recheck,
-- in the walk in due-date order that fills a page of a common word, and in
-- the planner's estimate, over its 1,000 sampled values. And a code's
-- trigrams (tl-, -20, 202) are in every finding, so a search of a code
-- decoded those posting lists for each candidate of its rarer trigrams.
--
-- Title, condition and recommendation are now kept joined and lowercased in
-- the row (a stored generated column, so it cannot disagree with them),
-- indexed by trigrams, and a word matches them by a case-sensitive LIKE of
-- the word lowercased: the same findings as ILIKE (lower() on both sides,
-- with the same collation). The code is searched on its own (a word
-- without spaces is in the joined four exactly when it is in one of them):
-- by prefix through a pattern index when the word starts with TL-, which
-- only a code's start can hold, through a trigram index of the code when
-- the word is otherwise made of a code's characters, and not at all when it
-- is not (finding.searchMatch).
--
-- Adding the column rewrites findings under an exclusive lock, and the
-- indexes are built afresh: minutes at a million findings, seconds at the
-- hundred thousand of a large province's decade.

-- +goose Up
ALTER TABLE findings ADD COLUMN search_text text
    GENERATED ALWAYS AS (lower(title || ' ' || condition || ' ' || recommendation)) STORED;
CREATE INDEX findings_search_text_idx ON findings USING gin (search_text gin_trgm_ops);
CREATE INDEX findings_code_prefix_idx ON findings (code text_pattern_ops);
CREATE INDEX findings_code_trgm_idx ON findings USING gin (code gin_trgm_ops);
-- As 00016 did for the expression: a sample large enough to see a word in
-- 0.1 % of the findings.
ALTER TABLE findings ALTER COLUMN search_text SET STATISTICS 1000;
DROP INDEX findings_search_idx;
ANALYZE findings;

-- +goose Down
CREATE INDEX findings_search_idx ON findings USING gin
    ((code || ' ' || title || ' ' || condition || ' ' || recommendation) gin_trgm_ops);
ALTER INDEX findings_search_idx ALTER COLUMN 1 SET STATISTICS 1000;
DROP INDEX findings_code_trgm_idx;
DROP INDEX findings_code_prefix_idx;
ALTER TABLE findings DROP COLUMN search_text;
ANALYZE findings;

-- Evaluation models generalised, and the current model shipped beside the
-- revoked one: Indeks Pemerintah Digital of PermenPANRB No. 8 Tahun 2026
-- (code pemdi-2026: 7 aspects without domains, 20 indicators P01..P20, scores
-- 1.00-5.00 with two decimals, predicates with a name and a label, four
-- assessment stages), which revoked PermenPANRB No. 59 Tahun 2020 (spbe-2020).
-- The correspondence from the 47 SPBE indicators to the 20 Pemdi ones is
-- shipped as data too, so that findings left open under the old model count
-- on the new one. Every existing assessment, score, finding and event stays
-- as it was: scores change type (integer levels become numeric(3,2) with the
-- same values), nothing else is rewritten.
--
-- pemdi-2026 is compiled from secondary summaries of the regulation, not from
-- its official text; source_note says so and the admin pages show it.

-- +goose Up
-- Indicator codes become unique across models, so that a finding's code
-- names its model. Stop with a clear message rather than a bare unique
-- violation when an installation holds a model whose codes clash.
-- +goose StatementBegin
DO $$
DECLARE clash text;
BEGIN
    SELECT string_agg(DISTINCT code, ', ' ORDER BY code) INTO clash FROM (
        SELECT code FROM framework_indicators GROUP BY code HAVING count(*) > 1
        UNION ALL
        SELECT code FROM framework_indicators WHERE code ~ '^P(0[1-9]|1[0-9]|20)$'
        UNION ALL
        SELECT code FROM frameworks WHERE code = 'pemdi-2026') c;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'models held here clash with pemdi-2026 or with each other (%): give the imported model other codes before upgrading', clash;
    END IF;
END $$;
-- +goose StatementEnd

ALTER TABLE frameworks
    ADD COLUMN scoring text NOT NULL DEFAULT 'levels' CHECK (scoring IN ('levels', 'decimal')),
    -- The model new assessments are proposed on; at most one.
    ADD COLUMN is_current boolean NOT NULL DEFAULT false,
    ADD COLUMN supersedes_id bigint REFERENCES frameworks (id),
    -- Where the model's facts come from and how sure they are.
    ADD COLUMN source_note text NOT NULL DEFAULT '',
    -- The default milestones of an assessment on this model, in order.
    ADD COLUMN stages text[] NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX frameworks_current_key ON frameworks (is_current) WHERE is_current;

-- A predicate has a name (Baik) and, in newer models, a label (Berkembang).
ALTER TABLE framework_predicates ADD COLUMN label text NOT NULL DEFAULT '';

-- A model without domains has aspects only; a scale is named per domain or
-- per aspect.
ALTER TABLE framework_aspects
    ALTER COLUMN domain_id DROP NOT NULL,
    ADD COLUMN scale text;
ALTER TABLE framework_domains ALTER COLUMN scale DROP NOT NULL;

-- The other agency's index an indicator's score is drawn from, if any.
ALTER TABLE framework_indicators ADD COLUMN external_source text;
CREATE UNIQUE INDEX framework_indicators_code_key ON framework_indicators (code);

-- Scores in the model's scoring: whole levels on a levels model, two
-- decimals on a decimal model (the service checks which). numeric keeps
-- 3.25 exact from input to index.
ALTER TABLE assessment_scores
    ALTER COLUMN level TYPE numeric(3,2),
    ALTER COLUMN target_level TYPE numeric(3,2);

UPDATE frameworks SET stages = ARRAY['Penilaian Mandiri', 'Penilaian Dokumen', 'Penilaian Interviu', 'Penilaian Visitasi'],
    source_note = 'Domain and aspect weights are confirmed by several independent public sources; the per-indicator weights agree with them and reproduce published indices.'
WHERE code = 'spbe-2020';

-- A mapping says which indicators of one model cover the subject of each
-- indicator of another: open findings naming an old indicator count on the
-- new ones it maps onto. One mapping per pair of models, replaced whole.
CREATE TABLE framework_mappings (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_framework_id bigint      NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    to_framework_id   bigint      NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    note              text        NOT NULL DEFAULT '',
    version           integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (from_framework_id, to_framework_id),
    CHECK (from_framework_id <> to_framework_id)
);

CREATE TABLE framework_mapping_pairs (
    mapping_id bigint   NOT NULL REFERENCES framework_mappings (id) ON DELETE CASCADE,
    from_code  text     NOT NULL REFERENCES framework_indicators (code),
    to_code    text     NOT NULL REFERENCES framework_indicators (code),
    -- The file's order, kept for display and export.
    position   integer  NOT NULL,
    why        text     NOT NULL DEFAULT '',
    PRIMARY KEY (mapping_id, from_code, to_code)
);
CREATE INDEX framework_mapping_pairs_from_idx ON framework_mapping_pairs (from_code);
CREATE INDEX framework_mapping_pairs_to_idx ON framework_mapping_pairs (to_code);

-- Indicators of the target model no old indicator maps onto, with why.
CREATE TABLE framework_mapping_unmapped (
    mapping_id bigint NOT NULL REFERENCES framework_mappings (id) ON DELETE CASCADE,
    code       text   NOT NULL REFERENCES framework_indicators (code),
    why        text   NOT NULL DEFAULT '',
    PRIMARY KEY (mapping_id, code)
);

-- The indicators a finding counts on: those it names and those they map
-- onto, each once.
-- +goose StatementBegin
CREATE FUNCTION finding_indicator_targets(codes text[]) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM (
        SELECT unnest(codes) AS c
        UNION
        SELECT p.to_code FROM framework_mapping_pairs p WHERE p.from_code = ANY (codes)) t
$$;
-- +goose StatementEnd

-- How many active findings (open, in progress, submitted) of each unit
-- count on each indicator, directly or through a mapping: what an
-- assessment's index reads instead of scanning every finding. Kept by the
-- trigger below in the transaction of every change; keyed by unit so that
-- transitions in different units never wait on one row.
CREATE TABLE finding_indicator_counts (
    indicator_code text    NOT NULL,
    unit_id        bigint  NOT NULL,
    -- No CHECK (active >= 0): INSERT … ON CONFLICT checks the row it would
    -- insert, and a decrement is proposed as a row of -1 before it meets
    -- the existing one. TestCarryOverCountsStayExact compares the counts
    -- with a recount after a mixed workload.
    active         integer NOT NULL,
    PRIMARY KEY (indicator_code, unit_id)
);

-- +goose StatementBegin
CREATE FUNCTION finding_indicator_counts_refresh() RETURNS void LANGUAGE sql AS $$
    LOCK TABLE finding_indicator_counts IN EXCLUSIVE MODE;
    DELETE FROM finding_indicator_counts;
    INSERT INTO finding_indicator_counts (indicator_code, unit_id, active)
    SELECT t.code, coalesce(f.unit_id, 0), count(*)
    FROM findings f CROSS JOIN LATERAL unnest(finding_indicator_targets(f.indicator_codes)) AS t(code)
    WHERE f.state IN ('open', 'in_progress', 'submitted')
    GROUP BY 1, 2;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION finding_indicator_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_active boolean := TG_OP <> 'INSERT' AND OLD.state IN ('open', 'in_progress', 'submitted');
    now_active boolean := TG_OP <> 'DELETE' AND NEW.state IN ('open', 'in_progress', 'submitted');
BEGIN
    IF TG_OP = 'UPDATE' AND was_active = now_active AND (NOT now_active OR (OLD.unit_id IS NOT DISTINCT FROM NEW.unit_id
            AND OLD.indicator_codes = NEW.indicator_codes)) THEN
        RETURN NULL;
    END IF;
    -- One statement in key order, so that two transactions touching the
    -- same rows lock them in the same order.
    INSERT INTO finding_indicator_counts AS c (indicator_code, unit_id, active)
    SELECT code, unit_id, sum(delta) FROM (
        SELECT t.code, coalesce(OLD.unit_id, 0) AS unit_id, -1 AS delta
        FROM unnest(finding_indicator_targets(OLD.indicator_codes)) AS t(code) WHERE was_active
        UNION ALL
        SELECT t.code, coalesce(NEW.unit_id, 0), 1
        FROM unnest(finding_indicator_targets(NEW.indicator_codes)) AS t(code) WHERE now_active) d
    GROUP BY code, unit_id HAVING sum(delta) <> 0
    ORDER BY code, unit_id
    ON CONFLICT (indicator_code, unit_id) DO UPDATE SET active = c.active + EXCLUDED.active;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER findings_indicator_counts AFTER INSERT OR DELETE OR UPDATE OF state, unit_id, indicator_codes ON findings
    FOR EACH ROW EXECUTE FUNCTION finding_indicator_counts_track();

-- The shipped current model and the mapping onto it (from the project's reference
-- facts; a corrected version is an import, never a code change).
INSERT INTO frameworks (code, title, scoring, is_current, supersedes_id, source_note, stages)
SELECT 'pemdi-2026', 'Indeks Pemerintah Digital — PermenPANRB No. 8 Tahun 2026 tentang Evaluasi Kinerja Pemerintah Digital', 'decimal', true,
    (SELECT id FROM frameworks WHERE code = 'spbe-2020'),
    'Compiled from secondary summaries of the regulation (public teaching data and regional evaluation guides that agree on names, weights and bands), not from the official JDIH text; check names, dates and external sources against the official text before relying on them.',
    ARRAY['Penilaian Mandiri', 'Penilaian Dokumen', 'Penilaian Interviu', 'Penilaian Visitasi'];

INSERT INTO framework_levels (framework_id, scale, level, name)
SELECT (SELECT id FROM frameworks WHERE code = 'pemdi-2026'), v.* FROM (VALUES
    ('maturity', 1, 'Merintis'),
    ('maturity', 2, 'Membangun'),
    ('maturity', 3, 'Berkembang'),
    ('maturity', 4, 'Melembaga'),
    ('maturity', 5, 'Unggul')
) AS v (scale, level, name);

INSERT INTO framework_predicates (framework_id, name, label, min_score)
SELECT (SELECT id FROM frameworks WHERE code = 'pemdi-2026'), v.* FROM (VALUES
    ('Memuaskan', 'Unggul', 4.00),
    ('Sangat Baik', 'Melembaga', 3.50),
    ('Baik', 'Berkembang', 2.50),
    ('Cukup', 'Membangun', 1.50),
    ('Kurang', 'Merintis', 1.00)
) AS v (name, label, min_score);

INSERT INTO framework_aspects (framework_id, domain_id, code, number, name, weight, scale)
SELECT (SELECT id FROM frameworks WHERE code = 'pemdi-2026'), NULL, v.* FROM (VALUES
    ('A1', 1, 'Tata Kelola dan Manajemen', 10, 'maturity'),
    ('A2', 2, 'Penyelenggara', 10, 'maturity'),
    ('A3', 3, 'Data', 15, 'maturity'),
    ('A4', 4, 'Keamanan Pemdi', 15, 'maturity'),
    ('A5', 5, 'Teknologi Pemdi', 10, 'maturity'),
    ('A6', 6, 'Keterpaduan Layanan Digital Pemerintah', 15, 'maturity'),
    ('A7', 7, 'Kepuasan Pengguna Layanan Digital Pemerintah', 25, 'maturity')
) AS v (code, number, name, weight, scale);

INSERT INTO framework_indicators (framework_id, aspect_id, code, number, name, name_en, weight, external_source)
SELECT a.framework_id, a.id, v.code, v.number, v.name, v.name_en, v.weight, v.external_source FROM (VALUES
    ('A1', 'P01', 1, 'Tingkat Kematangan Tata Kelola Pemdi', 'Maturity of digital-government governance (architecture, action plan)', 5, NULL),
    ('A1', 'P02', 2, 'Tingkat Kematangan Manajemen Layanan Digital Pemerintah', 'Maturity of government digital-service management', 5, NULL),
    ('A2', 'P03', 3, 'Tingkat Kematangan Sumber Daya Manusia Pemdi', 'Maturity of digital-government human resources (staff digital competence)', 5, NULL),
    ('A2', 'P04', 4, 'Tingkat Kematangan Kolaborasi Pemdi', 'Maturity of digital-government collaboration', 5, NULL),
    ('A3', 'P05', 5, 'Tingkat Kematangan Tata Kelola Data', 'Maturity of data governance (One Data Indonesia)', 5, 'Indeks Satu Data Indonesia (SDI), Bappenas/BPS'),
    ('A3', 'P06', 6, 'Tingkat Kematangan Penyelenggaraan Informasi Geospasial', 'Maturity of geospatial-information management', 3, 'Indeks Simpul Jaringan Informasi Geospasial (SJIG), BIG'),
    ('A3', 'P07', 7, 'Tingkat Kematangan Pembangunan Statistik', 'Maturity of statistical development (sectoral statistics)', 3, 'EPSS / Indeks Pembangunan Statistik (IPS), BPS'),
    ('A3', 'P08', 8, 'Tingkat Kematangan Pelindungan Data Pribadi', 'Maturity of personal-data protection', 4, NULL),
    ('A4', 'P09', 9, 'Tingkat Kematangan Pelaksanaan Audit Keamanan Pemdi dan Teknologi Pemdi', 'Maturity of security and technology audits', 4, NULL),
    ('A4', 'P10', 10, 'Tingkat Kematangan Keamanan Pemdi', 'Maturity of digital-government security', 4, 'IKASANDI (area Keamanan Siber), BSSN'),
    ('A4', 'P11', 11, 'Tingkat Kematangan Penerapan Kriptografi untuk Keamanan Data', 'Maturity of cryptography use for data security', 3, NULL),
    ('A4', 'P12', 12, 'Tingkat Kematangan Kapabilitas Penanganan Insiden Siber', 'Maturity of cyber-incident handling capability', 4, 'IKASANDI (area Penanganan Insiden Siber), BSSN'),
    ('A5', 'P13', 13, 'Tingkat Kematangan Aplikasi Pemdi', 'Maturity of digital-government applications', 5, NULL),
    ('A5', 'P14', 14, 'Tingkat Kematangan Infrastruktur Pemdi', 'Maturity of digital-government infrastructure (data centre, intra-government network, cloud)', 5, NULL),
    ('A6', 'P15', 15, 'Keterpaduan Proses Bisnis Pemdi Lintas Unit dan Instansi', 'Business-process integration across units and agencies', 4, NULL),
    ('A6', 'P16', 16, 'Integrasi Aplikasi', 'Application integration', 4, NULL),
    ('A6', 'P17', 17, 'Portal Layanan Digital Pemerintah', 'Government digital-service portal', 4, NULL),
    ('A6', 'P18', 18, 'Interoperabilitas Data', 'Data interoperability', 3, 'Indeks SDI (aspek Interoperabilitas Data), Bappenas/BPS'),
    ('A7', 'P19', 19, 'Fasilitas Dukungan Pengguna Layanan Digital Pemerintah', 'User-support facilities for government digital services', 10, NULL),
    ('A7', 'P20', 20, 'Tingkat Pengelolaan Kepuasan Pengguna Layanan Digital Pemerintah', 'Management of user satisfaction with government digital services', 15, NULL)
) AS v (aspect_code, code, number, name, name_en, weight, external_source)
JOIN framework_aspects a ON a.code = v.aspect_code AND a.framework_id = (SELECT id FROM frameworks WHERE code = 'pemdi-2026');

INSERT INTO framework_mappings (from_framework_id, to_framework_id, note)
SELECT (SELECT id FROM frameworks WHERE code = 'spbe-2020'), (SELECT id FROM frameworks WHERE code = 'pemdi-2026'), 'A proposed correspondence by subject between the 47 SPBE indicators and the 20 Pemdi indicators, for carrying open findings over to the new framework; it is not official and an organisation may edit it.';

INSERT INTO framework_mapping_pairs (mapping_id, from_code, to_code, position, why)
SELECT (SELECT id FROM framework_mappings), v.from_code, v.to_code, row_number() OVER (), v.why FROM (VALUES
    ('I01', 'P01', 'architecture policy; architecture now sits in Pemdi governance'),
    ('I02', 'P01', 'roadmap policy; roadmap becomes the Pemdi action plan under governance'),
    ('I03', 'P05', 'data-management policy; data governance (Satu Data)'),
    ('I04', 'P13', 'application-development policy; applications'),
    ('I05', 'P14', 'data-centre policy; infrastructure (national data centre)'),
    ('I06', 'P14', 'intra-government network policy; infrastructure'),
    ('I07', 'P16', 'service-connector policy; application integration and data exchange'),
    ('I07', 'P18', 'service-connector policy; application integration and data exchange'),
    ('I08', 'P10', 'information-security policy; Pemdi security'),
    ('I09', 'P09', 'ICT-audit policy; security and technology audit'),
    ('I10', 'P04', 'coordination-team policy; coordination forum under collaboration'),
    ('I11', 'P01', 'architecture; governance'),
    ('I12', 'P01', 'roadmap; action plan under governance'),
    ('I13', 'P01', 'planning and budget alignment; governance'),
    ('I14', 'P15', 'business-process innovation; cross-unit business processes'),
    ('I15', 'P13', 'application development; applications'),
    ('I16', 'P14', 'data-centre service; infrastructure'),
    ('I17', 'P14', 'intra-government network; infrastructure'),
    ('I18', 'P16', 'service connector in use; application integration and data exchange'),
    ('I18', 'P18', 'service connector in use; application integration and data exchange'),
    ('I19', 'P04', 'coordination team at work; coordination forum under collaboration'),
    ('I20', 'P04', 'collaboration; same subject'),
    ('I21', 'P02', 'risk management; part of digital-service management'),
    ('I22', 'P10', 'information-security management; Pemdi security'),
    ('I23', 'P05', 'data management; data governance'),
    ('I24', 'P02', 'ICT asset management; service management, infrastructure inventory'),
    ('I24', 'P14', 'ICT asset management; service management, infrastructure inventory'),
    ('I25', 'P03', 'staff competence; digital human resources'),
    ('I26', 'P02', 'knowledge management; part of digital-service management'),
    ('I27', 'P02', 'change management; part of digital-service management'),
    ('I28', 'P02', 'service management; service management and user support desk'),
    ('I28', 'P19', 'service management; service management and user support desk'),
    ('I29', 'P09', 'infrastructure audit; technology audit'),
    ('I30', 'P09', 'application audit; technology audit'),
    ('I31', 'P09', 'security audit; same subject'),
    ('I32', 'P17', 'e-planning service; no per-service indicator, portal and integration'),
    ('I32', 'P16', 'e-planning service; no per-service indicator, portal and integration'),
    ('I33', 'P17', 'e-budgeting service; no per-service indicator, portal and integration'),
    ('I33', 'P16', 'e-budgeting service; no per-service indicator, portal and integration'),
    ('I34', 'P17', 'e-finance service; no per-service indicator, portal and integration'),
    ('I34', 'P16', 'e-finance service; no per-service indicator, portal and integration'),
    ('I35', 'P17', 'e-procurement service; no per-service indicator, portal and integration'),
    ('I35', 'P16', 'e-procurement service; no per-service indicator, portal and integration'),
    ('I36', 'P17', 'e-personnel service; no per-service indicator, portal and integration'),
    ('I36', 'P16', 'e-personnel service; no per-service indicator, portal and integration'),
    ('I37', 'P15', 'e-records service; digital records flow counts as business-process integration'),
    ('I37', 'P17', 'e-records service; digital records flow counts as business-process integration'),
    ('I38', 'P17', 'state/regional asset service; no per-service indicator, portal and integration'),
    ('I38', 'P16', 'state/regional asset service; no per-service indicator, portal and integration'),
    ('I39', 'P17', 'internal-oversight service; no per-service indicator, portal and integration'),
    ('I39', 'P16', 'internal-oversight service; no per-service indicator, portal and integration'),
    ('I40', 'P17', 'performance-accountability service; no per-service indicator, portal and integration'),
    ('I40', 'P16', 'performance-accountability service; no per-service indicator, portal and integration'),
    ('I41', 'P17', 'employee-performance service; no per-service indicator, portal and integration'),
    ('I41', 'P16', 'employee-performance service; no per-service indicator, portal and integration'),
    ('I42', 'P19', 'public complaints; user-support channels and complaint handling'),
    ('I43', 'P05', 'open data; data governance (accessible data under Satu Data)'),
    ('I44', 'P17', 'legal-information service; portal and link to the national JDIH network'),
    ('I44', 'P16', 'legal-information service; portal and link to the national JDIH network'),
    ('I45', 'P17', 'sector public service; no per-service indicator, portal and integration'),
    ('I45', 'P16', 'sector public service; no per-service indicator, portal and integration'),
    ('I46', 'P17', 'sector public service; no per-service indicator, portal and integration'),
    ('I46', 'P16', 'sector public service; no per-service indicator, portal and integration'),
    ('I47', 'P17', 'sector public service; no per-service indicator, portal and integration'),
    ('I47', 'P16', 'sector public service; no per-service indicator, portal and integration')
) AS v (from_code, to_code, why);

INSERT INTO framework_mapping_unmapped (mapping_id, code, why)
SELECT (SELECT id FROM framework_mappings), v.* FROM (VALUES
    ('P06', 'geospatial information was never an SPBE indicator'),
    ('P07', 'sectoral statistics were never an SPBE indicator'),
    ('P08', 'personal-data protection is new; SPBE security indicators touched it only in passing'),
    ('P11', 'cryptography was not an SPBE indicator of its own'),
    ('P12', 'cyber-incident handling was not an SPBE indicator of its own'),
    ('P20', 'SPBE never measured or managed user satisfaction')
) AS v (code, why);

SELECT finding_indicator_counts_refresh();

-- +goose Down
DROP TRIGGER findings_indicator_counts ON findings;
DROP FUNCTION finding_indicator_counts_track();
DROP FUNCTION finding_indicator_counts_refresh();
DROP TABLE finding_indicator_counts;
DROP FUNCTION finding_indicator_targets(text[]);
DROP TABLE framework_mapping_unmapped;
DROP TABLE framework_mapping_pairs;
DROP TABLE framework_mappings;
-- Refuses (by the old CHECKs and types) when decimal scores exist: their
-- assessments must go first.
DELETE FROM frameworks WHERE scoring = 'decimal' AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.framework_id = frameworks.id);
ALTER TABLE assessment_scores
    ALTER COLUMN level TYPE smallint USING level::smallint,
    ALTER COLUMN target_level TYPE smallint USING target_level::smallint;
DROP INDEX framework_indicators_code_key;
ALTER TABLE framework_indicators DROP COLUMN external_source;
ALTER TABLE framework_domains ALTER COLUMN scale SET NOT NULL;
ALTER TABLE framework_aspects DROP COLUMN scale, ALTER COLUMN domain_id SET NOT NULL;
ALTER TABLE framework_predicates DROP COLUMN label;
DROP INDEX frameworks_current_key;
ALTER TABLE frameworks DROP COLUMN stages, DROP COLUMN source_note, DROP COLUMN supersedes_id,
    DROP COLUMN is_current, DROP COLUMN scoring;

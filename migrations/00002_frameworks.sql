-- SPBE evaluation models as versioned data, and the seed of the model of
-- PermenPANRB No. 59 Tahun 2020 (code spbe-2020): 4 domains, 8 aspects and 47
-- indicators I01..I47 whose weights (percent) add up to 100, the level names of
-- both capability scales and the predicate bands of the index. A newer model is
-- added with `tindaklanjut framework import`, never in code.

-- +goose Up
CREATE TABLE frameworks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text        NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    title       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The names of the five capability levels, per scale (process, service).
CREATE TABLE framework_levels (
    framework_id bigint   NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    scale        text     NOT NULL CHECK (scale ~ '^[a-z_]+$'),
    level        smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    name         text     NOT NULL,
    PRIMARY KEY (framework_id, scale, level)
);

-- Predicate bands of the index: a band applies from min_score up to the next
-- band's min_score.
CREATE TABLE framework_predicates (
    framework_id bigint       NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    name         text         NOT NULL,
    min_score    numeric(4,2) NOT NULL CHECK (min_score >= 1 AND min_score <= 5),
    PRIMARY KEY (framework_id, min_score)
);

CREATE TABLE framework_domains (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    framework_id bigint       NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    code         text         NOT NULL,
    number       smallint     NOT NULL,
    name         text         NOT NULL,
    weight       numeric(7,4) NOT NULL CHECK (weight > 0 AND weight <= 100),
    scale        text         NOT NULL,
    UNIQUE (framework_id, code)
);

CREATE TABLE framework_aspects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    framework_id bigint       NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    domain_id    bigint       NOT NULL REFERENCES framework_domains (id) ON DELETE CASCADE,
    code         text         NOT NULL,
    number       smallint     NOT NULL,
    name         text         NOT NULL,
    weight       numeric(7,4) NOT NULL CHECK (weight > 0 AND weight <= 100),
    UNIQUE (framework_id, code)
);

CREATE TABLE framework_indicators (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    framework_id bigint       NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    aspect_id    bigint       NOT NULL REFERENCES framework_aspects (id) ON DELETE CASCADE,
    code         text         NOT NULL,
    number       smallint     NOT NULL,
    name         text         NOT NULL,
    name_en      text         NOT NULL DEFAULT '',
    weight       numeric(7,4) NOT NULL CHECK (weight > 0 AND weight <= 100),
    UNIQUE (framework_id, code),
    UNIQUE (framework_id, number)
);
CREATE INDEX framework_indicators_aspect_idx ON framework_indicators (aspect_id);

INSERT INTO frameworks (code, title) VALUES ('spbe-2020', 'Indeks SPBE — PermenPANRB No. 59 Tahun 2020 tentang Pemantauan dan Evaluasi SPBE');

INSERT INTO framework_levels (framework_id, scale, level, name)
SELECT (SELECT id FROM frameworks WHERE code = 'spbe-2020'), v.* FROM (VALUES
    ('process', 1, 'Rintisan'),
    ('process', 2, 'Terkelola'),
    ('process', 3, 'Terdefinisi'),
    ('process', 4, 'Terpadu dan Terukur'),
    ('process', 5, 'Optimum'),
    ('service', 1, 'Informasi'),
    ('service', 2, 'Interaksi'),
    ('service', 3, 'Transaksi'),
    ('service', 4, 'Kolaborasi'),
    ('service', 5, 'Optimalisasi')
) AS v (scale, level, name);

INSERT INTO framework_predicates (framework_id, name, min_score)
SELECT (SELECT id FROM frameworks WHERE code = 'spbe-2020'), v.name, v.min_score FROM (VALUES
    ('Memuaskan', 4.20),
    ('Sangat Baik', 3.50),
    ('Baik', 2.60),
    ('Cukup', 1.80),
    ('Kurang', 1.00)
) AS v (name, min_score);

INSERT INTO framework_domains (framework_id, code, number, name, weight, scale)
SELECT (SELECT id FROM frameworks WHERE code = 'spbe-2020'), v.* FROM (VALUES
    ('D1', 1, 'Kebijakan Internal SPBE', 13.0, 'process'),
    ('D2', 2, 'Tata Kelola SPBE', 25.0, 'process'),
    ('D3', 3, 'Manajemen SPBE', 16.5, 'process'),
    ('D4', 4, 'Layanan SPBE', 45.5, 'service')
) AS v (code, number, name, weight, scale);

INSERT INTO framework_aspects (framework_id, domain_id, code, number, name, weight)
SELECT d.framework_id, d.id, v.code, v.number, v.name, v.weight FROM (VALUES
    ('D1', 'A1', 1, 'Kebijakan Internal Tata Kelola SPBE', 13.0),
    ('D2', 'A2', 2, 'Perencanaan Strategis SPBE', 10.0),
    ('D2', 'A3', 3, 'Teknologi Informasi dan Komunikasi', 10.0),
    ('D2', 'A4', 4, 'Penyelenggara SPBE', 5.0),
    ('D3', 'A5', 5, 'Penerapan Manajemen SPBE', 12.0),
    ('D3', 'A6', 6, 'Audit Teknologi Informasi dan Komunikasi (Audit TIK)', 4.5),
    ('D4', 'A7', 7, 'Layanan Administrasi Pemerintahan Berbasis Elektronik', 27.5),
    ('D4', 'A8', 8, 'Layanan Publik Berbasis Elektronik', 18.0)
) AS v (domain_code, code, number, name, weight)
JOIN framework_domains d ON d.code = v.domain_code AND d.framework_id = (SELECT id FROM frameworks WHERE code = 'spbe-2020');

INSERT INTO framework_indicators (framework_id, aspect_id, code, number, name, name_en, weight)
SELECT a.framework_id, a.id, v.code, v.number, v.name, v.name_en, v.weight FROM (VALUES
    ('A1', 'I01', 1, 'Tingkat Kematangan Kebijakan Internal Arsitektur SPBE Instansi Pusat/Pemerintah Daerah', 'Maturity level of internal policy on the SPBE Architecture', 1.3),
    ('A1', 'I02', 2, 'Tingkat Kematangan Kebijakan Internal Peta Rencana SPBE Instansi Pusat/Pemerintah Daerah', 'Maturity level of internal policy on the SPBE Roadmap', 1.3),
    ('A1', 'I03', 3, 'Tingkat Kematangan Kebijakan Internal Manajemen Data', 'Maturity level of internal policy on data management', 1.3),
    ('A1', 'I04', 4, 'Tingkat Kematangan Kebijakan Internal Pembangunan Aplikasi SPBE', 'Maturity level of internal policy on SPBE application development', 1.3),
    ('A1', 'I05', 5, 'Tingkat Kematangan Kebijakan Internal Layanan Pusat Data', 'Maturity level of internal policy on data-centre services', 1.3),
    ('A1', 'I06', 6, 'Tingkat Kematangan Kebijakan Internal Layanan Jaringan Intra Instansi Pusat/Pemerintah Daerah', 'Maturity level of internal policy on the agency''s intra-government network services', 1.3),
    ('A1', 'I07', 7, 'Tingkat Kematangan Kebijakan Internal Penggunaan Sistem Penghubung Layanan Instansi Pusat/Pemerintah Daerah', 'Maturity level of internal policy on use of the service-connector (integration/middleware) system', 1.3),
    ('A1', 'I08', 8, 'Tingkat Kematangan Kebijakan Internal Manajemen Keamanan Informasi', 'Maturity level of internal policy on information-security management', 1.3),
    ('A1', 'I09', 9, 'Tingkat Kematangan Kebijakan Internal Audit TIK', 'Maturity level of internal policy on ICT audit', 1.3),
    ('A1', 'I10', 10, 'Tingkat Kematangan Kebijakan Internal Tim Koordinasi SPBE Instansi Pusat/Pemerintah Daerah', 'Maturity level of internal policy on the SPBE coordination team', 1.3),
    ('A2', 'I11', 11, 'Tingkat Kematangan Arsitektur SPBE Instansi Pusat/Pemerintah Daerah', 'Maturity level of the SPBE Architecture', 2.5),
    ('A2', 'I12', 12, 'Tingkat Kematangan Peta Rencana SPBE Instansi Pusat/Pemerintah Daerah', 'Maturity level of the SPBE Roadmap', 2.5),
    ('A2', 'I13', 13, 'Tingkat Kematangan Keterpaduan Rencana dan Anggaran SPBE', 'Maturity level of integration of SPBE planning and budgeting', 2.5),
    ('A2', 'I14', 14, 'Tingkat Kematangan Inovasi Proses Bisnis SPBE', 'Maturity level of SPBE business-process innovation', 2.5),
    ('A3', 'I15', 15, 'Tingkat Kematangan Pembangunan Aplikasi SPBE', 'Maturity level of SPBE application development', 2.5),
    ('A3', 'I16', 16, 'Tingkat Kematangan Layanan Pusat Data', 'Maturity level of data-centre services', 2.5),
    ('A3', 'I17', 17, 'Tingkat Kematangan Layanan Jaringan Intra Instansi Pusat/Pemerintah Daerah', 'Maturity level of intra-government network services', 2.5),
    ('A3', 'I18', 18, 'Tingkat Kematangan Penggunaan Sistem Penghubung Layanan Instansi Pusat/Pemerintah Daerah', 'Maturity level of use of the service-connector system', 2.5),
    ('A4', 'I19', 19, 'Tingkat Kematangan Tim Koordinasi SPBE Instansi Pusat/Pemerintah Daerah', 'Maturity level of the SPBE coordination team (its functioning)', 2.5),
    ('A4', 'I20', 20, 'Tingkat Kematangan Kolaborasi Penerapan SPBE', 'Maturity level of collaboration in SPBE implementation', 2.5),
    ('A5', 'I21', 21, 'Tingkat Kematangan Penerapan Manajemen Risiko SPBE', 'Maturity level of application of SPBE risk management', 1.5),
    ('A5', 'I22', 22, 'Tingkat Kematangan Penerapan Manajemen Keamanan Informasi', 'Maturity level of application of information-security management', 1.5),
    ('A5', 'I23', 23, 'Tingkat Kematangan Penerapan Manajemen Data', 'Maturity level of application of data management', 1.5),
    ('A5', 'I24', 24, 'Tingkat Kematangan Penerapan Manajemen Aset TIK', 'Maturity level of application of ICT asset management', 1.5),
    ('A5', 'I25', 25, 'Tingkat Kematangan Penerapan Kompetensi Sumber Daya Manusia', 'Maturity level of application of human-resource (SPBE staff) competency management', 1.5),
    ('A5', 'I26', 26, 'Tingkat Kematangan Penerapan Manajemen Pengetahuan', 'Maturity level of application of knowledge management', 1.5),
    ('A5', 'I27', 27, 'Tingkat Kematangan Penerapan Manajemen Perubahan', 'Maturity level of application of change management', 1.5),
    ('A5', 'I28', 28, 'Tingkat Kematangan Penerapan Manajemen Layanan SPBE', 'Maturity level of application of SPBE service management', 1.5),
    ('A6', 'I29', 29, 'Tingkat Kematangan Pelaksanaan Audit Infrastruktur SPBE', 'Maturity level of conduct of SPBE infrastructure audits', 1.5),
    ('A6', 'I30', 30, 'Tingkat Kematangan Pelaksanaan Audit Aplikasi SPBE', 'Maturity level of conduct of SPBE application audits', 1.5),
    ('A6', 'I31', 31, 'Tingkat Kematangan Pelaksanaan Audit Keamanan SPBE', 'Maturity level of conduct of SPBE security audits', 1.5),
    ('A7', 'I32', 32, 'Tingkat Kematangan Layanan Perencanaan', 'Maturity level of e-planning service', 2.75),
    ('A7', 'I33', 33, 'Tingkat Kematangan Layanan Penganggaran', 'Maturity level of e-budgeting service', 2.75),
    ('A7', 'I34', 34, 'Tingkat Kematangan Layanan Keuangan', 'Maturity level of e-finance service', 2.75),
    ('A7', 'I35', 35, 'Tingkat Kematangan Layanan Pengadaan Barang dan Jasa', 'Maturity level of e-procurement (goods and services) service', 2.75),
    ('A7', 'I36', 36, 'Tingkat Kematangan Layanan Kepegawaian', 'Maturity level of e-personnel (civil-service HR) service', 2.75),
    ('A7', 'I37', 37, 'Tingkat Kematangan Layanan Kearsipan Dinamis', 'Maturity level of e-records (active/dynamic archives) service', 2.75),
    ('A7', 'I38', 38, 'Tingkat Kematangan Layanan Pengelolaan Barang Milik Negara/Daerah', 'Maturity level of state/regional-owned asset (BMN/BMD) management service', 2.75),
    ('A7', 'I39', 39, 'Tingkat Kematangan Layanan Pengawasan Internal Pemerintah', 'Maturity level of government internal-oversight service', 2.75),
    ('A7', 'I40', 40, 'Tingkat Kematangan Layanan Akuntabilitas Kinerja Organisasi', 'Maturity level of organisational performance-accountability service', 2.75),
    ('A7', 'I41', 41, 'Tingkat Kematangan Layanan Kinerja Pegawai', 'Maturity level of employee-performance service', 2.75),
    ('A8', 'I42', 42, 'Tingkat Kematangan Layanan Pengaduan Pelayanan Publik', 'Maturity level of public-service complaints service', 3.0),
    ('A8', 'I43', 43, 'Tingkat Kematangan Layanan Data Terbuka', 'Maturity level of open-data service', 3.0),
    ('A8', 'I44', 44, 'Tingkat Kematangan Layanan Jaringan Dokumentasi dan Informasi Hukum (JDIH)', 'Maturity level of legal documentation and information network (JDIH) service', 3.0),
    ('A8', 'I45', 45, 'Tingkat Kematangan Layanan Publik Sektor 1', 'Maturity level of sector-specific public service no. 1 (chosen by the agency)', 3.0),
    ('A8', 'I46', 46, 'Tingkat Kematangan Layanan Publik Sektor 2', 'Maturity level of sector-specific public service no. 2 (chosen by the agency)', 3.0),
    ('A8', 'I47', 47, 'Tingkat Kematangan Layanan Publik Sektor 3', 'Maturity level of sector-specific public service no. 3 (chosen by the agency)', 3.0)
) AS v (aspect_code, code, number, name, name_en, weight)
JOIN framework_aspects a ON a.code = v.aspect_code AND a.framework_id = (SELECT id FROM frameworks WHERE code = 'spbe-2020');

-- +goose Down
DROP TABLE framework_indicators;
DROP TABLE framework_aspects;
DROP TABLE framework_domains;
DROP TABLE framework_predicates;
DROP TABLE framework_levels;
DROP TABLE frameworks;

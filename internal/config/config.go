// Package config holds the service's one typed configuration: its defaults,
// how it is read from a config file and the environment, and its validation.
//
// Every key has exactly one name, the environment variable's; the config file
// (configs/tindaklanjut.env) uses the same names, so that what an operator reads
// in the file is what they set in a container's environment.
package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/robfig/cron/v3"
)

// Config is the effective configuration of one process.
type Config struct {
	// DatabaseURL is the PostgreSQL connection string; empty means the managed
	// local cluster under DataDir/postgres.
	DatabaseURL string
	// DatabaseReadURL, when set, is where the heavy reads that tolerate a
	// little lag go (the follow-up matrix, printed reports, exports):
	// standbys, typically with target_session_attrs=prefer-standby. Those
	// reads go to DatabaseURL while it cannot serve them.
	DatabaseReadURL string
	// DataDir holds the managed cluster, stored evidence and other state.
	DataDir string
	// Addr is the HTTP listen address.
	Addr string
	// BaseURL is the externally visible address, used to build links in emails.
	BaseURL string
	// TimeZone is the organisation's zone: "today", due dates and send hours
	// are computed in it.
	TimeZone *time.Location
	// SMTPURL is the mail server; empty keeps mails in the outbox unsent.
	SMTPURL string
	// MailFrom is the sender address of every email.
	MailFrom string
	// AdminEmail and AdminPassword create the first admin when none exists.
	AdminEmail    string
	AdminPassword string
	// LogLevel and LogFormat control the structured log.
	LogLevel  slog.Level
	LogFormat string
	// ShutdownTimeout bounds how long in-flight requests may take to drain.
	ShutdownTimeout time.Duration
	// DBMaxConns is the size of the database connection pool; zero lets
	// the pool choose (postgres.DefaultMaxConns).
	DBMaxConns int
	// UploadMaxSize is the largest evidence document accepted, in bytes.
	UploadMaxSize int64
	// TokenTTL is how long a sign-in (API token or browser session) lasts.
	TokenTTL time.Duration
	// TrustProxy takes the client address from X-Forwarded-For (set it only
	// behind a reverse proxy that sets that header).
	TrustProxy bool
	// ReminderHour is the hour (0–23, in TimeZone) at which the reminders
	// of a calendar day become due.
	ReminderHour int
	// ReminderDueDays are the days before an action's due date that remind
	// its assignee (0: the due date itself), largest first.
	ReminderDueDays []int
	// ReminderOverdueEvery is the interval in days of overdue reminders,
	// the first the day after the due date; 0 sends none.
	ReminderOverdueEvery int
	// ReminderUnassignedDays is how long after issue a finding without an
	// action is brought to its unit's managers; 0 never.
	ReminderUnassignedDays int
	// ReminderAssessmentDays are the days before an assessment milestone
	// that remind managers and auditors, largest first.
	ReminderAssessmentDays []int
	// DigestWeekday is the day of the managers' weekly digest.
	DigestWeekday time.Weekday
	// PlannerSchedule and SenderSchedule are the cron specs (in TimeZone)
	// of the reminder planner and the mail sender.
	PlannerSchedule string
	SenderSchedule  string
	// MailRetryFor is how long a mail that the mail server refuses for now
	// is retried, from its first attempt, before it is marked failed.
	MailRetryFor time.Duration
	// ExtensionLimit is how many extensions of its due date may be approved
	// per action or finding.
	ExtensionLimit int
	// EscalationDays are the days overdue after which an action or finding
	// is brought to the next level up the unit hierarchy, smallest first.
	EscalationDays []int
	// DefaultDueDays gives, per review kind, the days after issue at which
	// a finding issued without a due date falls due.
	DefaultDueDays map[string]int
	// OrgName heads the printed reports (the letterhead).
	OrgName string
	// OrgLogo is the path of the letterhead's logo (PNG or JPEG), "" for
	// none; OrgLogoData its bytes, read and checked at load.
	OrgLogo     string
	OrgLogoData []byte
	// File is the config file that was read, if any.
	File string
}

// Keys lists every configuration key with its default and meaning, in the
// order of the reference in README.md and configs/tindaklanjut.env.
var Keys = []Key{
	{"DATABASE_URL", "", "PostgreSQL URL; empty runs a managed local PostgreSQL under the data directory", true},
	{"DATABASE_READ_URL", "", "PostgreSQL URL of read replicas for the follow-up matrix, printed reports and exports; empty reads them from DATABASE_URL", true},
	{"TINDAKLANJUT_DATA_DIR", "./var", "directory for the managed database and stored evidence", false},
	{"TINDAKLANJUT_UPLOAD_MAX_SIZE", "25MiB", "largest evidence document accepted: bytes, or a number with KiB, MiB or GiB", false},
	{"TINDAKLANJUT_ADDR", ":8080", "HTTP listen address", false},
	{"TINDAKLANJUT_BASE_URL", "http://localhost:8080", "public address of the service, used in email links", false},
	{"TINDAKLANJUT_TIMEZONE", "Asia/Makassar", "the organisation's IANA time zone", false},
	{"SMTP_URL", "", "smtp://user:pass@host:port?tls=starttls|implicit|none; empty keeps mails unsent in the outbox", true},
	{"TINDAKLANJUT_MAIL_FROM", "tindaklanjut <noreply@localhost>", "sender address of emails", false},
	{"TINDAKLANJUT_ADMIN_EMAIL", "admin@localhost", "email of the first admin, created when no admin exists", false},
	{"TINDAKLANJUT_ADMIN_PASSWORD", "", "password of the first admin; empty generates one and prints it once", true},
	{"TINDAKLANJUT_LOG_LEVEL", "info", "debug, info, warn or error", false},
	{"TINDAKLANJUT_LOG_FORMAT", "auto", "auto (text on a terminal, JSON otherwise), text or json", false},
	{"TINDAKLANJUT_SHUTDOWN_TIMEOUT", "15s", "how long a shutdown waits for in-flight requests", false},
	{"TINDAKLANJUT_DB_MAX_CONNS", "auto", "maximum open database connections; auto is twice the processor cores plus one", false},
	{"TINDAKLANJUT_TOKEN_TTL", "24h", "how long a sign-in (API token or browser session) lasts", false},
	{"TINDAKLANJUT_TRUST_PROXY", "false", "take client addresses from X-Forwarded-For (only behind a reverse proxy)", false},
	{"TINDAKLANJUT_REMINDER_HOUR", "8", "hour (0-23, organisation's time zone) at which a day's reminders become due", false},
	{"TINDAKLANJUT_REMINDER_DUE_DAYS", "30,14,7,3,1,0", "days before an action's due date that remind its assignee (0: the due date)", false},
	{"TINDAKLANJUT_REMINDER_OVERDUE_EVERY", "7", "days between overdue reminders, the first the day after the due date; 0: none", false},
	{"TINDAKLANJUT_REMINDER_UNASSIGNED_DAYS", "7", "days after issue that a finding without an action is brought to its unit's managers; 0: never", false},
	{"TINDAKLANJUT_REMINDER_ASSESSMENT_DAYS", "30,14,7,1", "days before an assessment milestone that remind managers and auditors", false},
	{"TINDAKLANJUT_DIGEST_WEEKDAY", "monday", "day of the managers' weekly digest", false},
	{"TINDAKLANJUT_PLANNER_SCHEDULE", "0 * * * *", "cron spec of the reminder planner (at least hourly)", false},
	{"TINDAKLANJUT_SENDER_SCHEDULE", "* * * * *", "cron spec of the mail sender (it also runs at once when mail is queued)", false},
	{"TINDAKLANJUT_MAIL_RETRY_FOR", "72h", "how long a mail refused for now is retried before it is marked failed", false},
	{"TINDAKLANJUT_EXTENSION_LIMIT", "2", "extensions of its due date that may be approved per action or finding", false},
	{"TINDAKLANJUT_ESCALATION_DAYS", "14,30", "days overdue after which an action or finding is escalated one level further up the unit hierarchy; empty: never", false},
	{"TINDAKLANJUT_DEFAULT_DUE_DAYS", "internal_audit=60", "per review kind, days after issue at which a finding issued without a due date falls due (kind=days, comma-separated); empty: none", false},
	{"TINDAKLANJUT_ORG_NAME", "Pemerintah Daerah", "the organisation's name, heading the printed reports (letterhead)", false},
	{"TINDAKLANJUT_ORG_LOGO", "", "path of the letterhead's logo, a PNG or JPEG of at most 1 MiB; empty for none", false},
}

// Key describes one configuration key.
type Key struct {
	Name    string
	Default string
	Help    string
	Secret  bool
}

// FileEnv names the variable that points at a config file.
const FileEnv = "TINDAKLANJUT_CONFIG"

// DefaultFile is read when FileEnv is unset and the file exists.
const DefaultFile = "configs/tindaklanjut.env"

// Error is a configuration problem a person can act on. Its message names the
// key and says what to do.
type Error struct {
	Key string
	Msg string
}

func (e *Error) Error() string { return e.Key + ": " + e.Msg }

// Load builds the configuration from defaults, then the config file, then the
// environment (lookupEnv, shaped like os.LookupEnv), and validates it. All
// problems are reported together.
func Load(lookupEnv func(string) (string, bool)) (*Config, error) {
	values := make(map[string]string, len(Keys))
	for _, k := range Keys {
		values[k.Name] = k.Default
	}
	file, explicit := lookupEnv(FileEnv)
	explicit = explicit && file != ""
	if !explicit {
		file = DefaultFile
	}
	fromFile, err := readFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist) && !explicit:
		file = ""
	case err != nil:
		return nil, &Error{Key: FileEnv, Msg: err.Error()}
	}
	for k, v := range fromFile {
		values[k] = v
	}
	for _, k := range Keys {
		if v, ok := lookupEnv(k.Name); ok {
			values[k.Name] = v
		}
	}
	cfg, errs := parse(values)
	if cfg != nil {
		cfg.File = file
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// readFile parses KEY=value lines; # starts a comment; values may be quoted.
func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseEnvFile(f, path)
}

func parseEnvFile(r io.Reader, name string) (map[string]string, error) {
	known := make(map[string]bool, len(Keys))
	for _, k := range Keys {
		known[k.Name] = true
	}
	out := make(map[string]string)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(strings.TrimPrefix(key, "export "))
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected KEY=value", name, n)
		}
		if !known[key] {
			return nil, fmt.Errorf("%s:%d: unknown key %q", name, n, key)
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
		}
		out[key] = val
	}
	return out, sc.Err()
}

func parse(v map[string]string) (*Config, []error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	cfg := &Config{
		DatabaseURL:     v["DATABASE_URL"],
		DatabaseReadURL: v["DATABASE_READ_URL"],
		DataDir:         v["TINDAKLANJUT_DATA_DIR"],
		Addr:            v["TINDAKLANJUT_ADDR"],
		BaseURL:         strings.TrimRight(v["TINDAKLANJUT_BASE_URL"], "/"),
		SMTPURL:         v["SMTP_URL"],
		MailFrom:        v["TINDAKLANJUT_MAIL_FROM"],
		AdminEmail:      v["TINDAKLANJUT_ADMIN_EMAIL"],
		AdminPassword:   v["TINDAKLANJUT_ADMIN_PASSWORD"],
		LogFormat:       v["TINDAKLANJUT_LOG_FORMAT"],
	}
	if cfg.DatabaseURL != "" {
		if _, err := pgx.ParseConfig(cfg.DatabaseURL); err != nil {
			bad("DATABASE_URL", "not a valid PostgreSQL URL (%s); expected postgres://user:password@host:5432/dbname, or leave it empty for the managed local database", scrubURLError(err))
		}
	}
	if cfg.DatabaseReadURL != "" {
		if cfg.DatabaseURL == "" {
			bad("DATABASE_READ_URL", "read replicas need DATABASE_URL: the managed local database has none")
		} else if _, err := pgx.ParseConfig(cfg.DatabaseReadURL); err != nil {
			bad("DATABASE_READ_URL", "not a valid PostgreSQL URL (%s); expected postgres://user:password@standby1:5432,standby2:5432/dbname?target_session_attrs=prefer-standby", scrubURLError(err))
		}
	}
	if cfg.DataDir == "" {
		bad("TINDAKLANJUT_DATA_DIR", "must not be empty")
	} else if abs, err := filepath.Abs(cfg.DataDir); err == nil {
		cfg.DataDir = abs
	}
	if n, err := ParseSize(v["TINDAKLANJUT_UPLOAD_MAX_SIZE"]); err != nil || n < 1<<10 || n > 4<<30 {
		bad("TINDAKLANJUT_UPLOAD_MAX_SIZE", "%q is not a size from 1KiB to 4GiB such as 25MiB", v["TINDAKLANJUT_UPLOAD_MAX_SIZE"])
	} else {
		cfg.UploadMaxSize = n
	}
	if _, port, err := net.SplitHostPort(cfg.Addr); err != nil {
		bad("TINDAKLANJUT_ADDR", "%q is not a listen address; expected host:port such as :8080 or 127.0.0.1:8080", cfg.Addr)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad("TINDAKLANJUT_ADDR", "%q has no valid port number", cfg.Addr)
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("TINDAKLANJUT_BASE_URL", "%q is not an absolute http(s) URL such as https://tindaklanjut.example.go.id", cfg.BaseURL)
	}
	// "Local" is the machine's zone, which PostgreSQL cannot name: reminders
	// are computed in the zone on both sides.
	if loc, err := time.LoadLocation(v["TINDAKLANJUT_TIMEZONE"]); err != nil || v["TINDAKLANJUT_TIMEZONE"] == "" || v["TINDAKLANJUT_TIMEZONE"] == "Local" {
		bad("TINDAKLANJUT_TIMEZONE", "unknown time zone %q; use an IANA name such as Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)", v["TINDAKLANJUT_TIMEZONE"])
	} else {
		cfg.TimeZone = loc
	}
	if cfg.SMTPURL != "" {
		if err := checkSMTPURL(cfg.SMTPURL); err != nil {
			bad("SMTP_URL", "%v; expected smtp://user:pass@host:port?tls=starttls|implicit|none", err)
		}
	}
	if !strings.Contains(cfg.MailFrom, "@") {
		bad("TINDAKLANJUT_MAIL_FROM", "%q is not an email address", cfg.MailFrom)
	}
	if !strings.Contains(cfg.AdminEmail, "@") {
		bad("TINDAKLANJUT_ADMIN_EMAIL", "%q is not an email address", cfg.AdminEmail)
	}
	if p := cfg.AdminPassword; p != "" && len(p) < 8 {
		bad("TINDAKLANJUT_ADMIN_PASSWORD", "must be at least 8 characters, or empty to generate one")
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(v["TINDAKLANJUT_LOG_LEVEL"])); err != nil {
		bad("TINDAKLANJUT_LOG_LEVEL", "%q is not one of debug, info, warn, error", v["TINDAKLANJUT_LOG_LEVEL"])
	}
	switch cfg.LogFormat {
	case "auto", "text", "json":
	default:
		bad("TINDAKLANJUT_LOG_FORMAT", "%q is not one of auto, text, json", cfg.LogFormat)
	}
	if d, err := time.ParseDuration(v["TINDAKLANJUT_SHUTDOWN_TIMEOUT"]); err != nil || d <= 0 {
		bad("TINDAKLANJUT_SHUTDOWN_TIMEOUT", "%q is not a positive duration such as 15s", v["TINDAKLANJUT_SHUTDOWN_TIMEOUT"])
	} else {
		cfg.ShutdownTimeout = d
	}
	if v["TINDAKLANJUT_DB_MAX_CONNS"] == "auto" {
		cfg.DBMaxConns = 0 // postgres.DefaultMaxConns
	} else if n, err := strconv.Atoi(v["TINDAKLANJUT_DB_MAX_CONNS"]); err != nil || n < 2 || n > 1000 {
		bad("TINDAKLANJUT_DB_MAX_CONNS", "%q is not auto or a number from 2 to 1000", v["TINDAKLANJUT_DB_MAX_CONNS"])
	} else {
		cfg.DBMaxConns = n
	}
	if d, err := time.ParseDuration(v["TINDAKLANJUT_TOKEN_TTL"]); err != nil || d < time.Minute || d > 90*24*time.Hour {
		bad("TINDAKLANJUT_TOKEN_TTL", "%q is not a duration from 1m to 2160h such as 24h", v["TINDAKLANJUT_TOKEN_TTL"])
	} else {
		cfg.TokenTTL = d
	}
	if b, err := strconv.ParseBool(v["TINDAKLANJUT_TRUST_PROXY"]); err != nil {
		bad("TINDAKLANJUT_TRUST_PROXY", "%q is not true or false", v["TINDAKLANJUT_TRUST_PROXY"])
	} else {
		cfg.TrustProxy = b
	}
	parseReminders(cfg, v, bad)
	return cfg, errs
}

// parseReminders reads the reminder rules and the jobs' schedules.
func parseReminders(cfg *Config, v map[string]string, bad func(key, format string, args ...any)) {
	if n, err := strconv.Atoi(v["TINDAKLANJUT_REMINDER_HOUR"]); err != nil || n < 0 || n > 23 {
		bad("TINDAKLANJUT_REMINDER_HOUR", "%q is not an hour from 0 to 23", v["TINDAKLANJUT_REMINDER_HOUR"])
	} else {
		cfg.ReminderHour = n
	}
	days := func(key string, allowEmpty bool) []int {
		raw := strings.TrimSpace(v[key])
		if raw == "" {
			if !allowEmpty {
				bad(key, "must list at least one number of days")
			}
			return []int{}
		}
		var out []int
		for _, part := range strings.Split(raw, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || n < 0 || n > 366 {
				bad(key, "%q is not a comma-separated list of days from 0 to 366, such as 30,14,7", raw)
				return nil
			}
			if slices.Contains(out, n) {
				bad(key, "%q names %d twice", raw, n)
				return nil
			}
			out = append(out, n)
		}
		slices.SortFunc(out, func(a, b int) int { return b - a })
		return out
	}
	cfg.ReminderDueDays = days("TINDAKLANJUT_REMINDER_DUE_DAYS", true)
	cfg.ReminderAssessmentDays = days("TINDAKLANJUT_REMINDER_ASSESSMENT_DAYS", true)
	if len(cfg.ReminderAssessmentDays) > 0 && cfg.ReminderAssessmentDays[len(cfg.ReminderAssessmentDays)-1] == 0 {
		bad("TINDAKLANJUT_REMINDER_ASSESSMENT_DAYS", "0 is not a day before a milestone; the smallest is 1")
	}
	for _, key := range []string{"TINDAKLANJUT_REMINDER_OVERDUE_EVERY", "TINDAKLANJUT_REMINDER_UNASSIGNED_DAYS"} {
		n, err := strconv.Atoi(v[key])
		if err != nil || n < 0 || n > 366 {
			bad(key, "%q is not a number of days from 0 (never) to 366", v[key])
			continue
		}
		if key == "TINDAKLANJUT_REMINDER_OVERDUE_EVERY" {
			cfg.ReminderOverdueEvery = n
		} else {
			cfg.ReminderUnassignedDays = n
		}
	}
	weekdays := []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
	if i := slices.Index(weekdays, strings.ToLower(strings.TrimSpace(v["TINDAKLANJUT_DIGEST_WEEKDAY"]))); i < 0 {
		bad("TINDAKLANJUT_DIGEST_WEEKDAY", "%q is not a day of the week such as monday", v["TINDAKLANJUT_DIGEST_WEEKDAY"])
	} else {
		cfg.DigestWeekday = time.Weekday(i)
	}
	for _, key := range []string{"TINDAKLANJUT_PLANNER_SCHEDULE", "TINDAKLANJUT_SENDER_SCHEDULE"} {
		sched, err := cron.ParseStandard(v[key])
		if err != nil {
			bad(key, "%q is not a cron spec (minute hour day month weekday, such as \"0 * * * *\", or @every 10m): %v", v[key], err)
			continue
		}
		// The planner must run at least hourly (a day's reminders are due
		// at the send hour); the sender is kicked by new mail besides.
		if key == "TINDAKLANJUT_PLANNER_SCHEDULE" && maxGap(sched) > time.Hour {
			bad(key, "%q runs less often than hourly; the planner must run at least every hour, such as \"0 * * * *\"", v[key])
		}
	}
	cfg.PlannerSchedule, cfg.SenderSchedule = v["TINDAKLANJUT_PLANNER_SCHEDULE"], v["TINDAKLANJUT_SENDER_SCHEDULE"]
	if d, err := time.ParseDuration(v["TINDAKLANJUT_MAIL_RETRY_FOR"]); err != nil || d < time.Minute {
		bad("TINDAKLANJUT_MAIL_RETRY_FOR", "%q is not a duration of at least 1m such as 72h", v["TINDAKLANJUT_MAIL_RETRY_FOR"])
	} else {
		cfg.MailRetryFor = d
	}
	cfg.OrgName, cfg.OrgLogo = strings.TrimSpace(v["TINDAKLANJUT_ORG_NAME"]), v["TINDAKLANJUT_ORG_LOGO"]
	if cfg.OrgName == "" || len(cfg.OrgName) > 200 {
		bad("TINDAKLANJUT_ORG_NAME", "must be the organisation's name, 1 to 200 characters")
	}
	if cfg.OrgLogo != "" {
		data, err := os.ReadFile(cfg.OrgLogo)
		switch {
		case err != nil:
			bad("TINDAKLANJUT_ORG_LOGO", "cannot be read: %v", err)
		case len(data) > 1<<20:
			bad("TINDAKLANJUT_ORG_LOGO", "%s is larger than 1 MiB", cfg.OrgLogo)
		case !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) && !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
			bad("TINDAKLANJUT_ORG_LOGO", "%s is neither a PNG nor a JPEG image", cfg.OrgLogo)
		default:
			cfg.OrgLogoData = data
		}
	}
	parseDeadlines(cfg, v, bad, days)
}

// reviewKinds are the kinds of review TINDAKLANJUT_DEFAULT_DUE_DAYS names.
var reviewKinds = []string{"application_review", "spbe_evaluation", "ict_audit", "internal_audit"}

// parseDeadlines reads the rules of governed deadlines.
func parseDeadlines(cfg *Config, v map[string]string, bad func(key, format string, args ...any), days func(string, bool) []int) {
	if n, err := strconv.Atoi(strings.TrimSpace(v["TINDAKLANJUT_EXTENSION_LIMIT"])); err != nil || n < 0 || n > 100 {
		bad("TINDAKLANJUT_EXTENSION_LIMIT", "%q is not a number of extensions from 0 to 100", v["TINDAKLANJUT_EXTENSION_LIMIT"])
	} else {
		cfg.ExtensionLimit = n
	}
	cfg.EscalationDays = days("TINDAKLANJUT_ESCALATION_DAYS", true)
	slices.Sort(cfg.EscalationDays)
	if len(cfg.EscalationDays) > 0 && cfg.EscalationDays[0] == 0 {
		bad("TINDAKLANJUT_ESCALATION_DAYS", "0 is not a number of days overdue; the smallest is 1")
	}
	cfg.DefaultDueDays = map[string]int{}
	raw := strings.TrimSpace(v["TINDAKLANJUT_DEFAULT_DUE_DAYS"])
	if raw == "" {
		return
	}
	for _, part := range strings.Split(raw, ",") {
		kind, n, ok := strings.Cut(strings.TrimSpace(part), "=")
		kind = strings.TrimSpace(kind)
		d, err := strconv.Atoi(strings.TrimSpace(n))
		switch {
		case !ok || err != nil || d < 1 || d > 3660:
			bad("TINDAKLANJUT_DEFAULT_DUE_DAYS", "%q is not kind=days with days from 1 to 3660, such as internal_audit=60", part)
			return
		case !slices.Contains(reviewKinds, kind):
			bad("TINDAKLANJUT_DEFAULT_DUE_DAYS", "%q is not a review kind (%s)", kind, strings.Join(reviewKinds, ", "))
			return
		case cfg.DefaultDueDays[kind] != 0:
			bad("TINDAKLANJUT_DEFAULT_DUE_DAYS", "%q names %s twice", raw, kind)
			return
		}
		cfg.DefaultDueDays[kind] = d
	}
}

// maxGap is the longest wait between two runs of sched over a week.
func maxGap(sched cron.Schedule) time.Duration {
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := t.AddDate(0, 0, 7)
	var gap time.Duration
	for t.Before(end) {
		next := sched.Next(t)
		if next.IsZero() {
			return end.Sub(t)
		}
		gap = max(gap, next.Sub(t))
		t = next
	}
	return gap
}

// scrubURLError keeps a parse error from echoing a password back into logs.
func scrubURLError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "(postgres"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

func checkSMTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return fmt.Errorf("scheme %q is not smtp", u.Scheme)
	}
	if u.Hostname() == "" {
		return errors.New("no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not valid", p)
		}
	}
	switch u.Query().Get("tls") {
	case "", "starttls", "implicit", "none":
	default:
		return fmt.Errorf("tls=%q is not one of starttls, implicit, none", u.Query().Get("tls"))
	}
	return nil
}

// ManagedDatabase reports whether the service runs its own PostgreSQL.
func (c *Config) ManagedDatabase() bool { return c.DatabaseURL == "" }

// CheckDataDir makes sure the data directory exists and is writable.
func (c *Config) CheckDataDir() error {
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return &Error{Key: "TINDAKLANJUT_DATA_DIR", Msg: fmt.Sprintf("cannot create %s: %v; choose a writable directory", c.DataDir, errors.Unwrap(err))}
	}
	f, err := os.CreateTemp(c.DataDir, ".write-check-*")
	if err != nil {
		return &Error{Key: "TINDAKLANJUT_DATA_DIR", Msg: fmt.Sprintf("%s is not writable by this user; fix its permissions or choose another directory", c.DataDir)}
	}
	f.Close()
	return os.Remove(f.Name())
}

// Listen opens the HTTP listener, turning "address in use" into advice.
func (c *Config) Listen() (net.Listener, error) {
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, &Error{Key: "TINDAKLANJUT_ADDR", Msg: fmt.Sprintf("address %s is already in use by another program; stop it or set TINDAKLANJUT_ADDR to a free port", c.Addr)}
		}
		return nil, &Error{Key: "TINDAKLANJUT_ADDR", Msg: fmt.Sprintf("cannot listen on %s: %v", c.Addr, err)}
	}
	return l, nil
}

// LogValue lists the effective configuration with secrets masked, for the one
// log line at start.
func (c *Config) LogValue() slog.Value {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "*****"
	}
	db := "managed local PostgreSQL under " + filepath.Join(c.DataDir, "postgres")
	if c.DatabaseURL != "" {
		db = MaskURL(c.DatabaseURL)
	}
	tz := ""
	if c.TimeZone != nil {
		tz = c.TimeZone.String()
	}
	return slog.GroupValue(
		slog.String("config_file", c.File),
		slog.String("database", db),
		slog.String("database_read", MaskURL(c.DatabaseReadURL)),
		slog.String("data_dir", c.DataDir),
		slog.String("addr", c.Addr),
		slog.String("base_url", c.BaseURL),
		slog.String("timezone", tz),
		slog.String("smtp", MaskURL(c.SMTPURL)),
		slog.String("mail_from", c.MailFrom),
		slog.String("admin_email", c.AdminEmail),
		slog.String("admin_password", mask(c.AdminPassword)),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.String("shutdown_timeout", c.ShutdownTimeout.String()),
		slog.String("db_max_conns", c.maxConnsLabel()),
		slog.Int64("upload_max_size", c.UploadMaxSize),
		slog.String("token_ttl", c.TokenTTL.String()),
		slog.Bool("trust_proxy", c.TrustProxy),
		slog.Int("reminder_hour", c.ReminderHour),
		slog.Any("reminder_due_days", c.ReminderDueDays),
		slog.Int("reminder_overdue_every", c.ReminderOverdueEvery),
		slog.Int("reminder_unassigned_days", c.ReminderUnassignedDays),
		slog.Any("reminder_assessment_days", c.ReminderAssessmentDays),
		slog.String("digest_weekday", c.DigestWeekday.String()),
		slog.String("planner_schedule", c.PlannerSchedule),
		slog.String("org_name", c.OrgName),
		slog.String("org_logo", c.OrgLogo),
		slog.String("sender_schedule", c.SenderSchedule),
		slog.String("mail_retry_for", c.MailRetryFor.String()),
		slog.Int("extension_limit", c.ExtensionLimit),
		slog.Any("escalation_days", c.EscalationDays),
		slog.Any("default_due_days", c.DefaultDueDays),
	)
}

// MaskURL hides the password of a URL (and of key=value connection strings).
func MaskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		// key=value form: hide password=...
		fields := strings.Fields(raw)
		for i, f := range fields {
			if strings.HasPrefix(f, "password=") {
				fields[i] = "password=*****"
			}
		}
		return strings.Join(fields, " ")
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "*****")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "*****")
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A%2A%2A", "*****")
}

// maxConnsLabel is the pool size as configured: a number or "auto".
func (c Config) maxConnsLabel() string {
	if c.DBMaxConns == 0 {
		return "auto"
	}
	return strconv.Itoa(c.DBMaxConns)
}

// ParseSize reads a byte count: a whole number, optionally followed by
// KiB, MiB or GiB (binary units, as the limit is shown to users).
func ParseSize(s string) (int64, error) {
	num, mult := s, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}

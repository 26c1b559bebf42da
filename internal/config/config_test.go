package config

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	cfg, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.TimeZone.String() != "Asia/Makassar" || cfg.DatabaseURL != "" ||
		!strings.HasSuffix(cfg.DataDir, "/var") || cfg.ShutdownTimeout != 15*time.Second || !cfg.ManagedDatabase() || cfg.DBMaxConns != 0 {
		t.Errorf("defaults from the shipped config file: %+v", cfg)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/tl.env"
	os.WriteFile(file, []byte("# comment\nTINDAKLANJUT_ADDR=:9000\nexport TINDAKLANJUT_TIMEZONE=\"Asia/Jakarta\"\nSMTP_URL=smtp://mail:25\n"), 0o600)
	cfg, err := Load(env(map[string]string{FileEnv: file, "TINDAKLANJUT_ADDR": ":9100", "SMTP_URL": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9100" {
		t.Errorf("Addr = %q; want the environment's :9100", cfg.Addr)
	}
	if cfg.TimeZone.String() != "Asia/Jakarta" {
		t.Errorf("TimeZone = %v; want the file's Asia/Jakarta", cfg.TimeZone)
	}
	if cfg.SMTPURL != "" {
		t.Errorf("SMTPURL = %q; an empty variable must override the file", cfg.SMTPURL)
	}
}

func TestMaskedLogValue(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		FileEnv:                       "../../configs/tindaklanjut.env",
		"DATABASE_URL":                "postgres://tl:hunter2secret@db:5432/tl",
		"DATABASE_READ_URL":           "postgres://tl:readsecret@db2:5432,db3:5432/tl?target_session_attrs=prefer-standby",
		"SMTP_URL":                    "smtp://mailer:mailsecret@mail:587",
		"TINDAKLANJUT_ADMIN_PASSWORD": "adminsecret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.LogValue().String()
	for _, secret := range []string{"hunter2secret", "readsecret", "mailsecret", "adminsecret"} {
		if strings.Contains(s, secret) {
			t.Errorf("log value shows %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "postgres://tl:*****@db:5432/tl") {
		t.Errorf("log value does not show the masked database URL: %s", s)
	}
}

func TestMaskURLKeyValueForm(t *testing.T) {
	got := MaskURL("host=db user=tl password=hunter2 dbname=tl")
	if strings.Contains(got, "hunter2") {
		t.Errorf("MaskURL = %q", got)
	}
}

// TestDocumentedKeys keeps the shipped config file and the README's reference
// true to the code: every key appears in both.
func TestDocumentedKeys(t *testing.T) {
	file, err := os.ReadFile("../../configs/tindaklanjut.env")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys {
		if !strings.Contains(string(file), "#"+k.Name+"="+k.Default+"\n") {
			t.Errorf("configs/tindaklanjut.env lacks the line #%s=%s", k.Name, k.Default)
		}
		if !strings.Contains(string(readme), "`"+k.Name+"`") {
			t.Errorf("README.md does not document %s", k.Name)
		}
	}
}

func TestReminderKeys(t *testing.T) {
	cfg, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env",
		"TINDAKLANJUT_REMINDER_DUE_DAYS": "1, 7,0,30", "TINDAKLANJUT_DIGEST_WEEKDAY": "Friday", "TINDAKLANJUT_REMINDER_ASSESSMENT_DAYS": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ReminderDueDays; len(got) != 4 || got[0] != 30 || got[3] != 0 {
		t.Errorf("ReminderDueDays = %v; want largest first [30 7 1 0]", got)
	}
	if cfg.DigestWeekday != time.Friday || cfg.ReminderHour != 8 || cfg.MailRetryFor != 72*time.Hour || len(cfg.ReminderAssessmentDays) != 0 {
		t.Errorf("reminder config: %+v", cfg)
	}

	bad := map[string]string{
		"TINDAKLANJUT_REMINDER_HOUR":            "24",
		"TINDAKLANJUT_REMINDER_DUE_DAYS":        "7,x",
		"TINDAKLANJUT_REMINDER_ASSESSMENT_DAYS": "7,0",
		"TINDAKLANJUT_REMINDER_OVERDUE_EVERY":   "-1",
		"TINDAKLANJUT_REMINDER_UNASSIGNED_DAYS": "seminggu",
		"TINDAKLANJUT_DIGEST_WEEKDAY":           "senin",
		"TINDAKLANJUT_PLANNER_SCHEDULE":         "every hour",
		"TINDAKLANJUT_SENDER_SCHEDULE":          "* * *",
		"TINDAKLANJUT_MAIL_RETRY_FOR":           "30s",
		"TINDAKLANJUT_TIMEZONE":                 "Local",
	}
	for key, val := range bad {
		t.Run(key, func(t *testing.T) {
			_, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", key: val}))
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("%s=%q: err = %v; want one naming the key", key, val, err)
			}
		})
	}
	for _, spec := range []string{"0 8 * * *", "@every 2h", "0 */2 * * *"} {
		_, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", "TINDAKLANJUT_PLANNER_SCHEDULE": spec}))
		if err == nil || !strings.Contains(err.Error(), "at least every hour") {
			t.Errorf("planner at %q: err = %v; want it refused as less than hourly", spec, err)
		}
	}
	for _, spec := range []string{"*/15 * * * *", "@every 30m", "5 * * * *"} {
		if _, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", "TINDAKLANJUT_PLANNER_SCHEDULE": spec})); err != nil {
			t.Errorf("planner at %q: %v", spec, err)
		}
	}
	_, err = Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", "TINDAKLANJUT_REMINDER_DUE_DAYS": "7,7"}))
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a repeated day: err = %v", err)
	}
}

// DATABASE_READ_URL: a multi-host URL beside DATABASE_URL is taken; one
// that does not parse, or one without DATABASE_URL (the managed database
// has no replica), is refused naming the key.
func TestDatabaseReadURL(t *testing.T) {
	const read = "postgres://tl@db2:5432,db3:5432/tl?target_session_attrs=prefer-standby"
	cfg, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", "DATABASE_URL": "postgres://tl@db1:5432,db2:5432/tl?target_session_attrs=read-write",
		"DATABASE_READ_URL": read}))
	if err != nil || cfg.DatabaseReadURL != read {
		t.Fatalf("Load = %v; DatabaseReadURL %q", err, cfg.DatabaseReadURL)
	}
	for _, tt := range []struct{ primary, read, want string }{
		{"postgres://tl@db1/tl", "postgres://tl@db2:port/tl", "not a valid PostgreSQL URL"},
		{"postgres://tl@db1/tl", "postgres://tl@db2/tl?target_session_attrs=sometimes", "not a valid PostgreSQL URL"},
		{"", read, "need DATABASE_URL"},
	} {
		_, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", "DATABASE_URL": tt.primary, "DATABASE_READ_URL": tt.read}))
		if err == nil || !strings.Contains(err.Error(), "DATABASE_READ_URL") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DATABASE_URL=%q DATABASE_READ_URL=%q: err = %v; want %q naming the key", tt.primary, tt.read, err, tt.want)
		}
	}
}

func TestDeadlineKeys(t *testing.T) {
	cfg, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExtensionLimit != 2 || !slices.Equal(cfg.EscalationDays, []int{14, 30}) || len(cfg.DefaultDueDays) != 1 || cfg.DefaultDueDays["internal_audit"] != 60 {
		t.Errorf("defaults: limit %d, escalation %v, default due %v", cfg.ExtensionLimit, cfg.EscalationDays, cfg.DefaultDueDays)
	}
	cfg, err = Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", "TINDAKLANJUT_EXTENSION_LIMIT": "0",
		"TINDAKLANJUT_ESCALATION_DAYS": "60, 7,21", "TINDAKLANJUT_DEFAULT_DUE_DAYS": "internal_audit=60, ict_audit = 90"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExtensionLimit != 0 || !slices.Equal(cfg.EscalationDays, []int{7, 21, 60}) || cfg.DefaultDueDays["ict_audit"] != 90 {
		t.Errorf("set: limit %d, escalation %v, default due %v", cfg.ExtensionLimit, cfg.EscalationDays, cfg.DefaultDueDays)
	}
	cfg, err = Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", "TINDAKLANJUT_ESCALATION_DAYS": "", "TINDAKLANJUT_DEFAULT_DUE_DAYS": ""}))
	if err != nil || len(cfg.EscalationDays) != 0 || len(cfg.DefaultDueDays) != 0 {
		t.Errorf("empty: %v, %v, %v", err, cfg.EscalationDays, cfg.DefaultDueDays)
	}
	for key, vals := range map[string][]string{
		"TINDAKLANJUT_EXTENSION_LIMIT":  {"-1", "dua", "101", ""},
		"TINDAKLANJUT_ESCALATION_DAYS":  {"14,x", "0,14", "14,14", "400"},
		"TINDAKLANJUT_DEFAULT_DUE_DAYS": {"internal_audit", "audit=60", "internal_audit=0", "internal_audit=60,internal_audit=30", "internal_audit=x"},
	} {
		for _, val := range vals {
			_, err := Load(env(map[string]string{FileEnv: "../../configs/tindaklanjut.env", key: val}))
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("%s=%q: err = %v; want one naming the key", key, val, err)
			}
		}
	}
}

func TestLetterheadKeys(t *testing.T) {
	dir := t.TempDir()
	png := dir + "/logo.png"
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o600)
	text := dir + "/logo.txt"
	os.WriteFile(text, []byte("bukan gambar"), 0o600)
	big := dir + "/big.png"
	os.WriteFile(big, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1<<20)...), 0o600)
	base := map[string]string{FileEnv: "../../configs/tindaklanjut.env"}
	load := func(kv ...string) (*Config, error) {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return Load(env(m))
	}
	cfg, err := load("TINDAKLANJUT_ORG_NAME", "Pemerintah Provinsi Kalimantan Selatan", "TINDAKLANJUT_ORG_LOGO", png)
	if err != nil || cfg.OrgName != "Pemerintah Provinsi Kalimantan Selatan" || len(cfg.OrgLogoData) == 0 {
		t.Fatalf("%v %+v", err, cfg)
	}
	if cfg, err := load(); err != nil || cfg.OrgName != "Pemerintah Daerah" || cfg.OrgLogoData != nil {
		t.Errorf("defaults: %v %+v", err, cfg)
	}
	for _, bad := range [][2]string{{"TINDAKLANJUT_ORG_NAME", "  "}, {"TINDAKLANJUT_ORG_NAME", strings.Repeat("x", 201)},
		{"TINDAKLANJUT_ORG_LOGO", dir + "/tidak-ada.png"}, {"TINDAKLANJUT_ORG_LOGO", text}, {"TINDAKLANJUT_ORG_LOGO", big}} {
		if _, err := load(bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%.40q: %v", bad[0], bad[1], err)
		}
	}
}

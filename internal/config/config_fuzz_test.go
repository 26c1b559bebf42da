package config

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzParseSize checks that a size that parses is a non-negative whole
// number of its unit.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"25MiB", "25 MiB", "512KiB", "1GiB", "700", "0", "-1", "+5", "9223372036854775807",
		"8589934592GiB", "1.5MiB", "MiB", "1mib", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		unit := int64(1)
		switch {
		case strings.HasSuffix(s, "KiB"):
			unit = 1 << 10
		case strings.HasSuffix(s, "MiB"):
			unit = 1 << 20
		case strings.HasSuffix(s, "GiB"):
			unit = 1 << 30
		}
		if n < 0 || n%unit != 0 || n > math.MaxInt64 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}

// FuzzConfigValue sets one key to any value (as the environment or the
// file may) and checks that the configuration is either built or refused
// with errors that each name a known key.
func FuzzConfigValue(f *testing.F) {
	for i, k := range Keys {
		f.Add(uint8(i), k.Default)
	}
	f.Add(uint8(0), "postgres://u:p@[::1]:5432/db?sslmode=disable")
	f.Add(uint8(0), "postgres://u:p@%zz/db")
	f.Add(uint8(1), "smtp://u:p@host:587?tls=starttls")
	f.Add(uint8(2), "* * * * * *")
	f.Add(uint8(3), "30,14,,-1,99999999999")
	f.Add(uint8(4), "Asia/../../etc/passwd")
	f.Fuzz(func(t *testing.T, i uint8, value string) {
		values := make(map[string]string, len(Keys))
		for _, k := range Keys {
			values[k.Name] = k.Default
		}
		key := Keys[int(i)%len(Keys)].Name
		values[key] = value
		cfg, errs := parse(values)
		if len(errs) == 0 {
			if cfg == nil {
				t.Fatalf("%s=%q: no configuration and no error", key, value)
			}
			_ = cfg.LogValue().String()
			return
		}
		for _, err := range errs {
			var e *Error
			if !errors.As(err, &e) || e.Key == "" {
				t.Fatalf("%s=%q: error %v names no key", key, value, err)
			}
		}
	})
}

// FuzzParseEnvFile checks that a configuration file is either refused with
// its name and line, or read into known keys only.
func FuzzParseEnvFile(f *testing.F) {
	f.Add([]byte("# comment\nDATABASE_URL=postgres://localhost/db\nexport TINDAKLANJUT_ADDR=':8080'\n\n"))
	f.Add([]byte("TINDAKLANJUT_LOG_LEVEL=\"debug\"\nNOPE=1\n"))
	f.Add([]byte("TINDAKLANJUT_TIMEZONE\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		known := map[string]bool{}
		for _, k := range Keys {
			known[k.Name] = true
		}
		out, err := parseEnvFile(strings.NewReader(string(data)), "uji.env")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "uji.env:") && !strings.Contains(err.Error(), "too long") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for k := range out {
			if !known[k] {
				t.Fatalf("unknown key %q accepted", k)
			}
		}
	})
}

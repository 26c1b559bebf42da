package framework

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Decimal is a score or an index with two decimal places, held exactly as
// hundredths: 3.25 is Decimal(325). Scores are read from their text (JSON,
// a form, PostgreSQL's numeric) straight into hundredths and the index is
// computed in integers, so no binary fraction ever stands between what an
// assessor typed and the published index.
type Decimal int64

// Whole returns the Decimal of a whole number.
func Whole(n int) Decimal { return Decimal(n) * 100 }

// Errors of ParseDecimal.
var (
	errNotNumber    = errors.New("not a number")
	errTooPrecise   = errors.New("more than two decimals")
	errDecimalRange = errors.New("out of range")
)

// ParseDecimal reads a non-negative number written with at most two
// decimals, with a point or, as Indonesian writes it, a comma: "3", "3.2",
// "3.25", "3,25". It refuses exponents, signs, grouping and anything with a
// third decimal, even a zero one ("3.250"), as a precision the scale does
// not have.
func ParseDecimal(s string) (Decimal, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if !hasFrac {
		whole, frac, hasFrac = strings.Cut(s, ",")
	}
	if whole == "" || !digits(whole) || (hasFrac && (frac == "" || !digits(frac))) {
		return 0, errNotNumber
	}
	if len(frac) > 2 {
		return 0, errTooPrecise
	}
	if len(whole) > 6 {
		return 0, errDecimalRange
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return Decimal(w*100 + f), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// IsWhole reports whether d has no fraction.
func (d Decimal) IsWhole() bool { return d%100 == 0 }

// Int returns the whole part of d.
func (d Decimal) Int() int { return int(d / 100) }

// String writes d with two decimals and a point: "3.25", "4.00".
func (d Decimal) String() string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	return sign + strconv.FormatInt(int64(d/100), 10) + "." + twoDigits(int64(d%100))
}

// Comma writes d with two decimals and the Indonesian decimal comma: "3,25".
func (d Decimal) Comma() string { return strings.Replace(d.String(), ".", ",", 1) }

// Float returns d as a float64, for charts and display only.
func (d Decimal) Float() float64 { return float64(d) / 100 }

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// MarshalJSON writes d as a JSON number with two decimals (2.50).
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// Scan reads PostgreSQL's numeric, which database/sql hands over as text.
func (d *Decimal) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case int64:
		*d = Whole(int(v))
		return nil
	default:
		return errors.New("framework: cannot scan a Decimal from this type")
	}
	x, err := ParseDecimal(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	*d = x
	return nil
}

// weightUnits is the precision weights are kept in: ten-thousandths of a
// percent, the precision of the database's numeric(7,4).
const weightUnits = 10000

// weightOf returns a weight in percent as an exact count of
// ten-thousandths; weights come from numeric(7,4) or a model file, so
// rounding to that precision recovers the value written.
func weightOf(percent float64) int64 {
	if percent < 0 {
		return -int64(-percent*weightUnits + 0.5)
	}
	return int64(percent*weightUnits + 0.5)
}

// meanOf returns num/den rounded to hundredths, half away from zero: the
// weighted mean of scores in hundredths (num = Σ score·weight, den =
// Σ weight), computed in integers.
func meanOf(num, den int64) Decimal {
	if num < 0 {
		return -Decimal((-2*num + den) / (2 * den))
	}
	return Decimal((2*num + den) / (2 * den))
}

// JSON returns d as the JSON number of a model's scoring: a whole level on
// a levels model (3), two decimals otherwise (3.25).
func (d Decimal) JSON(scoring Scoring) json.Number {
	if scoring == Levels && d.IsWhole() {
		return json.Number(strconv.Itoa(d.Int()))
	}
	return json.Number(d.String())
}

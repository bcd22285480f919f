package tariff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Format names the version of the JSON file format that Marshal writes and
// Unmarshal reads (see the package documentation).
const Format = "clockroom.tariffs/1"

// File is the JSON file of a venue's tariffs.
type File struct {
	Format  string   `json:"format"`
	Tariffs []Tariff `json:"tariffs"`
}

// Marshal writes tariffs as a File: indented, fields in a fixed order,
// weekdays Monday first, so that a file kept in version control changes
// only where a price did.
func Marshal(tariffs ...Tariff) ([]byte, error) {
	if tariffs == nil {
		tariffs = []Tariff{}
	}
	b, err := json.MarshalIndent(File{Format: Format, Tariffs: tariffs}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ErrFormat is returned by Unmarshal for a file of another format.
var ErrFormat = errors.New("not a Clockroom tariff file (format " + Format + ")")

// Unmarshal reads a File strictly: an unknown field, a wrong type, trailing
// data or another format is an error, so a typo in a price list is refused
// rather than silently dropped. It does not validate the tariffs: call
// Validate on each.
func Unmarshal(data []byte) ([]Tariff, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("tariff file: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("tariff file: data after the file's end")
	}
	if f.Format != Format {
		return nil, ErrFormat
	}
	return f.Tariffs, nil
}

// Clock is a local time of day in minutes after midnight (0–1439),
// written "HH:MM" in JSON.
type Clock int

// At returns the clock at hours and minutes.
func At(hour, minute int) Clock { return Clock(hour*60 + minute) }

// String writes the clock as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// valid reports whether the clock is a time of day.
func (c Clock) valid() bool { return c >= 0 && c < 24*60 }

// MarshalJSON writes "HH:MM".
func (c Clock) MarshalJSON() ([]byte, error) {
	if !c.valid() {
		return nil, fmt.Errorf("clock %d is not a time of day", int(c))
	}
	return []byte(`"` + c.String() + `"`), nil
}

// UnmarshalJSON reads "HH:MM" (00:00 to 23:59).
func (c *Clock) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	*c = At(t.Hour(), t.Minute())
	return nil
}

// Days is a set of weekdays, bit time.Weekday set for each; the empty set
// means every day where a TimeRange uses it.
type Days uint8

// EveryDay holds all seven days.
const EveryDay Days = 1<<7 - 1

// DaysOf returns the set of the given weekdays.
func DaysOf(days ...time.Weekday) Days {
	var d Days
	for _, w := range days {
		d |= 1 << (w % 7)
	}
	return d
}

// Has reports whether w is in the set (the empty set has every day).
func (d Days) Has(w time.Weekday) bool { return d == 0 || d&(1<<w) != 0 }

// dayNames in JSON order, Monday first.
var dayNames = [7]struct {
	name string
	day  time.Weekday
}{{"mon", time.Monday}, {"tue", time.Tuesday}, {"wed", time.Wednesday}, {"thu", time.Thursday},
	{"fri", time.Friday}, {"sat", time.Saturday}, {"sun", time.Sunday}}

// MarshalJSON writes the days as ["mon", "tue", ...], Monday first.
func (d Days) MarshalJSON() ([]byte, error) {
	names := make([]string, 0, 7)
	for _, n := range dayNames {
		if d&(1<<n.day) != 0 {
			names = append(names, n.name)
		}
	}
	return json.Marshal(names)
}

// UnmarshalJSON reads a list of day names: mon tue wed thu fri sat sun.
func (d *Days) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*d = 0
next:
	for _, s := range names {
		for _, n := range dayNames {
			if strings.EqualFold(s, n.name) {
				*d |= 1 << n.day
				continue next
			}
		}
		return fmt.Errorf("%q is not a day (mon tue wed thu fri sat sun)", s)
	}
	return nil
}

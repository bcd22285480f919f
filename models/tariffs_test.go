package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clockroom/clockroom/internal/tariff"
	"github.com/clockroom/clockroom/models"
)

// priced is a venue in London whose standard tariff is t, with a night on
// the day after tomorrow from 17:00 to 23:30, local.
type priced struct {
	s      *models.Store
	event  int64
	day    func(h, m int) time.Time
	actor  models.User
	london *time.Location
}

func newPriced(t *testing.T, tt tariff.Tariff) priced {
	t.Helper()
	return newPricedOn(t, newFixture(t, 50), tt, 17, 23)
}

// newPricedOn is newPriced on fixture f, with the night from start:00 to
// end:30, local.
func newPricedOn(t *testing.T, f fixture, tt tariff.Tariff, start, end int) priced {
	t.Helper()
	ctx := context.Background()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := t0.In(london).AddDate(0, 0, 2).Date()
	day := func(h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, london) }
	admin, err := f.s.CreateUser(ctx, models.NewUser{Email: "admin@example.com", Name: "Admin", Password: "password123", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.At(t0).SaveTariff(ctx, tt, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.At(t0).SetStandardTariff(ctx, tt.Name, admin.ID); err != nil {
		t.Fatal(err)
	}
	var venue int64
	if err := f.s.DB.Get(&venue, `SELECT venue_id FROM events WHERE id = $1`, f.event); err != nil {
		t.Fatal(err)
	}
	id, err := f.s.At(t0).CreateEvent(ctx, models.NewEvent{VenueID: venue, HostID: f.host.ID, Status: models.EventPublished,
		EventInput: models.EventInput{Title: "Evening", StartsAt: day(start, 0), EndsAt: day(end, 30), Capacity: 50}})
	if err != nil {
		t.Fatal(err)
	}
	return priced{s: f.s, event: id, day: day, actor: admin, london: london}
}

func (p priced) walkIn(t *testing.T, name string, at time.Time) int64 {
	t.Helper()
	v, err := p.s.At(at).WalkIn(context.Background(), models.WalkInRequest{EventID: p.event, Name: name, ActorID: p.actor.ID})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func (p priced) checkOut(t *testing.T, visit int64, at time.Time) models.Bill {
	t.Helper()
	_, b, _, err := p.s.At(at).CheckOut(context.Background(), visit, p.actor.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scanner is the door scanning ticket r of the night, at a given time.
func (p priced) scanner(t *testing.T, r models.RSVP) func(dir string, at time.Time, key string) models.ScanResponse {
	return func(dir string, at time.Time, key string) models.ScanResponse {
		t.Helper()
		resp, err := p.s.At(at).Scan(context.Background(), models.ScanRequest{EventID: p.event, TicketID: r.TicketID, Direction: dir, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
}

func pence(n int64) tariff.Rate { return tariff.Rate{PerMinute: n} }

// eveningRate is acceptance case 1's tariff: 6p a minute until 18:00, 8p after.
func eveningRate(evening int64) tariff.Tariff {
	return tariff.Tariff{Name: "Standard", Steps: []tariff.Step{{Rate: pence(6)}},
		Windows: []tariff.Window{{Name: "Evening", TimeRange: tariff.TimeRange{Start: tariff.At(18, 0), End: tariff.At(4, 0)},
			Steps: []tariff.Step{{Rate: pence(evening)}}}}}
}

// Acceptance case 1 through the database: a stay from 17:40 to 18:25 is
// £3.20, explained line by line, and an admin's edit at 18:10 (evening rate
// 10p) does not reach it, only stays admitted after.
func TestAStayKeepsTheTariffItWasAdmittedUnder(t *testing.T) {
	ctx := context.Background()
	p := newPriced(t, eveningRate(8))
	ann := p.walkIn(t, "Ann", p.day(17, 40))
	if _, err := p.s.At(p.day(18, 10)).SaveTariff(ctx, eveningRate(10), p.actor.ID); err != nil {
		t.Fatal(err)
	}
	bob := p.walkIn(t, "Bob", p.day(18, 12))
	b := p.checkOut(t, ann, p.day(18, 25))
	if b.Amount != 320 || b.Minutes != 45 || b.Explained == nil || len(b.Explained.Lines) != 2 ||
		b.Explained.Lines[0].Amount != 120 || b.Explained.Lines[1].Amount != 200 || b.Explained.Version != 1 {
		t.Fatalf("Ann's stay: %+v %+v", b, b.Explained)
	}
	if b := p.checkOut(t, bob, p.day(18, 22)); b.Amount != 100 || b.Explained.Version != 2 {
		t.Fatalf("Bob, admitted after the edit, pays 10 min × 10p: %+v", b)
	}
	// The visit page reads the bill as it was kept, lines and all.
	d, err := p.s.VisitDetail(ctx, ann)
	if err != nil || d.Bill.Amount != 320 || d.Bill.Explained == nil || len(d.Bill.Explained.Lines) != 2 {
		t.Fatalf("kept bill: %+v %v", d.Bill, err)
	}
}

// Acceptance case 2: a day pass bought at 13:00 covers the morning's meter:
// 10:00–19:00 is 15.00 €, not 26 €.
func TestAPassBoughtMidStayCoversTheMorning(t *testing.T) {
	ctx := context.Background()
	tt := tariff.Tariff{Name: "Standard", FirstPeriod: &tariff.FirstPeriod{Minutes: 60, Price: 500},
		Steps:  []tariff.Step{{Rate: pence(5)}}, // then 3 € an hour, by the minute
		Passes: []tariff.Pass{{Name: "Day pass", Kind: tariff.DayPass, Price: 1500, Covers: tariff.Cover{BusinessDay: true}}}}
	f := newFixture(t, 50)
	f.s.DB.MustExec(`UPDATE venues SET currency = 'EUR'`)
	p := newPricedOn(t, f, tt, 9, 20)
	visit := p.walkIn(t, "Ann", p.day(10, 0))
	if err := p.s.At(p.day(13, 0)).BuyPass(ctx, models.PassPurchase{VisitID: visit, Pass: "Day pass", ActorID: p.actor.ID}); err != nil {
		t.Fatal(err)
	}
	if err := p.s.At(p.day(13, 1)).BuyPass(ctx, models.PassPurchase{VisitID: visit, Pass: "Day pass", ActorID: p.actor.ID}); !errors.Is(err, models.ErrPassBought) {
		t.Fatalf("the same pass twice: %v", err)
	}
	if err := p.s.At(p.day(13, 1)).BuyPass(ctx, models.PassPurchase{VisitID: visit, Pass: "Moon pass", ActorID: p.actor.ID}); !errors.Is(err, models.ErrNoSuchPass) {
		t.Fatalf("a pass the tariff does not sell: %v", err)
	}
	if b := p.checkOut(t, visit, p.day(19, 0)); b.Amount != 1500 {
		t.Fatalf("with the day pass: %+v", b)
	}
}

// Acceptance case 5 through the database: staff price a stay for the
// student group (−20%, with a reason, audited): case 1 becomes £2.56.
func TestStaffPriceAStayForAGroup(t *testing.T) {
	ctx := context.Background()
	tt := eveningRate(8)
	tt.Groups = []tariff.Group{{Name: "Students", PercentOffBP: 2000}}
	p := newPriced(t, tt)
	visit := p.walkIn(t, "Ann", p.day(17, 40))
	if err := p.s.SetVisitGroup(ctx, visit, "Students", "", p.actor.ID); !errors.Is(err, models.ErrNeedsReason) {
		t.Fatalf("a group with no reason: %v", err)
	}
	if err := p.s.SetVisitGroup(ctx, visit, "Pensioners", "card shown", p.actor.ID); !errors.Is(err, models.ErrNoSuchGroup) {
		t.Fatalf("a group the tariff does not price: %v", err)
	}
	if err := p.s.At(p.day(17, 50)).SetVisitGroup(ctx, visit, "Students", "student card shown", p.actor.ID); err != nil {
		t.Fatal(err)
	}
	if b := p.checkOut(t, visit, p.day(18, 25)); b.Amount != 256 {
		t.Fatalf("students pay £2.56: %+v", b)
	}
	var n int
	p.s.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'visit.group' AND detail->>'reason' = 'student card shown'`)
	if n != 1 {
		t.Fatal("the group change is not audited with its reason")
	}
}

// A guest's usual group prices their stays where the tariff has it, and is
// left aside where it does not (the simple price has no groups).
func TestAUsersGroupPricesTheirStays(t *testing.T) {
	ctx := context.Background()
	tt := eveningRate(8)
	tt.Groups = []tariff.Group{{Name: "Students", PercentOffBP: 2000}}
	p := newPriced(t, tt)
	u, err := p.s.CreateUser(ctx, models.NewUser{Email: "student@example.com", Name: "Sam", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.s.SetUserGroup(ctx, u.ID, "Students", "student card", p.actor.ID); err != nil {
		t.Fatal(err)
	}
	r, err := p.s.At(p.day(12, 0)).Reserve(ctx, p.event, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.s.At(p.day(17, 40)).Scan(ctx, models.ScanRequest{EventID: p.event, TicketID: r.TicketID, Direction: models.ScanIn, Key: "sam-in-1", ActorID: p.actor.ID})
	if err != nil || resp.Result != models.ResultAdmitted {
		t.Fatalf("admit: %+v %v", resp, err)
	}
	if b := p.checkOut(t, resp.Visit.ID, p.day(18, 25)); b.Amount != 256 {
		t.Fatalf("a student's stay: %+v", b)
	}
}

// A tariff is saved as versions: a save that changes nothing writes no
// version, a refused one says which field is wrong and writes nothing, and
// a version is never rewritten, not even by hand in SQL.
func TestTariffVersions(t *testing.T) {
	ctx := context.Background()
	p := newPriced(t, eveningRate(8))
	v, err := p.s.SaveTariff(ctx, eveningRate(8), p.actor.ID)
	if err != nil || v.Version != 1 {
		t.Fatalf("saving the same tariff again: version %d, %v", v.Version, err)
	}
	bad := eveningRate(8)
	bad.Windows = append(bad.Windows, tariff.Window{Name: "Late", TimeRange: tariff.TimeRange{Start: tariff.At(20, 0), End: tariff.At(22, 0)}, Steps: []tariff.Step{{Rate: pence(9)}}})
	_, err = p.s.SaveTariff(ctx, bad, p.actor.ID)
	var te *models.TariffError
	if !errors.As(err, &te) || len(te.Problems) == 0 || !strings.HasPrefix(te.Problems[0].Field, "windows") {
		t.Fatalf("overlapping windows: %v", err)
	}
	usd := eveningRate(8)
	usd.Currency = "USD"
	if _, err := p.s.SaveTariff(ctx, usd, p.actor.ID); !errors.Is(err, models.ErrTariffCurrency) {
		t.Fatalf("a tariff in another currency: %v", err)
	}
	if v, err := p.s.SaveTariff(ctx, eveningRate(9), p.actor.ID); err != nil || v.Version != 2 || !v.Standard {
		t.Fatalf("a change: %+v %v", v, err)
	}
	if _, err := p.s.DB.Exec(`UPDATE tariffs SET body = body || '{"minimum_charge": 1}'`); err == nil {
		t.Fatal("a version was rewritten in place")
	}
	if err := p.s.RetireTariff(ctx, "Standard", true, p.actor.ID); !errors.Is(err, models.ErrTariffRetired) {
		t.Fatalf("retiring the standard tariff: %v", err)
	}
}

// Tariffs export as the engine's documented file and import back; an
// import with one bad tariff changes nothing.
func TestTariffsExportAndImport(t *testing.T) {
	ctx := context.Background()
	p := newPriced(t, eveningRate(8))
	students := eveningRate(5)
	students.Name = "Students"
	if _, err := p.s.SaveTariff(ctx, students, p.actor.ID); err != nil {
		t.Fatal(err)
	}
	file, err := p.s.ExportTariffs(ctx)
	if err != nil || !strings.Contains(string(file), `"clockroom.tariffs/1"`) {
		t.Fatalf("export: %s %v", file, err)
	}
	if n, err := p.s.ImportTariffs(ctx, file, p.actor.ID); err != nil || n != 0 {
		t.Fatalf("importing what is there changes nothing: %d %v", n, err)
	}
	changed := strings.Replace(string(file), `"per_minute": 5`, `"per_minute": 7`, 1)
	broken := strings.Replace(changed, `"per_minute": 8`, `"per_minute": -8`, 1)
	var te *models.TariffError
	if _, err := p.s.ImportTariffs(ctx, []byte(broken), p.actor.ID); !errors.As(err, &te) {
		t.Fatalf("a bad tariff in the file: %v", err)
	}
	if tv, _ := p.s.TariffByName(ctx, "Students"); tv.Version != 1 {
		t.Fatal("a refused import changed a tariff")
	}
	if n, err := p.s.ImportTariffs(ctx, []byte(changed), p.actor.ID); err != nil || n != 1 {
		t.Fatalf("import: %d %v", n, err)
	}
	if tv, _ := p.s.TariffByName(ctx, "Students"); tv.Version != 2 || tv.Tariff.Windows[0].Steps[0].Rate.PerMinute != 7 {
		t.Fatalf("imported: version %d, %+v", tv.Version, tv.Tariff)
	}
	if _, err := p.s.ImportTariffs(ctx, []byte(`{"format": "something else"}`), p.actor.ID); !errors.Is(err, tariff.ErrFormat) {
		t.Fatalf("not a tariffs file: %v", err)
	}
}

// The counter's quote is the check-out's engine: two hours from 17:00 by
// the standard tariff, explained.
func TestQuoteStay(t *testing.T) {
	ctx := context.Background()
	p := newPriced(t, eveningRate(8))
	b, err := p.s.QuoteStay(ctx, "", "", p.day(17, 40), p.day(18, 25))
	if err != nil || b.Total != 320 || len(b.Lines) != 2 {
		t.Fatalf("quote: %+v %v", b, err)
	}
	if _, err := p.s.QuoteStay(ctx, "", "Nobody", p.day(17, 40), p.day(18, 25)); !errors.Is(err, models.ErrNoSuchGroup) {
		t.Fatalf("a group the tariff does not have: %v", err)
	}
	if _, err := p.s.QuoteStay(ctx, "Missing", "", p.day(17, 40), p.day(18, 25)); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a tariff that does not exist: %v", err)
	}
}

// A pass bought on a ticket before the night, which the tariff the guest is
// admitted under no longer sells, is left out of the bill: the stay is
// still priced, on the live page and at check-out.
func TestAPassTheStaysTariffDoesNotSellIsLeftOut(t *testing.T) {
	ctx := context.Background()
	v1 := eveningRate(8)
	v1.Passes = []tariff.Pass{{Name: "Evening pass", Kind: tariff.NightPack, Price: 100, Covers: tariff.Cover{Minutes: 240}}}
	p := newPriced(t, v1)
	u, _ := p.s.CreateUser(ctx, models.NewUser{Email: "sam@example.com", Name: "Sam", Password: "password123"})
	r, err := p.s.At(p.day(12, 0)).Reserve(ctx, p.event, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.s.At(p.day(12, 5)).BuyPass(ctx, models.PassPurchase{RSVPID: r.ID, Pass: "Evening pass", ActorID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.s.At(p.day(13, 0)).SaveTariff(ctx, eveningRate(8), p.actor.ID); err != nil { // no more passes
		t.Fatal(err)
	}
	resp, err := p.s.At(p.day(17, 40)).Scan(ctx, models.ScanRequest{EventID: p.event, TicketID: r.TicketID, Direction: models.ScanIn, Key: "sam-in-1"})
	if err != nil || resp.Result != models.ResultAdmitted {
		t.Fatalf("admit: %+v %v", resp, err)
	}
	if inside, err := p.s.At(p.day(18, 0)).InsideNow(ctx); err != nil || len(inside) != 1 || inside[0].Bill.Amount != 120 {
		t.Fatalf("live page: %+v %v", inside, err)
	}
	if b := p.checkOut(t, resp.Visit.ID, p.day(18, 25)); b.Amount != 320 {
		t.Fatalf("by the meter, the pass left out: %+v", b)
	}
}

// Over a night of two stays, what the stays are billed adds up to the
// night's bill, a group chosen in the second stay included: the second
// owes the night less what the first was billed.
func TestANightsStaysAddUpWhenTheGroupChanges(t *testing.T) {
	ctx := context.Background()
	tt := tariff.Tariff{Name: "Standard", Steps: []tariff.Step{{Rate: pence(6)}}, Groups: []tariff.Group{{Name: "Students", PercentOffBP: 2000}}}
	p := newPriced(t, tt)
	u, _ := p.s.CreateUser(ctx, models.NewUser{Email: "sam@example.com", Name: "Sam", Password: "password123"})
	r, err := p.s.At(p.day(12, 0)).Reserve(ctx, p.event, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	scan := p.scanner(t, r)
	scan(models.ScanIn, p.day(17, 0), "sam-in-1")
	if out := scan(models.ScanOut, p.day(17, 30), "sam-out-1"); out.Visit.Amount != 180 {
		t.Fatalf("first stay: %+v", out.Visit)
	}
	in := scan(models.ScanIn, p.day(17, 40), "sam-in-2")
	if err := p.s.At(p.day(17, 45)).SetVisitGroup(ctx, in.Visit.ID, "Students", "card shown", p.actor.ID); err != nil {
		t.Fatal(err)
	}
	b := p.checkOut(t, in.Visit.ID, p.day(17, 50))
	// The night: 40 min × 6p = 240p, 20% off = 192p; the first stay was billed 180p.
	if b.Night != 192 || b.Amount != 12 || b.Credit != 0 {
		t.Fatalf("second stay: %+v", b)
	}
	var billed int64
	p.s.DB.Get(&billed, `SELECT sum(amount) FROM visits WHERE rsvp_id = $1`, r.ID)
	if billed != b.Night {
		t.Fatalf("the stays were billed %d, the night is %d", billed, b.Night)
	}
	var group *string
	p.s.DB.Get(&group, `SELECT price_group FROM visits WHERE rsvp_id = $1 ORDER BY id LIMIT 1`, r.ID)
	if group != nil {
		t.Fatalf("the closed first stay was changed: group %q", *group)
	}
}

// A venue's currency stays while a tariff stated in it is offered.
func TestCurrencyStaysWhileATariffIsStatedInIt(t *testing.T) {
	ctx := context.Background()
	p := newPriced(t, eveningRate(8))
	v, err := p.s.Venue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v.Currency = "JPY"
	var inUse *models.CurrencyInUseError
	if err := p.s.UpdateVenue(ctx, v, p.actor.ID); !errors.As(err, &inUse) || inUse.Tariffs != 1 {
		t.Fatalf("a currency change under a GBP tariff: %v", err)
	}
	if err := p.s.SetStandardTariff(ctx, "", p.actor.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.s.RetireTariff(ctx, "Standard", true, p.actor.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.s.UpdateVenue(ctx, v, p.actor.ID); err != nil {
		t.Fatalf("with the tariff retired: %v", err)
	}
}

// Names longer than the database keeps are refused by field, not by a 500.
func TestTariffNamesAreBounded(t *testing.T) {
	ctx := context.Background()
	p := newPriced(t, eveningRate(8))
	long := eveningRate(8)
	long.Name = strings.Repeat("é", 61)
	long.Passes = []tariff.Pass{{Name: strings.Repeat("p", 61), Kind: tariff.DayPass, Price: 100, Covers: tariff.Cover{BusinessDay: true}}}
	long.Groups = []tariff.Group{{Name: strings.Repeat("g", 41), PercentOffBP: 100}}
	var te *models.TariffError
	if _, err := p.s.SaveTariff(ctx, long, p.actor.ID); !errors.As(err, &te) || len(te.Problems.ByField()) != 3 {
		t.Fatalf("long names: %v", err)
	}
}

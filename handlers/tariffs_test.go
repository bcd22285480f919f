package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/models"
)

// upload posts a file as a browser's file input does, with the CSRF token
// of the last page (no file when name is "").
func (c *client) upload(path, field, name string, data []byte) response {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", c.csrf)
	if name != "" {
		fw, _ := w.CreateFormFile(field, name)
		fw.Write(data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// The tariffs page lists the standard tariff first with its price list;
// the export downloads tariffs.json, which imports back unchanged; a
// change imports as a new version; a file with one bad tariff is refused,
// naming the tariff and field, and changes nothing.
func TestTariffsExportAndImport(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, u := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	students := eveningTariff(5)
	students.Name, students.Groups = "Students", nil
	if _, err := ta.store.SaveTariff(t.Context(), students, u.ID); err != nil {
		t.Fatal(err)
	}
	ta.standardTariff(t, eveningTariff(8), u)

	list := admin.get("/admin/tariffs")
	wantBody(t, list, "Every day 18:00–04:00 (Evening): 8p a minute", `action="/admin/tariffs/Students/standard"`, `action="/admin/tariffs/import"`,
		`enctype="multipart/form-data"`, `href="/admin/tariffs/export"`, `href="/admin/tariffs/Standard/edit"`)
	if strings.Index(list.body, `<h2 id="tariff-0">Standard</h2>`) < 0 || strings.Contains(list.body, `action="/admin/tariffs/Standard/standard"`) {
		t.Fatal("the standard tariff is not listed first, or offers to be made standard again")
	}

	file := admin.get("/admin/tariffs/export")
	wantStatus(t, file, http.StatusOK)
	if cd := file.Header.Get("Content-Disposition"); cd != `attachment; filename="tariffs.json"` || !strings.Contains(file.body, `"format": "clockroom.tariffs/1"`) {
		t.Fatalf("export: %q\n%s", cd, file.body)
	}
	admin.get("/admin/tariffs")
	if flash := admin.followFlash(admin.upload("/admin/tariffs/import", "file", "tariffs.json", []byte(file.body))); !strings.Contains(flash, "Nothing changed") {
		t.Fatalf("importing the export: %q", flash)
	}
	changed := strings.Replace(file.body, `"per_minute": 5`, `"per_minute": 7`, 1)
	if flash := admin.followFlash(admin.upload("/admin/tariffs/import", "file", "tariffs.json", []byte(changed))); !strings.Contains(flash, "Imported: 1 tariff changed") {
		t.Fatalf("importing a change: %q", flash)
	}
	if tv, _ := ta.store.TariffByName(t.Context(), "Students"); tv.Version != 2 {
		t.Fatalf("Students after import: version %d", tv.Version)
	}

	// Standard comes first in the file: its change is not kept when
	// Students, after it, is refused.
	broken := strings.Replace(strings.Replace(changed, `"per_minute": 8`, `"per_minute": 9`, 1), `"per_minute": 7`, `"per_minute": -7`, 1)
	for _, bad := range []struct {
		file  []byte
		words string
	}{
		{[]byte(broken), "Tariff Students, field windows[0].steps[0].per_minute: Must not be negative."},
		{[]byte(`{"format": "something else", "tariffs": []}`), "That is not a Clockroom tariffs file"},
		{[]byte(`{"format": "clockroom.tariffs/1", "tariffs": [{"name": "X", "per_minut": 1}]}`), "The file could not be read (json: unknown field &#34;per_minut&#34;)"},
		{nil, "Choose a tariffs file"},
	} {
		name := "tariffs.json"
		if bad.file == nil {
			name = ""
		}
		res := admin.upload("/admin/tariffs/import", "file", name, bad.file)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, bad.words, `aria-invalid="true"`)
	}
	if tv, _ := ta.store.TariffByName(t.Context(), "Standard"); tv.Version != 1 {
		t.Fatal("a refused import changed a tariff")
	}
	stale := *admin
	stale.csrf = "not-the-token"
	wantStatus(t, stale.upload("/admin/tariffs/import", "file", "tariffs.json", []byte(changed)), http.StatusForbidden)
}

// An admin makes a tariff standard, retires another and offers it again;
// the standard tariff cannot be retired, nor a retired one made standard.
// A name with a slash or a space has its pages too.
func TestTariffStandardAndRetire(t *testing.T) {
	ta := newTestApp(t, nil)
	ta.venue(t)
	admin, u := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	ta.standardTariff(t, eveningTariff(8), u)
	late := eveningTariff(10)
	late.Name, late.Groups = "Late/night shift", nil
	if _, err := ta.store.SaveTariff(t.Context(), late, u.ID); err != nil {
		t.Fatal(err)
	}
	path := "/admin/tariffs/Late%2Fnight%20shift"
	wantBody(t, admin.get("/admin/tariffs"), `action="`+path+`/standard"`, `href="`+path+`/edit"`)
	wantBody(t, admin.get(path+"/edit"), "Late/night shift", `action="`+path+`/edit"`, `value="0.10"`)

	if flash := admin.followFlash(admin.post(path+"/standard", nil)); !strings.Contains(flash, "Late/night shift is now the standard tariff") {
		t.Fatalf("make standard: %q", flash)
	}
	if flash := admin.followFlash(admin.post(path+"/retire", nil)); !strings.Contains(flash, "The standard tariff cannot be retired") {
		t.Fatalf("retire the standard tariff: %q", flash)
	}
	if flash := admin.followFlash(admin.post("/admin/tariffs/Standard/retire", nil)); !strings.Contains(flash, "Standard is retired") {
		t.Fatalf("retire: %q", flash)
	}
	list := admin.get("/admin/tariffs")
	wantBody(t, list, "Retired", `name="retired" value="false"`, "Offer again")
	if flash := admin.followFlash(admin.post("/admin/tariffs/Standard/standard", nil)); !strings.Contains(flash, "Standard is retired: offer it again") {
		t.Fatalf("make a retired tariff standard: %q", flash)
	}
	if flash := admin.followFlash(admin.post("/admin/tariffs/Standard/retire", form("retired", "false"))); !strings.Contains(flash, "Standard is offered again") {
		t.Fatalf("offer again: %q", flash)
	}
	wantStatus(t, admin.post("/admin/tariffs/Nothing/standard", nil), http.StatusNotFound)
	wantStatus(t, admin.postRaw("/admin/tariffs/Standard/standard", nil), http.StatusForbidden) // no CSRF token
	var audits int
	ta.store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action IN ('tariff.standard', 'tariff.retire')`)
	if audits != 4 { // the fixture's standard, the admin's standard, a retire and an offer again
		t.Fatalf("%d audited changes, want 4", audits)
	}
}

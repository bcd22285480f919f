package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/clockroom/clockroom/models"
)

func TestRoleGuard(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.user(t, "admin@example.com", models.RoleAdmin)
	guest := ta.user(t, "guest@example.com", models.RoleAttendee)
	ta.user(t, "staff@example.com", models.RoleStaff)

	anon := ta.client(t)
	res := anon.get("/admin/users")
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/login?next=%2Fadmin%2Fusers" {
		t.Fatalf("anonymous users go to sign in, got %q", loc)
	}

	for _, email := range []string{"guest@example.com", "staff@example.com"} {
		c := ta.client(t)
		c.login(email)
		wantStatus(t, c.get("/admin/users"), http.StatusForbidden)
		res := c.post("/admin/users/"+strconv.FormatInt(guest.ID, 10)+"/role", url.Values{"role": {"admin"}})
		wantStatus(t, res, http.StatusForbidden)
	}
	if u, _ := ta.store.UserByID(t.Context(), guest.ID); u.Role != models.RoleAttendee {
		t.Fatal("a non-admin changed a role")
	}

	c := ta.client(t)
	c.login("admin@example.com")
	wantBody(t, c.get("/admin/users"), "guest@example.com", "People and roles")
	res = c.post("/admin/users/"+strconv.FormatInt(guest.ID, 10)+"/role", url.Values{"role": {"host"}})
	wantStatus(t, res, http.StatusSeeOther)
	wantBody(t, c.get("/admin/users"), "guest is now host.")
	if u, _ := ta.store.UserByID(t.Context(), guest.ID); u.Role != models.RoleHost {
		t.Fatalf("role is %s", u.Role)
	}
	wantStatus(t, c.post("/admin/users/"+strconv.FormatInt(guest.ID, 10)+"/role", url.Values{"role": {"emperor"}}), http.StatusUnprocessableEntity)
	wantStatus(t, c.post("/admin/users/999999/role", url.Values{"role": {"host"}}), http.StatusNotFound)

	c.post("/admin/users/"+strconv.FormatInt(admin.ID, 10)+"/role", url.Values{"role": {"attendee"}})
	wantBody(t, c.get("/admin/users"), "You cannot remove your own admin role")
	if u, _ := ta.store.UserByID(t.Context(), admin.ID); u.Role != models.RoleAdmin {
		t.Fatal("an admin demoted themselves")
	}
}

func TestProfilerIsForAdminsOnly(t *testing.T) {
	ta := newTestApp(t, nil)
	admin, _ := ta.signedIn(t, "admin@example.com", models.RoleAdmin)
	staff, _ := ta.signedIn(t, "staff@example.com", models.RoleStaff)
	wantStatus(t, staff.get("/debug/pprof/"), http.StatusForbidden)
	wantStatus(t, ta.client(t).get("/debug/pprof/heap"), http.StatusSeeOther)
	wantBody(t, admin.get("/debug/pprof/"), "goroutine", "heap")
	if res := admin.get("/debug/pprof/heap?debug=1"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "heap profile") {
		t.Fatalf("heap profile: %d", res.StatusCode)
	}
}

package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/models"
)

// adminUsersPage lists accounts with their roles.
type adminUsersPage struct {
	Users  []models.User
	Roles  []models.Role
	Groups []string // the groups the venue's tariffs price
}

// adminUsers lists every account so the admin can grant roles.
func (a *App) adminUsers(c echo.Context) error {
	users, err := a.store.Users(c.Request().Context())
	if err != nil {
		return err
	}
	groups, err := a.store.PriceGroups(c.Request().Context())
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "admin_users", page{Title: "People and roles", Data: adminUsersPage{Users: users, Roles: models.Roles, Groups: groups}})
}

// adminSetGroup is the group a guest's stays are priced for (students,
// members...; none), with the reason, audited.
func (a *App) adminSetGroup(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	group, reason := strings.TrimSpace(c.FormValue("group")), strings.TrimSpace(c.FormValue("reason"))
	groups, err := a.store.PriceGroups(ctx)
	if err != nil {
		return err
	}
	switch {
	case group != "" && !slices.Contains(groups, group):
		return a.seeOther(c, "/admin/users", "Choose one of the groups the standard tariff prices.")
	case reason == "" || !maxChars(reason, 200) || !oneLine(reason):
		return a.seeOther(c, "/admin/users", "Say why, on one line (for example, the card you were shown): a group changes what a guest pays.")
	}
	if err := a.store.SetUserGroup(ctx, id, group, reason, currentUser(c).ID); err != nil {
		return err
	}
	u, err := a.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if group == "" {
		return a.seeOther(c, "/admin/users", u.Name+" pays the tariff's own rates.")
	}
	return a.seeOther(c, "/admin/users", u.Name+"'s stays are priced for "+group+".")
}

// adminSetRole changes one account's role. Admins cannot demote themselves,
// so a venue never loses its last way in.
func (a *App) adminSetRole(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	role, ok := models.ParseRole(c.FormValue("role"))
	if !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose one of the listed roles.")
	}
	me := currentUser(c)
	if id == me.ID && role != models.RoleAdmin {
		return a.seeOther(c, "/admin/users", "You cannot remove your own admin role. Ask another admin.")
	}
	if err := a.store.SetRole(c.Request().Context(), me.ID, id, role); err != nil {
		return err
	}
	u, err := a.store.UserByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return a.seeOther(c, "/admin/users", u.Name+" is now "+string(role)+".")
}

// adminOutbox shows the newest messages and whether each was sent, with
// every credential in their links hidden (sign-in, reset and confirmation
// tokens, ticket codes): they are for their recipients only.
func (a *App) adminOutbox(c echo.Context) error {
	msgs, err := a.store.Outbox(c.Request().Context(), 200)
	if err != nil {
		return err
	}
	for i := range msgs {
		msgs[i].Body = secretInText.ReplaceAllString(msgs[i].Body, "/$1/[hidden]")
	}
	return a.render(c, http.StatusOK, "outbox", page{Title: "Outbox", Data: map[string]any{
		"Messages": msgs, "SMTP": a.cfg.SMTPURL != "", "Dev": a.cfg.Dev(),
	}})
}

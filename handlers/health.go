package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers 200 while the database answers, 503 otherwise.
func (a *App) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := a.store.DB.PingContext(ctx); err != nil {
		a.log.Warn("health check: database unreachable", "error", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// livez answers 200 while the process serves HTTP, touching nothing else: a
// liveness probe, and the do-nothing baseline that `make bench` compares
// pages against.
func (a *App) livez(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/static"
)

// staticFiles serves the embedded CSS, JavaScript and images.
func (a *App) staticFiles() echo.HandlerFunc {
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(static.FS)))
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

package handlers

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clockroom/clockroom/static"
)

// staticFiles serves the embedded CSS, JavaScript and images.
func (a *App) staticFiles() echo.HandlerFunc {
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(static.FS)))
	return func(c echo.Context) error {
		// Files only: a folder is not a page, and its listing is nobody's business.
		name := strings.TrimPrefix(c.Request().URL.Path, "/static/")
		if st, err := fs.Stat(static.FS, strings.TrimSuffix(name, "/")); name == "" || strings.HasSuffix(name, "/") || err != nil || st.IsDir() {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// doorServiceWorker is the door's service worker, served from the root so it
// may look after the door pages under /host/events/. It is checked for
// updates on every load, so a new version reaches door devices at once.
func (a *App) doorServiceWorker(c echo.Context) error {
	js, err := fs.ReadFile(static.FS, "js/door-sw.js")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", js)
}

package handlers

import (
	"net/http"
	"net/http/pprof"

	"github.com/labstack/echo/v4"
)

// debugRoutes mounts Go's profiler under /debug/pprof for admins, to find
// where time and memory go on a running server.
func debugRoutes(g *echo.Group) {
	g.GET("/pprof/", echo.WrapHandler(http.HandlerFunc(pprof.Index)))
	g.GET("/pprof/cmdline", echo.WrapHandler(http.HandlerFunc(pprof.Cmdline)))
	g.GET("/pprof/profile", echo.WrapHandler(http.HandlerFunc(pprof.Profile)))
	g.GET("/pprof/symbol", echo.WrapHandler(http.HandlerFunc(pprof.Symbol)))
	g.GET("/pprof/trace", echo.WrapHandler(http.HandlerFunc(pprof.Trace)))
	g.GET("/pprof/:name", echo.WrapHandler(http.HandlerFunc(pprof.Index))) // heap, goroutine, allocs, ...
}

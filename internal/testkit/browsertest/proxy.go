package browsertest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// Proxy is a TCP relay between the browser and a test server that the test
// can cut, as when a venue's Wi-Fi drops: while it is down, every open
// connection is closed and new ones are closed as soon as they are accepted.
// It works on the wire, so it does not depend on the browser's version.
type Proxy struct {
	URL    string // http://127.0.0.1:port, to give the browser instead of the server's
	target string
	ln     net.Listener

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewProxy relays to the server at targetURL (http://host:port) until the
// test ends.
func NewProxy(t testing.TB, targetURL string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), target: strings.TrimPrefix(targetURL, "http://"), ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// SetDown cuts the network (true) or restores it (false).
func (p *Proxy) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
	}
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.relay(c)
	}
}

// track registers c unless the network is down.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		c.Close()
	}
}

func (p *Proxy) relay(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		p.untrack(client)
		return
	}
	if !p.track(server) {
		p.untrack(client, server)
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) { io.Copy(dst, src); done <- struct{}{} }
	go pipe(server, client)
	go pipe(client, server)
	<-done // one side closed or the network was cut: close both
	p.untrack(client, server)
	<-done
}

func (p *Proxy) close() {
	p.ln.Close()
	p.SetDown(true)
	p.wg.Wait()
}

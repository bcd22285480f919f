package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/clockroom/clockroom/internal/browsertest"
	"github.com/clockroom/clockroom/models"
)

// networkDown makes every request from the tab fail, as when the venue's
// Wi-Fi drops, or restores the network.
func networkDown(down bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		rules := []*network.Conditions{}
		if down {
			rules = append(rules, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		_, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules})
		return chromedp.Void{}, err
	}
}

func TestBrowserDoorKeepsScanningOffline(t *testing.T) {
	ta := newTestApp(t, nil)
	v := ta.venue(t)
	host := ta.user(t, "host@example.com", models.RoleHost)
	e := ta.tonight(t, v, host, 10)
	ada := ta.ticket(t, e, ta.user(t, "ada@example.com", models.RoleAttendee))

	ctx := browsertest.New(t)
	do := func(actions ...chromedp.Action[chromedp.Void]) { t.Helper(); browsertest.Do(t, ctx, actions...) }
	openDoor(t, ctx, ta, e, "host@example.com")
	do(browsertest.Until(`document.getElementById('c-room').textContent === '60'`))

	before := time.Now()
	do(networkDown(true), chromedp.SendKeys(chromedp.ID("scan-input"), ada+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="queued"]`)), chromedp.WaitVisible(chromedp.ID("queue-badge")))
	if badge := browsertest.Text(t, ctx, "#queue-badge"); !strings.Contains(badge, "1 scan queued") {
		t.Fatalf("queue badge: %q", badge)
	}
	browsertest.Screenshot(t, ctx, "queued")
	scannedBy := time.Now()
	var visits int
	ta.store.DB.Get(&visits, `SELECT count(*) FROM visits`)
	if visits != 0 {
		t.Fatal("an offline scan reached the server")
	}

	time.Sleep(2 * time.Second) // the network comes back a little later
	do(networkDown(false), browsertest.Until(`document.getElementById('queue-badge').hidden`))
	var in time.Time
	if err := ta.store.DB.Get(&in, `SELECT checked_in_at FROM visits`); err != nil {
		t.Fatalf("the queued scan did not sync: %v", err)
	}
	if in.Before(before.Add(-time.Second)) || in.After(scannedBy.Add(time.Second)) {
		t.Fatalf("the visit starts at %v, not when it was scanned (%v–%v)", in, before, scannedBy)
	}
}

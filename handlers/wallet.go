package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// walletJSON is the contract of GET /api/v1/me/wallet.
type walletJSON struct {
	Minutes    int               `json:"minutes"`
	Balance    moneyJSON         `json:"balance"`
	Membership *struct{}         `json:"membership"` // none yet: memberships come later
	Entries    []walletEntryJSON `json:"entries"`
}

type moneyJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type walletEntryJSON struct {
	Kind      string     `json:"kind"`
	Minutes   int        `json:"minutes"`
	Amount    int64      `json:"amount"`
	Source    string     `json:"source"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// myWallet answers the signed-in member's time bank and ledger, newest
// first. It only ever reads the caller's own wallet.
func (a *App) myWallet(c echo.Context) error {
	w, err := a.store.Wallet(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	out := walletJSON{Minutes: w.Minutes, Balance: moneyJSON{Amount: w.Balance, Currency: w.Currency},
		Entries: make([]walletEntryJSON, 0, len(w.Entries))}
	for _, e := range w.Entries {
		out.Entries = append(out.Entries, walletEntryJSON{Kind: e.Kind, Minutes: e.Minutes, Amount: e.Amount,
			Source: e.Source, ExpiresAt: e.ExpiresAt, CreatedAt: e.CreatedAt})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Proposal statuses.
const (
	ProposalPending  = "pending"
	ProposalChanges  = "changes_requested"
	ProposalAccepted = "accepted"
	ProposalDeclined = "declined"
)

// Message kinds of proposals.
const (
	MsgProposalAccepted = "proposal_accepted"
	MsgProposalChanges  = "proposal_changes"
	MsgProposalDeclined = "proposal_declined"
)

// MaxPreferredDates bounds what a member writes about when they could host.
const MaxPreferredDates = 500

// ErrProposalClosed refuses to change a proposal that was accepted or
// declined already.
var ErrProposalClosed = newError(KindConflict, "this proposal has been answered already")

// ProposalInput is what a member writes to propose a night.
type ProposalInput struct {
	Title          string
	Description    string
	PreferredDates string
	Size           int
}

// Proposal is a member's offer to host a night.
type Proposal struct {
	ID             int64     `db:"id"`
	UserID         int64     `db:"user_id"`
	ProposerName   string    `db:"proposer_name"`
	ProposerEmail  string    `db:"proposer_email"`
	Title          string    `db:"title"`
	Description    string    `db:"description"`
	PreferredDates string    `db:"preferred_dates"`
	Size           int       `db:"size"`
	Status         string    `db:"status"`
	StaffMessage   *string   `db:"staff_message"`
	EventID        *int64    `db:"event_id"`
	CreatedAt      time.Time `db:"created_at"`
	UpdatedAt      time.Time `db:"updated_at"`
}

// Open reports whether staff have still to answer it (or the member to
// make the changes asked for).
func (p Proposal) Open() bool { return p.Status == ProposalPending || p.Status == ProposalChanges }

const proposalSelect = `SELECT p.id, p.user_id, u.name AS proposer_name, u.email AS proposer_email, p.title, p.description,
	p.preferred_dates, p.size, p.status, p.staff_message, p.event_id, p.created_at, p.updated_at
	FROM proposals p JOIN users u ON u.id = p.user_id `

// Propose records a member's proposal for staff to answer.
func (s *Store) Propose(ctx context.Context, userID int64, in ProposalInput) (int64, error) {
	now := s.Now()
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `
			INSERT INTO proposals (user_id, title, description, preferred_dates, size, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) RETURNING id`,
			userID, in.Title, in.Description, in.PreferredDates, in.Size, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, userID, "proposal.create", fmt.Sprintf("proposal:%d", id), map[string]string{"title": in.Title})
	})
	return id, err
}

// ReviseProposal changes a member's own open proposal and puts it back in
// front of staff.
func (s *Store) ReviseProposal(ctx context.Context, id, userID int64, in ProposalInput) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := proposalForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.UserID != userID {
			return ErrNotFound
		}
		if !p.Open() {
			return ErrProposalClosed
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE proposals SET title = $2, description = $3, preferred_dates = $4, size = $5, status = 'pending', updated_at = $6
			WHERE id = $1`, id, in.Title, in.Description, in.PreferredDates, in.Size, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, userID, "proposal.revise", fmt.Sprintf("proposal:%d", id), nil)
	})
}

// ProposalByID is one proposal, or ErrNotFound.
func (s *Store) ProposalByID(ctx context.Context, id int64) (Proposal, error) {
	var p Proposal
	err := s.DB.GetContext(ctx, &p, proposalSelect+`WHERE p.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// ProposalsBy is a member's proposals, newest first.
func (s *Store) ProposalsBy(ctx context.Context, userID int64) ([]Proposal, error) {
	var ps []Proposal
	err := s.DB.SelectContext(ctx, &ps, proposalSelect+`WHERE p.user_id = $1 ORDER BY p.created_at DESC, p.id DESC`, userID)
	return ps, err
}

// OpenProposals is what staff have to answer (and what waits on its
// member's changes), oldest first.
func (s *Store) OpenProposals(ctx context.Context) ([]Proposal, error) {
	var ps []Proposal
	err := s.DB.SelectContext(ctx, &ps, proposalSelect+`WHERE p.status IN ('pending', 'changes_requested') ORDER BY p.created_at, p.id`)
	return ps, err
}

// PendingProposals counts the proposals waiting for staff.
func (s *Store) PendingProposals(ctx context.Context) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM proposals WHERE status = 'pending'`)
	return n, err
}

// Acceptance is the night staff make of a proposal.
type Acceptance struct {
	VenueID  int64
	StartsAt time.Time
	EndsAt   time.Time
	Capacity int
}

// AcceptProposal makes the proposal a draft night hosted by its member, who
// gets the host role if they had none, and is told by email; all in one
// transaction, once.
func (s *Store) AcceptProposal(ctx context.Context, id, actorID int64, a Acceptance) (int64, error) {
	now := s.Now()
	var eventID int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := proposalForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Open() {
			return ErrProposalClosed
		}
		u, err := userByID(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if eventID, err = createEvent(ctx, tx, NewEvent{VenueID: a.VenueID, HostID: p.UserID, Status: EventDraft,
			EventInput: EventInput{Title: p.Title, Description: p.Description, StartsAt: a.StartsAt, EndsAt: a.EndsAt, Capacity: a.Capacity}}, now); err != nil {
			return err
		}
		if u.Role == RoleAttendee {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET role = 'host', updated_at = $2 WHERE id = $1`, u.ID, now); err != nil {
				return err
			}
			if err := audit(ctx, tx, now, actorID, "user.role", fmt.Sprintf("user:%d", u.ID), map[string]Role{"from": u.Role, "to": RoleHost}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE proposals SET status = 'accepted', event_id = $2, decided_by = NULLIF($3, 0), staff_message = NULL, updated_at = $4 WHERE id = $1`,
			id, eventID, actorID, now); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, actorID, "proposal.accept", fmt.Sprintf("proposal:%d", id), map[string]int64{"event": eventID}); err != nil {
			return err
		}
		e, err := eventByID(ctx, tx, eventID, false)
		if err != nil {
			return err
		}
		return queue(ctx, tx, now, Message{Kind: MsgProposalAccepted, ToEmail: u.Email, ToName: u.Name,
			Subject: "Your night is on: " + p.Title,
			Body: fmt.Sprintf("Hello %s,\n\nThank you for offering to host. Staff have set %s for %s.\n"+
				"It is a draft until you publish it: check the details and publish it when you are ready: %s/host/events/%d/edit\n",
				u.Name, p.Title, when(e, s.loc(ctx, tx)), s.BaseURL, eventID)})
	})
	return eventID, err
}

// AnswerProposal asks the member for changes (ProposalChanges) or declines
// the proposal (ProposalDeclined), with staff's message, told by email.
func (s *Store) AnswerProposal(ctx context.Context, id, actorID int64, status, message string) error {
	now := s.Now()
	if status != ProposalChanges && status != ProposalDeclined {
		return fmt.Errorf("answer a proposal with %q or %q, not %q", ProposalChanges, ProposalDeclined, status)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := proposalForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Open() {
			return ErrProposalClosed
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE proposals SET status = $2, staff_message = $3, decided_by = NULLIF($4, 0), updated_at = $5 WHERE id = $1`,
			id, status, message, actorID, now); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, actorID, "proposal."+status, fmt.Sprintf("proposal:%d", id), map[string]string{"message": message}); err != nil {
			return err
		}
		m := Message{Kind: MsgProposalChanges, ToEmail: p.ProposerEmail, ToName: p.ProposerName,
			Subject: "About your night: " + p.Title,
			Body: fmt.Sprintf("Hello %s,\n\nThank you for offering to host %s. Before we set a date, staff ask:\n\n%s\n\n"+
				"Change your proposal here: %s/proposals/%d/edit\n", p.ProposerName, p.Title, message, s.BaseURL, id)}
		if status == ProposalDeclined {
			m = Message{Kind: MsgProposalDeclined, ToEmail: p.ProposerEmail, ToName: p.ProposerName,
				Subject: "About your night: " + p.Title,
				Body: fmt.Sprintf("Hello %s,\n\nThank you for offering to host %s. This time staff said no:\n\n%s\n\n"+
					"You are welcome to propose another night: %s/proposals/new\n", p.ProposerName, p.Title, message, s.BaseURL)}
		}
		return queue(ctx, tx, now, m)
	})
}

func proposalForUpdate(ctx context.Context, tx *sqlx.Tx, id int64) (Proposal, error) {
	var p Proposal
	err := tx.GetContext(ctx, &p, proposalSelect+`WHERE p.id = $1 FOR UPDATE OF p`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

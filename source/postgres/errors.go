package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Errors users hit, with what to do about them.
var (
	// ErrWalLevel: the server does not run with wal_level=logical.
	ErrWalLevel = errors.New("postgres: wal_level must be logical")
	// ErrNoReplication: the user may not start replication.
	ErrNoReplication = errors.New("postgres: the user lacks the REPLICATION attribute")
	// ErrSlotInUse: another client streams from the slot.
	ErrSlotInUse = errors.New("postgres: replication slot is active for another client")
	// ErrNoPublication: the publication is missing and autocreation is disabled.
	ErrNoPublication = errors.New("postgres: publication autocreation is disabled, please create one and restart the connector")
)

// retriable reports whether err is a lost or refused connection, or a
// server shutting down or starting up: the task reconnects with backoff.
func retriable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exceptions
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutdown, crash, starting up
			pgErr.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	return pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}

func sqlError(what string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Hint != "" {
		return fmt.Errorf("postgres: %s (hint: %s): %w", what, pgErr.Hint, err)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

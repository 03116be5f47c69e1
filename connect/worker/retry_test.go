package worker

import (
	"testing"
	"time"
)

func TestTransientErrorsRetryForeverByDefault(t *testing.T) {
	start := time.Unix(0, 0)
	p := retryPolicy{maxDelay: time.Minute}
	if _, ok := p.next(1, start, start); ok {
		t.Fatal("plain errors must not be retried without errors.retry.timeout")
	}
	for n := 1; n < 1000; n += 97 {
		if d, ok := p.nextTransient(n, start, start.Add(time.Duration(n)*time.Hour)); !ok || d > time.Minute {
			t.Fatalf("retriable error, retry %d: %v %v", n, d, ok)
		}
	}
	p.timeout = time.Second
	if _, ok := p.nextTransient(2, start, start.Add(2*time.Second)); ok {
		t.Fatal("an explicit errors.retry.timeout must bound retriable errors too")
	}
}

package worker

import (
	"math/rand/v2"
	"time"

	"github.com/inletdev/inlet/connect"
)

// retryPolicy decides whether and how long to wait before retry n.
//
// Kafka Connect (no errors.retry.policy): retry n waits 300 ms << (n-1);
// once that exceeds errors.retry.delay.max.ms each wait is random in
// [0, max); no wait runs past start + errors.retry.timeout (-1 = forever,
// 0 = no retries). EventBridge policies: BACKOFF_RETRY retries 3 times
// after a random 10–20 s; EXPONENTIAL_DECAY_RETRY 176 times after 1, 2, 4 …
// 256 s, then 512 s. An errors.retry.timeout > 0 also bounds a policy.
type retryPolicy struct {
	policy   string
	timeout  time.Duration // <0 forever; 0 = none (Kafka) / unbounded (policy)
	maxDelay time.Duration
}

const kafkaMinDelay = 300 * time.Millisecond

func newRetryPolicy(rt connect.Config) retryPolicy {
	p := retryPolicy{
		policy:   rt.String(KeyRetryPolicy),
		maxDelay: time.Duration(rt.Long(KeyRetryDelayMax)) * time.Millisecond,
	}
	if t := rt.Long(KeyRetryTimeout); t < 0 {
		p.timeout = -1
	} else {
		p.timeout = time.Duration(t) * time.Millisecond
	}
	if p.maxDelay <= 0 {
		p.maxDelay = time.Minute
	}
	return p
}

// next returns the wait before retry n (1-based) of an operation that first
// failed at start, or false when no retry is left.
func (p retryPolicy) next(n int, start, now time.Time) (time.Duration, bool) {
	var d time.Duration
	switch p.policy {
	case PolicyBackoff:
		if n > 3 {
			return 0, false
		}
		d = 10*time.Second + rand.N(10*time.Second+1)
	case PolicyExponential:
		if n > 176 {
			return 0, false
		}
		if n <= 9 {
			d = time.Second << (n - 1)
		} else {
			d = 512 * time.Second
		}
	default:
		if p.timeout == 0 {
			return 0, false
		}
		if n-1 < 20 {
			d = kafkaMinDelay << (n - 1)
		} else {
			d = p.maxDelay + 1
		}
		if d > p.maxDelay {
			d = rand.N(p.maxDelay)
		}
	}
	if p.timeout > 0 {
		deadline := start.Add(p.timeout)
		if !now.Before(deadline) {
			return 0, false
		}
		if rest := deadline.Sub(now); d > rest {
			d = rest
		}
	}
	return d, true
}

// nextTransient is next for an error marked connect.Retriable from Poll or
// Put. With no retry settings (errors.retry.timeout=0, no policy) Kafka
// Connect retries those forever with its backoff, and so do we; once the
// user sets a timeout or a policy, it governs them like every other error.
func (p retryPolicy) nextTransient(n int, start, now time.Time) (time.Duration, bool) {
	if !p.retries() {
		p.timeout = -1
	}
	return p.next(n, start, now)
}

// retries reports whether the policy ever retries.
func (p retryPolicy) retries() bool { return p.policy != "" || p.timeout != 0 }

// restartPolicy is inlet's bounded automatic restart of a FAILED task
// (errors.restart.*; Kafka Connect has none and leaves failed tasks FAILED
// until someone calls POST .../restart). Restart n waits backoff << (n-1),
// capped at maxBackoff; after max restarts the task stays FAILED. A run
// that lasts reset without failing clears the count.
type restartPolicy struct {
	max        int
	backoff    time.Duration
	maxBackoff time.Duration
	reset      time.Duration
}

func newRestartPolicy(rt connect.Config) restartPolicy {
	ms := func(k string) time.Duration { return time.Duration(rt.Long(k)) * time.Millisecond }
	p := restartPolicy{max: rt.Int(KeyRestartMax), backoff: ms(KeyRestartBackoff), maxBackoff: ms(KeyRestartBackoffMax), reset: ms(KeyRestartReset)}
	p.maxBackoff = max(p.maxBackoff, p.backoff)
	return p
}

// delay is the wait before restart n (1-based).
func (p restartPolicy) delay(n int) time.Duration {
	d := p.backoff
	for i := 1; i < n && d < p.maxBackoff; i++ {
		d *= 2
	}
	return min(d, p.maxBackoff)
}

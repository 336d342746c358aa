package deploy

import (
	"fmt"
	"testing"

	"github.com/swarmbot/swarmbot/swarm"
)

// TestHintForARolloutInProgress: a change refused during an update names the
// way out (a rollback is allowed then); during a rollback there is none but
// to wait.
func TestHintForARolloutInProgress(t *testing.T) {
	for _, tt := range []struct{ state, want string }{
		{"updating", "Follow it with /swarm ps ping, or stop it with /swarm rollback ping"},
		{"rollback_started", "Follow it with /swarm ps ping; a change waits until it has finished"},
	} {
		err := fmt.Errorf("scaling ping: %w", &swarm.InProgressError{Service: "ping", State: tt.state})
		if got := hintFor(err); got != tt.want {
			t.Errorf("%s: hint %q, want %q", tt.state, got, tt.want)
		}
	}
}

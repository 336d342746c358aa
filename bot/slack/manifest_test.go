package slack

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack/socketmode"
	"go.yaml.in/yaml/v3"
)

// repoRoot is where manifest.yaml lives, seen from this package.
const repoRoot = "../.."

// manifest is the part of a Slack app manifest swarmbot depends on.
type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command string `yaml:"command"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot  []string `yaml:"bot"`
			User []string `yaml:"user"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// scopeOf is the bot scope each slack-go call needs, as Slack's page for the
// method it calls says; "" is none (auth.test, the socket itself, which the
// app-level token's connections:write covers, and response_url, which the
// slash command grants). A call missing here fails the test: add it with the
// scope from Slack's documentation, and the scope to manifest.yaml.
var scopeOf = map[string]string{
	"AuthTest":            "",                // auth.test
	"PostMessage":         "chat:write",      // chat.postMessage; also an answer through a response_url
	"UpdateMessage":       "chat:write",      // chat.update
	"PostEphemeral":       "chat:write",      // chat.postEphemeral
	"UploadFile":          "files:write",     // files.getUploadURLExternal, files.completeUploadExternal
	"GetUserInfo":         "users:read",      // users.info
	"GetUserGroupMembers": "usergroups:read", // usergroups.users.list
	"GetConversationInfo": "channels:read",   // conversations.info (and groups:read for private channels)
	"Run":                 "",                // the socket: apps.connections.open with the app-level token
	"Open":                "",
	"Ack":                 "",
	"Send":                "",
}

// slackCalls returns every method of slack-go's clients that the project's
// code (not its tests, not the fake Slack) calls, with "Context" and "Ctx"
// taken off, and where each is called.
func slackCalls(t *testing.T) map[string][]string {
	t.Helper()
	methods := map[string]bool{}
	for m := range reflect.TypeFor[*socketmode.Client]().Methods() { // slack.Client's too: it is embedded
		methods[m.Name] = true
	}
	calls := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "testdata" || path == filepath.Join(repoRoot, "internal", "fakeslack") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if !importsSlack(f) {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !methods[sel.Sel.Name] {
				return true
			}
			name := strings.TrimSuffix(strings.TrimSuffix(sel.Sel.Name, "Context"), "Ctx")
			calls[name] = append(calls[name], fset.Position(call.Pos()).String())
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

func importsSlack(f *ast.File) bool {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "github.com/slack-go/slack") {
			return true
		}
	}
	return false
}

// TestManifestGrantsWhatTheCodeCalls: manifest.yaml asks for every bot scope
// a Slack method the code calls needs, and for no other; it turns on what
// the code listens to (socket mode, /swarm, buttons, app_mention).
func TestManifestGrantsWhatTheCodeCalls(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.yaml: %v", err)
	}

	calls := slackCalls(t)
	if len(calls["PostMessage"]) == 0 {
		t.Fatalf("found no call to slack-go's PostMessage: the scan misses where the code talks to Slack (found %v)", calls)
	}
	need := map[string][]string{
		"commands":          {"the /swarm slash command"},
		"app_mentions:read": {"the app_mention event"},
	}
	for name, where := range calls {
		scope, ok := scopeOf[name]
		if !ok {
			t.Errorf("%s calls slack-go's %s, which the table has no scope for: add it, with the scope Slack's documentation gives, and the scope to manifest.yaml", where[0], name)
			continue
		}
		if scope != "" {
			need[scope] = append(need[scope], name+" at "+where[0])
		}
	}

	have := m.OAuthConfig.Scopes.Bot
	for scope, why := range need {
		if !slices.Contains(have, scope) {
			t.Errorf("manifest.yaml lacks the bot scope %s, needed by %s", scope, strings.Join(why, "; "))
		}
	}
	for _, scope := range have {
		if _, ok := need[scope]; !ok {
			t.Errorf("manifest.yaml asks for the bot scope %s, which no call needs: remove it", scope)
		}
	}
	if len(m.OAuthConfig.Scopes.User) != 0 {
		t.Errorf("manifest.yaml asks for user scopes %v: swarmbot acts only as its bot", m.OAuthConfig.Scopes.User)
	}

	s := m.Settings
	if !s.SocketModeEnabled {
		t.Errorf("manifest.yaml: socket_mode_enabled must be true: serve connects in socket mode")
	}
	if !s.Interactivity.IsEnabled {
		t.Errorf("manifest.yaml: interactivity must be enabled: the Approve and Deny buttons")
	}
	if !slices.Equal(s.EventSubscriptions.BotEvents, []string{"app_mention"}) {
		t.Errorf("manifest.yaml: bot_events = %v, want [app_mention]", s.EventSubscriptions.BotEvents)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/swarm" {
		t.Errorf("manifest.yaml: slash_commands = %+v, want just /swarm", m.Features.SlashCommands)
	}
}

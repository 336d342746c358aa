package swarm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

// Every Engine method goes through the observer, under its own name, with
// its error: an Engine whose every answer is a 500.
func TestObservedSeesEveryCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"the Engine is down for the test"}`))
	}))
	defer srv.Close()
	c, err := client.NewClientWithOpts(client.WithHost("tcp://"+srv.Listener.Addr().String()), client.WithVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var mu sync.Mutex
	seen := map[string]error{}
	api := Observed(c, func(call string, took time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if _, twice := seen[call]; twice {
			t.Errorf("%s observed twice", call)
		}
		seen[call] = err
	})

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	v := reflect.ValueOf(api)
	ctxType := reflect.TypeFor[context.Context]()
	for m := range reflect.TypeFor[Engine]().Methods() {
		fn := v.MethodByName(m.Name)
		args := make([]reflect.Value, fn.Type().NumIn())
		for i := range args {
			if in := fn.Type().In(i); in == ctxType {
				args[i] = reflect.ValueOf(ctx)
			} else {
				args[i] = reflect.Zero(in)
			}
		}
		fn.Call(args)

		mu.Lock()
		err, ok := seen[m.Name]
		mu.Unlock()
		switch {
		case !ok:
			t.Errorf("%s: not observed", m.Name)
		case m.Name == "Events" && err != nil:
			t.Errorf("Events: observed with %v; its errors come on its channel", err)
		case m.Name != "Events" && err == nil:
			t.Errorf("%s: observed without the Engine's error", m.Name)
		}
	}
}

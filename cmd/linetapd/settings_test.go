package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// TestWebhookAndSavedLineSettings runs linetapd over a short scenario with a
// webhook and line settings saved by the web UI in the store: the saved
// name wins over the config file's, and each ended call is POSTed, signed
// with the secret.
func TestWebhookAndSavedLineSettings(t *testing.T) {
	var mu sync.Mutex
	var got []linetap.Call
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte("s3cret"))
		mac.Write(b)
		if r.Header.Get("X-Linetap-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("bad signature %q", r.Header.Get("X-Linetap-Signature"))
		}
		var ev struct {
			Event string
			Call  linetap.Call
		}
		if err := json.Unmarshal(b, &ev); err != nil || ev.Event != "call.end" {
			t.Errorf("body %s: %v", b, err)
		}
		mu.Lock()
		got = append(got, ev.Call)
		mu.Unlock()
	}))
	defer hook.Close()

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	st, err := storage.Open(data, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"device": `{"webhook":{"url":"` + hook.URL + `","secret":"s3cret"},"qa_criteria":["greeting"]}`,
		"lines":  `[{"name":"Reception","number":"555 0100","codec":"pcmu","trigger":"hook","gain_db":0,"retention_days":0}]`,
	} {
		if err := st.KVPut("settings", k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	scn := filepath.Join(dir, "s.scn")
	os.WriteFile(scn, []byte("inbound line=0 at=1s cid=bell202-sdmf number=5551000 rings=1 pickup=500ms talk=2s\n"), 0o600)
	cfg := filepath.Join(dir, "c.json")
	os.WriteFile(cfg, []byte(`{"source": {"kind": "sim", "scenario": "`+scn+`", "speed": 0}, "lines": [{"name": "Front"}]}`), 0o600)
	if err := run(context.Background(), []string{"--config", cfg, "--data", data, "--listen", "127.0.0.1:0", "--http"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].LineName != "Reception" || got[0].CallerID.Number != "5551000" || got[0].State != linetap.StateComplete {
		t.Fatalf("webhook got %+v", got)
	}
}

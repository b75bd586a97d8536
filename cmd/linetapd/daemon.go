package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/board"
	"github.com/linetap/linetap/hw/sim"
	"github.com/linetap/linetap/hw/wavfile"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
)

// version is stamped by the build (-ldflags "-X main.version=...").
var version = "dev"

// SocketName is the control socket in the data directory, through which
// the linetap CLI reaches a running daemon.
const SocketName = "linetapd.sock"

type flags struct {
	config      string
	data        string
	listen      string
	sim         bool
	speed       float64
	printConfig bool
	logJSON     bool
	board       string
	listDevices bool
	watchdog    string
	statusLED   string
	tlsCert     string
	tlsKey      string
	plainHTTP   bool
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("linetapd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "JSON config file (default: built-in defaults, see docs/config.md)")
	fs.StringVar(&f.data, "data", "", "data directory (overrides the config's data)")
	fs.StringVar(&f.listen, "listen", "", "web UI address host:port (overrides the config's listen)")
	fs.BoolVar(&f.sim, "sim", false, "record the simulated line bank whatever the config says")
	fs.Float64Var(&f.speed, "sim-speed", -1, "simulator speed: 1 real time, 0 as fast as possible (overrides source.speed)")
	fs.BoolVar(&f.printConfig, "print-config", false, "print the effective config as JSON and exit")
	fs.BoolVar(&f.logJSON, "log-json", false, "log as JSON lines instead of text")
	fs.StringVar(&f.watchdog, "watchdog", "", "feed this hardware watchdog device (e.g. /dev/watchdog) while recording")
	fs.StringVar(&f.statusLED, "status-led", "", "status LED under /sys/class/leds: on while recording, blinking on a hardware alarm")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve the web UI with this certificate (PEM; default: a self-signed one made in the data directory)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the key of --tls-cert (PEM)")
	fs.BoolVar(&f.plainHTTP, "http", false, "serve the web UI over plain HTTP (development only: session cookies then travel unencrypted)")
	fs.BoolVar(&f.listDevices, "list-devices", false, "list the sound cards' capture devices (for source.device) and exit")
	fs.StringVar(&f.board, "board", "", "wire the lines from a board profile ("+strings.Join(board.Names(), ", ")+"); overrides source.board")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return f, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if f.plainHTTP && f.tlsCert != "" {
		return f, fmt.Errorf("--http and --tls-cert exclude each other")
	}
	return f, nil
}

func loadConfig(f flags) (linetap.Config, error) {
	cfg := linetap.DefaultConfig()
	if f.config != "" {
		fh, err := os.Open(f.config)
		if err != nil {
			return cfg, err
		}
		defer fh.Close()
		if cfg, err = linetap.LoadConfig(fh); err != nil {
			return cfg, fmt.Errorf("%s: %w", f.config, err)
		}
	}
	if f.board != "" {
		if err := cfg.ApplyBoard(f.board); err != nil {
			return cfg, err
		}
	}
	if f.data != "" {
		cfg.Data = f.data
	}
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	if f.sim {
		cfg.Source.Kind = "sim"
	}
	if f.speed >= 0 {
		cfg.Source.Speed = f.speed
	}
	return cfg, cfg.Validate()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if f.listDevices {
		return listDevices(stdout)
	}
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	if f.printConfig {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(cfg)
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if f.logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)

	store, err := storage.Open(cfg.Data, storageOptions(cfg, log))
	if err != nil {
		if errors.Is(err, storage.ErrLocked) {
			return fmt.Errorf("data directory %s is in use by another linetapd: %w", cfg.Data, err)
		}
		return err
	}
	defer func() {
		if cerr := store.Close(); cerr != nil {
			log.Error("closing store", "err", cerr)
		}
	}()
	// The search index (a scan of every call record: a minute or two for a
	// million calls on a Pi) is built now, beside recording, so that the
	// first search in the UI does not wait for it.
	go func() {
		if err := store.WarmSearch(); err != nil && !errors.Is(err, storage.ErrClosed) {
			log.Error("building the search index", "err", err)
		}
	}()
	for _, id := range store.Recovered() {
		log.Warn("call was interrupted by a crash or power cut; kept up to its last committed second", "call", id)
	}

	if err := applySavedLines(&cfg, store); err != nil {
		return err
	}
	dev, err := web.LoadDeviceSettings(store)
	if err != nil {
		return err
	}
	hk := &hooks{log: log}
	hk.configure(dev)
	defer hk.close()

	src, sensor, figs, err := openSource(cfg, log)
	if err != nil {
		return err
	}
	var cards web.Cards // nil: no sound card in use
	if figs != nil {
		cards = figs
	}
	var clockValid func() bool
	if cfg.Source.Kind == "portaudio" {
		clockValid = hardwareClockValid(log)
	}
	eng, err := linetap.New(linetap.Options{Config: cfg, Source: src, Sensor: sensor, Store: store, Logger: log, ClockValid: clockValid,
		OnCallEnd: hk.callEnded, OnSettings: saveLines(store, log),
		// A batch the store refuses for good is dropped with an alarm, not
		// retried forever.
		Rejected: func(err error) bool { return errors.Is(err, storage.ErrBatch) }})
	if err != nil {
		src.Close()
		if sensor != nil {
			sensor.Close()
		}
		return err
	}
	alarm := eng.SourceAlarm
	sourceAlarm.Store(&alarm)
	defer sourceAlarm.Store(nil)
	users, err := openAuth(cfg.Data, store, log, stdout)
	if err != nil {
		return err
	}
	floor := int64(cfg.Storage.MinFreeMB)<<20 + 64<<20
	if cfg.Storage.MinFreeMB <= 0 {
		floor = storage.DefaultMinFree + 64<<20
	}
	jobs, err := openExports(cfg.Data, store, floor, log)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := jobs.Close(cctx); err != nil {
			log.Warn("closing exports", "err", err)
		}
	}()
	go jobs.WatchUSB(ctx, 5*time.Second)
	srv, err := web.New(web.Options{Archive: store, Auth: users, Live: eng, Engine: eng, NotFound: storage.ErrNotFound,
		Logger: log, Version: version, Alarms: alarmsOf(store, eng), System: systemOf(cfg, store, clockValid), Exports: jobs,
		OnDeviceSettings: hk.configure, Metrics: hk.metrics, Cards: cards, SourceKind: cfg.Source.Kind})
	if err != nil {
		return err
	}

	// Listen before recording, so a port in use fails at once.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("web UI: %w", err)
	}
	scheme := "http"
	if !f.plainHTTP {
		var cert tls.Certificate
		if f.tlsCert != "" {
			cert, err = tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		} else {
			cert, err = web.LoadOrCreateCert(cfg.Data)
		}
		if err != nil {
			ln.Close()
			return fmt.Errorf("web UI: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	sockPath := filepath.Join(cfg.Data, SocketName)
	if err := os.Remove(sockPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("control socket: %w", err)
	}
	uln, err := net.Listen("unix", sockPath)
	if err != nil {
		ln.Close()
		return fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(sockPath, 0o600); err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	sockSrv := &http.Server{Handler: srv.APIHandler(), ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	serve := func(s *http.Server, l net.Listener, what string) {
		defer wg.Done()
		if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server stopped", "server", what, "err", err)
		}
	}
	wg.Add(2)
	go serve(httpSrv, ln, "web")
	go serve(sockSrv, uln, "socket")
	fmt.Fprintf(stdout, "linetapd %s: recording %d lines (%s source) into %s\n", version, len(cfg.Lines), cfg.Source.Kind, cfg.Data)
	fmt.Fprintf(stdout, "linetapd: web UI at %s://%s/\n", scheme, ln.Addr())

	stopBoard, err := startBoard(ctx, f.watchdog, "", f.statusLED, func() int64 { return eng.Stats().Frames }, log)
	if err != nil {
		return err
	}
	defer stopBoard()

	// Phase one: recording stops and every call in progress is committed.
	runErr := eng.Run(ctx)
	// Phase two: the servers finish their requests; event streams are
	// ended first, or Shutdown would wait for them forever.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(sctx); err != nil {
		log.Warn("closing event streams", "err", err)
	}
	for _, s := range []*http.Server{httpSrv, sockSrv} {
		if err := s.Shutdown(sctx); err != nil {
			log.Warn("server shutdown", "err", err)
			s.Close()
		}
	}
	wg.Wait()
	os.Remove(sockPath)
	if runErr != nil {
		return runErr
	}
	log.Info("stopped", "stats", fmt.Sprintf("%+v", eng.Stats()))
	return nil
}

// simCardBuffer is the simulated sound card's capture buffer in real time
// (ALSA's default period of 4 × 125 ms on USB cards is of this order).
const simCardBuffer = 500 * time.Millisecond

// openSource builds the audio source and line sensor the config names,
// and for sound cards their figures (nil for the simulator and a file).
func openSource(cfg linetap.Config, log *slog.Logger) (hw.AudioSource, hw.LineSensor, *cardFigures, error) {
	channels := 0
	for _, l := range cfg.Lines {
		channels = max(channels, l.Channel+1)
	}
	var sleep func(time.Duration)
	if s := cfg.Source.Speed; s > 0 && s != 1 {
		sleep = func(d time.Duration) { time.Sleep(time.Duration(float64(d) / s)) }
	}
	switch cfg.Source.Kind {
	case "sim":
		sc := sim.DefaultScenario()
		if cfg.Source.Scenario != "" {
			fh, err := os.Open(cfg.Source.Scenario)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("source.scenario: %w", err)
			}
			sc, err = sim.ParseScenario(fh)
			fh.Close()
			if err != nil {
				return nil, nil, nil, fmt.Errorf("source.scenario: %s: %w", cfg.Source.Scenario, err)
			}
		}
		bank, err := sim.New(sc, sim.Options{
			Lines:    channels,
			Seed:     cfg.Source.Seed,
			Realtime: cfg.Source.Speed > 0,
			Sleep:    sleep,
			Loop:     cfg.Source.Scenario == "",
			// In real time the simulated card behaves as a real one: a
			// recorder that falls behind its buffer loses audio, marked
			// as a gap in the calls.
			Overrun: simCardBuffer,
		})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("source: %w", err)
		}
		return bank, bank, nil, nil
	case "wavfile":
		src, err := wavfile.Open(cfg.Source.File, wavfile.Options{
			Realtime: cfg.Source.Speed > 0, Sleep: sleep, EventsPath: cfg.Source.Events})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("source: %w", err)
		}
		if cfg.Source.Events == "" {
			return src, nil, nil, nil
		}
		return src, src, nil, nil
	case "portaudio":
		return openHardware(cfg, channels, log)
	}
	return nil, nil, nil, fmt.Errorf("source.kind: %q unknown", cfg.Source.Kind)
}

// storageOptions maps the config's storage policy onto the store's options.
func storageOptions(cfg linetap.Config, log *slog.Logger) storage.Options {
	day := 24 * time.Hour
	opt := storage.Options{
		Timeout: time.Second,
		Logger:  log,
		KeyFile: cfg.Storage.KeyFile,
		Retention: storage.Retention{
			MaxAge:  time.Duration(cfg.Storage.RetentionDays) * day,
			MinFree: int64(cfg.Storage.MinFreeMB) << 20,
		},
		OnAlarm: func(a storage.Alarm) {
			if a.Active {
				log.Error("storage alarm", "alarm", a.Kind, "msg", a.Message)
			} else {
				log.Info("storage alarm cleared", "alarm", a.Kind)
			}
		},
	}
	for i, l := range cfg.Lines {
		if l.RetentionDays > 0 {
			if opt.Retention.LineMaxAge == nil {
				opt.Retention.LineMaxAge = map[int]time.Duration{}
			}
			opt.Retention.LineMaxAge[i] = time.Duration(l.RetentionDays) * day
		}
	}
	return opt
}

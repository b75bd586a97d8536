package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web/auth"
)

// users is how `linetap user` reaches the users: the daemon's socket, or
// the data directory itself when no daemon runs.
type users interface {
	add(ctx context.Context, name string, role auth.Role, password string) error
	passwd(ctx context.Context, name, password string) error
	list(ctx context.Context) ([]auth.User, error)
	del(ctx context.Context, name string) error
	close() error
}

// cliPrincipal is who `linetap user` acts as: whoever can write the data
// directory (or its 0600 socket) is the machine's administrator.
var cliPrincipal = auth.Principal{User: "local", Role: auth.Admin}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	if len(args) == 0 {
		return fmt.Errorf("%w: linetap user add|passwd|list|del --data DIR ...", errUsage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("linetap user "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data directory (required)")
	role := fs.String("role", "", "role of the new user: admin, supervisor, technician or auditor")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	want := 1
	if verb == "list" {
		want = 0
	}
	if *dir == "" || fs.NArg() != want {
		return fmt.Errorf("%w: linetap user %s --data DIR%s", errUsage, verb, map[int]string{0: "", 1: " NAME"}[want])
	}
	name := fs.Arg(0)
	var r auth.Role
	if verb == "add" {
		if r, err = auth.ParseRole(*role); err != nil {
			return fmt.Errorf("%w: --role: %v", errUsage, err)
		}
	} else if *role != "" {
		return fmt.Errorf("%w: --role is for user add", errUsage)
	}
	readPassword := func() (string, error) {
		line, err := bufio.NewReader(io.LimitReader(stdin, auth.MaxPasswordBytes+2)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the password from stdin: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if err := auth.CheckPassword(pw); err != nil {
			return "", fmt.Errorf("the password on stdin: %w", err)
		}
		return pw, nil
	}
	switch verb {
	case "add", "passwd", "list", "del":
	default:
		return fmt.Errorf("%w: linetap user: unknown verb %q (add, passwd, list, del)", errUsage, verb)
	}
	var pw string
	if verb == "add" || verb == "passwd" {
		if pw, err = readPassword(); err != nil {
			return err
		}
	}
	u, err := openUsers(*dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, u.close()) }()
	switch verb {
	case "add":
		if err := u.add(ctx, name, r, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s added as %s\n", name, r)
	case "passwd":
		if err := u.passwd(ctx, name, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed\n", name)
	case "del":
		if err := u.del(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s deleted\n", name)
	case "list":
		list, err := u.list(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST LOGIN\tDISABLED")
		for _, x := range list {
			last := "never"
			if !x.LastLogin.IsZero() {
				last = x.LastLogin.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\n", x.Name, x.Role, x.Created.Local().Format("2006-01-02 15:04"), last, x.Disabled)
		}
		return tw.Flush()
	}
	return nil
}

// openUsers reaches the daemon on dir's socket, or opens dir when no
// daemon is running.
func openUsers(dir string) (users, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if d, ok := daemonAt(dir); ok {
		return daemonUsers{d}, nil
	}
	st, err := storage.Open(dir, storage.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	svc, err := auth.New(auth.Options{KV: st, Audit: func(e auth.AuditEvent) error {
		_, err := st.Audit(storage.AuditEntry{Who: e.Who, Action: e.Action, Detail: e.Detail + " (linetap user)"})
		return err
	}})
	if err != nil {
		return nil, errors.Join(err, st.Close())
	}
	return fileUsers{st: st, svc: svc}, nil
}

// daemonAt returns a client of the linetapd that answers on dir's control
// socket, if one does.
func daemonAt(dir string) (daemon, bool) {
	sock := filepath.Join(dir, socketName)
	conn, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		return daemon{}, false
	}
	conn.Close()
	return newDaemon(sock), true
}

// fileUsers changes the users in a data directory no daemon holds.
type fileUsers struct {
	st  *storage.Store
	svc *auth.Service
}

func (f fileUsers) add(_ context.Context, name string, r auth.Role, pw string) error {
	return f.svc.AddUser(cliPrincipal, "command line", name, r, pw)
}

func (f fileUsers) passwd(_ context.Context, name, pw string) error {
	return f.svc.ChangeUser(cliPrincipal, "command line", name, auth.UserChange{Password: &pw})
}

func (f fileUsers) list(context.Context) ([]auth.User, error) { return f.svc.Users(), nil }

func (f fileUsers) del(_ context.Context, name string) error {
	return f.svc.DeleteUser(cliPrincipal, "command line", name)
}

func (f fileUsers) close() error { return f.st.Close() }

// daemonUsers changes the users through the running daemon's API.
type daemonUsers struct{ d daemon }

// send makes a JSON request over the socket and decodes the answer into
// out (when non-nil); an error status becomes the API's error message.
func (u daemonUsers) send(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://linetapd"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := u.d.c.Do(req)
	if err != nil {
		return fmt.Errorf("linetapd: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("linetapd: %s", e.Error)
		}
		return fmt.Errorf("linetapd: %s", resp.Status)
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

func (u daemonUsers) add(ctx context.Context, name string, r auth.Role, pw string) error {
	return u.send(ctx, http.MethodPost, "/api/v1/users", map[string]string{"name": name, "role": string(r), "password": pw}, nil)
}

func (u daemonUsers) passwd(ctx context.Context, name, pw string) error {
	return u.send(ctx, http.MethodPatch, "/api/v1/users/"+url.PathEscape(name), map[string]string{"password": pw}, nil)
}

func (u daemonUsers) list(ctx context.Context) ([]auth.User, error) {
	var out []auth.User
	return out, u.send(ctx, http.MethodGet, "/api/v1/users", nil, &out)
}

func (u daemonUsers) del(ctx context.Context, name string) error {
	return u.send(ctx, http.MethodDelete, "/api/v1/users/"+url.PathEscape(name), nil, nil)
}

func (u daemonUsers) close() error { return nil }

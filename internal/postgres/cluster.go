package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServerBinaries means no PostgreSQL server installation was found.
var ErrNoServerBinaries = errors.New("no PostgreSQL server binaries (initdb, postgres) found; install PostgreSQL " +
	"(Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@16) or set DATABASE_URL to an existing database")

// socketPathMax is the longest unix socket path the kernel accepts (sun_path
// is 108 bytes on Linux, 104 on macOS) less the terminating NUL.
const socketPathMax = 103

// ClusterOptions describes a managed local PostgreSQL cluster.
type ClusterOptions struct {
	// Dir is the cluster's data directory (PGDATA).
	Dir string
	// LogFile receives the server's output; empty discards it.
	LogFile string
	// Ephemeral trades durability for speed (fsync off): for test clusters.
	Ephemeral bool
	// Logger reports what the cluster manager does.
	Logger *slog.Logger
}

// Cluster is a PostgreSQL server this process started and owns. It listens
// only on a unix socket in a directory that only its OS user (and root) can
// enter, with trust authentication: nothing on the network can reach it.
type Cluster struct {
	opts      ClusterOptions
	bin       string
	cred      *syscall.Credential // nil when running as ourselves
	socketDir string
	tempSock  bool
	logOut    *os.File

	// mu guards the server process, which the supervisor replaces after a
	// crash while readiness checks read it.
	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
	// stopSupervisor ends the supervisor, and supervised is done when it
	// has.
	stopSupervisor context.CancelFunc
	supervised     sync.WaitGroup
}

// searchPatterns are the places PostgreSQL packages install their server
// binaries: Debian/Ubuntu, Red Hat (PGDG), Homebrew and Postgres.app.
var searchPatterns = []string{
	"/usr/lib/postgresql/*/bin",
	"/usr/pgsql-*/bin",
	"/opt/homebrew/opt/postgresql@*/bin",
	"/usr/local/opt/postgresql@*/bin",
	"/opt/homebrew/bin",
	"/usr/local/bin",
	"/Applications/Postgres.app/Contents/Versions/*/bin",
	"/usr/local/pgsql/bin",
}

// FindBinaries returns the directory holding initdb and postgres: from PATH,
// then `pg_config --bindir`, then the usual Debian, Red Hat and macOS places,
// newest version first.
func FindBinaries() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir, nil
		}
	}
	var candidates []string
	for _, pattern := range searchPatterns {
		matches, _ := filepath.Glob(pattern)
		sortNewestFirst(matches)
		candidates = append(candidates, matches...)
	}
	for _, dir := range candidates {
		if has(dir) {
			return dir, nil
		}
	}
	return "", ErrNoServerBinaries
}

// sortNewestFirst orders paths by the first number in them, descending, so
// that /usr/lib/postgresql/16 comes before /usr/lib/postgresql/9.
func sortNewestFirst(paths []string) {
	sort.SliceStable(paths, func(i, j int) bool { return firstNumber(paths[i]) > firstNumber(paths[j]) })
}

func firstNumber(s string) int {
	start := strings.IndexAny(s, "0123456789")
	if start < 0 {
		return 0
	}
	end := start
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[start:end])
	return n
}

// NewCluster prepares (but does not start) a managed cluster. As root it
// arranges for the server to run as the unprivileged `postgres` OS user,
// since PostgreSQL refuses to run as root.
func NewCluster(opts ClusterOptions) (*Cluster, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	opts.Dir = dir
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := ServerCredential()
	if err != nil {
		return nil, err
	}
	return &Cluster{opts: opts, bin: bin, cred: cred}, nil
}

// ServerCredential is whom PostgreSQL's programs run as when this process
// starts them: itself (nil) as a normal user; as root, the unprivileged
// `postgres` OS user, since PostgreSQL refuses to run as root.
func ServerCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, the managed PostgreSQL needs the unprivileged OS user \"postgres\" " +
			"(created by the postgresql package; or: useradd --system postgres); or run as a normal user, or set DATABASE_URL")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// Dir returns the data directory.
func (c *Cluster) Dir() string { return c.opts.Dir }

// Start creates the cluster on first use, starts the server and waits until
// it accepts connections. A stale postmaster.pid left by a crash is handled,
// and a server orphaned by a crashed earlier run of ours is stopped first.
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.ensureDir(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.opts.Dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	if err := c.clearStalePID(ctx); err != nil {
		return err
	}
	if err := c.chooseSocketDir(); err != nil {
		return err
	}
	// Right after a crash the old server's children may still hold its shared
	// memory for a moment; a few attempts ride that out.
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = c.startOnce(ctx); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		c.opts.Logger.Warn("managed postgres did not start, retrying", "attempt", attempt+1, "err", err)
		time.Sleep(time.Duration(attempt+1) * 400 * time.Millisecond)
	}
	return err
}

func (c *Cluster) ensureDir() error {
	if err := os.MkdirAll(c.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("create database directory: %w", err)
	}
	if c.cred != nil {
		fi, err := os.Stat(c.opts.Dir)
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != c.cred.Uid {
			if err := os.Chown(c.opts.Dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return fmt.Errorf("give %s to the postgres OS user: %w", c.opts.Dir, err)
			}
		}
	}
	return os.Chmod(c.opts.Dir, 0o700)
}

// dataDirArg is the -D argument for a child process. When the server runs as
// another OS user it may be unable to reach the directory by its path (a
// checkout under a private 0700 folder, say), so the directory is handed over
// as an open descriptor and named through /proc/self/fd: the server chdirs
// into it once and uses relative paths from then on.
func (c *Cluster) dataDirArg() (arg string, extra []*os.File, err error) {
	if c.cred == nil || runtime.GOOS != "linux" {
		return c.opts.Dir, nil, nil
	}
	f, err := os.Open(c.opts.Dir)
	if err != nil {
		return "", nil, err
	}
	return "/proc/self/fd/3", []*os.File{f}, nil
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) (*exec.Cmd, func(), error) {
	dirArg, extra, err := c.dataDirArg()
	if err != nil {
		return nil, nil, err
	}
	full := append([]string{"-D", dirArg}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), full...)
	cmd.ExtraFiles = extra
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
	closeExtra := func() {
		for _, f := range extra {
			f.Close()
		}
	}
	return cmd, closeExtra, nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	c.opts.Logger.Info("creating managed postgres cluster", "dir", c.opts.Dir, "bin", c.bin)
	args := []string{"-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"}
	if c.opts.Ephemeral {
		args = append(args, "--no-sync")
	}
	cmd, done, err := c.command(ctx, "initdb", args...)
	if err != nil {
		return err
	}
	defer done()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		// A half-made cluster would make every later start fail: clear it.
		entries, _ := os.ReadDir(c.opts.Dir)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(c.opts.Dir, e.Name()))
		}
		return fmt.Errorf("initdb failed: %v\n%s", err, tail(out.String(), 2000))
	}
	return nil
}

// clearStalePID handles a postmaster.pid left behind. If its process is gone
// (or is not a postgres), the file is stale and removed. If a postgres still
// runs on this directory, it was orphaned by a crashed run of ours: it is
// asked to shut down, since nothing else may own our cluster.
func (c *Cluster) clearStalePID(ctx context.Context) error {
	pidFile := filepath.Join(c.opts.Dir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	lines := strings.SplitN(string(data), "\n", 2)
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 || !isPostgresProcess(pid) {
		c.opts.Logger.Warn("removing stale postmaster.pid", "pid_file", pidFile)
		return os.Remove(pidFile)
	}
	c.opts.Logger.Warn("stopping a postgres server left running on the data directory", "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGINT) // fast shutdown
	deadline := time.Now().Add(30 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres (pid %d) still runs on %s and does not stop; stop it and start again", pid, c.opts.Dir)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if _, err := os.Stat(pidFile); err == nil {
		return os.Remove(pidFile)
	}
	return nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func isPostgresProcess(pid int) bool {
	if !processAlive(pid) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		// No /proc (macOS): trust that a live pid is the server.
		return runtime.GOOS != "linux"
	}
	return bytes.Contains(cmdline, []byte("postgres"))
}

// chooseSocketDir puts the socket in the data directory when its path is
// short enough, otherwise in a private temporary directory.
func (c *Cluster) chooseSocketDir() error {
	if len(c.opts.Dir)+len("/.s.PGSQL.5432") <= socketPathMax {
		c.socketDir = c.opts.Dir
		return nil
	}
	dir, err := os.MkdirTemp("", "tlpg-")
	if err != nil {
		return err
	}
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return err
		}
	}
	c.socketDir, c.tempSock = dir, true
	return nil
}

func (c *Cluster) startOnce(ctx context.Context) error {
	sock := c.socketDir
	if sock == c.opts.Dir && c.cred != nil {
		sock = "." // relative to the data directory the server chdirs into
	}
	args := []string{
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + sock,
		"-c", "unix_socket_permissions=0700",
		"-c", "max_connections=200",
	}
	if c.opts.Ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	// The server must outlive the context of a single request to start it.
	cmd, done, err := c.command(context.WithoutCancel(ctx), "postgres", args...)
	if err != nil {
		return err
	}
	var out io.Writer = io.Discard
	if c.opts.LogFile != "" {
		f, err := os.OpenFile(c.opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return fmt.Errorf("open postgres log: %w", err)
		}
		if c.logOut != nil { // the server's before a restart
			c.logOut.Close()
		}
		c.logOut, out = f, f
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		done()
		return fmt.Errorf("start postgres: %w", err)
	}
	done()
	exited := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.exited = cmd, exited
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.exitErr = err
		c.mu.Unlock()
		close(exited)
	}()
	c.opts.Logger.Info("managed postgres starting", "pid", cmd.Process.Pid, "dir", c.opts.Dir)

	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-exited:
			c.mu.Lock()
			exitErr := c.exitErr
			c.mu.Unlock()
			return fmt.Errorf("postgres exited during start (%v); see %s\n%s", exitErr, c.opts.LogFile, c.logTail())
		case <-ctx.Done():
			c.stopServer()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stopServer()
			return fmt.Errorf("postgres did not accept connections within 60s; see %s", c.opts.LogFile)
		}
	}
}

func (c *Cluster) logTail() string {
	if c.opts.LogFile == "" {
		return ""
	}
	data, _ := os.ReadFile(c.opts.LogFile)
	return tail(string(data), 1500)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// URL returns a connection URL for database name on this cluster.
func (c *Cluster) URL(dbname string) string {
	q := url.Values{}
	q.Set("host", c.socketDir)
	q.Set("sslmode", "disable")
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + dbname, RawQuery: q.Encode()}).String()
}

// Exited is closed when the server process has ended (the current one,
// after the supervisor has restarted it).
func (c *Cluster) Exited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exited
}

// Supervise restarts the server whenever it ends without Stop — killed,
// crashed, out of memory — since nothing else watches over a database
// this process owns. Attempts back off from one second to thirty; the
// service answers 503 meanwhile. Stop ends the supervision first.
func (c *Cluster) Supervise() {
	ctx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	c.stopSupervisor = cancel
	c.mu.Unlock()
	c.supervised.Add(1)
	go func() {
		defer c.supervised.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.Exited():
			}
			c.mu.Lock()
			exitErr := c.exitErr
			c.mu.Unlock()
			c.opts.Logger.Error("managed postgres exited unexpectedly; restarting it", "err", exitErr)
			for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
				err := c.clearStalePID(ctx)
				if err == nil {
					err = c.startOnce(ctx)
				}
				if err == nil {
					c.opts.Logger.Info("managed postgres restarted")
					break
				}
				if ctx.Err() != nil {
					return
				}
				c.opts.Logger.Error("managed postgres did not restart; trying again", "in", wait, "err", err)
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
	}()
}

// Stop ends the supervision, then shuts the server down (fast shutdown:
// open transactions are rolled back, data is checkpointed) and waits for
// it.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	stopSupervisor := c.stopSupervisor
	c.mu.Unlock()
	if stopSupervisor != nil {
		stopSupervisor()
		c.supervised.Wait()
	}
	return c.stopServer()
}

// stopServer shuts the current server down and waits for it.
func (c *Cluster) stopServer() error {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	defer func() {
		if c.logOut != nil {
			c.logOut.Close()
			c.logOut = nil
		}
		if c.tempSock {
			os.RemoveAll(c.socketDir)
		}
	}()
	select {
	case <-exited:
		return nil
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
		c.opts.Logger.Info("managed postgres stopped")
		return nil
	case <-time.After(30 * time.Second):
	}
	_ = cmd.Process.Signal(syscall.SIGQUIT) // immediate shutdown
	<-exited
	return errors.New("postgres did not stop in 30s and was shut down immediately")
}

// Kill ends the server abruptly, as a crash would: for tests of recovery.
// A supervised cluster starts it again.
func (c *Cluster) Kill() {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	}
}

// EnsureDatabase creates database name on the cluster when it is missing.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

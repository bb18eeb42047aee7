/*
 * flavor_worker.c: models served by a long-lived child process (flavors
 * sklearn and python_function), speaking line-delimited JSON
 * (docs/internals/serve-worker.md; the child's side is worker.py).
 *
 * The child: the interpreter (options->python, else $CAIRN_PYTHON, else
 * "python3", looked up in PATH) started with posix_spawnp() as
 * `PYTHON -c SCRIPT DIR CONF`, SCRIPT being worker.py as embedded in the
 * binary at build time. Passing it with -c leaves nothing on disk to
 * create, clean up or tamper with; the price is that tracebacks say
 * "<string>" instead of a file name. Its stdin and stdout are both our
 * socket pair's other end (one bidirectional stream: we send with
 * MSG_NOSIGNAL, so a dead worker is EPIPE, never SIGPIPE, whatever the
 * process does with that signal); its stderr is ours, so its tracebacks
 * reach the server's log. Every other descriptor is closed in the child,
 * ours are close-on-exec. It leads a process group of its own, so a kill
 * reaches whatever it started, and gets default signal dispositions and
 * an empty signal mask. It exits by itself when our end closes (EOF).
 *
 * One request at a time per worker (a mutex): send the request line,
 * read the answer line within timeout_ms. The timeout counts from the
 * request's arrival here, the wait for the mutex included (a timed lock
 * on the same deadline), so requests queued behind a hung one each get
 * their 504 after at most timeout_ms, not k times it. Faults:
 *   - still waiting for the worker at the deadline: answer 504, the
 *     worker untouched (the request holding it times out by itself);
 *     a request that waited and then has to restart a dead worker gets
 *     no time on top for the worker's start (one that came to an idle
 *     worker does: a model's load is not its prediction);
 *   - no answer in time: SIGKILL the group, reap, answer 504;
 *   - end of file or EPIPE (the worker died): reap, answer 500 with how
 *     it ended;
 *   - an answer that is not JSON or not ours: kill, answer 500;
 *   - {"error": ...} (the model raised): 400 with MLflow's message,
 *     marked as the model's fault (it counts against the version).
 * A worker that is gone (killed, died, or found dead while idle) is
 * started again by the next request, which waits for its ready line.
 * The child is reaped on every path, and killed only while unreaped.
 *
 * Memory: the worker's VmRSS (/proc/PID/status) once it is ready.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serve/flavor_impl.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/spawn.h"
#include "util/banned.h"

/* worker.py, embedded by CMakeLists.txt (gen/serve_worker_py.c). */
extern const unsigned char serve_worker_py[];

/* How long a worker may take to load its model and say it is ready. */
#define WORKER_READY_MS 60000
/* The longest line a worker may answer (1,000 rows of k floats fit). */
#define WORKER_MAX_LINE (64u << 20)
/* How long a worker has to exit after its input closes. */
#define WORKER_EXIT_MS 2000

static const char model_error_message[] =
	"Encountered an unexpected error while evaluating the model. Verify "
	"that the serialized input Dataframe is compatible with the model for "
	"inference. Error: ";

struct worker {
	pthread_mutex_t lock;
	char *python, *dir, *conf;
	int timeout_ms;
	pid_t pid;          /* the running worker, or 0 */
	int fd;             /* our end of its socket, or -1 */
	struct buf in;      /* what it sent beyond the last line */
	unsigned long long next_id;
	size_t memory;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(long long deadline)
{
	long long left = deadline - now_ms();

	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* How a reaped child ended, for a message. */
static void describe_status(char *out, size_t size, int status)
{
	if (status == -1)
		snprintf(out, size, "ended");
	else if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "ended");
}

static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/*
 * Stop the worker: kill it at once (kill) or let it exit on end of file
 * for up to WORKER_EXIT_MS first. Returns its wait status (-1: unknown).
 */
static int worker_stop(struct worker *w, int kill_now)
{
	int status = -1, pidfd;

	fs_close(&w->fd);
	buf_reset(&w->in);
	if (!w->pid)
		return -1;
	if (!kill_now) {
		long long deadline = now_ms() + WORKER_EXIT_MS;

		pidfd = spawn_open_pidfd(w->pid);
		for (;;) {
			pid_t r = waitpid(w->pid, &status, WNOHANG);
			struct pollfd p = { .fd = pidfd, .events = POLLIN };

			if (r == w->pid) {
				fs_close(&pidfd);
				w->pid = 0;
				return status;
			}
			if ((r < 0 && errno != EINTR) || !left_ms(deadline))
				break;
			if (pidfd >= 0)
				poll(&p, 1, left_ms(deadline));
			else
				poll(NULL, 0, 5);
		}
		fs_close(&pidfd);
	}
	kill(-w->pid, SIGKILL);
	kill(w->pid, SIGKILL);
	status = reap(w->pid);
	w->pid = 0;
	return status;
}

/*
 * Read one line (without its newline, NUL-terminated) into line before
 * the deadline. Returns 0, 1 at the deadline, -1 at end of file or on an
 * error (errno says which; 0 for end of file), -2 for a line too long.
 */
static int read_line(struct worker *w, struct buf *line, long long deadline)
{
	char chunk[65536];

	for (;;) {
		char *nl = w->in.len ? memchr(w->in.ptr, '\n', w->in.len) : NULL;
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		ssize_t got;
		int n;

		if (nl) {
			size_t len = (size_t)(nl - w->in.ptr);

			buf_reset(line);
			buf_add(line, w->in.ptr, len);
			memmove(w->in.ptr, nl + 1, w->in.len - len - 1);
			buf_setlen(&w->in, w->in.len - len - 1);
			return 0;
		}
		if (w->in.len > WORKER_MAX_LINE)
			return -2;
		n = poll(&p, 1, left_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 1;
		got = read(w->fd, chunk, sizeof(chunk));
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			if (!got)
				errno = 0;
			return -1;
		}
		buf_add(&w->in, chunk, (size_t)got);
	}
}

/* Send all of data before the deadline. 0, 1 at the deadline, -1. */
static int send_all(int fd, const char *data, size_t len, long long deadline)
{
	while (len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		n = poll(&p, 1, left_ms(deadline));
		if (n == 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

static size_t vm_rss(pid_t pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (size_t)kb * 1024;
}

static int spawn_worker(struct worker *w, int child_fd)
{
	const char *argv[] = { w->python, "-c", (const char *)serve_worker_py, w->dir,
			       w->conf, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		goto fail;
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto fail;
	}
	rc = posix_spawn_file_actions_adddup2(&fa, child_fd, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, child_fd, 1);
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!rc)
		rc = spawn_attr_own_group(&attr);
	if (!rc)
		rc = posix_spawnp(&w->pid, w->python, &fa, &attr,
				  (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (!rc)
		return 0;
fail:
	w->pid = 0;
	if (rc == ENOENT || rc == ENOTDIR)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_OS,
					"'%s': command not found (say which Python "
					"serves the model with --python or "
					"CAIRN_PYTHON)", w->python);
	errno = rc;
	return cairn_error_set_os("cannot run '%s'", w->python);
}

/*
 * Start the worker and wait for its ready line; shape (may be NULL) gets
 * what it says of the model. Returns 0 or a cairn error.
 */
static int worker_start(struct worker *w, struct flavor_shape *shape)
{
	int sv[2] = { -1, -1 }, err, rc;
	struct buf line = BUF_INIT;
	json_t *ready = NULL, *names;
	char how[64];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return cairn_error_set_os("cannot create a socket for the worker");
	if ((err = fs_fd_above_stdio(&sv[0])) < 0 ||
	    (err = fs_fd_above_stdio(&sv[1])) < 0 ||
	    (err = spawn_worker(w, sv[1])) < 0) {
		fs_close(&sv[0]);
		fs_close(&sv[1]);
		return err;
	}
	fs_close(&sv[1]);
	w->fd = sv[0];

	rc = read_line(w, &line, now_ms() + WORKER_READY_MS);
	if (rc == 0)
		ready = json_loads(buf_cstr(&line), 0, NULL);
	if (json_is_true(json_object_get(ready, "ready"))) {
		w->memory = vm_rss(w->pid);
		if (shape) {
			size_t i, n;
			json_t *v;

			names = json_object_get(ready, "columns");
			n = json_array_size(names);
			if (json_integer_value(json_object_get(ready, "n_features")) > 0)
				shape->cols = (size_t)json_integer_value(
					json_object_get(ready, "n_features"));
			if (n && (!shape->cols || shape->cols == n)) {
				shape->cols = n;
				shape->names = xcalloc(n, sizeof(char *));
				json_array_foreach(names, i, v)
					shape->names[i] = xstrdup(
						json_is_string(v) ? json_string_value(v) : "");
			}
			shape->memory = w->memory;
		}
		json_decref(ready);
		buf_release(&line);
		return 0;
	}

	if (json_is_string(json_object_get(ready, "error"))) {
		worker_stop(w, 1);
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s': the model does not load: %s", w->dir,
				       json_string_value(json_object_get(ready, "error")));
	} else if (rc == 1) {
		worker_stop(w, 1);
		err = cairn_error_set(CAIRN_ERRCLASS_DATA,
				      "'%s': the model's worker was not ready "
				      "within %d s", w->dir, WORKER_READY_MS / 1000);
	} else if (rc == 0) {
		worker_stop(w, 1);
		err = cairn_error_set(CAIRN_ERRCLASS_DATA,
				      "'%s': the model's worker did not say it is "
				      "ready (is '%s' a Python 3?)", w->dir, w->python);
	} else {
		describe_status(how, sizeof(how), worker_stop(w, 1));
		err = cairn_error_set(CAIRN_ERRCLASS_DATA,
				      "'%s': the model's worker %s before it was "
				      "ready (its messages are on stderr)", w->dir, how);
	}
	json_decref(ready);
	buf_release(&line);
	return err;
}

static void add_double(struct buf *b, double v)
{
	if (isfinite(v))
		buf_printf(b, "%.17g", v);
	else
		buf_puts(b, "null");
}

/* The request line for a batch (NaN and infinities travel as null). */
static void build_request(struct buf *req, unsigned long long id,
			  const struct serve_batch *in)
{
	char *params = in->params ? json_dumps(in->params, JSON_COMPACT) : NULL;

	buf_printf(req, "{\"id\":%llu,\"columns\":", id);
	if (in->columns) {
		json_t *cols = json_array();
		char *text;

		for (size_t j = 0; j < in->cols; j++)
			json_array_append_new(cols, json_string(in->columns[j] ?
								in->columns[j] : ""));
		text = json_dumps(cols, JSON_COMPACT);
		buf_puts(req, text ? text : "null");
		free(text);
		json_decref(cols);
	} else {
		buf_puts(req, "null");
	}
	buf_puts(req, ",\"rows\":[");
	for (size_t i = 0; i < in->rows; i++) {
		buf_puts(req, i ? ",[" : "[");
		for (size_t j = 0; j < in->cols; j++) {
			if (j)
				buf_addch(req, ',');
			add_double(req, in->values[i * in->cols + j]);
		}
		buf_addch(req, ']');
	}
	buf_addch(req, ']');
	if (params) {
		buf_puts(req, ",\"params\":");
		buf_puts(req, params);
		free(params);
	}
	buf_puts(req, "}\n");
}

/* A worker that died while idle is found before a request is sent. */
static int worker_alive(struct worker *w)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	if (!w->pid || w->fd < 0)
		return 0;
	/* It says nothing unless asked: readable now means gone. */
	return poll(&p, 1, 0) == 0;
}

/* A 504 for a request whose time ran out before it was sent. */
static int timed_out(struct worker *w, struct serve_error *err,
		     const char *why)
{
	return serve_error_set(err, 504, "INTERNAL_ERROR",
			       "the model did not answer within %d ms (%s)",
			       w->timeout_ms, why);
}

/*
 * Exchange one request and answer before deadline (CLOCK_MONOTONIC, ms);
 * the lock is held, after a wait for it if waited.
 */
static int worker_ask(struct worker *w, long long deadline, int waited,
		      const struct serve_batch *in,
		      struct serve_predictions *out, struct serve_error *err)
{
	unsigned long long id = ++w->next_id;
	struct buf req = BUF_INIT, line = BUF_INIT;
	json_t *answer = NULL, *preds;
	char how[64];
	int rc;

	/* The lock came just as the deadline passed: nothing is sent. */
	if (!left_ms(deadline))
		return timed_out(w, err, "it was busy with earlier requests");
	if (!worker_alive(w)) {
		worker_stop(w, 1);
		if (worker_start(w, NULL) < 0)
			return serve_error_set(err, 500, "INTERNAL_ERROR",
					       "the model's worker does not start: %s",
					       cairn_error_last()->message);
		/*
		 * The model's load does not count against a request that
		 * came to an idle worker; one that queued has spent its time.
		 */
		if (!waited)
			deadline = now_ms() + w->timeout_ms;
		else if (!left_ms(deadline))
			return timed_out(w, err, "its worker was restarting");
	}
	build_request(&req, id, in);
	rc = send_all(w->fd, req.ptr, req.len, deadline);
	buf_release(&req);
	if (rc == 0)
		rc = read_line(w, &line, deadline);
	if (rc == 1) {
		worker_stop(w, 1);
		buf_release(&line);
		return serve_error_set(err, 504, "INTERNAL_ERROR",
				       "the model did not answer within %d ms "
				       "(its worker was stopped)", w->timeout_ms);
	}
	if (rc == -2) {
		worker_stop(w, 1);
		buf_release(&line);
		return serve_error_set(err, 500, "INTERNAL_ERROR",
				       "the model's worker answered a line longer "
				       "than %u bytes (it was stopped)", WORKER_MAX_LINE);
	}
	if (rc < 0) {
		describe_status(how, sizeof(how), worker_stop(w, 0));
		buf_release(&line);
		return serve_error_set(err, 500, "INTERNAL_ERROR",
				       "the model's worker %s", how);
	}
	answer = json_loadb(line.ptr, line.len, 0, NULL);
	buf_release(&line);
	if (!json_is_object(answer) || !json_is_integer(json_object_get(answer, "id")) ||
	    (unsigned long long)json_integer_value(json_object_get(answer, "id")) != id) {
		json_decref(answer);
		worker_stop(w, 1);
		return serve_error_set(err, 500, "INTERNAL_ERROR",
				       "the model's worker broke the protocol "
				       "(it was stopped)");
	}
	if (json_is_string(json_object_get(answer, "error"))) {
		serve_error_set(err, 400, "BAD_REQUEST", "%s%s", model_error_message,
				json_string_value(json_object_get(answer, "error")));
		err->model_fault = 1;
		json_decref(answer);
		return -1;
	}
	preds = json_incref(json_object_get(answer, "predictions"));
	json_decref(answer);
	return flavor_predictions_from_json(out, preds, in->rows, err);
}

static int worker_predict(void *impl, const struct serve_batch *in,
			  struct serve_predictions *out, struct serve_error *err)
{
	struct worker *w = impl;
	long long deadline = now_ms() + w->timeout_ms;
	struct timespec until;
	int rc, waited = 0;

	/*
	 * The wait for the worker counts against the same deadline: the
	 * timed lock takes CLOCK_REALTIME, the deadline itself is monotonic
	 * (a clock step only moves when the wait gives up).
	 */
	if ((rc = pthread_mutex_trylock(&w->lock)) == 0)
		goto locked;
	waited = 1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += w->timeout_ms / 1000;
	until.tv_nsec += (long)(w->timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while ((rc = pthread_mutex_timedlock(&w->lock, &until)) == EINTR)
		;
	if (rc == ETIMEDOUT)
		return timed_out(w, err, "it was busy with earlier requests");
	if (rc != 0)
		return serve_error_set(err, 500, "INTERNAL_ERROR",
				       "cannot wait for the model's worker: %s",
				       strerror(rc));
locked:
	rc = worker_ask(w, deadline, waited, in, out, err);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static size_t worker_memory(void *impl)
{
	struct worker *w = impl;
	size_t m;

	pthread_mutex_lock(&w->lock);
	m = w->memory;
	pthread_mutex_unlock(&w->lock);
	return m;
}

static void worker_free(void *impl)
{
	struct worker *w = impl;

	if (!w)
		return;
	worker_stop(w, 0);
	buf_release(&w->in);
	pthread_mutex_destroy(&w->lock);
	free(w->python);
	free(w->dir);
	free(w->conf);
	free(w);
}

int flavor_worker_load(void **impl, struct flavor_shape *shape, const char *dir,
		       const char *conf, const struct serve_flavor_options *opts)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	const char *python = opts->python;
	int err;

	*impl = NULL;
	if (!python || !*python)
		python = getenv("CAIRN_PYTHON");
	if (!python || !*python)
		python = "python3";
	pthread_mutex_init(&w->lock, NULL);
	w->python = xstrdup(python);
	w->dir = xstrdup(dir);
	w->conf = xstrdup(conf);
	w->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	w->fd = -1;
	buf_init(&w->in, 0);
	if ((err = worker_start(w, shape)) < 0) {
		worker_free(w);
		return err;
	}
	*impl = w;
	return 0;
}

const struct flavor_ops flavor_sklearn_ops = {
	.name = "sklearn",
	.predict = worker_predict,
	.memory = worker_memory,
	.free = worker_free,
};

const struct flavor_ops flavor_pyfunc_ops = {
	.name = "python_function",
	.predict = worker_predict,
	.memory = worker_memory,
	.free = worker_free,
};

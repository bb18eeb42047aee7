/*
 * cairn.h: the public API of libcairn, version control for machine learning.
 *
 * Conventions (libgit2's):
 * - Functions return 0 on success and a negative cairn_error_code on
 *   failure; cairn_error_last() then describes the failure. The library
 *   never prints and never exits.
 * - Output parameters come first. Anything returned through a `T **out` is
 *   owned by the caller and freed with cairn_T_free() (NULL is allowed).
 *   Anything returned as `const T *` is borrowed from its parent and lives
 *   as long as it does. Strings the caller owns come in a cairn_buf and are
 *   released with cairn_buf_dispose().
 * - Arguments are borrowed for the duration of the call.
 * - Option structs carry a version field and have an _INIT macro.
 * - Callbacks take their payload last; a non-zero return stops the walk and
 *   is returned to the caller.
 */
#ifndef CAIRN_H
#define CAIRN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

typedef enum {
	CAIRN_OK = 0,
	CAIRN_ERROR = -1,      /* generic; see cairn_error_last() */
	CAIRN_ENOTFOUND = -3,  /* no such repository, object, version, ... */
	CAIRN_EEXISTS = -4,    /* already exists */
	CAIRN_EAMBIGUOUS = -5, /* an abbreviated id matches several objects */
	CAIRN_EINVALID = -6,   /* bad argument or malformed input */
	CAIRN_ELOCKED = -7,    /* held by another process */
	CAIRN_EMISMATCH = -8,  /* content does not hash to its name */
	CAIRN_ENOTSUPP = -9,   /* not supported here */
	CAIRN_ECONFLICT = -10, /* local changes would be overwritten */
	CAIRN_ENOSPACE = -11,  /* the disk is full */
	CAIRN_EINTERRUPTED = -12 /* stopped by a signal or a callback */
} cairn_error_code;

typedef enum {
	CAIRN_ERRCLASS_NONE = 0,
	CAIRN_ERRCLASS_OS,
	CAIRN_ERRCLASS_NOMEM,
	CAIRN_ERRCLASS_INVALID,
	CAIRN_ERRCLASS_REPO,
	CAIRN_ERRCLASS_CONFIG,
	CAIRN_ERRCLASS_DB,
	CAIRN_ERRCLASS_ODB,
	CAIRN_ERRCLASS_DATA,
	CAIRN_ERRCLASS_REMOTE
} cairn_error_class;

typedef struct {
	const char *message;
	int klass; /* a cairn_error_class */
} cairn_error;

/** The last error on this thread; never NULL. */
const cairn_error *cairn_error_last(void);

/** The library's version, "MAJOR.MINOR.PATCH". */
const char *cairn_version(void);

/* --------------------------------------------------------------- object ids */

/** An object id: SHA-256 of the uncompressed content. */
typedef struct {
	unsigned char id[32];
} cairn_oid;

/** Length of "sha256:" plus 64 hex digits, without the NUL. */
#define CAIRN_OID_STRLEN 71

/** Write "sha256:<64 hex>" and a NUL into out (CAIRN_OID_STRLEN + 1 bytes). */
void cairn_oid_fmt(char *out, const cairn_oid *oid);

/** Parse a full id, with or without the "sha256:" prefix. */
int cairn_oid_parse(cairn_oid *out, const char *str);

int cairn_oid_cmp(const cairn_oid *a, const cairn_oid *b);

/* ---------------------------------------------------------------- buffers */

typedef struct {
	char *ptr;
	size_t size, asize;
} cairn_buf;
#define CAIRN_BUF_INIT { NULL, 0, 0 }

void cairn_buf_dispose(cairn_buf *buf);

/* ------------------------------------------------------------ repository */

/*
 * A cairn project is a directory holding `.cairn/` (the store: config,
 * metadata database, objects). Commands find it by walking up from the
 * current directory, as git does.
 */
typedef struct cairn_repo cairn_repo;

typedef struct {
	unsigned int version;
	size_t chunk_min, chunk_avg, chunk_max; /* 0: 16 KiB / 64 KiB / 512 KiB */
} cairn_init_options;
#define CAIRN_INIT_OPTIONS_VERSION 1
#define CAIRN_INIT_OPTIONS_INIT { CAIRN_INIT_OPTIONS_VERSION, 0, 0, 0 }

/**
 * Create a project in `path` (which must exist).
 *
 * @return 0, CAIRN_EEXISTS if `path` already holds one, or an error
 */
int cairn_repo_init(cairn_repo **out, const char *path,
		    const cairn_init_options *opts);

/**
 * Open the project containing `path`, walking up to the nearest directory
 * that holds `.cairn/`.
 *
 * @return 0, CAIRN_ENOTFOUND if there is none, or an error
 */
int cairn_repo_open(cairn_repo **out, const char *path);
void cairn_repo_free(cairn_repo *repo);

/**
 * Open a repo whose experiment tracking goes where `tracking_uri` says
 * (the CLI passes $CAIRN_TRACKING_URI, else $MLFLOW_TRACKING_URI):
 *   - NULL or "": the project containing `path`, as cairn_repo_open();
 *   - "http://..." or "https://...": a cairn server, over its REST API;
 *     data sets (for cairn_log_input()) still come from the project
 *     containing `path` if there is one (`path` NULL: no project);
 *   - "file:PATH" or a plain path: the project containing PATH (which
 *     must exist: CAIRN_ENOTFOUND otherwise).
 * Any other scheme is CAIRN_EINVALID. Nothing is sent to a server before
 * the first tracking call; connection failures are reported then.
 */
int cairn_repo_open_tracking(cairn_repo **out, const char *path,
			     const char *tracking_uri);

/** The server tracking goes to, or NULL for the local store. */
const char *cairn_repo_tracking_uri(const cairn_repo *repo);

/**
 * The project's top directory (absolute); NULL for a server-tracked repo
 * opened outside any project.
 */
const char *cairn_repo_workdir(const cairn_repo *repo);
/** The store directory, `<workdir>/.cairn` (NULL as for the workdir). */
const char *cairn_repo_path(const cairn_repo *repo);

/* -------------------------------------------------------------- data sets */

typedef enum { CAIRN_DATA_FILE = 0, CAIRN_DATA_DIR = 1 } cairn_data_kind;

/** A data set version. Strings are borrowed from whatever handed it out. */
typedef struct {
	const char *name;       /* data set name */
	uint64_t version;       /* 1, 2, 3, ... */
	cairn_oid oid;          /* whole-file or tree id */
	cairn_data_kind kind;
	uint64_t size;          /* bytes (sum over files for a directory) */
	uint64_t files;         /* 1 for a file */
	const char *path;       /* where it was added, relative to the workdir */
	int64_t created_ms;     /* milliseconds since the epoch */
	const char *created_by; /* OS user */
	int64_t rows;           /* data rows of a CSV/TSV file, else -1 */
	const char *columns;    /* JSON [{"name":..,"type":..}], or NULL */
	const char *run_id;     /* the run that produced it, or NULL */
} cairn_data_version;

typedef int (*cairn_data_version_cb)(const cairn_data_version *v, void *payload);

typedef struct {
	unsigned int version;
	const char *name; /* data set name; NULL: the path relative to the workdir */
	int progress;     /* draw a progress line when stderr is a terminal */
	const char *run_id; /* the run producing the data (a full id), or NULL;
			     * recorded on a new version only: adding content
			     * the data set has keeps its first producer */
} cairn_data_add_options;
#define CAIRN_DATA_ADD_OPTIONS_VERSION 1
#define CAIRN_DATA_ADD_OPTIONS_INIT { CAIRN_DATA_ADD_OPTIONS_VERSION, NULL, 0, NULL }

typedef struct {
	const char *path;         /* the data, relative to the workdir */
	const char *pointer_path; /* the pointer file written, relative */
	const cairn_data_version *version;
	int created;              /* 1: a new version; 0: same content as before */
	uint64_t stored_bytes;    /* new bytes in the store (after dedup) */
} cairn_data_add_result;

/**
 * Store a file or directory, write its pointer file `PATH.cairn` and a
 * `.gitignore` entry beside it, and record a data set version unless the
 * data set already has one with the same content. `path` is absolute or
 * relative to the current directory and must lie inside the project.
 * `cb` (may be NULL) receives the result before this returns.
 */
int cairn_data_add(cairn_repo *repo, const char *path,
		   const cairn_data_add_options *opts,
		   int (*cb)(const cairn_data_add_result *result, void *payload),
		   void *payload);

typedef enum {
	CAIRN_DATA_CLEAN = 0,    /* the data matches its pointer */
	CAIRN_DATA_MODIFIED,     /* the data differs from its pointer */
	CAIRN_DATA_MISSING,      /* the data is absent (checkout restores it) */
	CAIRN_DATA_BAD_POINTER   /* the pointer file cannot be read */
} cairn_data_state;

typedef struct {
	const char *pointer_path; /* relative to the workdir */
	const char *path;         /* the data it names, relative */
	cairn_data_state state;
	const char *name;         /* data set name (NULL for a bad pointer) */
	uint64_t version;
	uint64_t added, removed, modified; /* files, for a directory */
	const char *message;      /* why a pointer is bad */
} cairn_data_status_entry;

/**
 * Compare the data with its pointer files: every pointer under the project
 * when npaths is 0, else the ones named (data paths or pointer paths).
 * Unchanged files are recognised from a stat cache and never re-read.
 */
int cairn_data_status(cairn_repo *repo, const char *const *paths,
		      size_t npaths,
		      int (*cb)(const cairn_data_status_entry *e, void *payload),
		      void *payload);

typedef struct {
	unsigned int version;
	int force;    /* overwrite local changes */
	int progress;
} cairn_data_checkout_options;
#define CAIRN_DATA_CHECKOUT_OPTIONS_VERSION 1
#define CAIRN_DATA_CHECKOUT_OPTIONS_INIT { CAIRN_DATA_CHECKOUT_OPTIONS_VERSION, 0, 0 }

typedef struct {
	const char *path;          /* relative to the workdir */
	const cairn_data_version *version;
	int restored;              /* 0: already up to date */
	uint64_t files_written;
} cairn_data_checkout_result;

/**
 * Restore the data named by pointer files (all when npaths is 0). A spec
 * is a data path or pointer path, optionally followed by "@vN" or "@<id
 * prefix>" to restore that version (the pointer file is updated).
 * CAIRN_ECONFLICT, with nothing changed, if local changes would be lost
 * and opts->force is not set. Every byte is verified before it lands.
 */
int cairn_data_checkout(cairn_repo *repo, const char *const *specs,
			size_t nspecs, const cairn_data_checkout_options *opts,
			int (*cb)(const cairn_data_checkout_result *r, void *payload),
			void *payload);

/**
 * Look a version up by "NAME@vN", "NAME" (the latest), "NAME@<id prefix>",
 * a data path or pointer path (optionally with "@vN"), or an id prefix.
 * Free with cairn_data_version_free().
 */
int cairn_data_lookup(cairn_data_version **out, cairn_repo *repo,
		      const char *spec);
void cairn_data_version_free(cairn_data_version *v);

/**
 * A version as one JSON object (name, version, id, kind, size, files,
 * path, created_ms, created_by, rows and columns for CSV, and run_id when
 * a run produced it), the shape
 * `--json`, the REST API and remotes' version lists all use.
 */
int cairn_data_version_json(cairn_buf *out, const cairn_data_version *v);

/** Every version of a data set, oldest first. */
int cairn_data_log(cairn_repo *repo, const char *name, cairn_data_version_cb cb,
		   void *payload);

/** The latest version of every data set, by name. */
int cairn_data_list(cairn_repo *repo, cairn_data_version_cb cb, void *payload);

typedef enum {
	CAIRN_DIFF_ADDED = 0,
	CAIRN_DIFF_REMOVED,
	CAIRN_DIFF_MODIFIED
} cairn_diff_kind;

typedef struct {
	cairn_diff_kind kind;
	const char *path; /* inside the data set ("" for a single file) */
	uint64_t old_size, new_size;
} cairn_diff_entry;

/**
 * Files added, removed and modified between two states of a data set.
 * `from` and `to` are version specs as for cairn_data_lookup() relative to
 * `path`'s data set ("v1", "sha256:ab12", ...); NULL `to` means the data
 * in the working tree, and NULL `from` the version its pointer names.
 */
int cairn_data_diff(cairn_repo *repo, const char *path, const char *from,
		    const char *to,
		    int (*cb)(const cairn_diff_entry *e, void *payload),
		    void *payload);

/* --------------------------------------------------------------- remotes */

/** Add a remote: a local or mounted directory (created if missing). */
int cairn_remote_add(cairn_repo *repo, const char *name, const char *url);
int cairn_remote_remove(cairn_repo *repo, const char *name);
int cairn_remote_foreach(cairn_repo *repo,
			 int (*cb)(const char *name, const char *url, void *payload),
			 void *payload);

typedef struct {
	unsigned int version;
	const char *remote; /* NULL: the only remote, or "origin" */
	int progress;
} cairn_transfer_options;
#define CAIRN_TRANSFER_OPTIONS_VERSION 1
#define CAIRN_TRANSFER_OPTIONS_INIT { CAIRN_TRANSFER_OPTIONS_VERSION, NULL, 0 }

typedef struct {
	uint64_t objects, bytes;       /* moved */
	uint64_t skipped;              /* already on the other side */
	uint64_t versions;             /* data set versions made known */
} cairn_transfer_stats;

/**
 * Push the objects of the named data (specs as for checkout; all data set
 * versions when nspecs is 0) to a remote, sending only what it lacks.
 */
int cairn_data_push(cairn_transfer_stats *stats, cairn_repo *repo,
		    const char *const *specs, size_t nspecs,
		    const cairn_transfer_options *opts);

/**
 * Fetch from a remote the objects the pointer files name (all pointers
 * when nspecs is 0), fetching only what is missing; data set versions the
 * remote knows are recorded locally. Does not touch the working tree:
 * `cairn data pull` is this followed by cairn_data_checkout().
 */
int cairn_data_fetch(cairn_transfer_stats *stats, cairn_repo *repo,
		    const char *const *specs, size_t nspecs,
		    const cairn_transfer_options *opts);

/* ---------------------------------------------------------- maintenance */

typedef struct {
	const cairn_oid *oid;
	const char *problem;   /* "missing", "corrupt: ..." */
	const char *referrer;  /* "data set NAME@vN (path/in/set)", or NULL */
} cairn_fsck_problem;

typedef struct {
	uint64_t objects, bytes, problems;
} cairn_fsck_stats;

/**
 * Verify every object in the store and every reference from the metadata.
 * Each problem is reported to cb, once per referrer. Returns 0 when the
 * check ran (stats->problems says whether it passed).
 */
int cairn_fsck(cairn_fsck_stats *stats, cairn_repo *repo,
	       int (*cb)(const cairn_fsck_problem *p, void *payload),
	       void *payload);

typedef struct {
	uint64_t objects_total, objects_unreferenced;
	uint64_t bytes_before, bytes_freed;
} cairn_gc_stats;

/**
 * Remove objects that no data set version (nor anything else recorded)
 * references, and repack the rest into one pack. dry_run only counts.
 */
int cairn_gc(cairn_gc_stats *stats, cairn_repo *repo, int dry_run);

/* ---------------------------------------------------------- audit log */

/*
 * Every state change of the store (experiments and runs created, renamed,
 * finished, deleted, restored; data set versions; model registrations and
 * moves) appends an event to a hash chain: each event's hash covers the
 * previous event's hash and the event itself, so changing, removing,
 * inserting or reordering recorded events is found by cairn_audit_verify().
 * docs/audit.md says what is recorded; docs/internals/audit.md the format.
 */

/**
 * Name the actor recorded in this handle's audit events (NULL: the OS
 * user, the default). At most 256 bytes, no control characters.
 */
int cairn_repo_set_actor(cairn_repo *repo, const char *actor);

typedef struct {
	int64_t seq;            /* 1, 2, 3, ... */
	int64_t time;           /* ms since the epoch */
	const char *actor;
	const char *action;     /* "run.create", "experiment.delete", ... */
	const char *object;     /* "run:<id>", "experiment:3", "dataset:NAME@v2", ... */
	const char *before;     /* JSON of the state before, or NULL */
	const char *after;      /* JSON of the state after, or NULL */
	const char *reason;     /* or NULL */
	const char *prev_hash;  /* 64 hex: the previous event's hash (zeros for the first) */
	const char *hash;       /* 64 hex: SHA-256 of prev_hash and the canonical event */
} cairn_audit_event;

typedef struct {
	unsigned int version;
	const char *object;   /* exact, or e.g. "dataset:iris" for all its versions */
	const char *action;   /* exact, or a prefix ending in '.' ("run.") */
	int64_t since, until; /* ms since the epoch, inclusive; 0: unbounded */
	int64_t after_seq;    /* only events after this seq (paging); 0: all */
} cairn_audit_query;
#define CAIRN_AUDIT_QUERY_VERSION 1
#define CAIRN_AUDIT_QUERY_INIT { CAIRN_AUDIT_QUERY_VERSION, NULL, NULL, 0, 0, 0 }

/** The events matching q (NULL: all), oldest first. */
int cairn_audit_log(cairn_repo *repo, const cairn_audit_query *q,
		    int (*cb)(const cairn_audit_event *e, void *payload),
		    void *payload);

/** A JSON object of the event (before and after as JSON values). */
int cairn_audit_event_json(cairn_buf *out, const cairn_audit_event *e);

typedef enum {
	CAIRN_AUDIT_OK = 0,
	CAIRN_AUDIT_MODIFIED,  /* an event's content no longer matches its hash */
	CAIRN_AUDIT_REMOVED,   /* events are missing (a gap in seq) */
	CAIRN_AUDIT_INSERTED,  /* an event that was never appended by cairn */
	CAIRN_AUDIT_REORDERED, /* an event moved to another place in the chain */
	CAIRN_AUDIT_TRUNCATED  /* the log ends before the recorded head */
} cairn_audit_problem;

typedef struct {
	uint64_t events;          /* events checked */
	int64_t last_seq;         /* the newest event checked */
	char last_hash[65];       /* its hash: the chain's head */
	int head_checked;         /* 1: the head record was compared */
	cairn_audit_problem problem;
	int64_t seq;              /* the first bad event (problem != OK) */
	char message[512];        /* what is wrong, naming the event */
} cairn_audit_verify_result;

/**
 * Recompute the chain and compare it with the head record. Returns 0 when
 * the check ran; out->problem says whether the log is intact, and names
 * the first event that is not.
 */
int cairn_audit_verify(cairn_audit_verify_result *out, cairn_repo *repo);

/** "ok", "modified", "removed", "inserted", "reordered", "truncated". */
const char *cairn_audit_problem_name(cairn_audit_problem p);

/**
 * The result as one JSON object (ok, events, last_seq, head_hash,
 * head_checked, problem, and seq and message when not ok): the shape of
 * `cairn audit verify --json` and of the REST API.
 */
int cairn_audit_verify_json(cairn_buf *out, const cairn_audit_verify_result *r);

/* ---------------------------------------------------------------- lineage */

typedef enum {
	CAIRN_LINEAGE_DATA = 1,  /* a data set version: "NAME@v2" (any data spec) */
	CAIRN_LINEAGE_RUN,       /* a run: id, id prefix or unique name */
	CAIRN_LINEAGE_MODEL,     /* a model version: a models:/ URI */
	CAIRN_LINEAGE_DEPLOYMENT /* a deployment: its name */
} cairn_lineage_kind;

#define CAIRN_LINEAGE_UPSTREAM 1u   /* what it came from */
#define CAIRN_LINEAGE_DOWNSTREAM 2u /* what came of it */

/**
 * The lineage graph around a data set version, a run or a model version:
 * data set versions -> runs that used them (edge "input", with its
 * context) -> model versions registered from those runs (edge
 * "registered") and data set versions they produced (edge "produced"),
 * -> deployments that served those model versions (edge "served", with the
 * role: primary, canary or shadow),
 * walked upstream, downstream or both (directions 0: both), recursively
 * through producing runs. A producing run the store does not hold is a
 * node with "in_store": false. JSON: {"root": NODE, "nodes": [{"node": "data:NAME@vN" |
 * "run:ID" | "model:NAME/N" | "deployment:NAME", "type": "data" | "run" |
 * "model" | "deployment", facts...}],
 * "edges": [{"from", "to", "kind", "context"}]}. Facts: a data set
 * version's JSON form; a run's status, user, times, params, latest metrics
 * and code commit; a model version's registry form with its stage,
 * aliases and content id; a deployment's settings (cairn_deployment_json()).
 */
int cairn_lineage_json(cairn_buf *out, cairn_repo *repo, cairn_lineage_kind kind,
		       const char *spec, unsigned int directions);

/* ---------------------------------------------------- experiment tracking */

/*
 * Experiments group runs. Experiment "0", named Default, always exists.
 * Ids are decimal strings; anywhere an experiment is named, its id or its
 * name may be given.
 */
typedef enum {
	CAIRN_VIEW_ACTIVE = 1,
	CAIRN_VIEW_DELETED = 2,
	CAIRN_VIEW_ALL = 3
} cairn_view;

typedef struct {
	const char *id;
	const char *name;
	const char *lifecycle_stage; /* "active" or "deleted" */
	int64_t creation_time, last_update_time; /* ms since the epoch */
} cairn_experiment;

int cairn_experiment_create(cairn_buf *id_out, cairn_repo *repo,
			    const char *name);
/** By id or name (a deleted experiment is found too). */
int cairn_experiment_lookup(cairn_experiment **out, cairn_repo *repo,
			    const char *id_or_name);
void cairn_experiment_free(cairn_experiment *e);
int cairn_experiment_rename(cairn_repo *repo, const char *id_or_name,
			    const char *new_name);
/** Soft delete (its runs are kept) and restore. "0" cannot be deleted. */
int cairn_experiment_delete(cairn_repo *repo, const char *id_or_name);
int cairn_experiment_restore(cairn_repo *repo, const char *id_or_name);
int cairn_experiment_set_tag(cairn_repo *repo, const char *id_or_name,
			     const char *key, const char *value);
/** CAIRN_ENOTFOUND if the experiment has no such tag. */
int cairn_experiment_delete_tag(cairn_repo *repo, const char *id_or_name,
				const char *key);
int cairn_experiment_tag_foreach(cairn_repo *repo, const char *id_or_name,
				 int (*cb)(const char *key, const char *value,
					   void *payload),
				 void *payload);
int cairn_experiment_foreach(cairn_repo *repo, cairn_view view,
			     int (*cb)(const cairn_experiment *e, void *payload),
			     void *payload);

typedef enum {
	CAIRN_RUN_RUNNING = 0,
	CAIRN_RUN_SCHEDULED,
	CAIRN_RUN_FINISHED,
	CAIRN_RUN_FAILED,
	CAIRN_RUN_KILLED
} cairn_run_status;

/** "RUNNING", "FINISHED", ... */
const char *cairn_run_status_name(cairn_run_status status);
/** CAIRN_EINVALID for an unknown name. */
int cairn_run_status_parse(cairn_run_status *out, const char *name);

typedef struct {
	const char *key;
	const char *value;
} cairn_kv;

typedef struct {
	unsigned int version;
	const char *experiment;    /* id or name; NULL: "0" (Default) */
	const char *name;          /* NULL: a generated adjective-animal-NNN */
	int64_t start_time;        /* ms; 0: now */
	const char *parent_run_id; /* a nested run's parent, or NULL */
	const char *user;          /* NULL: the OS user; "": none (no mlflow.user tag) */
	const cairn_kv *tags;      /* set in the same transaction (validated first) */
	size_t ntags;
} cairn_run_create_options;
#define CAIRN_RUN_CREATE_OPTIONS_VERSION 1
#define CAIRN_RUN_CREATE_OPTIONS_INIT { CAIRN_RUN_CREATE_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, NULL, 0 }

/** Start a run (status RUNNING); run_id_out gets its 32-hex id. */
int cairn_run_create(cairn_buf *run_id_out, cairn_repo *repo,
		     const cairn_run_create_options *opts);

/**
 * Resolve a run id, an unambiguous prefix of one (at least 4 hex digits)
 * or a run name unique in the store, to the full id.
 */
int cairn_run_resolve(cairn_buf *run_id_out, cairn_repo *repo,
		      const char *spec);

/**
 * Set a run's status (RUNNING -> FINISHED | FAILED | KILLED), end time
 * (0: now when the status ends the run, else unchanged) and name (NULL:
 * unchanged).
 */
int cairn_run_update(cairn_repo *repo, const char *run_id,
		     cairn_run_status status, int64_t end_time, const char *name);
int cairn_run_delete(cairn_repo *repo, const char *run_id);
int cairn_run_restore(cairn_repo *repo, const char *run_id);

typedef struct {
	const char *key;
	double value;      /* NaN and +-Inf allowed */
	int64_t timestamp; /* ms since the epoch, as given (0 is 0) */
	int64_t step;
} cairn_metric;

/**
 * Check a key (and, for "param" and "tag", a value; NULL skips it) by
 * MLflow's rules, without touching a store. kind: "param", "metric" or
 * "tag". Lets a caller refuse bad input before it records anything.
 */
int cairn_validate(const char *kind, const char *key, const char *value);

/**
 * Params are write-once: logging a key again with the same value is a
 * no-op, with another value CAIRN_EEXISTS naming both values.
 */
int cairn_log_param(cairn_repo *repo, const char *run_id, const char *key,
		    const char *value);
/** Metrics keep their whole history; one transaction for all n. */
int cairn_log_metrics(cairn_repo *repo, const char *run_id,
		      const cairn_metric *metrics, size_t n);
int cairn_set_tag(cairn_repo *repo, const char *run_id, const char *key,
		  const char *value);
int cairn_delete_tag(cairn_repo *repo, const char *run_id, const char *key);
/** MLflow's log-batch: all or nothing, with its limits. */
int cairn_log_batch(cairn_repo *repo, const char *run_id,
		    const cairn_metric *metrics, size_t nmetrics,
		    const cairn_kv *params, size_t nparams,
		    const cairn_kv *tags, size_t ntags);
/**
 * Group commit, for a server that logs for many clients at once. Between
 * cairn_write_group_begin() and cairn_write_group_end(), the logging calls
 * of this handle (cairn_log_batch() and the functions built on it) each
 * succeed or fail on their own, as they would alone, but are made durable
 * together by cairn_write_group_end(repo, 1), in one transaction; until
 * then they are not acknowledged, and if it fails none of them is stored.
 * cairn_write_group_end(repo, 0) drops them all. Writers of the same
 * process wait for the group's end. A store tracked by a cairn server has
 * no groups: each call is sent on its own, and these do nothing.
 */
int cairn_write_group_begin(cairn_repo *repo);
int cairn_write_group_end(cairn_repo *repo, int commit);
/**
 * Record that the run used a data set version (a spec as for
 * cairn_data_lookup()), with a context such as "training".
 */
int cairn_log_input(cairn_repo *repo, const char *run_id, const char *data_spec,
		    const char *context);

typedef struct {
	const char *run_id;
	const char *name;
	const char *experiment_id;
	const char *user_id;
	cairn_run_status status;
	int64_t start_time, end_time; /* end_time 0 while running */
	const char *lifecycle_stage;  /* "active" or "deleted" */
	const char *parent_run_id;    /* or NULL */
} cairn_run_info;

typedef struct {
	const char *name;   /* data set */
	uint64_t version;
	const char *id;     /* "sha256:..." */
	const char *context;
} cairn_run_input;

/** A run as read from the store: info, params, latest metrics, tags, inputs. */
typedef struct cairn_run cairn_run;

int cairn_run_get(cairn_run **out, cairn_repo *repo, const char *run_id);
void cairn_run_free(cairn_run *run);
const cairn_run_info *cairn_run_info_get(const cairn_run *run);
size_t cairn_run_param_count(const cairn_run *run);
const cairn_kv *cairn_run_param(const cairn_run *run, size_t i);
size_t cairn_run_tag_count(const cairn_run *run);
const cairn_kv *cairn_run_tag(const cairn_run *run, size_t i);
/** The latest value of each metric (by step, then time, then value). */
size_t cairn_run_metric_count(const cairn_run *run);
const cairn_metric *cairn_run_metric(const cairn_run *run, size_t i);
size_t cairn_run_input_count(const cairn_run *run);
const cairn_run_input *cairn_run_input_get(const cairn_run *run, size_t i);

/*
 * MLflow dataset records (log-inputs of datasets that are not cairn data
 * set versions): a dataset is kept once per (experiment, name, digest),
 * the first record of it winning; a run's input of it carries InputTags
 * such as mlflow.data.context. Limits (MLflow's): name 1 to 500
 * characters, digest 1 to 36, source_type non-empty, source at most
 * 65535, schema 1048575, profile 16777215; input tag keys 1 to 255, values
 * at most 500.
 */
typedef struct {
	const char *name;
	const char *digest;
	const char *source_type;
	const char *source;  /* JSON text, as the client gave it */
	const char *schema;  /* or NULL */
	const char *profile; /* or NULL */
} cairn_dataset;

typedef struct {
	cairn_dataset dataset;
	const cairn_kv *tags; /* InputTags */
	size_t ntags;
} cairn_dataset_input;

/** Check an input by the limits above, without touching a store. */
int cairn_dataset_input_validate(const cairn_dataset_input *in);

/**
 * Record dataset inputs of a run (MLflow's log-inputs), in one
 * transaction. Inputs naming the same (name, digest) twice in one call
 * count once (the first); an input the run already has is left as it was,
 * tags included, so logging again is a no-op. A tag key given twice in
 * one input keeps the last value.
 */
int cairn_log_dataset_inputs(cairn_repo *repo, const char *run_id,
			     const cairn_dataset_input *inputs, size_t n);

/** A run's dataset records, in the order they were first logged. */
size_t cairn_run_dataset_input_count(const cairn_run *run);
const cairn_dataset_input *cairn_run_dataset_input(const cairn_run *run,
						   size_t i);

typedef struct {
	const char *experiment_id;
	const char *name;
	const char *digest;
	const char *context; /* the mlflow.data.context tag, or NULL */
} cairn_dataset_summary;

/**
 * The datasets runs of these experiments used (MLflow's search-datasets):
 * dataset records and cairn data set versions (digest: the content id),
 * one per (experiment, name, digest, context), by experiment, name,
 * digest and context, at most max (0: 1000).
 */
int cairn_dataset_summaries(cairn_repo *repo, const char *const *experiments,
			    size_t n, size_t max,
			    int (*cb)(const cairn_dataset_summary *s,
				      void *payload),
			    void *payload);

/** Every point of one metric, by step then time; streamed. */
int cairn_metric_history(cairn_repo *repo, const char *run_id, const char *key,
			 int (*cb)(const cairn_metric *m, void *payload),
			 void *payload);

typedef struct {
	unsigned int version;
	const char *const *experiments; /* ids or names; none: every experiment */
	size_t nexperiments;
	const char *filter;             /* MLflow's filter grammar, or NULL */
	const char *const *order_by;    /* "metrics.acc DESC", ... */
	size_t norder_by;
	size_t max_results;             /* 0: 1000; at most 50000 */
	const char *page_token;         /* from a previous call, or NULL */
	cairn_view view;                /* 0: active runs only */
} cairn_search_options;
#define CAIRN_SEARCH_OPTIONS_VERSION 1
#define CAIRN_SEARCH_OPTIONS_INIT { CAIRN_SEARCH_OPTIONS_VERSION, NULL, 0, NULL, NULL, 0, 0, NULL, 0 }

/**
 * Find runs (MLflow's runs/search): cb gets each run of the page in order;
 * next_page_token (may be NULL) gets a token for the next page, or stays
 * empty on the last one. A bad filter or order is CAIRN_EINVALID with
 * MLflow's message.
 */
int cairn_runs_search(cairn_buf *next_page_token, cairn_repo *repo,
		      const cairn_search_options *opts,
		      int (*cb)(const cairn_run *run, void *payload),
		      void *payload);

/* -------------------------------------------------------- run artifacts */

/**
 * Store a file or directory as an artifact of the run: it lands at
 * artifact_path/NAME (artifact_path NULL or "" for the top), NAME being
 * the last component of local_path. Content goes into the object store,
 * deduplicated with everything else; logging to the same place again
 * replaces the entry.
 */
int cairn_log_artifact(cairn_repo *repo, const char *run_id,
		       const char *local_path, const char *artifact_path);

typedef struct {
	const char *path;  /* relative to the run's artifact root */
	int is_dir;
	uint64_t size;
	cairn_oid oid;
	int executable;    /* a file stored with its execute bit (mode 100755) */
} cairn_artifact;

/**
 * Store what can be read from fd (to its end) as the artifact file at
 * path (a full artifact path, e.g. "model/model.pkl"): the bytes stream
 * into the object store with nothing held whole in memory.
 */
int cairn_log_artifact_fd(cairn_repo *repo, const char *run_id, int fd,
			  const char *path);

/** Stream the artifact file at path to fd, verified. */
int cairn_artifact_read(cairn_repo *repo, const char *run_id, const char *path,
			int fd);

/** Remove the file or directory at path from the run's artifacts. */
int cairn_artifact_delete(cairn_repo *repo, const char *run_id,
			  const char *path);

/** The entries directly under path ("" or NULL: the top), by name. */
int cairn_artifact_list(cairn_repo *repo, const char *run_id, const char *path,
			int (*cb)(const cairn_artifact *a, void *payload),
			void *payload);

/**
 * Write the artifact at path (a file or a directory) to dest, which must
 * not exist; every byte is verified on the way out.
 */
int cairn_artifact_download(cairn_repo *repo, const char *run_id,
			    const char *path, const char *dest);

/**
 * Record a training checkpoint: the file is stored as the artifact
 * checkpoints/step-STEP/NAME, with metadata such as epoch and loss
 * (meta_json: a JSON object, or NULL). Successive checkpoints share their
 * unchanged chunks in the store.
 */
int cairn_log_checkpoint(cairn_repo *repo, const char *run_id,
			 const char *local_file, int64_t step,
			 const char *meta_json);

typedef struct {
	int64_t step;
	const char *path;  /* artifact path */
	cairn_oid oid;
	uint64_t size;
	int64_t created_ms;
	const char *meta;  /* JSON object or NULL */
} cairn_checkpoint;

/**
 * Record as checkpoint `step` the artifact file already logged at
 * artifact_path (what cairn_log_checkpoint() does after storing the
 * file; a server uses it for a checkpoint uploaded through its proxy).
 */
int cairn_log_checkpoint_artifact(cairn_repo *repo, const char *run_id,
				  int64_t step, const char *artifact_path,
				  const char *meta_json);

/** Checkpoints of a run, by step. */
int cairn_checkpoint_foreach(cairn_repo *repo, const char *run_id,
			     int (*cb)(const cairn_checkpoint *c, void *payload),
			     void *payload);

/* --------------------------------------------------------- model registry */

/*
 * Registered models hold numbered versions (1, 2, 3, ... per model name,
 * never reused, even after a deletion). A version is immutable: the
 * content id of its directory (a tree in the object store) is fixed at
 * registration, and every load or download verifies every byte against
 * it. Stages (None, Staging, Production, Archived) and aliases point at
 * versions, with MLflow's rules. Model names and tags follow MLflow's
 * registry rules; a model named anywhere may be a models:/ URI (see
 * cairn_model_resolve()).
 */
typedef struct {
	const char *name;
	const char *description; /* "" when none */
	const char *user_id;
	int64_t creation_time, last_updated_time; /* ms since the epoch */
} cairn_model;

typedef enum {
	CAIRN_STAGE_NONE = 0,
	CAIRN_STAGE_STAGING,
	CAIRN_STAGE_PRODUCTION,
	CAIRN_STAGE_ARCHIVED
} cairn_stage;

/** "None", "Staging", "Production", "Archived". */
const char *cairn_stage_name(cairn_stage stage);
/** Case-insensitive; CAIRN_EINVALID with MLflow's message otherwise. */
int cairn_stage_parse(cairn_stage *out, const char *name);

typedef struct {
	const char *name;        /* the registered model */
	uint64_t version;
	cairn_oid tree;          /* content id of the model directory */
	uint64_t size, files;    /* bytes and files in it */
	const char *source;      /* runs:/RUN/PATH, mlflow-artifacts:/..., or a local path */
	const char *run_id;      /* the source run, or NULL */
	const char *run_link;    /* "" when none */
	const char *description; /* "" when none */
	const char *semver;      /* "1.2.0", or NULL */
	cairn_stage stage;
	const char *flavors;     /* JSON array of flavor names from MLmodel, or NULL */
	const char *signature;   /* JSON object {inputs, outputs, params}, or NULL */
	const char *user_id;
	int64_t creation_time, last_updated_time;
} cairn_model_version;

/** Create a registered model; CAIRN_EEXISTS if the name is taken. */
int cairn_model_create(cairn_repo *repo, const char *name,
		       const char *description, const cairn_kv *tags,
		       size_t ntags);
/** CAIRN_ENOTFOUND for an unknown model. */
int cairn_model_get(cairn_model **out, cairn_repo *repo, const char *name);
void cairn_model_free(cairn_model *m);
/** Rename a model (its versions follow). */
int cairn_model_rename(cairn_repo *repo, const char *name,
		       const char *new_name);
int cairn_model_describe(cairn_repo *repo, const char *name,
			 const char *description);
int cairn_model_set_tag(cairn_repo *repo, const char *name, const char *key,
			const char *value);
/** Deleting a tag the model does not have is not an error (MLflow's rule). */
int cairn_model_delete_tag(cairn_repo *repo, const char *name,
			   const char *key);
int cairn_model_tag_foreach(cairn_repo *repo, const char *name,
			    int (*cb)(const char *key, const char *value,
				      void *payload),
			    void *payload);
/**
 * Delete a model with its versions, tags and aliases. Refused
 * (CAIRN_ECONFLICT) while a version holds an alias or is in Production,
 * unless force.
 */
int cairn_model_delete(cairn_repo *repo, const char *name, int force);

typedef struct {
	unsigned int version;
	const char *filter;          /* MLflow's registry filter grammar, or NULL */
	const char *const *order_by; /* "name DESC", "last_updated_timestamp", ... */
	size_t norder_by;
	size_t max_results;          /* 0: the default (100 models, 10000 versions) */
	const char *page_token;      /* from a previous call, or NULL */
} cairn_model_search_options;
#define CAIRN_MODEL_SEARCH_OPTIONS_VERSION 1
#define CAIRN_MODEL_SEARCH_OPTIONS_INIT { CAIRN_MODEL_SEARCH_OPTIONS_VERSION, NULL, NULL, 0, 0, NULL }

/**
 * MLflow's registered-models/search: filter on name (=, !=, LIKE, ILIKE)
 * and tags.KEY; order by name or last_updated_timestamp; at most 1000 a
 * page. next_page_token (may be NULL) stays empty on the last page.
 */
int cairn_models_search(cairn_buf *next_page_token, cairn_repo *repo,
			const cairn_model_search_options *opts,
			int (*cb)(const cairn_model *m, void *payload),
			void *payload);

typedef struct {
	unsigned int version;
	/* Where the model directory comes from: exactly one of these. */
	const char *run;         /* a run (id, prefix or name), with path */
	const char *path;        /* the run's artifact directory ("" the top) */
	const char *from_dir;    /* a local directory, stored into the object store */
	const char *source;      /* runs:/RUN/PATH or mlflow-artifacts:/EXP/RUN/artifacts/PATH */
	const char *semver;      /* "1.2.0"; or */
	const char *bump;        /* "major", "minor" or "patch" of the last semver */
	const char *description;
	const char *run_link;
	const cairn_kv *tags;
	size_t ntags;
} cairn_model_register_options;
#define CAIRN_MODEL_REGISTER_OPTIONS_VERSION 1
#define CAIRN_MODEL_REGISTER_OPTIONS_INIT { CAIRN_MODEL_REGISTER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

/**
 * Register a new version of a model (which must exist): pin the content
 * id of the directory, read flavors and signature from its MLmodel file
 * if it has one, and number it. Status is READY at once.
 */
int cairn_model_register(cairn_model_version **out, cairn_repo *repo,
			 const char *name,
			 const cairn_model_register_options *opts);
/** CAIRN_ENOTFOUND for an unknown model or version (deleted ones too). */
int cairn_model_version_get(cairn_model_version **out, cairn_repo *repo,
			    const char *name, uint64_t version);
void cairn_model_version_free(cairn_model_version *v);
int cairn_model_version_describe(cairn_repo *repo, const char *name,
				 uint64_t version, const char *description);
int cairn_model_version_set_tag(cairn_repo *repo, const char *name,
				uint64_t version, const char *key,
				const char *value);
int cairn_model_version_delete_tag(cairn_repo *repo, const char *name,
				   uint64_t version, const char *key);
int cairn_model_version_tag_foreach(cairn_repo *repo, const char *name,
				    uint64_t version,
				    int (*cb)(const char *key, const char *value,
					      void *payload),
				    void *payload);
/**
 * Delete a version (its number is never given out again). Refused
 * (CAIRN_ECONFLICT) while it holds an alias or is in Production, unless
 * force; forcing drops its aliases.
 */
int cairn_model_version_delete(cairn_repo *repo, const char *name,
			       uint64_t version, int force);
/**
 * Move a version to a stage. With archive_existing, the other versions in
 * the target stage (Staging or Production only) move to Archived in the
 * same transaction.
 */
int cairn_model_version_transition(cairn_repo *repo, const char *name,
				   uint64_t version, cairn_stage stage,
				   int archive_existing);
/**
 * MLflow's get-latest-versions: the highest version in each stage given,
 * or in each stage that has one when nstages is 0, by stage.
 */
int cairn_model_latest_versions(cairn_repo *repo, const char *name,
				const cairn_stage *stages, size_t nstages,
				int (*cb)(const cairn_model_version *v,
					  void *payload),
				void *payload);

/**
 * MLflow's model-versions/search: filter on name, version_number, run_id
 * (also IN (...)), source_path and tags.KEY; order by name,
 * version_number, creation_timestamp, last_updated_timestamp.
 */
int cairn_model_versions_search(cairn_buf *next_page_token, cairn_repo *repo,
				const cairn_model_search_options *opts,
				int (*cb)(const cairn_model_version *v,
					  void *payload),
				void *payload);

/**
 * Point an alias at a version (moving it if it exists). Alias names are
 * MLflow's: [A-Za-z0-9_-], at most 255, not "latest", not vN.
 */
int cairn_model_alias_set(cairn_repo *repo, const char *name,
			  const char *alias, uint64_t version);
/** Deleting an alias that does not exist is not an error (MLflow's rule). */
int cairn_model_alias_delete(cairn_repo *repo, const char *name,
			     const char *alias);
/** A model's aliases, by name. */
int cairn_model_alias_foreach(cairn_repo *repo, const char *name,
			      int (*cb)(const char *alias, uint64_t version,
					void *payload),
			      void *payload);

/* ------------------------------------------ promotion, history, rollback */

typedef struct {
	unsigned int version;
	const char *reason;  /* why, recorded with the move (may be NULL) */
	int expect_set;      /* compare-and-swap on the alias's holder: */
	uint64_t expect;     /* the version that must hold it now; 0: no holder */
} cairn_model_promote_options;
#define CAIRN_MODEL_PROMOTE_OPTIONS_VERSION 1
#define CAIRN_MODEL_PROMOTE_OPTIONS_INIT { CAIRN_MODEL_PROMOTE_OPTIONS_VERSION, NULL, 0, 0 }

/**
 * Point an alias at a version as a recorded promotion: refused for an
 * Archived version; refused (CAIRN_ECONFLICT, nothing changed) unless the
 * alias is still held by the version expected (expect_set), else by the
 * one that held it when the call started, so of two concurrent
 * promotions from the same state one wins and the other learns who moved
 * it. The alias's policy (cairn_model_policy_set()) is checked in the
 * same transaction: CAIRN_EINVALID naming every failed gate. Promoting
 * the version that holds it already is a no-op.
 */
int cairn_model_promote(cairn_repo *repo, const char *name, uint64_t version,
			const char *alias, const cairn_model_promote_options *opts);

/** One move in a model's history (from the audit log). */
typedef struct {
	int64_t time;         /* ms since the epoch */
	const char *actor;
	const char *action;   /* "model.alias.set", "model.alias.rollback", ... */
	const char *alias;    /* the alias moved, or NULL for a stage move */
	const char *stage;    /* the new stage of a stage move, else NULL */
	uint64_t from, to;    /* versions (alias moves; 0: none) */
	uint64_t version;     /* the version a stage move moved */
	const char *reason;   /* or NULL */
} cairn_model_move;

/**
 * The alias and stage moves of a model, oldest first: every alias only
 * that alias's (alias non-NULL: also no stage moves). Registrations and
 * deletions that drop aliases are moves too.
 */
int cairn_model_history(cairn_repo *repo, const char *name, const char *alias,
			int (*cb)(const cairn_model_move *m, void *payload),
			void *payload);

/** The version that held alias at time_ms: 1 and *version, 0 if none. */
int cairn_model_alias_at(uint64_t *version, cairn_repo *repo, const char *name,
			 const char *alias, int64_t time_ms);

/**
 * Move alias back to its previous holder, in one step, after verifying
 * every byte of that version; repeated rollbacks walk further back
 * (deleted versions are passed over). *to gets the version now holding
 * it. CAIRN_ENOTFOUND if there is nothing to go back to.
 */
int cairn_model_rollback(uint64_t *to, cairn_repo *repo, const char *name,
			 const char *alias, const char *reason);

typedef struct {
	unsigned int version;
	const char *reason;  /* why, recorded with the move (may be NULL) */
	int expect_set;      /* compare-and-swap on the alias's holder: */
	uint64_t expect;     /* the version that must hold it now */
} cairn_model_rollback_options;
#define CAIRN_MODEL_ROLLBACK_OPTIONS_VERSION 1
#define CAIRN_MODEL_ROLLBACK_OPTIONS_INIT { CAIRN_MODEL_ROLLBACK_OPTIONS_VERSION, NULL, 0, 0 }

/**
 * cairn_model_rollback() with options (opts may be NULL). With
 * expect_set, the rollback happens only if the alias is still held by
 * the version expected, checked in the same transaction as the move:
 * otherwise CAIRN_ECONFLICT and nothing changes. So of several processes
 * that each decide to roll back the version they saw, one moves the
 * alias and the others learn it moved, instead of walking further back.
 */
int cairn_model_rollback_ext(uint64_t *to, cairn_repo *repo, const char *name,
			     const char *alias,
			     const cairn_model_rollback_options *opts);

/**
 * Resolve a model URI to a version: models:/NAME/VERSION,
 * models:/NAME/STAGE (the highest version in the stage), models:/NAME@ALIAS,
 * models:/NAME/latest (the highest version). CAIRN_EINVALID for a URI
 * that is not one of these, CAIRN_ENOTFOUND when nothing matches.
 */
int cairn_model_resolve(cairn_model_version **out, cairn_repo *repo,
			const char *uri);

/**
 * Write a version's directory to dest (which must not exist), verifying
 * every byte against the pinned content id; a damaged file is refused
 * with an error naming it, and dest is removed.
 */
int cairn_model_download(cairn_repo *repo, const cairn_model_version *v,
			 const char *dest);
/** Read and verify every file of a version, writing nothing. */
int cairn_model_verify(cairn_repo *repo, const cairn_model_version *v);
/** The entries directly under path ("" or NULL: the top) of a version. */
int cairn_model_list(cairn_repo *repo, const cairn_model_version *v,
		     const char *path,
		     int (*cb)(const cairn_artifact *a, void *payload),
		     void *payload);
/** Stream the file at path of a version to fd, verified. */
int cairn_model_read(cairn_repo *repo, const cairn_model_version *v,
		     const char *path, int fd);

/**
 * A version as one JSON object in MLflow's ModelVersion shape (version as
 * a string, current_stage, status READY, tags, aliases, ...), the shape
 * the REST API and --json share; with extended, cairn's own fields too:
 * content_id, semver, flavors, signature, files, size.
 */
int cairn_model_version_json(cairn_buf *out, cairn_repo *repo,
			     const cairn_model_version *v, int extended);
/**
 * A model as one JSON object in MLflow's RegisteredModel shape (with
 * latest_versions per stage, tags and aliases).
 */
int cairn_model_json(cairn_buf *out, cairn_repo *repo, const cairn_model *m);

/**
 * The metadata JSON kept beside a model: model name, version, semver,
 * content id, stage, aliases, source run, its metrics and params, the
 * data set versions it used (dataset_version), training_date, flavors and
 * signature.
 */
int cairn_model_metadata(cairn_buf *out, cairn_repo *repo, const char *name,
			 uint64_t version);

/**
 * A version's model card in Markdown, with the nine sections of Mitchell
 * et al. 2019 (model details, intended use, factors, metrics, evaluation
 * data, training data, quantitative analyses, ethical considerations,
 * caveats and recommendations), filled from the registry, the source run
 * and the data set versions it used (context "evaluation": evaluation
 * data; any other: training data), and from `card.<section>` tags (the
 * version's over the model's; see docs/registry.md). What is not known
 * is written "unknown".
 */
int cairn_model_card(cairn_buf *out, cairn_repo *repo, const char *name,
		     uint64_t version);

/* -------------------------------------------- logged models (MLflow 3) */

/*
 * A logged model is MLflow 3's model entity: created in an experiment
 * (optionally by a run), its files uploaded to its own artifact tree,
 * then finalized READY (or UPLOAD_FAILED). Ids are "m-" and 32 hex
 * digits. Params are write-once, tags may change; a deleted model is
 * gone for every call. These need a local store (CAIRN_ENOTSUPP in
 * remote mode).
 */
typedef enum {
	CAIRN_LOGGED_MODEL_PENDING = 1,
	CAIRN_LOGGED_MODEL_READY = 2,
	CAIRN_LOGGED_MODEL_UPLOAD_FAILED = 3
} cairn_logged_model_status;

/** "LOGGED_MODEL_PENDING", ... */
const char *cairn_logged_model_status_name(cairn_logged_model_status s);
/** A name (LOGGED_MODEL_READY or READY, ...) or number; CAIRN_EINVALID. */
int cairn_logged_model_status_parse(cairn_logged_model_status *out,
				    const char *name);

/** A metric linked to a logged model (MLflow 3's Metric.model_id). */
typedef struct {
	const char *model_id;
	const char *run_id;         /* the run that logged it */
	cairn_metric metric;
	const char *dataset_name;   /* or NULL */
	const char *dataset_digest; /* or NULL */
} cairn_model_metric;

typedef struct {
	const char *model_id;
	const char *experiment_id;
	const char *name;
	const char *model_type;    /* or NULL */
	const char *source_run_id; /* or NULL */
	cairn_logged_model_status status;
	int64_t creation_time, last_update_time; /* ms */
	const cairn_kv *params;    /* by key */
	size_t nparams;
	const cairn_kv *tags;      /* by key */
	size_t ntags;
	const cairn_model_metric *metrics; /* every point, as logged */
	size_t nmetrics;
} cairn_logged_model;

typedef struct {
	unsigned int version;
	const char *experiment;    /* id; NULL: "0" */
	const char *name;          /* NULL: a generated adjective-animal-NNN */
	const char *model_type;
	const char *source_run_id;
	const cairn_kv *params;
	size_t nparams;
	const cairn_kv *tags;
	size_t ntags;
} cairn_logged_model_create_options;
#define CAIRN_LOGGED_MODEL_CREATE_OPTIONS_VERSION 1
#define CAIRN_LOGGED_MODEL_CREATE_OPTIONS_INIT { CAIRN_LOGGED_MODEL_CREATE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0 }

/** A new model, PENDING, in an active experiment; one transaction. */
int cairn_logged_model_create(cairn_logged_model **out, cairn_repo *repo,
			      const cairn_logged_model_create_options *opts);
int cairn_logged_model_get(cairn_logged_model **out, cairn_repo *repo,
			   const char *model_id);
void cairn_logged_model_free(cairn_logged_model *m);
/** READY or UPLOAD_FAILED (PENDING is CAIRN_EINVALID). */
int cairn_logged_model_finalize(cairn_repo *repo, const char *model_id,
				cairn_logged_model_status status);
int cairn_logged_model_delete(cairn_repo *repo, const char *model_id);
int cairn_logged_model_set_tags(cairn_repo *repo, const char *model_id,
				const cairn_kv *tags, size_t n);
/** CAIRN_ENOTFOUND if the model has no such tag. */
int cairn_logged_model_delete_tag(cairn_repo *repo, const char *model_id,
				  const char *key);
/**
 * Link metrics a run logs to the logged models they name (one
 * transaction): the run must be active and the models must exist. The
 * same point (model, run, key, time, step, dataset) again replaces it.
 * Called beside cairn_log_metrics(), which records them for the run.
 */
int cairn_log_model_metrics(cairn_repo *repo, const cairn_model_metric *m,
			    size_t n);
/** Write-once, as run params: the same value again is a no-op. */
int cairn_logged_model_log_params(cairn_repo *repo, const char *model_id,
				  const cairn_kv *params, size_t n);

typedef struct {
	const char *field; /* name, model_id, creation_timestamp, ... */
	int ascending;
} cairn_logged_model_order;

typedef struct {
	unsigned int version;
	const char *const *experiments; /* ids; at least one */
	size_t nexperiments;
	const char *filter;             /* see docs/api.md, or NULL */
	const cairn_logged_model_order *order_by;
	size_t norder_by;
	size_t offset;
	size_t max_results;             /* 0: 50 */
} cairn_logged_model_search_options;
#define CAIRN_LOGGED_MODEL_SEARCH_OPTIONS_VERSION 1
#define CAIRN_LOGGED_MODEL_SEARCH_OPTIONS_INIT { CAIRN_LOGGED_MODEL_SEARCH_OPTIONS_VERSION, NULL, 0, NULL, NULL, 0, 0, 0 }

/**
 * Models of the experiments matching the filter, in order, from offset;
 * *more is set when there are more after this page. A filter or order
 * cairn does not support is CAIRN_EINVALID with a message saying so.
 */
int cairn_logged_models_search(int *more, cairn_repo *repo,
			       const cairn_logged_model_search_options *opts,
			       int (*cb)(const cairn_logged_model *m,
					 void *payload),
			       void *payload);

/** A logged model's files, as a run's artifacts (paths relative). */
int cairn_logged_model_artifact_write_fd(cairn_repo *repo, const char *model_id,
					 int fd, const char *path);
int cairn_logged_model_artifact_read(cairn_repo *repo, const char *model_id,
				     const char *path, int fd);
int cairn_logged_model_artifact_list(cairn_repo *repo, const char *model_id,
				     const char *path,
				     int (*cb)(const cairn_artifact *a,
					       void *payload),
				     void *payload);

typedef struct {
	const char *model_id;
	int64_t step;
} cairn_model_output;

/**
 * MLflow's runs/outputs and log-inputs' models: the run produced (or
 * used) these logged models, which must exist. Recording one again is a
 * no-op.
 */
int cairn_log_model_outputs(cairn_repo *repo, const char *run_id,
			    const cairn_model_output *outputs, size_t n);
int cairn_log_model_inputs(cairn_repo *repo, const char *run_id,
			   const char *const *model_ids, size_t n);
size_t cairn_run_model_output_count(const cairn_run *run);
const cairn_model_output *cairn_run_model_output(const cairn_run *run,
						 size_t i);
size_t cairn_run_model_input_count(const cairn_run *run);
const char *cairn_run_model_input(const cairn_run *run, size_t i);

/* ------------------------------------------- promotion policies, approvals */

/*
 * A policy says which gates a promotion of a model to an alias must pass
 * (cairn_model_promote() checks them inside its transaction). Its text
 * has one gate per line (or ';'):
 *	metrics.KEY OP NUMBER      the source run's metric (OP: < <= > >= == !=)
 *	metrics.KEY OP current     compared with the current holder's run
 *	input-context CONTEXT      the source run has a data set input so used
 *	approvals N                an approved request with N approvers
 * Parsed strictly: CAIRN_EINVALID naming the line, nothing changed. The
 * stored text is canonical. docs/registry.md has the rules.
 */
int cairn_model_policy_set(cairn_repo *repo, const char *name,
			   const char *alias, const char *policy,
			   const char *reason);
/** The canonical text: 1 and out filled, 0 if the alias has none. */
int cairn_model_policy_get(cairn_buf *out, cairn_repo *repo, const char *name,
			   const char *alias);
/** Removing a policy that does not exist is CAIRN_ENOTFOUND. */
int cairn_model_policy_unset(cairn_repo *repo, const char *name,
			     const char *alias, const char *reason);
/** A model's policies, by alias. */
int cairn_model_policy_foreach(cairn_repo *repo, const char *name,
			       int (*cb)(const char *alias, const char *policy,
					 void *payload),
			       void *payload);

typedef struct {
	int64_t id;
	const char *name;        /* the model */
	uint64_t version;
	const char *target;      /* the alias */
	const char *reason;
	const char *requester;
	const char *status;      /* "pending", "approved", "rejected", "promoted" */
	int64_t created_time, decided_time; /* decided_time 0 while pending */
	unsigned approvals;      /* approving votes so far */
	unsigned required;       /* approvers the alias's policy asks for */
} cairn_promotion_request;

/** Ask for a promotion; out (may be NULL) gets the request's id. */
int cairn_promotion_request_create(int64_t *out, cairn_repo *repo,
				   const char *name, uint64_t version,
				   const char *alias, const char *reason);
/**
 * Approve (approve 1) or reject a pending request as the repository's
 * actor, who must not be the requester nor have voted on it already
 * (CAIRN_ECONFLICT). A request with as many distinct approvers as the
 * policy asks for (at least one) becomes "approved"; promoting the
 * version to the alias then uses it up ("promoted"). A rejection needs a
 * reason and ends the request.
 */
int cairn_promotion_request_decide(cairn_promotion_request **out,
				   cairn_repo *repo, int64_t id, int approve,
				   const char *reason);
/** Requests oldest first, of one model (NULL: all). */
int cairn_promotion_requests(cairn_repo *repo, const char *name,
			     int (*cb)(const cairn_promotion_request *r,
				       void *payload),
			     void *payload);
void cairn_promotion_request_free(cairn_promotion_request *r);
/** One JSON object of a request (every field above). */
int cairn_promotion_request_json(cairn_buf *out,
				 const cairn_promotion_request *r);

/* ------------------------------------------------------------ deployments */

/*
 * A deployment is a named `cairn serve` of registered models: the URI it
 * follows (models:/NAME@production), an optional canary URI with the
 * percent of requests it answers, and an optional shadow URI that sees a
 * copy of every request. Its settings live in the store, so `cairn
 * deployments set` from any process changes the traffic of a running
 * server (which polls cairn_deployment_get() and compares generation).
 * Every change and every event a server reports (start, swap, rollback,
 * a version that failed to load, stop) is an audit event
 * "deployment.ACTION" on "deployment:NAME", linked to the model version
 * concerned; cairn_deployment_events() reads them back.
 */
typedef struct {
	const char *name;          /* [A-Za-z0-9._-], at most 128 bytes */
	const char *model_uri;     /* the primary: a models:/ URI */
	const char *canary_uri;    /* or NULL */
	unsigned canary_percent;   /* 0-100; 0 without a canary */
	const char *shadow_uri;    /* or NULL */
	int64_t created_ms, updated_ms;
	uint64_t generation;       /* 1 at creation, +1 at every change */
} cairn_deployment;

/**
 * Create a deployment or change its settings (all of them: a NULL
 * canary_uri or shadow_uri removes it), recorded as "deployment.create"
 * or "deployment.traffic" with the settings before and after and the
 * reason. URIs must parse (CAIRN_EINVALID) but need not resolve yet; a
 * canary percent without a canary URI, or above 100, is CAIRN_EINVALID.
 * Setting what is already set changes nothing and records nothing.
 */
int cairn_deployment_set(cairn_repo *repo, const cairn_deployment *d,
			 const char *reason);
/**
 * Delete a deployment's settings, recorded as "deployment.delete" with the
 * settings before and the reason; CAIRN_ENOTFOUND for an unknown one. Its
 * events stay in the audit log: cairn_deployment_events() still returns
 * them (ending with the delete), while _get() and _foreach() no longer
 * know it. A running server of it keeps serving what it serves, and what
 * it does next is no longer recorded (recording needs the deployment);
 * setting it again re-creates it, with a generation above the deleted
 * one's.
 */
int cairn_deployment_delete(cairn_repo *repo, const char *name,
			    const char *reason);
/** CAIRN_ENOTFOUND for an unknown deployment. */
int cairn_deployment_get(cairn_deployment **out, cairn_repo *repo,
			 const char *name);
void cairn_deployment_free(cairn_deployment *d);
/** Every deployment, by name. */
int cairn_deployment_foreach(cairn_repo *repo,
			     int (*cb)(const cairn_deployment *d, void *payload),
			     void *payload);

/**
 * Record what a server did: action is "start", "swap", "rollback",
 * "load-failed" or "stop" (the event is "deployment.ACTION"); model and
 * version (NULL, 0: none) name the version concerned; details is a JSON
 * object of facts (role, from and to versions, swap time, measured
 * figures, traffic), reason a sentence or NULL.
 */
int cairn_deployment_record(cairn_repo *repo, const char *name,
			    const char *action, const char *model,
			    uint64_t version, const char *details,
			    const char *reason);

/** One event of a deployment, from the audit log. */
typedef struct {
	int64_t seq, time_ms;
	const char *actor;
	const char *action;   /* "deployment.swap", ... */
	const char *model;    /* or NULL */
	uint64_t version;     /* 0: none */
	const char *details;  /* JSON object text */
	const char *reason;   /* or NULL */
} cairn_deployment_event;

/**
 * A deployment's events, oldest first (name NULL: every deployment's); a
 * deleted deployment's too. CAIRN_ENOTFOUND for a name that never had
 * any.
 */
int cairn_deployment_events(cairn_repo *repo, const char *name,
			    int (*cb)(const cairn_deployment_event *e,
				      void *payload),
			    void *payload);

/**
 * The JSON forms shared by `cairn deployments ... --json` and the REST
 * API: a deployment's every field (null for no canary or shadow), and an
 * event {"seq", "time", "actor", "event", "model", "version", "details"
 * (an object), "reason"} (null for none).
 */
int cairn_deployment_json(cairn_buf *out, const cairn_deployment *d);
int cairn_deployment_event_json(cairn_buf *out,
				const cairn_deployment_event *e);

#ifdef __cplusplus
}
#endif
#endif

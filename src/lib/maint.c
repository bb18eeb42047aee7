/*
 * maint.c: `cairn fsck` and `cairn gc`.
 *
 * fsck reads every object in every pack and verifies it (a chunked file
 * is streamed to /dev/null, which checks every chunk and the whole), then
 * walks the graph from every data set version, run and model version so that a missing or
 * damaged object is reported with what references it. A version whose
 * root object is absent altogether was never fetched and is not a fault.
 *
 * gc marks everything reachable from the data set versions, the runs'
 * artifact trees (checkpoints are artifacts too) and every model version
 * ever registered (deleted ones too: their content is history), and repacks
 * the store keeping only that (odb_repack publishes the new pack before
 * removing the old ones). It holds the store lock exclusively, so no add
 * can reuse an object in the moment between mark and sweep.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/db_registry.h"
#include "lib/reach.h"
#include "lib/repo.h"
#include "util/alloc.h"
#include "util/oidset.h"
#include "util/banned.h"

struct bad {
	cairn_oid oid;
	char *problem;
};

struct fsck {
	cairn_repo *repo;
	int null_fd;
	struct bad *bad;
	size_t nbad, alloc;
	struct oidset bad_set, seen;
	cairn_fsck_stats *stats;
	int (*cb)(const cairn_fsck_problem *p, void *payload);
	void *payload;
	const char *referrer; /* while walking a version */
	struct oidset reported;
};

static int verify_object(const cairn_oid *oid, const struct odb_info *info,
			 void *payload)
{
	struct fsck *f = payload;
	struct buf b = BUF_INIT;
	int err;

	f->stats->objects++;
	f->stats->bytes += info->stored_size;
	if (info->type == ODB_CHUNKED) {
		lseek(f->null_fd, 0, SEEK_SET);
		err = odb_read_file(f->repo->odb, oid, f->null_fd, NULL);
	} else {
		err = odb_read(&b, NULL, f->repo->odb, oid, ODB_MAX_INLINE);
	}
	buf_release(&b);
	if (err < 0 && oidset_insert(&f->bad_set, oid)) {
		ALLOC_GROW(f->bad, f->nbad + 1, f->alloc);
		f->bad[f->nbad].oid = *oid;
		f->bad[f->nbad].problem = xstrdup(cairn_error_last()->message);
		f->nbad++;
	}
	return 0;
}

static const char *bad_problem(struct fsck *f, const cairn_oid *oid)
{
	size_t i;

	for (i = 0; i < f->nbad; i++)
		if (!cairn_oid_cmp(&f->bad[i].oid, oid))
			return f->bad[i].problem;
	return NULL;
}

static int report(struct fsck *f, const cairn_oid *oid, const char *problem,
		  const char *referrer)
{
	cairn_fsck_problem p = { oid, problem, referrer };

	f->stats->problems++;
	return f->cb ? f->cb(&p, f->payload) : 0;
}

static int visit(const cairn_oid *oid, const struct odb_info *info,
		 const char *problem, void *payload)
{
	struct fsck *f = payload;

	if (!problem && info && oidset_contains(&f->bad_set, oid))
		problem = bad_problem(f, oid);
	if (!problem)
		return 0;
	oidset_insert(&f->reported, oid);
	return report(f, oid, problem, f->referrer);
}

static int check_version(const cairn_data_version *v, void *payload)
{
	struct fsck *f = payload;
	struct buf ref = BUF_INIT;
	struct oidset seen = OIDSET_INIT;
	int ret;

	/*
	 * A version whose data was never fetched (pull brings the version
	 * list, and objects only for what is checked out) is not damage.
	 */
	if (!odb_exists(f->repo->odb, &v->oid))
		return 0;
	buf_printf(&ref, "data set %s@v%llu (%s)", v->name,
		   (unsigned long long)v->version, v->path ? v->path : "");
	f->referrer = ref.ptr;
	/*
	 * A fresh seen-set per version, so a damaged object shared by several
	 * versions is reported for each of them.
	 */
	ret = reach_walk(f->repo->odb, &v->oid, &seen, visit, f);
	f->referrer = NULL;
	oidset_clear(&seen);
	buf_release(&ref);
	return ret;
}

static int check_artifacts(const char *run_id, const cairn_oid *root,
			   void *payload)
{
	struct fsck *f = payload;
	struct buf ref = BUF_INIT;
	struct oidset seen = OIDSET_INIT;
	int ret;

	buf_printf(&ref, "artifacts of %s %s",
		   !strncmp(run_id, "m-", 2) ? "logged model" : "run", run_id);
	f->referrer = ref.ptr;
	ret = reach_walk(f->repo->odb, root, &seen, visit, f);
	f->referrer = NULL;
	oidset_clear(&seen);
	buf_release(&ref);
	return ret;
}

static int check_model(const char *name, uint64_t version,
		       const cairn_oid *tree, void *payload)
{
	struct fsck *f = payload;
	struct buf ref = BUF_INIT;
	struct oidset seen = OIDSET_INIT;
	int ret;

	buf_printf(&ref, "model %s version %llu", name, (unsigned long long)version);
	f->referrer = ref.ptr;
	ret = reach_walk(f->repo->odb, tree, &seen, visit, f);
	f->referrer = NULL;
	oidset_clear(&seen);
	buf_release(&ref);
	return ret;
}

int cairn_fsck(cairn_fsck_stats *stats, cairn_repo *repo,
	       int (*cb)(const cairn_fsck_problem *p, void *payload),
	       void *payload)
{
	struct fsck f;
	size_t i;
	int err;

	memset(&f, 0, sizeof(f));
	memset(stats, 0, sizeof(*stats));
	f.repo = repo;
	f.stats = stats;
	f.cb = cb;
	f.payload = payload;
	if ((f.null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		return cairn_error_set_os("cannot open /dev/null");
	if ((err = odb_foreach(repo->odb, verify_object, &f)) < 0 ||
	    (err = db_version_foreach(repo->db, NULL, 0, check_version, &f)) < 0 ||
	    (err = db_artifact_roots(repo->db, check_artifacts, &f)) < 0 ||
	    (err = db_model_version_roots(repo->db, check_model, &f)) < 0)
		goto done;
	/* Damaged objects nothing references are still damaged. */
	for (i = 0; i < f.nbad && !err; i++)
		if (!oidset_contains(&f.reported, &f.bad[i].oid))
			err = report(&f, &f.bad[i].oid, f.bad[i].problem, NULL);
done:
	close(f.null_fd);
	for (i = 0; i < f.nbad; i++)
		free(f.bad[i].problem);
	free(f.bad);
	oidset_clear(&f.bad_set);
	oidset_clear(&f.reported);
	return err;
}

/* ------------------------------------------------------------------ gc */

struct mark {
	cairn_repo *repo;
	struct oidset live;
};

static int mark_visit(const cairn_oid *oid, const struct odb_info *info,
		      const char *problem, void *payload)
{
	char hex[CAIRN_OID_STRLEN + 1];

	(void)info;
	(void)payload;
	/*
	 * reach_walk already added it to the live set. A missing object is
	 * normal (a version pulled without its data); a damaged tree or chunk
	 * list hides what it references, so sweeping now could remove live
	 * objects: stop instead.
	 */
	if (!problem || !strcmp(problem, "missing"))
		return 0;
	cairn_oid_fmt(hex, oid);
	return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
				"object %s is damaged (%s); gc stopped without "
				"removing anything; run 'cairn fsck'", hex, problem);
}

static int mark_version(const cairn_data_version *v, void *payload)
{
	struct mark *m = payload;

	return reach_walk(m->repo->odb, &v->oid, &m->live, mark_visit, m);
}

static int mark_artifacts(const char *run_id, const cairn_oid *root,
			  void *payload)
{
	struct mark *m = payload;

	(void)run_id;
	return reach_walk(m->repo->odb, root, &m->live, mark_visit, m);
}

static int mark_model(const char *name, uint64_t version,
		      const cairn_oid *tree, void *payload)
{
	struct mark *m = payload;

	(void)name;
	(void)version;
	return reach_walk(m->repo->odb, tree, &m->live, mark_visit, m);
}

static int keep_live(const cairn_oid *oid, void *payload)
{
	return oidset_contains(&((struct mark *)payload)->live, oid);
}

struct count {
	struct oidset *live;
	cairn_gc_stats *stats;
};

static int count_object(const cairn_oid *oid, const struct odb_info *info,
			void *payload)
{
	struct count *c = payload;

	c->stats->objects_total++;
	if (!oidset_contains(c->live, oid)) {
		c->stats->objects_unreferenced++;
		c->stats->bytes_freed += info->stored_size;
	}
	return 0;
}

int cairn_gc(cairn_gc_stats *stats, cairn_repo *repo, int dry_run)
{
	struct mark m = { repo, OIDSET_INIT };
	struct count c = { &m.live, stats };
	size_t packs;
	int err;

	memset(stats, 0, sizeof(*stats));
	if ((err = cairn_repo__lock(repo, 1)) < 0)
		return err;
	if ((err = odb_refresh(repo->odb)) < 0 ||
	    (err = db_version_foreach(repo->db, NULL, 0, mark_version, &m)) < 0 ||
	    (err = db_artifact_roots(repo->db, mark_artifacts, &m)) < 0 ||
	    (err = db_model_version_roots(repo->db, mark_model, &m)) < 0)
		goto done;
	odb_stats(repo->odb, &packs, &stats->bytes_before);
	if ((err = odb_foreach(repo->odb, count_object, &c)) < 0)
		goto done;
	if (!dry_run)
		err = odb_repack(repo->odb, keep_live, &m, &stats->bytes_freed);
done:
	cairn_repo__unlock(repo);
	oidset_clear(&m.live);
	return err;
}

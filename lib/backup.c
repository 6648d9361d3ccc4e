/*
 * Backups of the store. A copy is one consistent snapshot read through
 * SQLite's online backup API (a WAL reader, so logins keep writing), put
 * into a new private file and renamed over the name its cycle gives, so
 * that a half-written copy never carries a backup's name. A restore runs
 * the same API the other way, into the live connection, so that other
 * processes see the old store or the restored one and never a mixture.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/backup.h"
#include "crmpolicy/copy.h"
#include "crmpolicy/key.h"
#include "crmpolicy/store.h"

#define PREFIX "crmpolicy-"
#define PRE_RESTORE PREFIX "pre-restore-"
/*
 * The busy timeout of the connections opened here, the store's own: a
 * backup step waits for a lock through the busy handler of the connection
 * that needs it.
 */
#define BUSY_TIMEOUT_MS 15000

static const char *const weekdays[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/* ---- names ---- */

int crm_backup_name(int cycle, int64_t when, char *name, size_t len)
{
	time_t t = (time_t)when;
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		return CRM_EINVAL;
	switch (cycle) {
	case CRM_CYCLE_INFINITE:
		n = snprintf(name, len, PREFIX "%04d%02d%02dT%02d%02d%02dZ.db",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec);
		break;
	case CRM_CYCLE_WEEKLY:
		n = snprintf(name, len, PREFIX "%s.db", weekdays[tm.tm_wday]);
		break;
	case CRM_CYCLE_MONTHLY:
		n = snprintf(name, len, PREFIX "%02d.db", tm.tm_mday);
		break;
	case CRM_CYCLE_YEARLY:
		n = snprintf(name, len, PREFIX "%03d.db", tm.tm_yday + 1);
		break;
	default:
		return CRM_EINVAL;
	}
	return n > 0 && (size_t)n < len ? CRM_OK : CRM_EINVAL;
}

/* The value of n decimal digits at s, or -1 if they are not all digits. */
static long digits(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int crm_backup_is_name(const char *name)
{
	const size_t plen = strlen(PREFIX);
	size_t n;
	long v;

	if (strncmp(name, PREFIX, plen) != 0)
		return 0;
	name += plen;
	n = strlen(name);
	if (n < 4 || strcmp(name + n - 3, ".db") != 0)
		return 0;
	n -= 3;
	if (n == 16)
		return digits(name, 8) >= 0 && name[8] == 'T' &&
			digits(name + 9, 6) >= 0 && name[15] == 'Z';
	if (n == 2)
		return (v = digits(name, 2)) >= 1 && v <= 31;
	if (n != 3)
		return 0;
	if ((v = digits(name, 3)) >= 0)
		return v >= 1 && v <= 366;
	for (size_t i = 0; i < sizeof(weekdays) / sizeof(weekdays[0]); i++)
		if (strncmp(name, weekdays[i], 3) == 0)
			return 1;
	return 0;
}

/* ---- files ---- */

/*
 * Opens the backup directory dir (creating it 0700 when create is set)
 * without following a symlink and checks it the way the store's
 * directory is checked: owned by root, writable by nobody else.
 */
static int open_dir(const char *dir, int create, int *dfd,
	struct crm_error *err)
{
	struct stat st;
	int fd;

	*dfd = -1;
	if (dir == NULL || dir[0] != '/')
		return crm_error_set(err, CRM_EINVAL, "backup directory %s: "
			"not an absolute path", dir ? dir : "(none)");
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return crm_error_set(err, CRM_EIO, "backup directory %s: %s",
			dir, strerror(errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* O_NOFOLLOW with O_DIRECTORY may say ENOTDIR for a symlink. */
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    lstat(dir, &st) == 0)
		return crm_error_set(err, CRM_EPERM, "backup directory %s is %s",
			dir, S_ISLNK(st.st_mode) ? "a symbolic link" :
			"not a directory");
	if (fd < 0)
		return crm_error_set(err, errno == ENOENT ? CRM_ENOENT : CRM_EIO,
			"backup directory %s: %s", dir, strerror(errno));
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		return crm_error_set(err, CRM_EIO, "backup directory %s: %s",
			dir, strerror(e));
	}
	if (!crm_store_safe_stat(&st)) {
		close(fd);
		return crm_error_set(err, CRM_EPERM, "backup directory %s is not "
			"owned by root or is writable by group or others (mode "
			"%04o)", dir, (unsigned)(st.st_mode & 07777));
	}
	*dfd = fd;
	return CRM_OK;
}

static int join(char *out, size_t len, const char *dir, const char *name,
	struct crm_error *err)
{
	int n = snprintf(out, len, "%s%s%s", dir,
		dir[strlen(dir) - 1] == '/' ? "" : "/", name);

	if (n < 0 || (size_t)n >= len)
		return crm_error_set(err, CRM_EINVAL, "backup path %s/%s is too "
			"long", dir, name);
	return CRM_OK;
}

/* ---- copying ---- */

/* Copies every page of src's main database into dst's. */
static int copy_pages(struct crm_db *dst, struct crm_db *src, const char *what,
	struct crm_error *err)
{
	sqlite3_backup *b = sqlite3_backup_init(crm_db_sqlite(dst), "main",
		crm_db_sqlite(src), "main");
	int rc, fin;

	if (b == NULL)
		return crm_error_set(err, CRM_ESTORE, "%s: %s", what,
			sqlite3_errmsg(crm_db_sqlite(dst)));
	rc = sqlite3_backup_step(b, -1);
	fin = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return crm_error_set(err, CRM_ESTORE, "%s: %s", what,
			sqlite3_errstr(rc));
	if (fin != SQLITE_OK)
		return crm_error_set(err, CRM_ESTORE, "%s: %s", what,
			sqlite3_errmsg(crm_db_sqlite(dst)));
	return CRM_OK;
}

/* A copy stands alone: one file, no -wal or -shm beside it. */
static int self_contained(struct crm_db *db, const char *path, struct crm_error *err)
{
	sqlite3_stmt *st;
	int rc, ok = 0;

	if (crm_sql_prepare(db, "PRAGMA journal_mode = DELETE", -1, &st,
			NULL) != SQLITE_OK)
		return crm_error_set(err, CRM_ESTORE, "backup %s: %s", path,
			sqlite3_errmsg(crm_db_sqlite(db)));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		ok = strcmp((const char *)sqlite3_column_text(st, 0),
			"delete") == 0;
	crm_sql_done(st);
	if (!ok)
		return crm_error_set(err, CRM_ESTORE, "backup %s: cannot leave "
			"WAL mode: %s", path, sqlite3_errmsg(crm_db_sqlite(db)));
	return CRM_OK;
}

/* Opens a new private file in the directory under a random name. */
static int new_temp(int dfd, char *name, size_t len, int *fd,
	struct crm_error *err)
{
	unsigned char rnd[8];
	char hex[2 * sizeof(rnd) + 1];

	*fd = -1;
	for (int i = 0; i < 8 && *fd < 0; i++) {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
		snprintf(name, len, "." PREFIX "%s.tmp", hex);
		*fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
			O_CLOEXEC | O_NOCTTY, 0600);
		if (*fd < 0 && errno != EEXIST)
			break;
	}
	if (*fd < 0)
		return crm_error_set(err, CRM_EIO, "cannot create a backup "
			"file: %s", strerror(errno));
	return CRM_OK;
}

/*
 * Copies src into dir/name: into a new file first, which is made
 * self-contained, stamped with now, synced and then renamed over name,
 * so that name always holds either the previous backup or this one.
 * The descriptor stays open until SQLite has closed the file: closing
 * another descriptor of it would drop SQLite's POSIX locks.
 */
static int copy_to(struct crm_db *src, int dfd, const char *dir, const char *name,
	int64_t now, char *path, size_t pathlen, long long *bytes,
	struct crm_error *err)
{
	static const char *const sidecars[] = { "-journal", "-wal", "-shm" };
	char tmp[64], tpath[CRM_BACKUP_PATH_MAX], side[80];
	struct timespec times[2];
	struct crm_db *dst = NULL;
	struct stat st;
	int fd, r;

	if ((r = join(path, pathlen, dir, name, err)) != CRM_OK)
		return r;
	if ((r = new_temp(dfd, tmp, sizeof(tmp), &fd, err)) != CRM_OK)
		return r;
	if ((r = join(tpath, sizeof(tpath), dir, tmp, err)) != CRM_OK)
		goto fail;
	if (fchmod(fd, 0600) != 0) {
		r = crm_error_set(err, CRM_EIO, "backup %s: %s", tpath,
			strerror(errno));
		goto fail;
	}
	if (crm_db_kind(src) == CRM_DB_POSTGRESQL) {
		/*
		 * A fleet's store is copied row by row into a new SQLite
		 * file with the same schema: the same verifiable backup as
		 * one host's, restorable into either.
		 */
		if ((r = crm_store_open(tpath, 1, &dst, err)) != CRM_OK ||
		    (r = crm_store_copy(src, dst, NULL, err)) != CRM_OK ||
		    (r = self_contained(dst, tpath, err)) != CRM_OK)
			goto fail;
	} else {
		if (crm_db_open_file(tpath, SQLITE_OPEN_READWRITE |
				SQLITE_OPEN_NOFOLLOW, &dst) != SQLITE_OK) {
			r = crm_error_set(err, CRM_ESTORE, "backup %s: %s",
				tpath, dst ? sqlite3_errmsg(crm_db_sqlite(dst)) :
				"out of memory");
			goto fail;
		}
		if ((r = copy_pages(dst, src, "copying the store", err)) !=
				CRM_OK ||
		    (r = self_contained(dst, tpath, err)) != CRM_OK)
			goto fail;
	}
	if (crm_store_close(dst) != SQLITE_OK) {
		r = crm_error_set(err, CRM_ESTORE, "backup %s: %s", tpath,
			sqlite3_errmsg(crm_db_sqlite(dst)));
		goto fail;
	}
	dst = NULL;
	times[0].tv_sec = times[1].tv_sec = (time_t)now;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	if (futimens(fd, times) != 0 || fsync(fd) != 0 || fstat(fd, &st) != 0) {
		r = crm_error_set(err, CRM_EIO, "backup %s: %s", tpath,
			strerror(errno));
		goto fail;
	}
	*bytes = (long long)st.st_size;
	if (renameat(dfd, tmp, dfd, name) != 0) {
		r = crm_error_set(err, CRM_EIO, "backup %s: %s", path,
			strerror(errno));
		goto fail;
	}
	close(fd);
	/* The rename itself must survive a crash too. */
	if (fsync(dfd) != 0)
		return crm_error_set(err, CRM_EIO, "backup directory %s: %s",
			dir, strerror(errno));
	return CRM_OK;
fail:
	if (dst != NULL)
		crm_store_close(dst);
	close(fd);
	unlinkat(dfd, tmp, 0);
	for (size_t i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", tmp, sidecars[i]);
		unlinkat(dfd, side, 0);
	}
	return r;
}

int crm_backup_take(const struct crm_ctx *ctx, const char *dir,
	struct crm_backup_info *info, struct crm_error *err)
{
	char name[64];
	int dfd, r;

	memset(info, 0, sizeof(*info));
	if (dir == NULL)
		dir = ctx->cfg->str[CRM_K_BACKUP_DIR];
	if (crm_backup_name((int)ctx->cfg->num[CRM_K_BACKUP_CYCLE], ctx->now,
			name, sizeof(name)) != CRM_OK)
		return crm_error_set(err, CRM_EINVAL, "cannot name a backup "
			"for this time");
	if ((r = open_dir(dir, 1, &dfd, err)) != CRM_OK)
		return r;
	r = copy_to(ctx->db, dfd, dir, name, ctx->now, info->path,
		sizeof(info->path), &info->bytes, err);
	close(dfd);
	if (r != CRM_OK)
		return r;
	if ((r = crm_audit_add(ctx, "backup", NULL, "file=%s bytes=%lld",
			info->path, info->bytes)) != CRM_OK)
		return crm_error_set(err, r, "the backup %s was written but "
			"could not be audited", info->path);
	/* Retention runs after a copy, so a pruned row is in a backup. */
	if ((r = crm_audit_prune(ctx, ctx->cfg->num[CRM_K_AUDIT_KEEP_DAYS],
			&info->pruned, err)) != CRM_OK)
		return crm_error_set(err, r, "the backup %s was written and "
			"audited, but pruning the audit trail failed: %s",
			info->path, err->msg);
	return CRM_OK;
}

/* ---- verifying ---- */

static void failed(struct crm_backup_report *rep, int check,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void failed(struct crm_backup_report *rep, int check,
	const char *fmt, ...)
{
	va_list ap;

	rep->ok = 0;
	rep->failed = check;
	va_start(ap, fmt);
	vsnprintf(rep->problem, sizeof(rep->problem), fmt, ap);
	va_end(ap);
}

/*
 * Opens the copy at path read only. It must be a regular file reached
 * without a symlink; with strict (restore) it and its directory must
 * also be root's and writable by nobody else, so that nobody can change
 * or swap what was verified before it is copied in.
 */
static int open_copy(const char *path, int strict, struct crm_db **db,
	struct crm_error *err)
{
	struct stat st;

	*db = NULL;
	/*
	 * The type is known before anything is opened: as setuid root, an
	 * open() of a device or FIFO named by the caller could act on it.
	 */
	if (lstat(path, &st) != 0)
		return crm_error_set(err, errno == ENOENT ? CRM_ENOENT : CRM_EIO,
			"%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return crm_error_set(err, CRM_EINVAL, "%s is a symbolic link",
			path);
	if (!S_ISREG(st.st_mode))
		return crm_error_set(err, CRM_EINVAL, "%s is not a regular file",
			path);
	if (strict) {
		char *copy = strdup(path);
		int safe;

		if (copy == NULL)
			return crm_error_set(err, CRM_ENOMEM, "out of memory");
		safe = crm_store_safe_stat(&st) && lstat(dirname(copy), &st) == 0
			&& S_ISDIR(st.st_mode) && crm_store_safe_stat(&st);
		free(copy);
		if (!safe)
			return crm_error_set(err, CRM_EPERM, "%s or its directory "
				"is not owned by root or is writable by group or "
				"others", path);
	}
	if (crm_db_open_file(path, SQLITE_OPEN_READONLY |
			SQLITE_OPEN_NOFOLLOW, db) != SQLITE_OK) {
		int r = crm_error_set(err, CRM_EIO, "%s: %s", path,
			*db ? sqlite3_errmsg(crm_db_sqlite(*db)) : "out of memory");

		crm_store_close(*db);
		*db = NULL;
		return r;
	}
	sqlite3_busy_timeout(crm_db_sqlite(*db), BUSY_TIMEOUT_MS);
	return CRM_OK;
}

static void integrity(struct crm_db *db, struct crm_backup_report *rep)
{
	sqlite3_stmt *st;
	long long n = 0;
	int rc;

	if (crm_sql_prepare(db, "PRAGMA integrity_check", -1, &st, NULL) !=
			SQLITE_OK) {
		snprintf(rep->integrity, sizeof(rep->integrity), "%s",
			sqlite3_errmsg(crm_db_sqlite(db)));
		failed(rep, CRM_BACKUP_INTEGRITY, "%s", rep->integrity);
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			snprintf(rep->integrity, sizeof(rep->integrity), "%s",
				sqlite3_column_text(st, 0) ?
				(const char *)sqlite3_column_text(st, 0) : "");
	if (rc != SQLITE_DONE)
		snprintf(rep->integrity, sizeof(rep->integrity), "%s",
			sqlite3_errmsg(crm_db_sqlite(db)));
	crm_sql_done(st);
	if (rc != SQLITE_DONE || n != 1 || strcmp(rep->integrity, "ok") != 0)
		failed(rep, CRM_BACKUP_INTEGRITY, "%s%s", rep->integrity,
			n > 1 ? " (and more)" : "");
}

/* The three checks, in the caller's read transaction of db; rep says. */
static void check_copy(struct crm_db *db, const unsigned char key[CRM_KEY_BYTES],
	struct crm_backup_report *rep)
{
	struct crm_error e;
	int v = -1;

	integrity(db, rep);
	if (rep->failed)
		return;
	if (crm_store_version(db, &v, &e) != CRM_OK) {
		failed(rep, CRM_BACKUP_SCHEMA, "%s", e.msg);
		return;
	}
	rep->schema_version = v;
	if (v < 1)
		failed(rep, CRM_BACKUP_SCHEMA, "schema version %d: not a "
			"crmpolicy store", v);
	else if (v < CRM_BACKUP_MIN_SCHEMA)
		failed(rep, CRM_BACKUP_SCHEMA, "schema version %d predates the "
			"audit chain (version %d): the copy cannot be verified",
			v, CRM_BACKUP_MIN_SCHEMA);
	else if (v > CRM_SCHEMA_VERSION)
		failed(rep, CRM_BACKUP_SCHEMA, "schema version %d is newer than "
			"this crmpolicy (%d)", v, CRM_SCHEMA_VERSION);
	if (rep->failed)
		return;
	if (crm_audit_verify(db, key, &rep->audit, &e) != CRM_OK) {
		failed(rep, CRM_BACKUP_AUDIT, "the audit trail cannot be read: "
			"%s", e.msg);
		return;
	}
	rep->audit_checked = 1;
	if (!rep->audit.ok)
		failed(rep, CRM_BACKUP_AUDIT, "the audit chain breaks at row "
			"%lld: %s", (long long)rep->audit.bad_id,
			rep->audit.problem);
	else if (rep->audit.rows == 0)
		/* Only a signed trail shows that this key's crmpolicy wrote it:
		 * every store has one from crmpasswd init on. */
		failed(rep, CRM_BACKUP_AUDIT, "the copy has no audit trail, so "
			"nothing shows it was written with this key");
	else
		rep->ok = 1;
}

static void report_init(struct crm_backup_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->schema_version = -1;
}

int crm_backup_verify(const struct crm_config *cfg, const char *path,
	struct crm_backup_report *rep, struct crm_error *err)
{
	unsigned char key[CRM_KEY_BYTES], sub[CRM_KEY_BYTES];
	struct crm_db *db;
	int r;

	report_init(rep);
	if ((r = open_copy(path, 0, &db, err)) != CRM_OK)
		return r;
	if ((r = crm_key_load(cfg, key, err)) != CRM_OK) {
		crm_store_close(db);
		return r;
	}
	crm_key_derive(key, CRM_AUDIT_SUBKEY, sub);
	sodium_memzero(key, sizeof(key));
	/* One snapshot for every check, even if someone writes the file. */
	if (sqlite3_exec(crm_db_sqlite(db), "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		r = crm_error_set(err, CRM_EIO, "%s: %s", path,
			sqlite3_errmsg(crm_db_sqlite(db)));
		sodium_memzero(sub, sizeof(sub));
		crm_store_close(db);
		return r;
	}
	check_copy(db, sub, rep);
	sqlite3_exec(crm_db_sqlite(db), "ROLLBACK", NULL, NULL, NULL);
	sodium_memzero(sub, sizeof(sub));
	crm_store_close(db);
	return CRM_OK;
}

/* ---- restoring ---- */

/*
 * The copy of the live store taken inside the restore's write lock:
 * read through a second connection, since the first is the restore's
 * destination and may not be used until it finishes.
 */
static int pre_restore_copy(const struct crm_ctx *ctx, const char *dir,
	char *pre, size_t prelen, struct crm_error *err)
{
	char stamp[64], name[96];
	struct crm_db *live = NULL;
	long long bytes;
	int dfd, r;

	if (crm_backup_name(CRM_CYCLE_INFINITE, ctx->now, stamp,
			sizeof(stamp)) != CRM_OK)
		return crm_error_set(err, CRM_EINVAL, "cannot name a backup "
			"for this time");
	snprintf(name, sizeof(name), PRE_RESTORE "%s", stamp + strlen(PREFIX));
	if ((r = open_dir(dir, 1, &dfd, err)) != CRM_OK)
		return r;
	if (crm_db_kind(ctx->db) == CRM_DB_POSTGRESQL) {
		r = copy_to(ctx->db, dfd, dir, name, ctx->now, pre, prelen,
			&bytes, err);
		close(dfd);
		return r;
	}
	if (crm_db_open_file(sqlite3_db_filename(crm_db_sqlite(ctx->db), "main"),
			SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, &live) !=
			SQLITE_OK) {
		r = crm_store_error(live, "reading the store", err);
	} else {
		sqlite3_busy_timeout(crm_db_sqlite(live), BUSY_TIMEOUT_MS);
		r = copy_to(live, dfd, dir, name, ctx->now, pre, prelen, &bytes,
			err);
	}
	crm_store_close(live);
	close(dfd);
	return r;
}

/*
 * Replaces the live store's content with src's. step(0) takes the live
 * store's write lock and copies nothing: from then on no login commits
 * until the backup finishes, so the pre-restore copy taken in between
 * holds everything the restore discards. If anything fails before the
 * last step, finishing rolls the live store back untouched.
 */
/*
 * A fleet's store: the copy it had goes aside, then its rows are
 * replaced by the backup's in one transaction. src is left outside any
 * transaction (the file is this command's alone).
 */
static int replace_pg(const struct crm_ctx *ctx, struct crm_db *src,
	const char *dir, char *pre, size_t prelen, struct crm_error *err)
{
	int r;

	crm_store_rollback(src);
	if ((r = pre_restore_copy(ctx, dir, pre, prelen, err)) != CRM_OK)
		return r;
	return crm_store_replace(src, ctx->db, NULL, err);
}

static int replace(const struct crm_ctx *ctx, struct crm_db *src, const char *dir,
	char *pre, size_t prelen, struct crm_error *err)
{
	sqlite3_backup *b = sqlite3_backup_init(crm_db_sqlite(ctx->db), "main",
		crm_db_sqlite(src), "main");
	int rc, fin, r = CRM_OK;

	if (b == NULL)
		return crm_store_error(ctx->db, "restoring", err);
	/* A verified copy has pages, so step(0) cannot finish the copy. */
	rc = sqlite3_backup_step(b, 0);
	if (rc != SQLITE_OK)
		r = crm_error_set(err, CRM_ESTORE, "restoring: %s",
			sqlite3_errstr(rc));
	if (r == CRM_OK)
		r = pre_restore_copy(ctx, dir, pre, prelen, err);
	if (r == CRM_OK && (rc = sqlite3_backup_step(b, -1)) != SQLITE_DONE)
		r = crm_error_set(err, CRM_ESTORE, "restoring: %s",
			sqlite3_errstr(rc));
	fin = sqlite3_backup_finish(b);
	if (r == CRM_OK && fin != SQLITE_OK)
		r = crm_store_error(ctx->db, "restoring", err);
	return r;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return b != NULL && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
		sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int crm_backup_restore(struct crm_ctx *ctx, const char *path,
	const char *dir, char *pre, size_t prelen,
	struct crm_backup_report *rep, struct crm_error *err)
{
	char abs[PATH_MAX];
	struct crm_db *src;
	int r;

	report_init(rep);
	if (prelen > 0)
		pre[0] = '\0';
	if (!ctx->keyed)
		return crm_error_set(err, CRM_EKEY, "no audit key");
	if (dir == NULL)
		dir = ctx->cfg->str[CRM_K_BACKUP_DIR];
	if (realpath(path, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", path);
	if ((r = open_copy(path, 1, &src, err)) != CRM_OK)
		return r;
	if (crm_db_kind(ctx->db) == CRM_DB_SQLITE && same_file(path,
			sqlite3_db_filename(crm_db_sqlite(ctx->db), "main"))) {
		crm_store_close(src);
		return crm_error_set(err, CRM_EINVAL, "%s is the store itself",
			path);
	}
	/* What is verified is what is copied: one read transaction. */
	if (sqlite3_exec(crm_db_sqlite(src), "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		r = crm_error_set(err, CRM_EIO, "%s: %s", path,
			sqlite3_errmsg(crm_db_sqlite(src)));
	if (r == CRM_OK)
		check_copy(src, ctx->audit_key, rep);
	if (r == CRM_OK && !rep->ok)
		r = crm_error_set(err, CRM_EINVAL, "%s failed verification: %s",
			path, rep->problem);
	if (r == CRM_OK)
		r = crm_db_kind(ctx->db) == CRM_DB_POSTGRESQL ?
			replace_pg(ctx, src, dir, pre, prelen, err) :
			replace(ctx, src, dir, pre, prelen, err);
	sqlite3_exec(crm_db_sqlite(src), "ROLLBACK", NULL, NULL, NULL);
	crm_store_close(src);
	if (r != CRM_OK)
		return r;
	/* Reopened so that an older copy is migrated and checked as a store. */
	crm_store_close(ctx->db);
	ctx->db = NULL;
	if ((r = crm_store_open(ctx->cfg->str[CRM_K_DB], 0, &ctx->db, err)) !=
			CRM_OK ||
	    (r = crm_audit_adopt(ctx->db, ctx->audit_key, err)) != CRM_OK ||
	    (r = crm_audit_add(ctx, "restore", NULL, "file=%s pre_restore=%s "
			"schema=%d", abs, pre, rep->schema_version)) != CRM_OK) {
		/* The store has changed: say so, and where the old one is. */
		char why[CRM_ERROR_MAX];

		snprintf(why, sizeof(why), "%s", err->msg[0] ? err->msg :
			crm_error_name(r));
		crm_error_set(err, r, "the store was restored from %s (the one "
			"before is kept in %s), but then: %s", abs, pre, why);
		crm_ctx_log(ctx, LOG_ERR, "restore: %s", err->msg);
		return r;
	}
	return CRM_OK;
}

/* ---- age ---- */

int crm_backup_newest(const struct crm_config *cfg, int64_t *when,
	char *path, size_t len, struct crm_error *err)
{
	const char *dir = cfg->str[CRM_K_BACKUP_DIR];
	struct dirent *e;
	struct stat st;
	int fd, found = 0;
	DIR *d;

	*when = 0;
	if (path != NULL && len > 0)
		path[0] = '\0';
	if (dir == NULL || dir[0] == '\0')
		return crm_error_set(err, CRM_ENOENT, "no backup directory");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return crm_error_set(err, errno == ENOENT ? CRM_ENOENT : CRM_EIO,
			"backup directory %s: %s", dir, strerror(errno));
	if ((d = fdopendir(fd)) == NULL) {
		int ec = errno;

		close(fd);
		return crm_error_set(err, CRM_EIO, "backup directory %s: %s",
			dir, strerror(ec));
	}
	for (;;) {
		errno = 0;
		if ((e = readdir(d)) == NULL)
			break;
		if (!crm_backup_is_name(e->d_name))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			break;
		if (!S_ISREG(st.st_mode))
			continue;
		if (found && (int64_t)st.st_mtime <= *when)
			continue;
		found = 1;
		*when = (int64_t)st.st_mtime;
		if (path != NULL && len > 0 &&
		    join(path, len, dir, e->d_name, NULL) != CRM_OK)
			path[0] = '\0';
	}
	/* A directory that cannot be read through gives no "newest". */
	if (errno != 0) {
		int ec = errno;

		closedir(d);
		return crm_error_set(err, CRM_EIO, "backup directory %s: %s",
			dir, strerror(ec));
	}
	closedir(d);
	if (!found)
		return crm_error_set(err, CRM_ENOENT, "no backup in %s", dir);
	return CRM_OK;
}

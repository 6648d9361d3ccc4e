/*
 * Backups of the store: a consistent copy taken with SQLite's online
 * backup API while logins keep writing, named by backup_cycle so that
 * old copies rotate by themselves; verification of a copy (integrity,
 * schema version, audit chain); an atomic restore; and the age of the
 * newest backup for the warnings of crmpasswd.
 */
#ifndef CRMPOLICY_BACKUP_H
#define CRMPOLICY_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/error.h"

#define CRM_BACKUP_PATH_MAX 4096
/* The first schema version with the audit chain: older copies cannot be verified. */
#define CRM_BACKUP_MIN_SCHEMA 4

/*
 * The file name (no directory) of a backup taken at when (seconds since
 * the epoch, UTC) under cycle (CRM_CYCLE_*): crmpolicy-YYYYMMDDTHHMMSSZ.db
 * (infinite), crmpolicy-mon.db ... crmpolicy-sun.db (weekly),
 * crmpolicy-01.db ... -31.db (monthly), crmpolicy-001.db ... -366.db
 * (yearly). Returns 0, or CRM_EINVAL for an unknown cycle or a buffer too
 * short.
 */
int crm_backup_name(int cycle, int64_t when, char *name, size_t len)
	__attribute__((warn_unused_result));

/* 1 if name is one that crm_backup_name produces under some cycle. */
int crm_backup_is_name(const char *name);

/* What crm_backup_take wrote. */
struct crm_backup_info {
	char path[CRM_BACKUP_PATH_MAX];	/* the backup file */
	long long bytes;		/* its size */
	long long pruned;		/* audit rows pruned after it */
};

/*
 * Copies the live store (ctx->db) into dir (NULL: backup_dir), named by
 * backup_cycle at ctx->now: one consistent snapshot read while other
 * processes keep writing, into a new file (mode 0600, owned by the
 * effective user) that is made self-contained (journal mode DELETE),
 * synced, given ctx->now as its time and renamed over the cycle's name.
 * A missing directory is created 0700; a directory that is a symlink,
 * not owned by root or writable by group or others is refused. Then the
 * event "backup" is audited and the trail is pruned to audit_keep_days
 * (the pruned rows are in the copy). Returns 0, CRM_EPERM (unsafe
 * directory), CRM_EIO (a file operation failed), CRM_ESTORE or CRM_EKEY.
 */
int crm_backup_take(const struct crm_ctx *ctx, const char *dir,
	struct crm_backup_info *info, struct crm_error *err)
	__attribute__((warn_unused_result));

/* The check of crm_backup_verify that failed first. */
enum crm_backup_check {
	CRM_BACKUP_OK = 0,
	CRM_BACKUP_INTEGRITY,	/* PRAGMA integrity_check did not answer "ok" */
	CRM_BACKUP_SCHEMA,	/* schema version outside what this program takes */
	CRM_BACKUP_AUDIT,	/* the audit chain breaks or cannot be read */
};

/* What crm_backup_verify found. */
struct crm_backup_report {
	int ok;			/* every check passed */
	int failed;		/* enum crm_backup_check */
	char integrity[256];	/* "ok", or the first problem found */
	int schema_version;	/* PRAGMA user_version; -1 when not read */
	int audit_checked;	/* the chain was checked (audit is filled) */
	struct crm_audit_report audit;
	char problem[512];	/* what the failed check found (untranslated) */
};

/*
 * Verifies the backup file path, read only: PRAGMA integrity_check must
 * answer exactly "ok", the schema version must lie between
 * CRM_BACKUP_MIN_SCHEMA and CRM_SCHEMA_VERSION (an older copy is
 * migrated when restored), and the audit chain must hold under the
 * "audit-chain" subkey of cfg's key file. The checks stop at the first
 * that fails. Returns 0 with rep filled (rep->ok says whether the copy
 * is good); CRM_EINVAL when path is a symlink or not a regular file,
 * CRM_ENOENT/CRM_EIO when it cannot be opened, CRM_EKEY without a key.
 */
int crm_backup_verify(const struct crm_config *cfg, const char *path,
	struct crm_backup_report *rep, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Restores the store from the backup file path. The file and its
 * directory must be owned by root and not writable by group or others.
 * It is verified first (rep is filled; a copy that fails is refused with
 * CRM_EINVAL and nothing changes). Then, while the live store's write
 * lock is held so that no login commits in between, the current store
 * is copied into dir (NULL: backup_dir) as
 * crmpolicy-pre-restore-YYYYMMDDTHHMMSSZ.db (its path goes to pre), and
 * the copy replaces the store's whole content in one transaction that
 * other processes see all or nothing. The store is reopened (running
 * the migrations when the copy is older) and the event "restore" is
 * audited, chained on from the copy's newest row. On return ctx->db is
 * the reopened store, or NULL if it could not be reopened. Returns 0 or
 * a CRM_E* code with err saying what and where.
 */
int crm_backup_restore(struct crm_ctx *ctx, const char *path,
	const char *dir, char *pre, size_t prelen,
	struct crm_backup_report *rep, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The newest backup in cfg's backup_dir: among the regular files (not
 * symlinks) whose names crm_backup_name produces under any cycle
 * (pre-restore copies and --to directories do not count), the one
 * modified last; its time goes to *when and its path to path (if not
 * NULL). Returns 0; CRM_ENOENT when there is none or backup_dir does not
 * exist; CRM_EIO when backup_dir cannot be read.
 */
int crm_backup_newest(const struct crm_config *cfg, int64_t *when,
	char *path, size_t len, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif

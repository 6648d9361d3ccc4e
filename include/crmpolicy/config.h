/*
 * Configuration: the keys of crmpolicy.conf, one grammar for the file and
 * for module arguments, and one setter that validates every value. A value
 * that cannot be parsed is an error, never a silent fall-back to a default.
 */
#ifndef CRMPOLICY_CONFIG_H
#define CRMPOLICY_CONFIG_H

#include "crmpolicy/error.h"

#define CRM_DEFAULT_CONF "/etc/security/crmpolicy.conf"
#define CRM_SOURCE_MAX 96

/* Every key of crmpolicy.conf; also the index of crm_config.num/str. */
enum crm_key {
	CRM_K_DB,
	CRM_K_KEY_FILE,
	CRM_K_MINLEN,
	CRM_K_MAXLEN,
	CRM_K_CLASSES,
	CRM_K_REJECT_USERNAME,
	CRM_K_BADWORDS_FILE,
	CRM_K_HISTORY,
	CRM_K_MAX_AGE_DAYS,
	CRM_K_MIN_AGE_DAYS,
	CRM_K_WARN_DAYS,
	CRM_K_DENY,
	CRM_K_FAIL_INTERVAL,
	CRM_K_UNLOCK_TIME,
	CRM_K_EVEN_DENY_ROOT,
	CRM_K_INACTIVE_DAYS,
	CRM_K_MFA,
	CRM_K_MFA_NULLOK,
	CRM_K_OTP_DIGITS,
	CRM_K_OTP_TTL,
	CRM_K_TOTP_WINDOW,
	CRM_K_IP_DEFAULT,
	CRM_K_IP_DENY,
	CRM_K_IP_INTERVAL,
	CRM_K_IP_BLOCK_TIME,
	CRM_K_KNOWN_IP_DAYS,
	CRM_K_NOTIFY_NEW_IP,
	CRM_K_NOTIFY_TO,
	CRM_K_SENDMAIL,
	CRM_K_MAIL_FROM,
	CRM_K_GEOIP_CITY_DB,
	CRM_K_GEOIP_ASN_DB,
	CRM_K_HASH_OPSLIMIT,
	CRM_K_HASH_MEMLIMIT,
	CRM_K_MFA_APPEND,
	CRM_K_HISTORY_MERGE_SECONDS,
	CRM_K_HELPER_SERVICES,
	CRM_K_ADMIN_GROUP,
	CRM_K_BACKUP_DIR,
	CRM_K_BACKUP_CYCLE,
	CRM_K_BACKUP_WARN_DAYS,
	CRM_K_TOTP_ISSUER,
	CRM_K_AUDIT_KEEP_DAYS,
	CRM_K_GOVERN_UIDS,
	CRM_K_ADMIN_UNLOCK_TIME,
	CRM_K_SIP_REALM,
	CRM_K_HOST_NAME,
	CRM_K_LANG,
	CRM_K_COUNT
};

enum crm_ktype {
	CRM_KT_INT,	/* whole number in [min, max] */
	CRM_KT_BOOL,	/* yes/no, true/false, on/off, 1/0 */
	CRM_KT_CLASSES,	/* comma list of lower,upper,digit,special -> bitmask */
	CRM_KT_ENUM,	/* one word of keyinfo.words -> its index */
	CRM_KT_PATH,	/* absolute path */
	CRM_KT_STRING,	/* free text without control characters */
	CRM_KT_LIST,	/* comma list of names */
};

/* How "strictest wins" compares two values of one key across groups. */
enum crm_strict {
	CRM_ST_NONE,		/* not a policy key: global only */
	CRM_ST_LARGER,		/* larger is stricter (minlen, history) */
	CRM_ST_SMALLER,		/* smaller is stricter (maxlen) */
	CRM_ST_SMALLER_NZ,	/* smaller is stricter, 0 = no limit (max_age, deny, inactive) */
	CRM_ST_LARGER_Z,	/* larger is stricter, 0 = strictest (fail_interval, unlock_time) */
	CRM_ST_UNION,		/* bitmask union (classes) */
	CRM_ST_YES,		/* yes is stricter (reject_username) */
	CRM_ST_NO,		/* no is stricter (mfa_nullok) */
	CRM_ST_RANK,		/* enum index is the rank: higher is stricter (mfa) */
	CRM_ST_FIRST,		/* text: the user's own value, else the first
				 * group's (system groups, then store groups
				 * by name) that sets it; no "stricter" */
};

/* Character classes (CRM_K_CLASSES bitmask). */
enum {
	CRM_CLASS_LOWER = 1,
	CRM_CLASS_UPPER = 2,
	CRM_CLASS_DIGIT = 4,
	CRM_CLASS_SPECIAL = 8,
	CRM_CLASS_ALL = 15,
};

/* CRM_K_MFA values, in rank order (strictest last). */
enum { CRM_MFA_NONE, CRM_MFA_ANY, CRM_MFA_EMAIL, CRM_MFA_TOTP };
/* CRM_K_IP_DEFAULT values. */
enum { CRM_IPDEF_ALLOW, CRM_IPDEF_DENY };
/* CRM_K_BACKUP_CYCLE values. */
enum { CRM_CYCLE_INFINITE, CRM_CYCLE_WEEKLY, CRM_CYCLE_MONTHLY, CRM_CYCLE_YEARLY };

struct crm_keyinfo {
	const char *name;
	enum crm_ktype type;
	enum crm_strict strict;	/* CRM_ST_NONE: cannot be set per user/group */
	long long min, max;	/* CRM_KT_INT bounds */
	const char *const *words;	/* CRM_KT_ENUM words, NULL-terminated */
	const char *def;	/* built-in default, as text */
	const char *help;	/* one line, untranslated, for docs and check */
	/* a further check of the parsed text value, or NULL */
	int (*check)(const char *value, struct crm_error *err);
};

/*
 * Policy keys whose values are text (CRM_ST_FIRST) keep them in
 * crm_policy.text; their slots. Text values are at most CRM_PT_MAX - 1
 * bytes.
 */
enum { CRM_PT_SIP_REALM, CRM_PT_LANG, CRM_PT_COUNT };
#define CRM_PT_MAX 128
/* The text slot of k, or -1 when k is not a text policy key. */
int crm_key_text_slot(enum crm_key k);

/* The key table entry for k. */
const struct crm_keyinfo *crm_key_info(enum crm_key k);
/* The key named name, or -1. */
int crm_key_lookup(const char *name);
/* 1 if the key may be set per user/group with `policy set`. */
int crm_key_is_policy(enum crm_key k);

/*
 * Parses and validates value for key k. Numeric kinds go to *num, text
 * kinds to *str (malloc'd, caller frees; NULL for numeric kinds).
 * Returns 0 or CRM_EINVAL with a message naming key and value.
 */
int crm_key_parse(enum crm_key k, const char *value, long long *num,
	char **str, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Walks a comma list, skipping blanks around items: calls item() with each
 * item (not NUL-terminated). Returns 0, -1 for an empty item, or the first
 * non-zero answer of item().
 */
int crm_list_walk(const char *s, int (*item)(void *, const char *, size_t),
	void *arg);

/* Formats the value of k held in num/str as conf text into buf. */
void crm_key_format(enum crm_key k, long long num, const char *str,
	char *buf, size_t len);

/* Module phases (the first word of the module arguments). */
enum crm_mode {
	CRM_MODE_STANDALONE,
	CRM_MODE_PREAUTH,
	CRM_MODE_AUTHFAIL,
	CRM_MODE_AUTHSUCC,
	CRM_MODE_COMMIT,
	CRM_MODE_OWNED,		/* password stack: the change of a store-owned password */
};

/* Module-only flags. */
enum {
	CRM_OPT_DEBUG = 1,
	CRM_OPT_SILENT = 2,
	CRM_OPT_USE_FIRST_PASS = 4,
	CRM_OPT_TRY_FIRST_PASS = 8,
	CRM_OPT_USE_AUTHTOK = 16,
	CRM_OPT_IGNORE_UNKNOWN = 32,
};

struct crm_config {
	long long num[CRM_K_COUNT];
	char *str[CRM_K_COUNT];
	/* where each value came from: "default", "FILE:LINE", "module argument" */
	char source[CRM_K_COUNT][CRM_SOURCE_MAX];
	char *conf_path;	/* the file that was read (or NULL) */
	enum crm_mode mode;
	unsigned opts;		/* CRM_OPT_* */
};

/* Fills cfg with the built-in defaults. */
void crm_config_init(struct crm_config *cfg);
void crm_config_free(struct crm_config *cfg);

/*
 * The one setter: validates value for key and stores it with its source.
 * Returns 0, or CRM_EINVAL (unknown key, bad value) leaving cfg unchanged.
 */
int crm_config_set(struct crm_config *cfg, const char *key,
	const char *value, const char *source, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Reads a crmpolicy.conf. The file must be a regular file owned by root,
 * not writable by group or others, and not a symlink. Every bad line is
 * added to probs as "PATH:LINE: message". If must_exist is 0 a missing
 * file leaves the defaults. Returns 0, CRM_ECONF (see probs) or CRM_EIO.
 */
int crm_config_load(struct crm_config *cfg, const char *path, int must_exist,
	struct crm_problems *probs, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Module arguments: defaults, then conf=PATH (or the default file), then
 * each key=value argument and flag, in order. Every problem goes to probs
 * ("module argument N: ..." or "FILE:LINE: ..."). Returns 0 or CRM_ECONF.
 */
int crm_config_from_args(struct crm_config *cfg, int argc, const char **argv,
	struct crm_problems *probs, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * crm_config_from_args for arguments that come from a caller without root
 * (crmpolicy_helper): the conf file is always CRM_DEFAULT_CONF and only
 * the mode word, flags and helper= are taken; conf= or a key=value is a
 * problem, since such a caller could otherwise choose its own policy.
 */
int crm_config_from_caller_args(struct crm_config *cfg, int argc,
	const char **argv, struct crm_problems *probs, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif

/*
 * Configuration: the key table, the one validating setter shared by
 * crmpolicy.conf and module arguments, and the file reader that refuses
 * unsafe files and collects every bad line instead of stopping at the first.
 *
 * File grammar: `key = value`, whitespace around key and value ignored,
 * blank lines and lines whose first non-blank character is `#` ignored.
 * Only whole-line comments exist: a `#` after a value is part of the value.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/config.h"
#include "crmpolicy/store.h"
#include "crmpolicy/govern.h"
#include "crmpolicy/helper.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/sip.h"
#include "crmpolicy/i18n.h"

#define LINE_MAX_BYTES 4096
#define DAYS_MAX 36500LL			/* a hundred years */
#define SECONDS_MAX (10LL * 366 * 86400)	/* about ten years */
#define SHOW_MAX 64				/* bytes of a bad value echoed back */

/* The built-in argon2id cost is libsodium's INTERACTIVE level. */
_Static_assert(crypto_pwhash_OPSLIMIT_INTERACTIVE == 2U,
	"hash_opslimit default text must match libsodium");
_Static_assert(crypto_pwhash_MEMLIMIT_INTERACTIVE == 67108864U,
	"hash_memlimit default text must match libsodium");

/* A memory limit above 4 GiB is a misconfiguration on any host we serve. */
#define MEMLIMIT_CAP (4LL * 1024 * 1024 * 1024)
#define MEMLIMIT_MAX_ALLOWED \
	((long long)crypto_pwhash_MEMLIMIT_MAX < MEMLIMIT_CAP ? \
	 (long long)crypto_pwhash_MEMLIMIT_MAX : MEMLIMIT_CAP)

static const char *const mfa_words[] = { "none", "any", "email", "totp", NULL };
static const char *const ipdef_words[] = { "allow", "deny", NULL };
static const char *const cycle_words[] = {
	"infinite", "weekly", "monthly", "yearly", NULL
};
static const char *const class_words[] = {
	"lower", "upper", "digit", "special", NULL
};

#define INT(n, st, lo, hi, d, h) \
	{ n, CRM_KT_INT, st, lo, hi, NULL, d, h }
#define BOOL(n, st, d, h) { n, CRM_KT_BOOL, st, 0, 1, NULL, d, h }
#define ENUM(n, st, w, d, h) { n, CRM_KT_ENUM, st, 0, 0, w, d, h }
#define TEXT(n, t, d, h) { n, t, CRM_ST_NONE, 0, 0, NULL, d, h }

/* Indexed by enum crm_key; the order must follow config.h. */
static const struct crm_keyinfo keys[CRM_K_COUNT] = {
	[CRM_K_DB] = TEXT("db", CRM_KT_PATH,
		"/var/lib/crmpolicy/crmpolicy.db",
		"the store: a path (SQLite) or a PostgreSQL connection string"),
	[CRM_K_KEY_FILE] = TEXT("key_file", CRM_KT_PATH,
		"/etc/security/crmpolicy.key", "key that encrypts TOTP secrets"),
	[CRM_K_MINLEN] = INT("minlen", CRM_ST_LARGER, 1, 256, "8",
		"minimum password length in characters"),
	[CRM_K_MAXLEN] = INT("maxlen", CRM_ST_SMALLER, 1, 4096, "256",
		"maximum password length in characters"),
	[CRM_K_CLASSES] = { "classes", CRM_KT_CLASSES, CRM_ST_UNION, 0,
		CRM_CLASS_ALL, class_words, "lower,upper,digit,special",
		"character classes a password must contain" },
	[CRM_K_REJECT_USERNAME] = BOOL("reject_username", CRM_ST_YES, "yes",
		"refuse passwords containing the user name"),
	[CRM_K_BADWORDS_FILE] = TEXT("badwords_file", CRM_KT_PATH,
		"/etc/security/crmpolicy.badwords", "known-bad passwords"),
	[CRM_K_HISTORY] = INT("history", CRM_ST_LARGER, 0, 50, "3",
		"previous passwords that cannot be reused"),
	[CRM_K_MAX_AGE_DAYS] = INT("max_age_days", CRM_ST_SMALLER_NZ, 0,
		DAYS_MAX, "90", "days before a password must change; 0 = never"),
	[CRM_K_MIN_AGE_DAYS] = INT("min_age_days", CRM_ST_LARGER, 0,
		DAYS_MAX, "0", "days before a password may change again"),
	[CRM_K_WARN_DAYS] = INT("warn_days", CRM_ST_LARGER, 0, DAYS_MAX, "7",
		"days of warning before expiry"),
	[CRM_K_DENY] = INT("deny", CRM_ST_SMALLER_NZ, 0, 1000000, "3",
		"consecutive failures that lock the account; 0 = never"),
	[CRM_K_FAIL_INTERVAL] = INT("fail_interval", CRM_ST_LARGER_Z, 0,
		SECONDS_MAX, "0",
		"seconds in which failures count together; 0 = until a success"),
	[CRM_K_UNLOCK_TIME] = INT("unlock_time", CRM_ST_LARGER_Z, 0,
		SECONDS_MAX, "0",
		"seconds until a lock lifts; 0 = an admin must unlock"),
	[CRM_K_EVEN_DENY_ROOT] = BOOL("even_deny_root", CRM_ST_NONE, "no",
		"root can be locked too"),
	[CRM_K_INACTIVE_DAYS] = INT("inactive_days", CRM_ST_SMALLER_NZ, 0,
		DAYS_MAX, "30", "days without a login before disabling; 0 = never"),
	[CRM_K_MFA] = ENUM("mfa", CRM_ST_RANK, mfa_words, "none",
		"second factor: none, any, email or totp"),
	[CRM_K_MFA_NULLOK] = BOOL("mfa_nullok", CRM_ST_NO, "no",
		"let users without TOTP enrolment pass"),
	[CRM_K_OTP_DIGITS] = INT("otp_digits", CRM_ST_LARGER, 6, 10, "6",
		"digits of an e-mail code"),
	[CRM_K_OTP_TTL] = INT("otp_ttl", CRM_ST_SMALLER, 30, 86400, "300",
		"seconds an e-mail code stays valid"),
	[CRM_K_TOTP_WINDOW] = INT("totp_window", CRM_ST_SMALLER, 0, 10, "1",
		"TOTP steps accepted either side"),
	[CRM_K_IP_DEFAULT] = ENUM("ip_default", CRM_ST_NONE, ipdef_words,
		"allow", "action of the final IP rule"),
	[CRM_K_IP_DENY] = INT("ip_deny", CRM_ST_NONE, 0, 1000000, "10",
		"failures from one address that block it; 0 = off"),
	[CRM_K_IP_INTERVAL] = INT("ip_interval", CRM_ST_NONE, 1, SECONDS_MAX,
		"900", "seconds in which address failures count together"),
	[CRM_K_IP_BLOCK_TIME] = INT("ip_block_time", CRM_ST_NONE, 1,
		SECONDS_MAX, "3600", "seconds an address stays blocked"),
	[CRM_K_KNOWN_IP_DAYS] = INT("known_ip_days", CRM_ST_SMALLER_NZ, 0,
		DAYS_MAX, "100", "days an address stays known"),
	[CRM_K_NOTIFY_NEW_IP] = BOOL("notify_new_ip", CRM_ST_YES, "yes",
		"e-mail on a login from a new address"),
	[CRM_K_NOTIFY_TO] = TEXT("notify_to", CRM_KT_STRING, "",
		"extra recipient of new-address mail"),
	[CRM_K_SENDMAIL] = TEXT("sendmail", CRM_KT_PATH, "/usr/sbin/sendmail",
		"sendmail program"),
	[CRM_K_MAIL_FROM] = TEXT("mail_from", CRM_KT_STRING, "",
		"sender address; empty = crmpolicy@HOSTNAME"),
	[CRM_K_GEOIP_CITY_DB] = TEXT("geoip_city_db", CRM_KT_PATH,
		"/usr/share/GeoIP/GeoLite2-City.mmdb", "GeoIP city database"),
	[CRM_K_GEOIP_ASN_DB] = TEXT("geoip_asn_db", CRM_KT_PATH,
		"/usr/share/GeoIP/GeoLite2-ASN.mmdb", "GeoIP ASN database"),
	[CRM_K_HASH_OPSLIMIT] = INT("hash_opslimit", CRM_ST_NONE,
		crypto_pwhash_OPSLIMIT_MIN, 64, "2", "argon2id passes"),
	[CRM_K_HASH_MEMLIMIT] = INT("hash_memlimit", CRM_ST_NONE,
		crypto_pwhash_MEMLIMIT_MIN, MEMLIMIT_MAX_ALLOWED, "64M",
		"argon2id memory in bytes (K, M, G suffixes)"),
	[CRM_K_MFA_APPEND] = BOOL("mfa_append", CRM_ST_NONE, "no",
		"accept password and TOTP code in one answer"),
	[CRM_K_HISTORY_MERGE_SECONDS] = INT("history_merge_seconds",
		CRM_ST_NONE, 0, SECONDS_MAX, "300",
		"merge identical successful logins within this many seconds"),
	[CRM_K_HELPER_SERVICES] = { "helper_services", CRM_KT_LIST, CRM_ST_NONE,
		0, 0, NULL, "", "SERVICE:USER pairs: the PAM service each "
		"unprivileged user may use through the helper",
		crm_helper_check },
	[CRM_K_ADMIN_GROUP] = TEXT("admin_group", CRM_KT_STRING, "",
		"members may run crmpasswd administration commands"),
	[CRM_K_BACKUP_DIR] = TEXT("backup_dir", CRM_KT_PATH,
		"/var/backups/crmpolicy", "backup directory"),
	[CRM_K_BACKUP_CYCLE] = ENUM("backup_cycle", CRM_ST_NONE, cycle_words,
		"weekly", "backup rotation: infinite, weekly, monthly, yearly"),
	[CRM_K_BACKUP_WARN_DAYS] = INT("backup_warn_days", CRM_ST_NONE, 0,
		DAYS_MAX, "2", "days without a backup before check warns"),
	[CRM_K_TOTP_ISSUER] = TEXT("totp_issuer", CRM_KT_STRING, "",
		"issuer shown by authenticator apps; empty = the host name"),
	[CRM_K_AUDIT_KEEP_DAYS] = INT("audit_keep_days", CRM_ST_NONE, 0,
		DAYS_MAX, "0", "days audit rows are kept; 0 = keep all"),
	[CRM_K_GOVERN_UIDS] = { "govern_uids", CRM_KT_LIST, CRM_ST_NONE, 0, 0,
		NULL, "login.defs", "uids whose system accounts the policy "
		"governs: login.defs, all, N, N-M", crm_govern_check },
	[CRM_K_ADMIN_UNLOCK_TIME] = INT("admin_unlock_time", CRM_ST_NONE, 0,
		SECONDS_MAX, "900", "seconds until a lock of root or an "
		"admin_group member lifts by itself; 0 = off"),
	[CRM_K_SIP_REALM] = { "sip_realm", CRM_KT_STRING, CRM_ST_FIRST, 0, 0,
		NULL, "", "accounts under this policy also keep SIP digest "
		"HA1 (MD5, SHA-256) for this realm; empty = no SIP",
		crm_sip_realm_check },
	[CRM_K_HOST_NAME] = TEXT("host_name", CRM_KT_STRING, "",
		"this host's name in the audit trail of a shared store; empty ="
		" the system's host name"),
	[CRM_K_LANG] = { "lang", CRM_KT_STRING, CRM_ST_FIRST, 0, 0, NULL, "",
		"language of prompts and mails where the application runs in "
		"the C locale: cs, en, it, ja, pl; empty = English",
		crm_lang_check },
};

const struct crm_keyinfo *crm_key_info(enum crm_key k)
{
	if ((int)k < 0 || k >= CRM_K_COUNT)
		return NULL;
	return &keys[k];
}

int crm_key_lookup(const char *name)
{
	if (name == NULL)
		return -1;
	for (int k = 0; k < CRM_K_COUNT; k++)
		if (strcmp(keys[k].name, name) == 0)
			return k;
	return -1;
}

int crm_key_text_slot(enum crm_key k)
{
	if (k == CRM_K_SIP_REALM)
		return CRM_PT_SIP_REALM;
	return k == CRM_K_LANG ? CRM_PT_LANG : -1;
}

int crm_key_is_policy(enum crm_key k)
{
	const struct crm_keyinfo *ki = crm_key_info(k);
	return ki != NULL && ki->strict != CRM_ST_NONE;
}

/*
 * Copies s into buf for an error message: control and non-ASCII bytes
 * become '?' and long values are cut, so that a hostile value cannot
 * forge a log line or flood it.
 */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s[i] != '\0' && i + 1 < len && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[i] = '\0';
	if (s[i] != '\0' && i >= 3) {
		buf[i - 3] = buf[i - 2] = buf[i - 1] = '.';
	}
	return buf;
}

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Decimal digits only: no sign, no blanks, no trailing junk, no overflow. */
static int parse_decimal(const char *s, long long *out, const char **end)
{
	long long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		int d = *p - '0';
		if (v > (LLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return 0;
}

static int parse_int(enum crm_key k, const char *value, long long *num,
	struct crm_error *err)
{
	const struct crm_keyinfo *ki = &keys[k];
	char b[SHOW_MAX + 1];
	const char *end;
	long long v, mult = 1;

	if (parse_decimal(value, &v, &end) != 0)
		goto bad;
	if (k == CRM_K_HASH_MEMLIMIT && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'K': case 'k': mult = 1024LL; break;
		case 'M': case 'm': mult = 1024LL * 1024; break;
		case 'G': case 'g': mult = 1024LL * 1024 * 1024; break;
		default: goto bad;
		}
		end++;
	}
	if (*end != '\0')
		goto bad;
	if (v > LLONG_MAX / mult)
		goto range;
	v *= mult;
	if (v < ki->min || v > ki->max)
		goto range;
	*num = v;
	return 0;
bad:
	return crm_error_set(err, CRM_EINVAL,
		_("%s: '%s' is not a whole number"), ki->name,
		shown(value, b, sizeof(b)));
range:
	return crm_error_set(err, CRM_EINVAL,
		_("%s: '%s' is out of range (%lld to %lld)"), ki->name,
		shown(value, b, sizeof(b)), ki->min, ki->max);
}

static int parse_bool(enum crm_key k, const char *value, long long *num,
	struct crm_error *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char b[SHOW_MAX + 1];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*num = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*num = 0;
			return 0;
		}
	}
	return crm_error_set(err, CRM_EINVAL, _("%s: '%s' is not yes or no"),
		keys[k].name, shown(value, b, sizeof(b)));
}

static int parse_enum(enum crm_key k, const char *value, long long *num,
	struct crm_error *err)
{
	const struct crm_keyinfo *ki = &keys[k];
	char b[SHOW_MAX + 1], choices[128] = "";
	size_t used = 0;

	for (int i = 0; ki->words[i] != NULL; i++) {
		if (strcasecmp(value, ki->words[i]) == 0) {
			*num = i;
			return 0;
		}
		int w = snprintf(choices + used, sizeof(choices) - used, "%s%s",
			i > 0 ? ", " : "", ki->words[i]);
		if (w > 0 && (size_t)w < sizeof(choices) - used)
			used += (size_t)w;
	}
	return crm_error_set(err, CRM_EINVAL, _("%s: '%s' is not one of %s"),
		ki->name, shown(value, b, sizeof(b)), choices);
}

int crm_list_walk(const char *s, int (*item)(void *, const char *, size_t),
	void *arg)
{
	const char *p = s;

	for (;;) {
		int r;

		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p != '\0' && *p != ',')
			p++;
		const char *stop = p;
		while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		if (stop == start)
			return -1;
		if ((r = item(arg, start, (size_t)(stop - start))) != 0)
			return r;
		if (*p == '\0')
			return 0;
		p++;
	}
}

static int class_item(void *arg, const char *s, size_t n)
{
	long long *mask = arg;

	for (int i = 0; class_words[i] != NULL; i++) {
		if (strlen(class_words[i]) == n &&
		    strncasecmp(s, class_words[i], n) == 0) {
			*mask |= 1LL << i;
			return 0;
		}
	}
	return -1;
}

static int parse_classes(enum crm_key k, const char *value, long long *num,
	struct crm_error *err)
{
	char b[SHOW_MAX + 1];
	long long mask = 0;

	/* "none" is the explicit way to require no class at all. */
	if (strcasecmp(value, "none") == 0) {
		*num = 0;
		return 0;
	}
	if (crm_list_walk(value, class_item, &mask) != 0)
		return crm_error_set(err, CRM_EINVAL,
			_("%s: '%s' is not a list of lower, upper, digit, special (or none)"),
			keys[k].name, shown(value, b, sizeof(b)));
	*num = mask;
	return 0;
}

struct listbuf {
	char *out;	/* canonical "a,b,c" */
	size_t len;
};

/* A list item is a name: no blanks, no control characters, no quotes. */
static int list_item(void *arg, const char *s, size_t n)
{
	struct listbuf *lb = arg;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'')
			return -1;
	}
	if (lb->len > 0)
		lb->out[lb->len++] = ',';
	memcpy(lb->out + lb->len, s, n);
	lb->len += n;
	lb->out[lb->len] = '\0';
	return 0;
}

static int parse_text(enum crm_key k, const char *value, char **str,
	struct crm_error *err)
{
	const struct crm_keyinfo *ki = &keys[k];
	char b[SHOW_MAX + 1];
	char *copy;

	if (has_control(value))
		return crm_error_set(err, CRM_EINVAL,
			_("%s: '%s' contains control characters"), ki->name,
			shown(value, b, sizeof(b)));
	/* The store may also be a PostgreSQL database shared by a fleet. */
	if (ki->type == CRM_KT_PATH && value[0] != '/' &&
			!(k == CRM_K_DB && crm_store_is_pg(value)))
		return crm_error_set(err, CRM_EINVAL, k == CRM_K_DB ?
			_("%s: '%s' is neither an absolute path nor a PostgreSQL"
			" connection string (postgresql://... or key=value ...)") :
			_("%s: '%s' is not an absolute path"), ki->name,
			shown(value, b, sizeof(b)));
	if (ki->type == CRM_KT_LIST) {
		struct listbuf lb;
		copy = malloc(strlen(value) + 1);
		if (copy == NULL)
			return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
		copy[0] = '\0';
		lb.out = copy;
		lb.len = 0;
		if (value[0] != '\0' && crm_list_walk(value, list_item, &lb) != 0) {
			free(copy);
			return crm_error_set(err, CRM_EINVAL,
				_("%s: '%s' is not a comma-separated list of names"),
				ki->name, shown(value, b, sizeof(b)));
		}
	} else {
		copy = strdup(value);
		if (copy == NULL)
			return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	if (ki->check != NULL) {
		int rc = ki->check(copy, err);

		if (rc != 0) {
			free(copy);
			return rc;
		}
	}
	*str = copy;
	return 0;
}

int crm_key_parse(enum crm_key k, const char *value, long long *num,
	char **str, struct crm_error *err)
{
	const struct crm_keyinfo *ki = crm_key_info(k);

	*num = 0;
	*str = NULL;
	if (ki == NULL || value == NULL)
		return crm_error_set(err, CRM_EINVAL, _("no such key or value"));
	switch (ki->type) {
	case CRM_KT_INT:
		return parse_int(k, value, num, err);
	case CRM_KT_BOOL:
		return parse_bool(k, value, num, err);
	case CRM_KT_CLASSES:
		return parse_classes(k, value, num, err);
	case CRM_KT_ENUM:
		return parse_enum(k, value, num, err);
	case CRM_KT_PATH:
	case CRM_KT_STRING:
	case CRM_KT_LIST:
		return parse_text(k, value, str, err);
	}
	return crm_error_set(err, CRM_EINVAL, _("%s: unknown key type"),
		ki->name);
}

void crm_key_format(enum crm_key k, long long num, const char *str,
	char *buf, size_t len)
{
	const struct crm_keyinfo *ki = crm_key_info(k);

	if (len == 0)
		return;
	buf[0] = '\0';
	if (ki == NULL)
		return;
	switch (ki->type) {
	case CRM_KT_INT:
		if (k == CRM_K_HASH_MEMLIMIT && num > 0) {
			const char *sfx[] = { "G", "M", "K" };
			long long unit = 1024LL * 1024 * 1024;
			for (int i = 0; i < 3; i++, unit /= 1024) {
				if (num % unit == 0) {
					snprintf(buf, len, "%lld%s", num / unit,
						sfx[i]);
					return;
				}
			}
		}
		snprintf(buf, len, "%lld", num);
		break;
	case CRM_KT_BOOL:
		snprintf(buf, len, "%s", num ? "yes" : "no");
		break;
	case CRM_KT_ENUM: {
		int n = 0;
		while (ki->words[n] != NULL)
			n++;
		snprintf(buf, len, "%s", num >= 0 && num < n ?
			ki->words[num] : "?");
		break;
	}
	case CRM_KT_CLASSES: {
		size_t used = 0;
		for (int i = 0; class_words[i] != NULL; i++) {
			if (!(num & (1LL << i)))
				continue;
			int w = snprintf(buf + used, len - used, "%s%s",
				used ? "," : "", class_words[i]);
			if (w < 0 || (size_t)w >= len - used)
				return;
			used += (size_t)w;
		}
		if (used == 0)
			snprintf(buf, len, "none");
		break;
	}
	case CRM_KT_PATH:
	case CRM_KT_STRING:
	case CRM_KT_LIST:
		snprintf(buf, len, "%s", str != NULL ? str : "");
		break;
	}
}

static void set_source(struct crm_config *cfg, enum crm_key k,
	const char *source)
{
	snprintf(cfg->source[k], sizeof(cfg->source[k]), "%s",
		source != NULL ? source : "");
}

void crm_config_init(struct crm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (int k = 0; k < CRM_K_COUNT; k++) {
		const struct crm_keyinfo *ki = &keys[k];
		struct crm_error e;
		long long num = 0;
		char *str = NULL;

		/*
		 * The defaults are ours and parse by construction; a failure
		 * here (only out of memory for text keys) leaves the text
		 * key NULL, which every reader treats as empty.
		 */
		if (crm_key_parse((enum crm_key)k, ki->def, &num, &str, &e) == 0) {
			cfg->num[k] = num;
			cfg->str[k] = str;
		}
		set_source(cfg, (enum crm_key)k, "default");
	}
	cfg->mode = CRM_MODE_STANDALONE;
}

void crm_config_free(struct crm_config *cfg)
{
	if (cfg == NULL)
		return;
	for (int k = 0; k < CRM_K_COUNT; k++) {
		free(cfg->str[k]);
		cfg->str[k] = NULL;
	}
	free(cfg->conf_path);
	cfg->conf_path = NULL;
}

int crm_config_set(struct crm_config *cfg, const char *key,
	const char *value, const char *source, struct crm_error *err)
{
	char b[SHOW_MAX + 1];
	long long num;
	char *str;
	int k, rc;

	k = crm_key_lookup(key);
	if (k < 0)
		return crm_error_set(err, CRM_EINVAL, _("unknown key '%s'"),
			shown(key != NULL ? key : "", b, sizeof(b)));
	rc = crm_key_parse((enum crm_key)k, value, &num, &str, err);
	if (rc != 0)
		return rc;
	free(cfg->str[k]);
	cfg->num[k] = num;
	cfg->str[k] = str;
	set_source(cfg, (enum crm_key)k, source);
	return 0;
}

/* Adds a problem; also counts it when the caller passed no list. */
static int problem(struct crm_problems *probs, size_t *count,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int problem(struct crm_problems *probs, size_t *count,
	const char *fmt, ...)
{
	char line[CRM_ERROR_MAX + 512];
	va_list ap;

	(*count)++;
	if (probs == NULL)
		return 0;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return crm_problems_add(probs, "%s", line);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/*
 * Opens path for reading and checks the descriptor (not the name, which
 * could be swapped): a regular file owned by root or by us, not writable
 * by group or others. Returns the fd, or -1 with err set; a missing file
 * sets CRM_ENOENT so that the caller can decide.
 */
static int open_conf(const char *path, struct crm_error *err)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			crm_error_set(err, CRM_ECONF,
				_("%s: is a symbolic link"), path);
		else if (e == ENOENT)
			crm_error_set(err, CRM_ENOENT,
				_("%s: does not exist"), path);
		else
			crm_error_set(err, CRM_EIO, _("%s: cannot open: %s"),
				path, strerror(e));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		crm_error_set(err, CRM_EIO, _("%s: cannot stat: %s"), path,
			strerror(e));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		crm_error_set(err, CRM_ECONF, _("%s: is not a regular file"),
			path);
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		crm_error_set(err, CRM_ECONF,
			_("%s: is owned by uid %lu, not by root"), path,
			(unsigned long)st.st_uid);
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		crm_error_set(err, CRM_ECONF,
			_("%s: is writable by group or others (mode %04o)"),
			path, (unsigned)(st.st_mode & 07777));
	} else {
		/* Reads must block normally from here on. */
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		return fd;
	}
	close(fd);
	return -1;
}

/* One line of the file; problems are counted in *count. */
static int load_line(struct crm_config *cfg, const char *path,
	unsigned long lineno, char *line, size_t len,
	struct crm_problems *probs, size_t *count)
{
	char src[CRM_SOURCE_MAX], b[SHOW_MAX + 1];
	struct crm_error e;
	char *s, *eq, *key, *value;
	size_t content = len;

	if (content > 0 && line[content - 1] == '\n')
		content--;
	if (content > LINE_MAX_BYTES)
		return problem(probs, count, _("%s:%lu: line longer than %d bytes"),
			path, lineno, LINE_MAX_BYTES);
	if (strlen(line) != len)
		return problem(probs, count, _("%s:%lu: line contains a NUL byte"),
			path, lineno);
	s = trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (eq == NULL)
		return problem(probs, count,
			_("%s:%lu: '%s' is not of the form key = value"),
			path, lineno, shown(s, b, sizeof(b)));
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (*key == '\0')
		return problem(probs, count, _("%s:%lu: missing key before '='"),
			path, lineno);
	snprintf(src, sizeof(src), "%s:%lu", path, lineno);
	crm_error_clear(&e);
	if (crm_config_set(cfg, key, value, src, &e) != 0) {
		if (e.code == CRM_ENOMEM)
			return CRM_ENOMEM;
		return problem(probs, count, "%s:%lu: %s", path, lineno, e.msg);
	}
	return 0;
}

/* Reads the file into cfg without the cross-key checks; see crm_config_load. */
static int load_file(struct crm_config *cfg, const char *path, int must_exist,
	struct crm_problems *probs, size_t *count, struct crm_error *err)
{
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int fd, rc = 0;

	if (path == NULL || path[0] != '/')
		return crm_error_set(err, CRM_ECONF,
			_("configuration path must be absolute"));
	fd = open_conf(path, err);
	if (fd < 0) {
		if (err != NULL && err->code == CRM_ENOENT) {
			if (!must_exist) {
				crm_error_clear(err);
				return 0;
			}
			err->code = CRM_ECONF;
		}
		(void)problem(probs, count, "%s", err != NULL ? err->msg : path);
		return err != NULL ? err->code : CRM_ECONF;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	free(cfg->conf_path);
	cfg->conf_path = strdup(path);
	if (cfg->conf_path == NULL) {
		fclose(f);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		rc = load_line(cfg, path, lineno, line, (size_t)n, probs, count);
		if (rc != 0)
			break;
		errno = 0;
	}
	if (rc == 0 && ferror(f)) {
		int e = errno;
		rc = crm_error_set(err, CRM_EIO, _("%s: read error: %s"), path,
			strerror(e));
		(void)problem(probs, count, "%s", err != NULL ? err->msg : path);
	} else if (rc != 0) {
		rc = crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	free(line);
	fclose(f);
	return rc;
}

/* Checks that hold between keys; place names where to look. */
static int cross_check(const struct crm_config *cfg, const char *place,
	struct crm_problems *probs, size_t *count)
{
	if (cfg->num[CRM_K_MAXLEN] < cfg->num[CRM_K_MINLEN])
		return problem(probs, count,
			_("%s: maxlen (%lld, from %s) is smaller than minlen (%lld, from %s)"),
			place, cfg->num[CRM_K_MAXLEN], cfg->source[CRM_K_MAXLEN],
			cfg->num[CRM_K_MINLEN], cfg->source[CRM_K_MINLEN]);
	return 0;
}

/*
 * Turns the problems collected since probs held `before` items into one
 * CRM_ECONF naming the first of them, for callers that log a single line.
 */
static int conf_failed(const struct crm_problems *probs, size_t before,
	size_t count, struct crm_error *err)
{
	const char *first = probs != NULL && probs->n > before ?
		probs->items[before] : _("invalid configuration");

	if (count == 1)
		return crm_error_set(err, CRM_ECONF, "%s", first);
	return crm_error_set(err, CRM_ECONF, _("%s (and %zu more problems)"),
		first, count - 1);
}

int crm_config_load(struct crm_config *cfg, const char *path, int must_exist,
	struct crm_problems *probs, struct crm_error *err)
{
	size_t before = probs != NULL ? probs->n : 0, count = 0;
	struct crm_error lerr;
	int rc;

	if (err == NULL)
		err = &lerr;
	crm_error_clear(err);
	rc = load_file(cfg, path, must_exist, probs, &count, err);
	/* A path that is refused before any line (relative) is an error
	 * too, never the defaults. */
	if (rc == CRM_ENOMEM || rc == CRM_EIO || (rc != 0 && count == 0))
		return rc;
	if (rc == 0 && cross_check(cfg, path, probs, &count) != 0)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	if (count > 0)
		return conf_failed(probs, before, count, err);
	return 0;
}

static const struct {
	const char *word;
	unsigned opt;
} flags[] = {
	{ "debug", CRM_OPT_DEBUG },
	{ "silent", CRM_OPT_SILENT },
	{ "use_first_pass", CRM_OPT_USE_FIRST_PASS },
	{ "try_first_pass", CRM_OPT_TRY_FIRST_PASS },
	{ "use_authtok", CRM_OPT_USE_AUTHTOK },
	{ "ignore_unknown", CRM_OPT_IGNORE_UNKNOWN },
};

static const struct {
	const char *word;
	enum crm_mode mode;
} modes[] = {
	{ "preauth", CRM_MODE_PREAUTH },
	{ "authfail", CRM_MODE_AUTHFAIL },
	{ "authsucc", CRM_MODE_AUTHSUCC },
	{ "commit", CRM_MODE_COMMIT },
	{ "owned", CRM_MODE_OWNED },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Applies argument i (1-based) other than conf=; problems go to probs.
 * restricted: the arguments come from a caller without root (through the
 * helper), so only mode words and flags are taken.
 */
static int apply_arg(struct crm_config *cfg, int i, const char *arg,
	int restricted, int *mode_seen, struct crm_problems *probs,
	size_t *count)
{
	char b[SHOW_MAX + 1], key[64];
	const char *eq;
	struct crm_error e;

	for (size_t j = 0; j < NELEM(modes); j++) {
		if (strcmp(arg, modes[j].word) != 0)
			continue;
		if (*mode_seen)
			return problem(probs, count,
				_("module argument %d (%s): a second mode word"),
				i, arg);
		*mode_seen = 1;
		cfg->mode = modes[j].mode;
		return 0;
	}
	for (size_t j = 0; j < NELEM(flags); j++) {
		if (strcmp(arg, flags[j].word) == 0) {
			cfg->opts |= flags[j].opt;
			return 0;
		}
	}
	if (strncmp(arg, "helper=", 7) == 0) {
		if (arg[7] != '/')
			return problem(probs, count,
				_("module argument %d (%s): helper must be an absolute path"),
				i, shown(arg, b, sizeof(b)));
		return 0;
	}
	eq = strchr(arg, '=');
	if (eq == NULL || (size_t)(eq - arg) >= sizeof(key))
		goto unknown;
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	if (crm_key_lookup(key) < 0)
		goto unknown;
	if (restricted)
		return problem(probs, count,
			_("module argument %d (%s): a service that runs without root "
			"takes its settings from %s only"), i,
			shown(arg, b, sizeof(b)), CRM_DEFAULT_CONF);
	crm_error_clear(&e);
	if (crm_config_set(cfg, key, eq + 1, "module argument", &e) != 0) {
		if (e.code == CRM_ENOMEM)
			return CRM_ENOMEM;
		return problem(probs, count, _("module argument %d: %s"), i,
			e.msg);
	}
	return 0;
unknown:
	return problem(probs, count, _("module argument %d (%s): unknown option"),
		i, shown(arg, b, sizeof(b)));
}

static int from_args(struct crm_config *cfg, int argc, const char **argv,
	int restricted, struct crm_problems *probs, struct crm_error *err)
{
	size_t before = probs != NULL ? probs->n : 0, count = 0;
	const char *conf = NULL;
	struct crm_error lerr;
	char b[SHOW_MAX + 1];
	int mode_seen = 0, rc;

	crm_config_init(cfg);
	crm_error_clear(&lerr);
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) != 0)
			continue;
		if (restricted) {
			if (problem(probs, &count,
			    _("module argument %d (%s): a service that runs without "
			    "root takes its settings from %s only"), i + 1,
			    shown(argv[i], b, sizeof(b)), CRM_DEFAULT_CONF) != 0)
				goto nomem;
			continue;
		}
		if (argv[i][5] != '/') {
			if (problem(probs, &count,
			    _("module argument %d (%s): conf must be an absolute path"),
			    i + 1, shown(argv[i], b, sizeof(b))) != 0)
				goto nomem;
			conf = NULL;
			continue;
		}
		conf = argv[i] + 5;
	}
	if (count == 0) {
		rc = load_file(cfg, conf != NULL ? conf : CRM_DEFAULT_CONF,
			conf != NULL, probs, &count, &lerr);
		if (rc == CRM_ENOMEM)
			goto nomem;
	}
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0)
			continue;
		if (apply_arg(cfg, i + 1, argv[i], restricted, &mode_seen,
		    probs, &count) != 0)
			goto nomem;
	}
	if (cross_check(cfg, cfg->conf_path != NULL ? cfg->conf_path :
	    "module arguments", probs, &count) != 0)
		goto nomem;
	if (count > 0)
		return conf_failed(probs, before, count, err);
	return 0;
nomem:
	return crm_error_set(err, CRM_ECONF, _("out of memory"));
}

int crm_config_from_args(struct crm_config *cfg, int argc, const char **argv,
	struct crm_problems *probs, struct crm_error *err)
{
	return from_args(cfg, argc, argv, 0, probs, err);
}

int crm_config_from_caller_args(struct crm_config *cfg, int argc,
	const char **argv, struct crm_problems *probs, struct crm_error *err)
{
	return from_args(cfg, argc, argv, 1, probs, err);
}

/*
 * Unit tests of lib/config.c: the key table and its defaults, the one
 * setter (every key type accepted and refused), the conf file reader (safe
 * files only, every bad line reported) and module arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/config.h"

/* A private temporary directory per test; these tests need no store. */
struct fx {
	char dir[128];
	char path[256];
	struct crm_config cfg;
	struct crm_problems probs;
	struct crm_error err;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/crmcfgXXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/crmpolicy.conf", f->dir);
	crm_config_init(&f->cfg);
	crm_problems_init(&f->probs);
	crm_error_clear(&f->err);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[300];

	crm_config_free(&f->cfg);
	crm_problems_free(&f->probs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int has_problem(const struct crm_problems *p, const char *needle)
{
	for (size_t i = 0; i < p->n; i++)
		if (strstr(p->items[i], needle) != NULL)
			return 1;
	return 0;
}

/* Sets key=value on f->cfg; returns the setter's code. */
static int set(struct fx *f, const char *key, const char *value)
{
	crm_error_clear(&f->err);
	return crm_config_set(&f->cfg, key, value, "test", &f->err);
}

static void defaults_follow_the_spec(void **state)
{
	struct fx *f = *state;
	const struct crm_config *c = &f->cfg;

	assert_string_equal(c->str[CRM_K_DB], "/var/lib/crmpolicy/crmpolicy.db");
	assert_string_equal(c->str[CRM_K_KEY_FILE], "/etc/security/crmpolicy.key");
	assert_int_equal(c->num[CRM_K_MINLEN], 8);
	assert_int_equal(c->num[CRM_K_MAXLEN], 256);
	assert_int_equal(c->num[CRM_K_CLASSES], CRM_CLASS_ALL);
	assert_int_equal(c->num[CRM_K_REJECT_USERNAME], 1);
	assert_int_equal(c->num[CRM_K_HISTORY], 3);
	assert_int_equal(c->num[CRM_K_MAX_AGE_DAYS], 90);
	assert_int_equal(c->num[CRM_K_MIN_AGE_DAYS], 0);
	assert_int_equal(c->num[CRM_K_WARN_DAYS], 7);
	assert_int_equal(c->num[CRM_K_DENY], 3);
	assert_int_equal(c->num[CRM_K_FAIL_INTERVAL], 0);
	assert_int_equal(c->num[CRM_K_UNLOCK_TIME], 0);
	assert_int_equal(c->num[CRM_K_EVEN_DENY_ROOT], 0);
	assert_int_equal(c->num[CRM_K_INACTIVE_DAYS], 30);
	assert_int_equal(c->num[CRM_K_MFA], CRM_MFA_NONE);
	assert_int_equal(c->num[CRM_K_MFA_NULLOK], 0);
	assert_int_equal(c->num[CRM_K_OTP_DIGITS], 6);
	assert_int_equal(c->num[CRM_K_OTP_TTL], 300);
	assert_int_equal(c->num[CRM_K_TOTP_WINDOW], 1);
	assert_int_equal(c->num[CRM_K_IP_DEFAULT], CRM_IPDEF_ALLOW);
	assert_int_equal(c->num[CRM_K_IP_DENY], 10);
	assert_int_equal(c->num[CRM_K_IP_INTERVAL], 900);
	assert_int_equal(c->num[CRM_K_IP_BLOCK_TIME], 3600);
	assert_int_equal(c->num[CRM_K_KNOWN_IP_DAYS], 100);
	assert_int_equal(c->num[CRM_K_NOTIFY_NEW_IP], 1);
	assert_string_equal(c->str[CRM_K_NOTIFY_TO], "");
	assert_string_equal(c->str[CRM_K_SENDMAIL], "/usr/sbin/sendmail");
	assert_string_equal(c->str[CRM_K_MAIL_FROM], "");
	assert_string_equal(c->str[CRM_K_GEOIP_CITY_DB],
		"/usr/share/GeoIP/GeoLite2-City.mmdb");
	assert_string_equal(c->str[CRM_K_GEOIP_ASN_DB],
		"/usr/share/GeoIP/GeoLite2-ASN.mmdb");
	assert_int_equal(c->num[CRM_K_HASH_OPSLIMIT],
		crypto_pwhash_OPSLIMIT_INTERACTIVE);
	assert_int_equal(c->num[CRM_K_HASH_MEMLIMIT],
		crypto_pwhash_MEMLIMIT_INTERACTIVE);
	assert_int_equal(c->num[CRM_K_MFA_APPEND], 0);
	assert_int_equal(c->num[CRM_K_HISTORY_MERGE_SECONDS], 300);
	assert_string_equal(c->str[CRM_K_HELPER_SERVICES], "");
	assert_string_equal(c->str[CRM_K_ADMIN_GROUP], "");
	assert_string_equal(c->str[CRM_K_BACKUP_DIR], "/var/backups/crmpolicy");
	assert_int_equal(c->num[CRM_K_BACKUP_CYCLE], CRM_CYCLE_WEEKLY);
	assert_int_equal(c->num[CRM_K_BACKUP_WARN_DAYS], 2);
	assert_string_equal(c->str[CRM_K_GOVERN_UIDS], "login.defs");
	assert_int_equal(c->num[CRM_K_ADMIN_UNLOCK_TIME], 900);
	for (int k = 0; k < CRM_K_COUNT; k++)
		assert_string_equal(c->source[k], "default");
	assert_null(c->conf_path);
	assert_int_equal(c->mode, CRM_MODE_STANDALONE);
	assert_int_equal(c->opts, 0);
}

static void key_table_is_complete_and_round_trips(void **state)
{
	(void)state;
	for (int k = 0; k < CRM_K_COUNT; k++) {
		const struct crm_keyinfo *ki = crm_key_info((enum crm_key)k);
		struct crm_error e;
		char buf[256];
		long long n1, n2;
		char *s1 = NULL, *s2 = NULL;

		assert_non_null(ki);
		assert_non_null(ki->name);
		assert_non_null(ki->def);
		assert_int_equal(crm_key_lookup(ki->name), k);
		assert_int_equal(crm_key_parse((enum crm_key)k, ki->def, &n1,
			&s1, &e), 0);
		crm_key_format((enum crm_key)k, n1, s1, buf, sizeof(buf));
		assert_int_equal(crm_key_parse((enum crm_key)k, buf, &n2, &s2,
			&e), 0);
		assert_int_equal(n1, n2);
		if (s1 != NULL)
			assert_string_equal(s1, s2);
		free(s1);
		free(s2);
	}
	assert_null(crm_key_info(CRM_K_COUNT));
	assert_int_equal(crm_key_lookup("no_such_key"), -1);
}

static void policy_keys_are_the_per_user_ones(void **state)
{
	(void)state;
	assert_true(crm_key_is_policy(CRM_K_MINLEN));
	assert_true(crm_key_is_policy(CRM_K_MFA));
	assert_true(crm_key_is_policy(CRM_K_KNOWN_IP_DAYS));
	assert_false(crm_key_is_policy(CRM_K_DB));
	assert_false(crm_key_is_policy(CRM_K_EVEN_DENY_ROOT));
	assert_false(crm_key_is_policy(CRM_K_IP_DENY));
	assert_int_equal(crm_key_info(CRM_K_DENY)->strict, CRM_ST_SMALLER_NZ);
	assert_int_equal(crm_key_info(CRM_K_UNLOCK_TIME)->strict, CRM_ST_LARGER_Z);
	assert_int_equal(crm_key_info(CRM_K_CLASSES)->strict, CRM_ST_UNION);
	assert_int_equal(crm_key_info(CRM_K_MFA)->strict, CRM_ST_RANK);
}

static void accepts_whole_numbers_in_range(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "minlen", "12"), 0);
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 12);
	assert_string_equal(f->cfg.source[CRM_K_MINLEN], "test");
	assert_int_equal(set(f, "minlen", "256"), 0);
	assert_int_equal(set(f, "history", "0"), 0);
	assert_int_equal(f->cfg.num[CRM_K_HISTORY], 0);
}

static void refuses_malformed_numbers(void **state)
{
	struct fx *f = *state;
	const char *bad[] = { "abc", "", "-1", "+5", " 5", "5 ", "5x", "0x10",
		"1.5", "99999999999999999999999", NULL };

	for (int i = 0; bad[i] != NULL; i++) {
		assert_int_equal(set(f, "minlen", bad[i]), CRM_EINVAL);
		assert_int_equal(f->cfg.num[CRM_K_MINLEN], 8);
		assert_string_equal(f->cfg.source[CRM_K_MINLEN], "default");
	}
	assert_int_equal(set(f, "minlen", "abc"), CRM_EINVAL);
	assert_string_equal(f->err.msg, "minlen: 'abc' is not a whole number");
}

static void refuses_numbers_out_of_range(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "minlen", "0"), CRM_EINVAL);
	assert_non_null(strstr(f->err.msg, "out of range"));
	assert_int_equal(set(f, "minlen", "257"), CRM_EINVAL);
	assert_int_equal(set(f, "history", "51"), CRM_EINVAL);
	assert_int_equal(set(f, "otp_digits", "5"), CRM_EINVAL);
	assert_int_equal(set(f, "otp_digits", "11"), CRM_EINVAL);
	assert_int_equal(set(f, "otp_ttl", "29"), CRM_EINVAL);
	assert_int_equal(set(f, "totp_window", "11"), CRM_EINVAL);
	assert_int_equal(set(f, "max_age_days", "36501"), CRM_EINVAL);
	assert_int_equal(set(f, "unlock_time", "999999999999"), CRM_EINVAL);
	assert_int_equal(set(f, "hash_opslimit", "0"), CRM_EINVAL);
	assert_int_equal(set(f, "otp_digits", "10"), 0);
	assert_int_equal(set(f, "totp_window", "0"), 0);
}

static void memlimit_takes_bytes_and_suffixes(void **state)
{
	struct fx *f = *state;
	char buf[32];

	assert_int_equal(set(f, "hash_memlimit", "8192"), 0);
	assert_int_equal(f->cfg.num[CRM_K_HASH_MEMLIMIT], 8192);
	assert_int_equal(set(f, "hash_memlimit", "64M"), 0);
	assert_int_equal(f->cfg.num[CRM_K_HASH_MEMLIMIT], 64LL << 20);
	assert_int_equal(set(f, "hash_memlimit", "1G"), 0);
	assert_int_equal(f->cfg.num[CRM_K_HASH_MEMLIMIT], 1LL << 30);
	assert_int_equal(set(f, "hash_memlimit", "512k"), 0);
	assert_int_equal(f->cfg.num[CRM_K_HASH_MEMLIMIT], 512LL << 10);
	crm_key_format(CRM_K_HASH_MEMLIMIT, 512LL << 10, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "512K");
	/* Below libsodium's minimum, unknown suffix, suffix alone. */
	assert_int_equal(set(f, "hash_memlimit", "1K"), CRM_EINVAL);
	assert_int_equal(set(f, "hash_memlimit", "10X"), CRM_EINVAL);
	assert_int_equal(set(f, "hash_memlimit", "M"), CRM_EINVAL);
	assert_int_equal(set(f, "hash_memlimit", "10MB"), CRM_EINVAL);
	assert_int_equal(set(f, "minlen", "8K"), CRM_EINVAL);
	assert_int_equal(f->cfg.num[CRM_K_HASH_MEMLIMIT], 512LL << 10);
}

static void booleans_accept_yes_no_words(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "even_deny_root", "yes"), 0);
	assert_int_equal(f->cfg.num[CRM_K_EVEN_DENY_ROOT], 1);
	assert_int_equal(set(f, "even_deny_root", "No"), 0);
	assert_int_equal(f->cfg.num[CRM_K_EVEN_DENY_ROOT], 0);
	assert_int_equal(set(f, "mfa_append", "on"), 0);
	assert_int_equal(set(f, "mfa_append", "0"), 0);
	assert_int_equal(set(f, "mfa_append", "true"), 0);
	assert_int_equal(f->cfg.num[CRM_K_MFA_APPEND], 1);
	assert_int_equal(set(f, "mfa_append", "maybe"), CRM_EINVAL);
	assert_string_equal(f->err.msg, "mfa_append: 'maybe' is not yes or no");
	assert_int_equal(set(f, "mfa_append", ""), CRM_EINVAL);
	assert_int_equal(f->cfg.num[CRM_K_MFA_APPEND], 1);
}

static void enums_map_words_to_their_rank(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "mfa", "totp"), 0);
	assert_int_equal(f->cfg.num[CRM_K_MFA], CRM_MFA_TOTP);
	assert_int_equal(set(f, "mfa", "any"), 0);
	assert_int_equal(f->cfg.num[CRM_K_MFA], CRM_MFA_ANY);
	assert_int_equal(set(f, "mfa", "email"), 0);
	assert_int_equal(f->cfg.num[CRM_K_MFA], CRM_MFA_EMAIL);
	assert_int_equal(set(f, "ip_default", "deny"), 0);
	assert_int_equal(f->cfg.num[CRM_K_IP_DEFAULT], CRM_IPDEF_DENY);
	assert_int_equal(set(f, "backup_cycle", "monthly"), 0);
	assert_int_equal(f->cfg.num[CRM_K_BACKUP_CYCLE], CRM_CYCLE_MONTHLY);
	assert_int_equal(set(f, "mfa", "sms"), CRM_EINVAL);
	assert_non_null(strstr(f->err.msg, "none, any, email, totp"));
	assert_int_equal(set(f, "backup_cycle", "daily"), CRM_EINVAL);
	assert_int_equal(f->cfg.num[CRM_K_MFA], CRM_MFA_EMAIL);
}

static void classes_are_a_comma_list(void **state)
{
	struct fx *f = *state;
	char buf[64];

	assert_int_equal(set(f, "classes", "lower,digit"), 0);
	assert_int_equal(f->cfg.num[CRM_K_CLASSES],
		CRM_CLASS_LOWER | CRM_CLASS_DIGIT);
	assert_int_equal(set(f, "classes", "upper , special"), 0);
	assert_int_equal(f->cfg.num[CRM_K_CLASSES],
		CRM_CLASS_UPPER | CRM_CLASS_SPECIAL);
	assert_int_equal(set(f, "classes", "none"), 0);
	assert_int_equal(f->cfg.num[CRM_K_CLASSES], 0);
	crm_key_format(CRM_K_CLASSES, CRM_CLASS_LOWER | CRM_CLASS_SPECIAL,
		NULL, buf, sizeof(buf));
	assert_string_equal(buf, "lower,special");
	assert_int_equal(set(f, "classes", "lower,,digit"), CRM_EINVAL);
	assert_int_equal(set(f, "classes", "lower,symbols"), CRM_EINVAL);
	assert_int_equal(set(f, "classes", ""), CRM_EINVAL);
	assert_int_equal(set(f, "classes", "lower,"), CRM_EINVAL);
	assert_int_equal(f->cfg.num[CRM_K_CLASSES], 0);
}

static void paths_must_be_absolute_and_clean(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "db", "/srv/crm/policy.db"), 0);
	assert_string_equal(f->cfg.str[CRM_K_DB], "/srv/crm/policy.db");
	assert_int_equal(set(f, "db", "policy.db"), CRM_EINVAL);
	assert_string_equal(f->err.msg, "db: 'policy.db' is neither an absolute"
		" path nor a PostgreSQL connection string (postgresql://... or"
		" key=value ...)");
	assert_int_equal(set(f, "key_file", "policy.key"), CRM_EINVAL);
	assert_string_equal(f->err.msg, "key_file: 'policy.key' is not an"
		" absolute path");
	/* A fleet's store: a URI or a libpq keyword string. */
	assert_int_equal(set(f, "db", "postgresql://crm@db1.example/crm"), 0);
	assert_int_equal(set(f, "db", "host=db1,db2 dbname=crm"
		" target_session_attrs=read-write"), 0);
	assert_int_equal(set(f, "db", "service=crmpolicy"), 0);
	assert_int_equal(set(f, "db", "/srv/crm/policy.db"), 0);
	assert_int_equal(set(f, "db", ""), CRM_EINVAL);
	assert_int_equal(set(f, "db", "/a\nb"), CRM_EINVAL);
	/* The echoed value is filtered: no raw newline reaches a log line. */
	assert_null(strchr(f->err.msg, '\n'));
	assert_string_equal(f->cfg.str[CRM_K_DB], "/srv/crm/policy.db");
}

static void strings_refuse_control_characters(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "notify_to", "sec@example.com"), 0);
	assert_string_equal(f->cfg.str[CRM_K_NOTIFY_TO], "sec@example.com");
	assert_int_equal(set(f, "mail_from", ""), 0);
	assert_string_equal(f->cfg.str[CRM_K_MAIL_FROM], "");
	assert_int_equal(set(f, "notify_to", "a@b\r\nBcc: x@y"), CRM_EINVAL);
	assert_null(strchr(f->err.msg, '\r'));
	assert_string_equal(f->cfg.str[CRM_K_NOTIFY_TO], "sec@example.com");
	assert_int_equal(set(f, "admin_group", "crmadmins"), 0);
	assert_string_equal(f->cfg.str[CRM_K_ADMIN_GROUP], "crmadmins");
}

static void lists_are_normalised_names(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "helper_services",
		"crm-web:www-data, dovecot:dovecot ,sip:kamailio"), 0);
	assert_string_equal(f->cfg.str[CRM_K_HELPER_SERVICES],
		"crm-web:www-data,dovecot:dovecot,sip:kamailio");
	assert_int_equal(set(f, "helper_services", "crm-web: www-data"),
		CRM_EINVAL);
	assert_int_equal(set(f, "helper_services", "a:b,,c:d"), CRM_EINVAL);
	assert_string_equal(f->cfg.str[CRM_K_HELPER_SERVICES],
		"crm-web:www-data,dovecot:dovecot,sip:kamailio");
	assert_int_equal(set(f, "helper_services", ""), 0);
	assert_string_equal(f->cfg.str[CRM_K_HELPER_SERVICES], "");
}

static void helper_services_are_service_user_pairs(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "helper_services", "crm-web"), CRM_EINVAL);
	assert_non_null(strstr(f->err.msg, "SERVICE:USER"));
	assert_int_equal(set(f, "helper_services", ":www-data"), CRM_EINVAL);
	assert_int_equal(set(f, "helper_services", "crm-web:"), CRM_EINVAL);
	assert_int_equal(set(f, "helper_services", "a:b:c"), CRM_EINVAL);
	assert_int_equal(set(f, "helper_services", "crm-web:www-data"), 0);
}

static void refuses_unknown_key(void **state)
{
	struct fx *f = *state;

	assert_int_equal(set(f, "minlength", "8"), CRM_EINVAL);
	assert_string_equal(f->err.msg, "unknown key 'minlength'");
}

static void loads_file_with_comments_and_sources(void **state)
{
	struct fx *f = *state;
	char src[300];

	write_file(f->path,
		"# crmpolicy test\n"
		"\n"
		"   minlen=10\n"
		"\thistory   =   5  \r\n"
		"mail_from = ops#1@example.com\n"
		"  # indented comment\n"
		"minlen = 11\n", 0644);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), 0);
	assert_int_equal(f->probs.n, 0);
	/* A key given twice: the last one wins. */
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 11);
	snprintf(src, sizeof(src), "%s:7", f->path);
	assert_string_equal(f->cfg.source[CRM_K_MINLEN], src);
	assert_int_equal(f->cfg.num[CRM_K_HISTORY], 5);
	/* Only whole-line comments: '#' inside a value is kept. */
	assert_string_equal(f->cfg.str[CRM_K_MAIL_FROM], "ops#1@example.com");
	assert_string_equal(f->cfg.conf_path, f->path);
	assert_string_equal(f->cfg.source[CRM_K_DENY], "default");
}

static void collects_every_bad_line_with_its_number(void **state)
{
	struct fx *f = *state;
	char want[300];

	write_file(f->path,
		"minlen = 10\n"
		"minlen = abc\n"
		"this line has no equals sign\n"
		"no_such_key = 1\n"
		"history = 4\n"
		"= 5\n"
		"mfa = sms\n", 0644);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	assert_int_equal(f->probs.n, 5);
	snprintf(want, sizeof(want), "%s:2: minlen: 'abc' is not a whole number",
		f->path);
	assert_string_equal(f->probs.items[0], want);
	snprintf(want, sizeof(want), "%s:3: ", f->path);
	assert_true(strncmp(f->probs.items[1], want, strlen(want)) == 0);
	snprintf(want, sizeof(want), "%s:4: unknown key 'no_such_key'", f->path);
	assert_string_equal(f->probs.items[2], want);
	snprintf(want, sizeof(want), "%s:6: ", f->path);
	assert_true(strncmp(f->probs.items[3], want, strlen(want)) == 0);
	snprintf(want, sizeof(want), "%s:7: mfa: 'sms'", f->path);
	assert_true(strncmp(f->probs.items[4], want, strlen(want)) == 0);
	/* err names the first problem for a one-line log. */
	snprintf(want, sizeof(want), "%s:2:", f->path);
	assert_non_null(strstr(f->err.msg, want));
	assert_non_null(strstr(f->err.msg, "4 more"));
	/* Good lines still apply; the bad one kept the earlier value. */
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 10);
	assert_int_equal(f->cfg.num[CRM_K_HISTORY], 4);
}

static void refuses_overlong_line(void **state)
{
	struct fx *f = *state;
	char *text = malloc(5000 + 64);
	char want[300];

	assert_non_null(text);
	strcpy(text, "minlen = 9\nmail_from = ");
	size_t n = strlen(text);
	memset(text + n, 'a', 4500);
	strcpy(text + n + 4500, "\n");
	write_file(f->path, text, 0644);
	free(text);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	assert_int_equal(f->probs.n, 1);
	snprintf(want, sizeof(want), "%s:2: line longer than", f->path);
	assert_true(strncmp(f->probs.items[0], want, strlen(want)) == 0);
}

static void refuses_maxlen_below_minlen(void **state)
{
	struct fx *f = *state;

	write_file(f->path, "minlen = 20\nmaxlen = 12\n", 0644);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	assert_int_equal(f->probs.n, 1);
	assert_non_null(strstr(f->probs.items[0], "maxlen (12"));
	assert_non_null(strstr(f->probs.items[0], "minlen (20"));
}

static void refuses_symlinked_conf(void **state)
{
	struct fx *f = *state;
	char target[300];

	snprintf(target, sizeof(target), "%s/real.conf", f->dir);
	write_file(target, "minlen = 12\n", 0644);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_not_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), 0);
	assert_non_null(strstr(f->err.msg, "is a symbolic link"));
	assert_non_null(strstr(f->err.msg, f->path));
	assert_true(has_problem(&f->probs, "is a symbolic link"));
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 8);
	/* A symlink is refused even when the file is optional. */
	crm_problems_free(&f->probs);
	crm_problems_init(&f->probs);
	assert_int_not_equal(crm_config_load(&f->cfg, f->path, 0, &f->probs,
		&f->err), 0);
}

static void refuses_group_or_world_writable_conf(void **state)
{
	struct fx *f = *state;

	write_file(f->path, "minlen = 12\n", 0664);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	assert_non_null(strstr(f->err.msg, "writable by group or others"));
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 8);
	assert_int_equal(chmod(f->path, 0646), 0);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	/* The safe mode is accepted. */
	assert_int_equal(chmod(f->path, 0600), 0);
	crm_problems_free(&f->probs);
	crm_problems_init(&f->probs);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), 0);
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 12);
}

static void refuses_conf_owned_by_another_user(void **state)
{
	struct fx *f = *state;

	if (geteuid() != 0)
		skip();
	write_file(f->path, "minlen = 12\n", 0644);
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	assert_non_null(strstr(f->err.msg, "owned by uid 65534"));
}

static void refuses_conf_that_is_not_a_regular_file(void **state)
{
	struct fx *f = *state;

	assert_int_equal(mkdir(f->path, 0755), 0);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	assert_non_null(strstr(f->err.msg, "not a regular file"));
}

static void missing_optional_conf_keeps_defaults(void **state)
{
	struct fx *f = *state;

	assert_int_equal(crm_config_load(&f->cfg, f->path, 0, &f->probs,
		&f->err), 0);
	assert_int_equal(f->probs.n, 0);
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 8);
	assert_null(f->cfg.conf_path);
	assert_int_equal(crm_config_load(&f->cfg, f->path, 1, &f->probs,
		&f->err), CRM_ECONF);
	assert_non_null(strstr(f->err.msg, "does not exist"));
}

static void relative_conf_path_is_an_error(void **state)
{
	struct fx *f = *state;

	assert_int_equal(crm_config_load(&f->cfg, "crmpolicy.conf", 1,
		&f->probs, &f->err), CRM_ECONF);
	assert_non_null(strstr(f->err.msg, "must be absolute"));
	assert_int_equal(crm_config_load(&f->cfg, "crmpolicy.conf", 0,
		&f->probs, &f->err), CRM_ECONF);
}

static void module_arguments_override_the_file(void **state)
{
	struct fx *f = *state;
	char conf[300], src[300];

	write_file(f->path, "minlen = 10\nhistory = 5\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", f->path);
	const char *argv[] = { "preauth", conf, "minlen=14", "debug",
		"ignore_unknown", "use_first_pass" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 6, argv, &f->probs,
		&f->err), 0);
	assert_int_equal(f->probs.n, 0);
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 14);
	assert_string_equal(f->cfg.source[CRM_K_MINLEN], "module argument");
	assert_int_equal(f->cfg.num[CRM_K_HISTORY], 5);
	snprintf(src, sizeof(src), "%s:2", f->path);
	assert_string_equal(f->cfg.source[CRM_K_HISTORY], src);
	assert_int_equal(f->cfg.mode, CRM_MODE_PREAUTH);
	assert_int_equal(f->cfg.opts, CRM_OPT_DEBUG | CRM_OPT_IGNORE_UNKNOWN |
		CRM_OPT_USE_FIRST_PASS);
	assert_string_equal(f->cfg.conf_path, f->path);
}

static void every_mode_word_and_flag_is_known(void **state)
{
	struct fx *f = *state;
	char conf[300];
	const char *modes[] = { "preauth", "authfail", "authsucc", "commit",
		"owned" };
	const enum crm_mode want[] = { CRM_MODE_PREAUTH, CRM_MODE_AUTHFAIL,
		CRM_MODE_AUTHSUCC, CRM_MODE_COMMIT, CRM_MODE_OWNED };

	write_file(f->path, "", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", f->path);
	for (int i = 0; i < 5; i++) {
		const char *argv[] = { conf, modes[i], "silent", "try_first_pass",
			"use_authtok" };
		crm_config_free(&f->cfg);
		assert_int_equal(crm_config_from_args(&f->cfg, 5, argv,
			&f->probs, &f->err), 0);
		assert_int_equal(f->cfg.mode, want[i]);
		assert_int_equal(f->cfg.opts, CRM_OPT_SILENT |
			CRM_OPT_TRY_FIRST_PASS | CRM_OPT_USE_AUTHTOK);
	}
	const char *two[] = { conf, "preauth", "authfail" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 3, two, &f->probs,
		&f->err), CRM_ECONF);
	assert_true(has_problem(&f->probs, "module argument 3 (authfail)"));
}

static void helper_argument_names_an_absolute_path(void **state)
{
	struct fx *f = *state;
	char conf[300];

	write_file(f->path, "", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", f->path);
	const char *ok[] = { conf, "helper=/usr/sbin/crmpolicy_helper" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 2, ok, &f->probs,
		&f->err), 0);
	const char *bad[] = { conf, "helper=crmpolicy_helper" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 2, bad, &f->probs,
		&f->err), CRM_ECONF);
	assert_true(has_problem(&f->probs, "helper must be an absolute path"));
}

static void caller_arguments_take_modes_and_flags_only(void **state)
{
	struct fx *f = *state;
	const char *ok[] = { "authsucc", "debug", "use_first_pass",
		"helper=/usr/sbin/crmpolicy_helper" };

	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_caller_args(&f->cfg, 4, ok,
		&f->probs, &f->err), 0);
	assert_int_equal(f->cfg.mode, CRM_MODE_AUTHSUCC);
	assert_int_equal(f->cfg.opts, CRM_OPT_DEBUG | CRM_OPT_USE_FIRST_PASS);
}

static void caller_arguments_cannot_choose_a_policy(void **state)
{
	struct fx *f = *state;
	char conf[300];

	/* A conf the caller wrote, and keys that would weaken the policy. */
	write_file(f->path, "deny = 0\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", f->path);
	const char *argv[] = { "preauth", conf, "deny=0", "minlen=1" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_caller_args(&f->cfg, 4, argv,
		&f->probs, &f->err), CRM_ECONF);
	assert_int_equal(f->probs.n, 3);
	assert_true(has_problem(&f->probs, "module argument 2 (conf="));
	assert_true(has_problem(&f->probs, "module argument 3 (deny=0): a "
		"service that runs without root takes its settings from "
		CRM_DEFAULT_CONF " only"));
	assert_true(has_problem(&f->probs, "module argument 4 (minlen=1)"));
}

static void reports_unknown_and_bad_arguments(void **state)
{
	struct fx *f = *state;
	char conf[300];

	write_file(f->path, "minlen = 10\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", f->path);
	const char *argv[] = { conf, "bogus", "minlen=abc", "frobnicate=1",
		"deny=5" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 5, argv, &f->probs,
		&f->err), CRM_ECONF);
	assert_int_equal(f->probs.n, 3);
	assert_string_equal(f->probs.items[0],
		"module argument 2 (bogus): unknown option");
	assert_string_equal(f->probs.items[1],
		"module argument 3: minlen: 'abc' is not a whole number");
	assert_string_equal(f->probs.items[2],
		"module argument 4 (frobnicate=1): unknown option");
	/* The bad argument left the file's value, and later ones still apply. */
	assert_int_equal(f->cfg.num[CRM_K_MINLEN], 10);
	assert_int_equal(f->cfg.num[CRM_K_DENY], 5);
	assert_non_null(strstr(f->err.msg, "module argument 2"));
}

static void missing_conf_argument_file_is_an_error(void **state)
{
	struct fx *f = *state;
	char conf[300];

	snprintf(conf, sizeof(conf), "conf=%s/absent.conf", f->dir);
	const char *argv[] = { conf };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 1, argv, &f->probs,
		&f->err), CRM_ECONF);
	assert_true(has_problem(&f->probs, "absent.conf: does not exist"));

	const char *rel[] = { "conf=relative.conf" };
	crm_config_free(&f->cfg);
	crm_problems_free(&f->probs);
	crm_problems_init(&f->probs);
	assert_int_equal(crm_config_from_args(&f->cfg, 1, rel, &f->probs,
		&f->err), CRM_ECONF);
	assert_true(has_problem(&f->probs, "absolute path"));
}

static void module_arguments_checked_together_with_file(void **state)
{
	struct fx *f = *state;
	char conf[300];

	/* The file alone is inconsistent; the argument repairs it. */
	write_file(f->path, "minlen = 20\nmaxlen = 12\n", 0644);
	snprintf(conf, sizeof(conf), "conf=%s", f->path);
	const char *ok[] = { conf, "maxlen=64" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 2, ok, &f->probs,
		&f->err), 0);
	const char *bad[] = { conf, "maxlen=16" };
	crm_config_free(&f->cfg);
	assert_int_equal(crm_config_from_args(&f->cfg, 2, bad, &f->probs,
		&f->err), CRM_ECONF);
	assert_true(has_problem(&f->probs, "is smaller than minlen"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(defaults_follow_the_spec),
		T(key_table_is_complete_and_round_trips),
		T(policy_keys_are_the_per_user_ones),
		T(accepts_whole_numbers_in_range),
		T(refuses_malformed_numbers),
		T(refuses_numbers_out_of_range),
		T(memlimit_takes_bytes_and_suffixes),
		T(booleans_accept_yes_no_words),
		T(enums_map_words_to_their_rank),
		T(classes_are_a_comma_list),
		T(paths_must_be_absolute_and_clean),
		T(strings_refuse_control_characters),
		T(lists_are_normalised_names),
		T(helper_services_are_service_user_pairs),
		T(relative_conf_path_is_an_error),
		T(helper_argument_names_an_absolute_path),
		T(caller_arguments_take_modes_and_flags_only),
		T(caller_arguments_cannot_choose_a_policy),
		T(refuses_unknown_key),
		T(loads_file_with_comments_and_sources),
		T(collects_every_bad_line_with_its_number),
		T(refuses_overlong_line),
		T(refuses_maxlen_below_minlen),
		T(refuses_symlinked_conf),
		T(refuses_group_or_world_writable_conf),
		T(refuses_conf_owned_by_another_user),
		T(refuses_conf_that_is_not_a_regular_file),
		T(missing_optional_conf_keeps_defaults),
		T(module_arguments_override_the_file),
		T(every_mode_word_and_flag_is_known),
		T(reports_unknown_and_bad_arguments),
		T(missing_conf_argument_file_is_an_error),
		T(module_arguments_checked_together_with_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

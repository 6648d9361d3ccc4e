/*
 * Tests of lib/compliance.c: every finding of the compliance report made
 * by the state that calls for it and not made by the state next to it,
 * with the clock moved through ctx.now; the files' owners and modes; the
 * configuration's problems; the backups' age.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "testlib.h"
#include "crmpolicy/admin.h"
#include "crmpolicy/compliance.h"

/* ---- helpers ---- */

/* The finding with code about user (NULL: about no user), or NULL. */
static const struct crm_finding *find(const struct crm_findings *f,
	const char *code, const char *user)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct crm_finding *it = &f->items[i];

		if (strcmp(it->code, code) != 0)
			continue;
		if (user == NULL ? it->user == NULL :
		    it->user != NULL && strcmp(it->user, user) == 0)
			return it;
	}
	return NULL;
}

static void dump(const struct crm_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(stderr, "# %s %s %s: %s\n",
			crm_severity_name(f->items[i].severity),
			f->items[i].code,
			f->items[i].user ? f->items[i].user : "-",
			f->items[i].message);
}

/* Runs the account checks at t's clock into f (which the caller frees). */
static void accounts(struct tenv *t, struct crm_findings *f)
{
	struct crm_error err;

	crm_findings_init(f);
	crm_error_clear(&err);
	if (crm_compliance_accounts(&t->ctx, f, &err) != CRM_OK)
		fail_msg("crm_compliance_accounts: %s", err.msg);
	dump(f);
}

/* Asserts that f holds code about user with severity sev; returns it. */
static const struct crm_finding *expect_finding(const struct crm_findings *f,
	const char *code, const char *user, enum crm_severity sev)
{
	const struct crm_finding *it = find(f, code, user);

	if (it == NULL)
		fail_msg("no %s finding about %s", code, user ? user : "-");
	assert_int_equal(it->severity, sev);
	assert_non_null(it->message);
	if (user != NULL)
		assert_non_null(strstr(it->message, user));
	return it;
}

/*
 * An account in good standing at T0: created ten days ago, password
 * changed and last login yesterday. Tests change one field of it.
 */
static void fresh(struct crm_account *a, const char *name)
{
	tenv_blank(a, name);
	a->created = T0 - 10 * DAY;
	a->pw_changed = T0 - DAY;
	a->last_login = T0 - DAY;
}

static void insert(struct tenv *t, struct crm_account *a)
{
	struct crm_error err;

	if (crm_account_insert(t->ctx.db, a, &err) != CRM_OK)
		fail_msg("insert %s: %s", a->name, err.msg);
}

static void add_fresh(struct tenv *t, const char *name)
{
	struct crm_account a;

	fresh(&a, name);
	insert(t, &a);
}

static void user_policy(struct tenv *t, const char *user, const char *kv)
{
	struct crm_error err;
	const char *set[] = { kv };

	if (crm_admin_policy_set(&t->ctx, "user", user, set, 1, &err) !=
	    CRM_OK)
		fail_msg("policy set %s: %s", kv, err.msg);
}

static void conf_set(struct tenv *t, const char *key, const char *value)
{
	struct crm_error err;

	if (crm_config_set(&t->cfg, key, value, "test", &err) != CRM_OK)
		fail_msg("conf %s: %s", key, err.msg);
}

/*
 * nobody's password lives in /etc/shadow, as old as the system: the tests
 * about it are not about its age.
 */
static void no_shadow_age(struct tenv *t)
{
	conf_set(t, "max_age_days", "0");
}

/* ---- the list ---- */

static void counts_findings_by_severity(void **state)
{
	struct crm_findings f;

	(void)state;
	crm_findings_init(&f);
	assert_int_equal(crm_findings_add(&f, CRM_SEV_WARNING, "expired",
		"alice", NULL, "%s %d", "a", 1), CRM_OK);
	assert_int_equal(crm_findings_add(&f, CRM_SEV_CRITICAL, "config",
		NULL, "/etc/x", "b"), CRM_OK);
	assert_int_equal(crm_findings_add(&f, CRM_SEV_WARNING, "locked",
		"bob", NULL, "c"), CRM_OK);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.critical, 1);
	assert_int_equal(f.warnings, 2);
	assert_string_equal(f.items[0].message, "a 1");
	assert_string_equal(f.items[1].file, "/etc/x");
	assert_null(f.items[1].user);
	assert_string_equal(crm_severity_name(CRM_SEV_CRITICAL), "critical");
	assert_string_equal(crm_severity_name(CRM_SEV_WARNING), "warning");
	crm_findings_free(&f);
	assert_int_equal(f.n, 0);
	assert_int_equal(f.critical, 0);
}

/* ---- accounts ---- */

static void account_in_good_standing_has_no_finding(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	add_fresh(t, "alice");
	accounts(t, &f);
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
}

static void expired_password_is_a_warning(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "old");
	a.pw_changed = T0 - 91 * DAY;
	insert(t, &a);
	add_fresh(t, "young");
	accounts(t, &f);
	expect_finding(&f, "expired", "old", CRM_SEV_WARNING);
	assert_null(find(&f, "expired", "young"));
	assert_null(find(&f, "expiring", "young"));
	crm_findings_free(&f);
}

static void expiry_follows_the_clock(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	/* Changed a day before T0: expires at T0 + 89 days, warned 7 before. */
	add_fresh(t, "alice");
	t->ctx.now = T0 + 81 * DAY;
	accounts(t, &f);
	assert_null(find(&f, "expiring", "alice"));
	crm_findings_free(&f);
	t->ctx.now = T0 + 83 * DAY;
	accounts(t, &f);
	expect_finding(&f, "expiring", "alice", CRM_SEV_WARNING);
	assert_non_null(strstr(find(&f, "expiring", "alice")->message,
		"6 days"));
	assert_null(find(&f, "expired", "alice"));
	crm_findings_free(&f);
	t->ctx.now = T0 + 89 * DAY;
	accounts(t, &f);
	expect_finding(&f, "expired", "alice", CRM_SEV_WARNING);
	assert_null(find(&f, "expiring", "alice"));
	crm_findings_free(&f);
}

static void no_expiry_without_max_age(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "alice");
	a.pw_changed = T0 - 400 * DAY;
	insert(t, &a);
	user_policy(t, "alice", "max_age_days=0");
	accounts(t, &f);
	assert_null(find(&f, "expired", "alice"));
	assert_null(find(&f, "expiring", "alice"));
	crm_findings_free(&f);
}

static void must_change_is_a_warning_instead_of_expiry(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "reset");
	a.must_change = 1;
	a.pw_changed = T0 - 100 * DAY;
	insert(t, &a);
	add_fresh(t, "changed");
	accounts(t, &f);
	expect_finding(&f, "must_change", "reset", CRM_SEV_WARNING);
	/* The forced change already covers the expiry. */
	assert_null(find(&f, "expired", "reset"));
	assert_null(find(&f, "must_change", "changed"));
	crm_findings_free(&f);
}

static void locked_account_is_a_warning(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "locked");
	a.failures = 3;
	a.first_fail = a.last_fail = a.locked_at = T0 - 60;
	insert(t, &a);
	fresh(&a, "failing");
	a.failures = 2;		/* below deny = 3 */
	a.first_fail = a.last_fail = T0 - 60;
	insert(t, &a);
	accounts(t, &f);
	expect_finding(&f, "locked", "locked", CRM_SEV_WARNING);
	assert_non_null(strstr(find(&f, "locked", "locked")->message,
		"crmpasswd user unlock locked"));
	assert_null(find(&f, "locked", "failing"));
	crm_findings_free(&f);
}

static void lock_that_lifts_by_itself_is_gone_when_it_has(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "alice");
	a.failures = 3;
	a.first_fail = a.last_fail = a.locked_at = T0;
	insert(t, &a);
	user_policy(t, "alice", "unlock_time=600");
	t->ctx.now = T0 + 599;
	accounts(t, &f);
	expect_finding(&f, "locked", "alice", CRM_SEV_WARNING);
	crm_findings_free(&f);
	t->ctx.now = T0 + 600;
	accounts(t, &f);
	assert_null(find(&f, "locked", "alice"));
	crm_findings_free(&f);
}

static void near_inactivity_limit_is_a_warning(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	/* inactive_days 30, warn_days 7: disabled in 5 days. */
	fresh(&a, "near");
	a.created = T0 - 100 * DAY;
	a.last_login = T0 - 25 * DAY;
	insert(t, &a);
	fresh(&a, "far");
	a.created = T0 - 100 * DAY;
	a.last_login = T0 - 20 * DAY;
	insert(t, &a);
	accounts(t, &f);
	expect_finding(&f, "near_inactive", "near", CRM_SEV_WARNING);
	assert_non_null(strstr(find(&f, "near_inactive", "near")->message,
		"5 days"));
	assert_null(find(&f, "near_inactive", "far"));
	assert_null(find(&f, "inactive", "far"));
	crm_findings_free(&f);
}

static void past_inactivity_limit_is_inactive(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	add_fresh(t, "alice");
	t->ctx.now = T0 + 28 * DAY;
	accounts(t, &f);
	expect_finding(&f, "near_inactive", "alice", CRM_SEV_WARNING);
	assert_null(find(&f, "inactive", "alice"));
	crm_findings_free(&f);
	t->ctx.now = T0 + 29 * DAY;
	accounts(t, &f);
	expect_finding(&f, "inactive", "alice", CRM_SEV_WARNING);
	assert_null(find(&f, "near_inactive", "alice"));
	crm_findings_free(&f);
}

static void root_is_never_inactive(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "root");
	a.created = a.last_login = T0 - 300 * DAY;
	insert(t, &a);
	fresh(&a, "alice");
	a.created = a.last_login = T0 - 300 * DAY;
	insert(t, &a);
	accounts(t, &f);
	assert_null(find(&f, "inactive", "root"));
	assert_null(find(&f, "near_inactive", "root"));
	expect_finding(&f, "inactive", "alice", CRM_SEV_WARNING);
	crm_findings_free(&f);
}

static void disabled_for_inactivity_is_reported_admin_disable_is_not(
	void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "idle");
	a.disabled = 1;
	a.disabled_at = T0 - DAY;
	snprintf(a.disabled_reason, sizeof(a.disabled_reason), "inactive");
	insert(t, &a);
	/* Disabled by an admin, and expired: nothing, it cannot log in. */
	fresh(&a, "gone");
	a.disabled = 1;
	a.disabled_at = T0 - DAY;
	a.pw_changed = T0 - 200 * DAY;
	snprintf(a.disabled_reason, sizeof(a.disabled_reason), "admin");
	insert(t, &a);
	accounts(t, &f);
	expect_finding(&f, "inactive", "idle", CRM_SEV_WARNING);
	for (size_t i = 0; i < f.n; i++)
		assert_true(f.items[i].user == NULL ||
			strcmp(f.items[i].user, "gone") != 0);
	crm_findings_free(&f);
}

static void never_used_account_is_a_warning(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "unused");
	a.last_login = 0;
	a.created = T0 - 7 * DAY;
	insert(t, &a);
	fresh(&a, "new");
	a.last_login = 0;
	a.created = T0 - 6 * DAY;
	insert(t, &a);
	add_fresh(t, "used");
	accounts(t, &f);
	expect_finding(&f, "never_used", "unused", CRM_SEV_WARNING);
	assert_null(find(&f, "never_used", "new"));
	assert_null(find(&f, "never_used", "used"));
	crm_findings_free(&f);
	/* A day later "new" has waited warn_days too. */
	t->ctx.now = T0 + DAY;
	accounts(t, &f);
	expect_finding(&f, "never_used", "new", CRM_SEV_WARNING);
	crm_findings_free(&f);
}

static void required_totp_missing_is_critical(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	add_fresh(t, "alice");
	add_fresh(t, "bob");
	add_fresh(t, "carol");
	user_policy(t, "alice", "mfa=totp");
	user_policy(t, "bob", "mfa=totp");
	tenv_enroll(t, "bob", NULL);
	accounts(t, &f);
	expect_finding(&f, "no_second_factor", "alice", CRM_SEV_CRITICAL);
	assert_null(find(&f, "no_second_factor", "bob"));
	assert_null(find(&f, "no_second_factor", "carol"));
	crm_findings_free(&f);
}

/* mfa=any: TOTP or a verified address will do; neither is critical. */
static void any_factor_missing_is_critical(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_error e;

	add_fresh(t, "alice");
	add_fresh(t, "bob");
	add_fresh(t, "carol");
	user_policy(t, "alice", "mfa=any");
	user_policy(t, "bob", "mfa=any");
	user_policy(t, "carol", "mfa=any");
	tenv_enroll(t, "bob", NULL);
	assert_int_equal(crm_admin_user_set_email(&t->ctx, "carol",
		"carol@example.com", 1, &e), CRM_OK);
	accounts(t, &f);
	expect_finding(&f, "no_second_factor", "alice", CRM_SEV_CRITICAL);
	assert_null(find(&f, "no_second_factor", "bob"));
	assert_null(find(&f, "no_second_factor", "carol"));
	crm_findings_free(&f);
}

static void required_totp_missing_passes_with_nullok(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	add_fresh(t, "alice");
	user_policy(t, "alice", "mfa=totp");
	user_policy(t, "alice", "mfa_nullok=yes");
	accounts(t, &f);
	assert_null(find(&f, "no_second_factor", "alice"));
	assert_int_equal(f.critical, 0);
	crm_findings_free(&f);
}

static void email_factor_needs_a_verified_address(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_account a;

	fresh(&a, "unverified");
	snprintf(a.email, sizeof(a.email), "u@example.com");
	insert(t, &a);
	fresh(&a, "verified");
	snprintf(a.email, sizeof(a.email), "v@example.com");
	a.email_verified = 1;
	insert(t, &a);
	add_fresh(t, "noaddress");
	user_policy(t, "unverified", "mfa=email");
	user_policy(t, "verified", "mfa=email");
	user_policy(t, "noaddress", "mfa=email");
	accounts(t, &f);
	expect_finding(&f, "no_second_factor", "unverified",
		CRM_SEV_CRITICAL);
	assert_non_null(strstr(find(&f, "no_second_factor",
		"unverified")->message, "email verify --user unverified"));
	expect_finding(&f, "no_second_factor", "noaddress",
		CRM_SEV_CRITICAL);
	assert_non_null(strstr(find(&f, "no_second_factor",
		"noaddress")->message, "user set noaddress --email"));
	assert_null(find(&f, "no_second_factor", "verified"));
	crm_findings_free(&f);
}

/* nobody's primary group on Debian is nogroup (65534); see test_admin. */
static void admin_without_second_factor_is_critical(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	conf_set(t, "admin_group", "nogroup");
	add_fresh(t, "nobody");
	no_shadow_age(t);
	add_fresh(t, "alice");		/* not an NSS account at all */
	accounts(t, &f);
	expect_finding(&f, "admin_without_mfa", "nobody", CRM_SEV_CRITICAL);
	assert_non_null(strstr(find(&f, "admin_without_mfa",
		"nobody")->message, "nogroup"));
	assert_null(find(&f, "admin_without_mfa", "alice"));
	crm_findings_free(&f);
}

static void admin_with_totp_enrolled_is_not_reported(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	conf_set(t, "admin_group", "nogroup");
	add_fresh(t, "nobody");
	no_shadow_age(t);
	user_policy(t, "nobody", "mfa=any");
	user_policy(t, "nobody", "mfa_nullok=yes");
	/* mfa_nullok lets the unenrolled admin in without a factor. */
	accounts(t, &f);
	expect_finding(&f, "admin_without_mfa", "nobody", CRM_SEV_CRITICAL);
	crm_findings_free(&f);
	tenv_enroll(t, "nobody", NULL);
	accounts(t, &f);
	assert_null(find(&f, "admin_without_mfa", "nobody"));
	assert_int_equal(f.critical, 0);
	crm_findings_free(&f);
}

static void admin_enrolled_but_policy_asks_none_is_reported(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	conf_set(t, "admin_group", "nogroup");
	add_fresh(t, "nobody");
	no_shadow_age(t);
	tenv_enroll(t, "nobody", NULL);
	accounts(t, &f);
	expect_finding(&f, "admin_without_mfa", "nobody", CRM_SEV_CRITICAL);
	assert_non_null(strstr(find(&f, "admin_without_mfa",
		"nobody")->message, "mfa = none"));
	crm_findings_free(&f);
}

static void no_admin_findings_without_admin_group(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	add_fresh(t, "nobody");
	no_shadow_age(t);
	accounts(t, &f);
	assert_null(find(&f, "admin_without_mfa", "nobody"));
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
}

static void bad_policy_override_is_an_account_error(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	add_fresh(t, "alice");
	add_fresh(t, "bob");
	/* A row no `policy set` would write: the module refuses alice. */
	tenv_exec_ok(t, "INSERT INTO policy(scope, target, key, value) "
		"VALUES ('user', 'alice', 'minlen', 'abc')");
	accounts(t, &f);
	expect_finding(&f, "account_error", "alice", CRM_SEV_CRITICAL);
	assert_null(find(&f, "account_error", "bob"));
	crm_findings_free(&f);
}

/* ---- configuration ---- */

static void config_problems_are_critical(void **state)
{
	struct crm_problems probs;
	struct crm_findings f;
	struct crm_error err;

	(void)state;
	crm_problems_init(&probs);
	crm_findings_init(&f);
	crm_error_clear(&err);
	assert_int_equal(crm_compliance_config(&probs, 0, &err, &f), CRM_OK);
	assert_int_equal(f.n, 0);
	assert_int_equal(crm_problems_add(&probs, "/x.conf:3: bad minlen"),
		CRM_OK);
	assert_int_equal(crm_problems_add(&probs, "/x.conf:4: bad deny"),
		CRM_OK);
	assert_int_equal(crm_compliance_config(&probs, CRM_ECONF, &err, &f),
		CRM_OK);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.critical, 2);
	assert_string_equal(f.items[0].code, "config");
	assert_string_equal(f.items[1].message, "/x.conf:4: bad deny");
	crm_findings_free(&f);
	crm_problems_free(&probs);
}

static void unreadable_config_is_one_critical_finding(void **state)
{
	struct crm_problems probs;
	struct crm_findings f;
	struct crm_error err;

	(void)state;
	crm_problems_init(&probs);
	crm_findings_init(&f);
	crm_error_set(&err, CRM_EIO, "/x.conf: cannot open: denied");
	assert_int_equal(crm_compliance_config(&probs, CRM_EIO, &err, &f),
		CRM_OK);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.items[0].severity, CRM_SEV_CRITICAL);
	assert_string_equal(f.items[0].message, "/x.conf: cannot open: denied");
	crm_findings_free(&f);
}

/* ---- files ---- */

/* The file checks of t's conf, its backup directory under t's directory. */
static void files(struct tenv *t, struct crm_findings *f)
{
	struct crm_error err;

	crm_findings_init(f);
	if (crm_compliance_files(&t->cfg, t->conf, f, &err) != CRM_OK)
		fail_msg("crm_compliance_files: %s", err.msg);
	dump(f);
}

static void file_setup(struct tenv *t)
{
	char path[512];

	tenv_key(t, NULL);
	snprintf(path, sizeof(path), "%s/backups", t->dir);
	conf_set(t, "backup_dir", path);
}

static void safe_files_have_no_finding(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	char path[512];

	file_setup(t);
	/* A missing backup directory is the backup check's business. */
	files(t, &f);
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
	snprintf(path, sizeof(path), "%s/backups", t->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	files(t, &f);
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
}

/* A fleet's store is no file of this host: none is looked for. */
static void a_postgresql_store_is_no_missing_file(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	file_setup(t);
	conf_set(t, "db", "postgresql://crm@db.example.test/crmpolicy");
	files(t, &f);
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
	/* The same name as a path would be a missing store. */
	conf_set(t, "db", "/nonexistent/crmpolicy.db");
	files(t, &f);
	assert_true(f.n >= 1);
	crm_findings_free(&f);
}

static void unsafe_key_mode_is_critical(void **state)
{
	struct tenv *t = *state;
	const char *key = t->cfg.str[CRM_K_KEY_FILE];
	const struct crm_finding *it;
	struct crm_findings f;

	file_setup(t);
	assert_int_equal(chmod(key, 0640), 0);
	files(t, &f);
	it = expect_finding(&f, "unsafe_file", NULL, CRM_SEV_CRITICAL);
	assert_string_equal(it->file, key);
	assert_non_null(strstr(it->message, "0640"));
	assert_int_equal(f.n, 1);
	crm_findings_free(&f);
	/* Not open to others, yet not a mode the module loads a key with. */
	assert_int_equal(chmod(key, 0700), 0);
	files(t, &f);
	it = expect_finding(&f, "unsafe_file", NULL, CRM_SEV_CRITICAL);
	assert_non_null(strstr(it->message, "0700"));
	crm_findings_free(&f);
	assert_int_equal(chmod(key, 0600), 0);
	files(t, &f);
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
}

static void missing_key_is_critical(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	file_setup(t);
	assert_int_equal(unlink(t->cfg.str[CRM_K_KEY_FILE]), 0);
	files(t, &f);
	assert_string_equal(expect_finding(&f, "unsafe_file", NULL,
		CRM_SEV_CRITICAL)->file, t->cfg.str[CRM_K_KEY_FILE]);
	assert_non_null(strstr(f.items[0].message, "crmpasswd init"));
	crm_findings_free(&f);
}

static void store_reached_through_symlink_is_critical(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	char link[512];

	file_setup(t);
	snprintf(link, sizeof(link), "%s/link.db", t->dir);
	assert_int_equal(symlink(t->cfg.str[CRM_K_DB], link), 0);
	conf_set(t, "db", link);
	files(t, &f);
	assert_string_equal(expect_finding(&f, "unsafe_file", NULL,
		CRM_SEV_CRITICAL)->file, link);
	assert_int_equal(f.n, 1);
	crm_findings_free(&f);
}

static void store_open_to_others_is_critical(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;

	TENV_SQLITE_ONLY();
	file_setup(t);
	assert_int_equal(chmod(t->cfg.str[CRM_K_DB], 0604), 0);
	files(t, &f);
	assert_string_equal(expect_finding(&f, "unsafe_file", NULL,
		CRM_SEV_CRITICAL)->file, t->cfg.str[CRM_K_DB]);
	crm_findings_free(&f);
}

static void writable_directories_and_conf_are_critical(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	char path[512];

	TENV_SQLITE_ONLY();
	file_setup(t);
	snprintf(path, sizeof(path), "%s/backups", t->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(chmod(t->conf, 0666), 0);
	assert_int_equal(chmod(t->dir, 0770), 0);
	files(t, &f);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.critical, 3);
	assert_string_equal(f.items[0].file, t->conf);
	assert_string_equal(f.items[1].file, t->dir);
	assert_string_equal(f.items[2].file, path);
	crm_findings_free(&f);
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(chmod(t->conf, 0644), 0);
	assert_int_equal(chmod(t->dir, 0755), 0);
	files(t, &f);
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
}

/* ---- backups ---- */

static void backup_check_off_finds_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_error err;

	file_setup(t);
	conf_set(t, "backup_warn_days", "0");
	crm_findings_init(&f);
	assert_int_equal(crm_compliance_backup(&t->cfg, T0, &f, &err),
		CRM_OK);
	assert_int_equal(f.n, 0);
	crm_findings_free(&f);
}

/* A backup file named as the weekly cycle does, modified at when. */
static void backup_file(struct tenv *t, int64_t when)
{
	struct timeval tv[2] = { { (time_t)when, 0 }, { (time_t)when, 0 } };
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/backups", t->dir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/backups/crmpolicy-mon.db", t->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(utimes(path, tv), 0);
}

static void missing_or_old_backup_is_a_warning(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_error err;

	file_setup(t);
	crm_findings_init(&f);
	assert_int_equal(crm_compliance_backup(&t->cfg, T0, &f, &err),
		CRM_OK);
	expect_finding(&f, "no_backup", NULL, CRM_SEV_WARNING);
	assert_int_equal(f.n, 1);
	crm_findings_free(&f);

	/* backup_warn_days is 2: one day old is fine, two days are not. */
	backup_file(t, T0 - DAY);
	assert_int_equal(crm_compliance_backup(&t->cfg, T0, &f, &err),
		CRM_OK);
	assert_int_equal(f.n, 0);
	assert_int_equal(crm_compliance_backup(&t->cfg, T0 + DAY, &f, &err),
		CRM_OK);
	expect_finding(&f, "old_backup", NULL, CRM_SEV_WARNING);
	assert_int_equal(f.n, 1);
	crm_findings_free(&f);
}

static void unreadable_backup_directory_is_a_warning(void **state)
{
	struct tenv *t = *state;
	struct crm_findings f;
	struct crm_error err;

	/* A file where the directory should be: the age cannot be known. */
	conf_set(t, "backup_dir", t->conf);
	crm_findings_init(&f);
	assert_int_equal(crm_compliance_backup(&t->cfg, T0, &f, &err),
		CRM_OK);
	dump(&f);
	assert_non_null(strstr(expect_finding(&f, "no_backup", NULL,
		CRM_SEV_WARNING)->message, "cannot find the newest backup"));
	crm_findings_free(&f);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_findings_by_severity),
		T(account_in_good_standing_has_no_finding),
		T(expired_password_is_a_warning),
		T(expiry_follows_the_clock),
		T(no_expiry_without_max_age),
		T(must_change_is_a_warning_instead_of_expiry),
		T(locked_account_is_a_warning),
		T(lock_that_lifts_by_itself_is_gone_when_it_has),
		T(near_inactivity_limit_is_a_warning),
		T(past_inactivity_limit_is_inactive),
		T(root_is_never_inactive),
		T(disabled_for_inactivity_is_reported_admin_disable_is_not),
		T(never_used_account_is_a_warning),
		T(required_totp_missing_is_critical),
		T(any_factor_missing_is_critical),
		T(required_totp_missing_passes_with_nullok),
		T(email_factor_needs_a_verified_address),
		T(admin_without_second_factor_is_critical),
		T(admin_with_totp_enrolled_is_not_reported),
		T(admin_enrolled_but_policy_asks_none_is_reported),
		T(no_admin_findings_without_admin_group),
		T(bad_policy_override_is_an_account_error),
		cmocka_unit_test(config_problems_are_critical),
		cmocka_unit_test(unreadable_config_is_one_critical_finding),
		T(safe_files_have_no_finding),
		T(a_postgresql_store_is_no_missing_file),
		T(unsafe_key_mode_is_critical),
		T(missing_key_is_critical),
		T(store_reached_through_symlink_is_critical),
		T(store_open_to_others_is_critical),
		T(writable_directories_and_conf_are_critical),
		T(backup_check_off_finds_nothing),
		T(missing_or_old_backup_is_a_warning),
		T(unreadable_backup_directory_is_a_warning),
	};

	return cmocka_run_group_tests_name("compliance", tests, NULL, NULL);
}

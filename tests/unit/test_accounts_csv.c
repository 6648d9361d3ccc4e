/*
 * Tests of lib/accounts_csv.c: the import refusing every kind of bad row
 * with its line and writing nothing, accepting good files with their
 * temporary passwords, hashes, duplicates, updates and RFC 4180 quoting;
 * the export holding nothing secret; an export imported back.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "testlib.h"
#include "crmpolicy/accounts_csv.h"
#include "crmpolicy/admin.h"
#include "crmpolicy/csv.h"
#include "crmpolicy/lockout.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/utf8.h"

#define GOOD_PW "Tr1cky!Pass"

/* What one import did: its return code, problems, counts, passwords. */
struct run {
	int rc;			/* of prepare, else of apply */
	struct crm_problems probs;
	struct crm_import_counts counts;
	struct crm_error err;
	char pwpath[400];	/* DIR/passwords-XXXXXX, "" when none was made */
	struct crm_csv pw;	/* its records, header first */
};

static void run_free(struct run *r)
{
	crm_problems_free(&r->probs);
	crm_csv_free(&r->pw);
}

/*
 * Imports text into t's store the way crmpasswd does: prepare, a new
 * 0600 file when temporary passwords are needed, apply.
 */
static void import_text(struct tenv *t, const char *text,
	enum crm_on_duplicate dup, struct run *r)
{
	struct crm_import *imp = NULL;
	struct crm_csv csv;
	struct crm_error e;
	int fd = -1;

	memset(r, 0, sizeof(*r));
	crm_problems_init(&r->probs);
	assert_int_equal(crm_csv_parse(text, strlen(text), &csv, &e), CRM_OK);
	r->rc = crm_import_prepare(&t->ctx, &csv, dup, &imp, &r->counts,
		&r->probs, &r->err);
	crm_csv_free(&csv);
	if (r->rc != CRM_OK) {
		assert_null(imp);
		return;
	}
	assert_int_equal(r->probs.n, 0);
	if (crm_import_temporary(imp) > 0) {
		/* A new file of mode 0600, as crmpasswd makes it. */
		snprintf(r->pwpath, sizeof(r->pwpath), "%s/passwords-XXXXXX",
			t->dir);
		fd = mkstemp(r->pwpath);
		assert_true(fd >= 0);
	}
	r->rc = crm_import_apply(&t->ctx, imp, "accounts.csv", fd, &r->counts,
		&r->err);
	crm_import_free(imp);
	if (fd >= 0) {
		assert_int_equal(close(fd), 0);
		if (r->rc == CRM_OK)
			assert_int_equal(crm_csv_read(r->pwpath, &r->pw, &e),
				CRM_OK);
	}
}

/* 1 if some problem contains what. */
static int has_problem(const struct run *r, const char *what)
{
	for (size_t i = 0; i < r->probs.n; i++)
		if (strstr(r->probs.items[i], what) != NULL)
			return 1;
	return 0;
}

static void dump_problems(const struct run *r)
{
	for (size_t i = 0; i < r->probs.n; i++)
		print_message("problem: %s\n", r->probs.items[i]);
}

static long long count(struct tenv *t, const char *sql)
{
	return tenv_query_int(t, sql, NULL, NULL);
}

static int exists(struct tenv *t, const char *user)
{
	struct crm_account a;
	struct crm_error e;

	return crm_account_get(t->ctx.db, user, &a, &e) == CRM_OK;
}

static int member(struct tenv *t, const char *group, const char *user)
{
	return tenv_query_int(t, "SELECT count(*) FROM members m"
		" JOIN groups g ON g.id = m.group_id"
		" JOIN accounts a ON a.id = m.account_id"
		" WHERE g.name = ?1 AND a.name = ?2", group, user) == 1;
}

/* The user's own mfa override, "" when there is none (static buffer). */
static int mfa_row(void *arg, const char *key, const char *value)
{
	if (strcmp(key, "mfa") == 0)
		snprintf(arg, 32, "%s", value);
	return 0;
}

static const char *mfa_of(struct tenv *t, const char *user)
{
	static char v[32];
	struct crm_error e;

	v[0] = '\0';
	if (crm_policy_row_foreach(t->ctx.db, "user", user, mfa_row, v, &e)
			!= CRM_OK)
		fail_msg("policy rows of %s: %s", user, e.msg);
	return v;
}

/* The temporary password of user in r's passwords file, or NULL. */
static const char *password_of(const struct run *r, const char *user)
{
	for (size_t i = 1; i < r->pw.n; i++)
		if (r->pw.row[i].n == 2 &&
		    strcmp(r->pw.row[i].field[0], user) == 0)
			return r->pw.row[i].field[1];
	return NULL;
}

/* A user-level mfa override, as user set --mfa makes it. */
static void set_mfa(struct tenv *t, const char *user, const char *mfa)
{
	const char *one[1];
	char assign[32];
	struct crm_error e;

	snprintf(assign, sizeof(assign), "mfa=%s", mfa);
	one[0] = assign;
	if (crm_admin_policy_set(&t->ctx, "user", user, one, 1, &e) != CRM_OK)
		fail_msg("policy set %s: %s", user, e.msg);
}

static void add_user(struct tenv *t, const char *user, const char *email,
	const char *group, const char *pw)
{
	const char *groups[1] = { group };
	struct crm_error e;
	unsigned rules = 0;

	if (crm_admin_user_add(&t->ctx, user, email, groups, group ? 1 : 0,
	    pw, &rules, &e) != CRM_OK)
		fail_msg("user add %s: %s", user, e.msg);
}

/* ---- a good import ---- */

static void imports_accounts_with_groups_mfa_and_state(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct run r;

	import_text(t, "username,email,groups,mfa,state\r\n"
		"alice,alice@example.com,staff sales,totp,active\r\n"
		"bob,,ops,,disabled\r\n", CRM_DUP_REFUSE, &r);
	dump_problems(&r);
	assert_int_equal(r.rc, CRM_OK);
	assert_int_equal(r.counts.added, 2);
	assert_int_equal(r.counts.temporary, 2);
	tenv_get(t, "alice", &a);
	assert_string_equal(a.email, "alice@example.com");
	assert_int_equal(a.email_verified, 0);
	assert_int_equal(a.disabled, 0);
	assert_int_equal(a.origin, CRM_ORIGIN_ADMIN);
	assert_int_equal(a.created, T0);
	assert_true(member(t, "staff", "alice"));
	assert_true(member(t, "sales", "alice"));
	assert_string_equal(mfa_of(t, "alice"), "totp");
	tenv_get(t, "bob", &a);
	assert_int_equal(a.disabled, 1);
	assert_string_equal(a.disabled_reason, "admin");
	assert_true(member(t, "ops", "bob"));
	assert_string_equal(mfa_of(t, "bob"), "");
	/* One user.add per account, the import with its counts, by the actor. */
	assert_int_equal(tenv_count_events(t, "user.add", "alice"), 1);
	assert_int_equal(tenv_count_events(t, "user.add", "bob"), 1);
	assert_int_equal(tenv_count_events(t, "disable", "bob"), 1);
	assert_true(tenv_has_event(t, "import", "", "file=accounts.csv "
		"added=2 updated=0 skipped=0 temporary=2"));
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE event IN"
		" ('user.add', 'import') AND actor <> 'tester'"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE event ="
		" 'group.add'"), 3);
	run_free(&r);
}

static void temporary_passwords_work_and_must_be_changed(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	struct stat st;
	struct run r;
	const char *users[] = { "alice", "bob" };

	import_text(t, "username\nalice\nbob\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_OK);
	assert_int_equal(stat(r.pwpath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(r.pw.n, 3);
	assert_string_equal(r.pw.row[0].field[0], "username");
	assert_string_equal(r.pw.row[0].field[1], "password");
	for (size_t i = 0; i < 2; i++) {
		const char *pw = password_of(&r, users[i]);
		unsigned failed = ~0u;

		assert_non_null(pw);
		tenv_get(t, users[i], &a);
		assert_int_equal(crm_pwhash_verify(a.pw_hash, pw), 1);
		assert_int_equal(crm_pwhash_verify(a.pw_hash, "wrong"), 0);
		assert_int_equal(a.must_change, 1);
		assert_int_equal(a.pw_changed, T0);
		assert_true(strlen(pw) >= 16);
		assert_int_equal(crm_utf8_classes(pw), CRM_CLASS_ALL);
		tenv_resolve(t, users[i], &pol);
		assert_int_equal(crm_quality_check(&pol, users[i], pw, NULL,
			&failed, &e), CRM_OK);
		assert_int_equal(failed, 0);
		/* Never in the audit trail. */
		assert_int_equal(tenv_query_int(t, tenv_pg() ?
			"SELECT count(*) FROM audit WHERE strpos(details, ?1) > 0" :
			"SELECT count(*) FROM audit WHERE instr(details, ?1) > 0",
			pw, NULL), 0);
	}
	assert_string_not_equal(password_of(&r, "alice"),
		password_of(&r, "bob"));
	assert_true(tenv_has_event(t, "user.add", "alice",
		"password=temporary"));
	run_free(&r);
}

static void temporary_password_meets_the_groups_policy(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "minlen=24" };
	struct crm_error e;
	struct run r;

	assert_int_equal(crm_admin_group_add(&t->ctx, "strict", &e), CRM_OK);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "group", "strict", set,
		1, &e), CRM_OK);
	import_text(t, "username,groups\ncarol,strict\ndave,\n",
		CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_OK);
	assert_true(strlen(password_of(&r, "carol")) >= 24);
	assert_int_equal(strlen(password_of(&r, "dave")), 16);
	run_free(&r);
}

static void password_hash_is_imported_as_given(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error e;
	char hash[CRM_HASH_MAX], text[512];
	struct run r;

	assert_int_equal(crm_pwhash_make(&t->cfg, GOOD_PW, hash, &e), CRM_OK);
	/* "m=8,t=1,p=1": a hash has commas, so it is quoted. */
	snprintf(text, sizeof(text), "USERNAME,Password_Hash\nerin,\"%s\"\n",
		hash);
	import_text(t, text, CRM_DUP_REFUSE, &r);
	dump_problems(&r);
	assert_int_equal(r.rc, CRM_OK);
	assert_int_equal(r.counts.temporary, 0);
	assert_string_equal(r.pwpath, "");
	tenv_get(t, "erin", &a);
	assert_string_equal(a.pw_hash, hash);
	assert_int_equal(crm_pwhash_verify(a.pw_hash, GOOD_PW), 1);
	/* The owner's own password, not one an administrator knows. */
	assert_int_equal(a.must_change, 0);
	assert_true(tenv_has_event(t, "user.add", "erin", "password=hash"));
	assert_int_equal(tenv_query_int(t, tenv_pg() ?
		"SELECT count(*) FROM audit WHERE strpos(details, ?1) > 0" :
		"SELECT count(*) FROM audit WHERE instr(details, ?1) > 0",
		hash, NULL), 0);
	run_free(&r);
}

static void refuses_a_hash_that_is_not_argon2id(void **state)
{
	struct tenv *t = *state;
	struct run r;

	import_text(t, "username,password_hash\n"
		"u1,\"$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo\"\n"
		"u2,$argon2id$garbage\n"
		"u3,$6$salt$SECRETCRYPT\n"
		"u4,\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_true(has_problem(&r, "line 2: password_hash:"));
	assert_true(has_problem(&r, "line 3: password_hash:"));
	assert_true(has_problem(&r, "line 4: password_hash:"));
	assert_false(has_problem(&r, "line 5:"));
	/* A hash is never shown back. */
	assert_false(has_problem(&r, "SECRETCRYPT"));
	assert_false(exists(t, "u4"));
	run_free(&r);
}

/* A dearer hash than the configuration's would be paid at every login. */
static void refuses_a_hash_dearer_than_the_configured_cost(void **state)
{
	struct tenv *t = *state;
	struct run r;

	import_text(t, "username,password_hash\n"
		"dear,\"$argon2id$v=19$m=4194304,t=4000,p=1$c29tZXNhbHQ$"
		"RdescudvJCsgt3ub+b+dWRWJTmaaJObG\"\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_true(has_problem(&r, "line 2: password_hash: costs more"));
	assert_false(exists(t, "dear"));
	run_free(&r);
}

/* ---- bad rows ---- */

static void reports_every_bad_field_with_its_line(void **state)
{
	struct tenv *t = *state;
	struct run r;

	import_text(t, "username,email,email_verified,groups,mfa,state\n"
		"good,good@example.com,yes,staff,none,active\n"
		"bad name,,,,,\n"
		"u3,not-an-address,,,,\n"
		"u4,,,ok -bad,,\n"
		"u5,,,,sms,\n"
		"u6,,,,,frozen\n"
		"u7,,maybe,,,\n"
		"u8,,yes,,,\n"
		"u9,too,few\n", CRM_DUP_REFUSE, &r);
	dump_problems(&r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_int_equal(r.probs.n, 8);
	assert_true(has_problem(&r, "line 3: username: invalid user name "
		"\"bad name\""));
	assert_true(has_problem(&r, "line 4: email: invalid e-mail address "
		"\"not-an-address\""));
	assert_true(has_problem(&r, "line 5: groups: invalid group name "
		"\"-bad\""));
	assert_true(has_problem(&r, "line 6: mfa: 'sms' is not one of"));
	assert_true(has_problem(&r, "line 7: state: \"frozen\""));
	assert_true(has_problem(&r, "line 8: email_verified: \"maybe\""));
	assert_true(has_problem(&r, "line 9: email_verified:"));
	assert_true(has_problem(&r, "line 10: 3 fields where the header has 6"));
	assert_false(has_problem(&r, "line 2:"));
	run_free(&r);
}

static void nothing_is_written_when_one_row_is_bad(void **state)
{
	struct tenv *t = *state;
	long long audit;
	struct run r;

	add_user(t, "old", "old@example.com", "keep", NULL);
	audit = count(t, "SELECT count(*) FROM audit");
	import_text(t, "username,email,groups\n"
		"new1,new1@example.com,fresh\n"
		"old,changed@example.com,other\n"
		"new2,bad@@example.com,\n", CRM_DUP_UPDATE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_int_equal(r.probs.n, 1);
	assert_true(has_problem(&r, "line 4: email:"));
	assert_false(exists(t, "new1"));
	assert_false(exists(t, "new2"));
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts"
		" WHERE name = 'old' AND email = 'old@example.com'", NULL,
		NULL), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM groups"), 1);
	assert_true(member(t, "keep", "old"));
	assert_int_equal(count(t, "SELECT count(*) FROM audit"), audit);
	assert_int_equal(count(t, "SELECT count(*) FROM pw_history"), 0);
	run_free(&r);
}

static void refuses_unknown_repeated_and_missing_columns(void **state)
{
	struct tenv *t = *state;
	struct run r;

	import_text(t, "username,nickname,Email,email\nalice,al,,\n",
		CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_true(has_problem(&r, "line 1: unknown column \"nickname\""));
	assert_true(has_problem(&r, "line 1: column email given twice"));
	run_free(&r);

	import_text(t, "email,groups\na@example.com,staff\n", CRM_DUP_REFUSE,
		&r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_true(has_problem(&r, "line 1: no username column"));
	run_free(&r);

	/* The columns of an export are known; spaces around names are fine. */
	import_text(t, "username, created ,last_login\nalice,x,y\n",
		CRM_DUP_REFUSE, &r);
	dump_problems(&r);
	assert_int_equal(r.rc, CRM_OK);
	assert_true(exists(t, "alice"));
	run_free(&r);
}

static void refuses_an_empty_file(void **state)
{
	struct tenv *t = *state;
	struct run r;

	import_text(t, "", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_int_equal(r.probs.n, 0);
	run_free(&r);

	/* A header alone imports nothing, and says so in the trail. */
	import_text(t, "username\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_OK);
	assert_true(tenv_has_event(t, "import", "", "added=0 updated=0"));
	run_free(&r);
}

static void refuses_a_name_given_twice_naming_both_lines(void **state)
{
	struct tenv *t = *state;
	struct run r;

	import_text(t, "username\nalice\nbob\nalice\ncarol\nalice\n",
		CRM_DUP_REFUSE, &r);
	dump_problems(&r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_int_equal(r.probs.n, 2);
	assert_true(has_problem(&r, "line 4: username: alice is also on line 2"));
	assert_true(has_problem(&r, "line 6: username: alice is also on line 2"));
	assert_false(exists(t, "bob"));
	run_free(&r);
}

static void reports_problems_in_line_order(void **state)
{
	struct tenv *t = *state;
	struct run r;

	add_user(t, "dave", NULL, NULL, NULL);
	import_text(t, "username,state\nalice,\nbob,frozen\nalice,\n"
		"dave,\ncarol,frozen\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_int_equal(r.probs.n, 4);
	assert_non_null(strstr(r.probs.items[0], "line 3: state:"));
	assert_non_null(strstr(r.probs.items[1], "line 4: username: alice is "
		"also on line 2"));
	assert_non_null(strstr(r.probs.items[2], "line 5: username: dave is "
		"already in the store"));
	assert_non_null(strstr(r.probs.items[3], "line 6: state:"));
	run_free(&r);
}

/* ---- accounts already in the store ---- */

static void existing_account_is_refused_without_on_duplicate(void **state)
{
	struct tenv *t = *state;
	struct run r;

	add_user(t, "alice", NULL, NULL, NULL);
	import_text(t, "username\nbob\nalice\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_int_equal(r.counts.existing, 1);
	assert_true(has_problem(&r, "line 3: username: alice is already in "
		"the store"));
	assert_false(exists(t, "bob"));
	assert_int_equal(tenv_count_events(t, "import", ""), 0);
	run_free(&r);
}

static void existing_account_is_left_alone_with_skip(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct run r;

	add_user(t, "alice", "alice@example.com", "staff", GOOD_PW);
	import_text(t, "username,email,groups,state\n"
		"alice,other@example.com,ops,disabled\n"
		"bob,bob@example.com,ops,\n", CRM_DUP_SKIP, &r);
	assert_int_equal(r.rc, CRM_OK);
	assert_int_equal(r.counts.added, 1);
	assert_int_equal(r.counts.skipped, 1);
	assert_int_equal(r.counts.updated, 0);
	tenv_get(t, "alice", &a);
	assert_string_equal(a.email, "alice@example.com");
	assert_int_equal(a.disabled, 0);
	assert_int_equal(crm_pwhash_verify(a.pw_hash, GOOD_PW), 1);
	assert_true(member(t, "staff", "alice"));
	assert_false(member(t, "ops", "alice"));
	assert_null(password_of(&r, "alice"));
	assert_non_null(password_of(&r, "bob"));
	assert_int_equal(tenv_count_events(t, "user.change", "alice"), 0);
	assert_true(tenv_has_event(t, "import", "", "added=1 updated=0 "
		"skipped=1"));
	run_free(&r);
}

static void existing_account_is_updated_with_update(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error e;
	char hash[CRM_HASH_MAX], text[768];
	struct run r;

	add_user(t, "alice", "alice@example.com", "staff", GOOD_PW);
	assert_int_equal(crm_admin_user_set_email(&t->ctx, "alice", NULL, 1,
		&e), CRM_OK);
	add_user(t, "bob", "bob@example.com", "staff", GOOD_PW);
	assert_int_equal(crm_admin_user_set_email(&t->ctx, "bob", NULL, 1,
		&e), CRM_OK);
	set_mfa(t, "bob", "totp");
	assert_int_equal(crm_pwhash_make(&t->cfg, "N3w!Password", hash, &e),
		CRM_OK);
	snprintf(text, sizeof(text), "username,email,groups,mfa,state,"
		"password_hash\n"
		"alice,alice2@example.com,\"ops,sales\",email,disabled,\n"
		"bob,bob@example.com,,,,\"%s\"\n", hash);
	import_text(t, text, CRM_DUP_UPDATE, &r);
	dump_problems(&r);
	assert_int_equal(r.rc, CRM_OK);
	assert_int_equal(r.counts.updated, 2);
	assert_int_equal(r.counts.temporary, 0);

	tenv_get(t, "alice", &a);
	assert_string_equal(a.email, "alice2@example.com");
	assert_int_equal(a.email_verified, 0);	/* a new address */
	assert_int_equal(a.disabled, 1);
	assert_int_equal(crm_pwhash_verify(a.pw_hash, GOOD_PW), 1);
	assert_false(member(t, "staff", "alice"));
	assert_true(member(t, "ops", "alice"));
	assert_true(member(t, "sales", "alice"));
	assert_string_equal(mfa_of(t, "alice"), "email");
	/* One more user.change than the set-up's verification. */
	assert_int_equal(tenv_count_events(t, "user.change", "alice"), 2);
	assert_true(tenv_has_event(t, "user.change", "alice", "by=import"));
	assert_int_equal(tenv_count_events(t, "disable", "alice"), 1);
	assert_true(tenv_has_event(t, "policy.change", "alice", "mfa=email"));

	tenv_get(t, "bob", &a);
	assert_int_equal(a.email_verified, 1);	/* the same address */
	assert_string_equal(a.pw_hash, hash);
	assert_int_equal(a.must_change, 1);	/* as the store said */
	assert_false(member(t, "staff", "bob"));
	assert_string_equal(mfa_of(t, "bob"), "");
	assert_int_equal(a.disabled, 0);
	assert_int_equal(tenv_count_events(t, "password.change", "bob"), 1);
	assert_true(tenv_has_event(t, "user.change", "bob", "password=hash"));
	run_free(&r);
}

static void update_leaves_absent_columns_and_locks_alone(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_policy pol;
	struct crm_error e;
	int64_t left;
	struct run r;

	add_user(t, "alice", "alice@example.com", "staff", GOOD_PW);
	set_mfa(t, "alice", "totp");
	assert_int_equal(crm_admin_user_disable(&t->ctx, "alice", &e), CRM_OK);
	tenv_get(t, "alice", &a);
	a.failures = 3;
	a.locked_at = T0;
	assert_int_equal(crm_account_update(t->ctx.db, &a, &e), CRM_OK);

	t->ctx.now = T0 + DAY;
	import_text(t, "username,state\nalice,active\n", CRM_DUP_UPDATE, &r);
	assert_int_equal(r.rc, CRM_OK);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.disabled, 0);
	assert_int_equal(a.enabled_at, T0 + DAY);
	assert_string_equal(a.email, "alice@example.com");
	assert_true(member(t, "staff", "alice"));
	assert_string_equal(mfa_of(t, "alice"), "totp");
	assert_int_equal(tenv_count_events(t, "enable", "alice"), 1);
	/* Only user unlock lifts a lock. */
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, t->ctx.now, &left), 1);
	run_free(&r);
}

/* ---- RFC 4180 ---- */

static void reads_quoted_fields_and_keeps_line_numbers(void **state)
{
	struct tenv *t = *state;
	struct run r;

	/* A quoted group list with a comma and a line break inside. */
	import_text(t, "username,groups\r\n"
		"\"o\"\"brien\",\"a,b\r\nc\"\r\n"
		"bad name,x\r\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_EINVAL);
	assert_int_equal(r.probs.n, 1);
	assert_true(has_problem(&r, "line 4: username:"));
	run_free(&r);

	import_text(t, "username,groups\r\n"
		"\"o\"\"brien\",\"a,b\r\nc\"\r\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_OK);
	assert_true(exists(t, "o\"brien"));
	assert_true(member(t, "a", "o\"brien"));
	assert_true(member(t, "b", "o\"brien"));
	assert_true(member(t, "c", "o\"brien"));
	/* The passwords file quotes the name, and reads back as it was. */
	assert_non_null(password_of(&r, "o\"brien"));
	run_free(&r);
}

static void mfa_goes_through_the_key_parser(void **state)
{
	struct tenv *t = *state;
	struct run r;

	import_text(t, "username,mfa\nalice,TOTP\nbob,Any\n", CRM_DUP_REFUSE,
		&r);
	assert_int_equal(r.rc, CRM_OK);
	assert_string_equal(mfa_of(t, "alice"), "totp");
	assert_string_equal(mfa_of(t, "bob"), "any");
	run_free(&r);
}

static void lang_is_imported_and_an_unknown_one_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct run r;

	import_text(t, "username,lang\nalice,cs\nbob,\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_OK);
	tenv_get(t, "alice", &a);
	assert_string_equal(a.lang, "cs");
	tenv_get(t, "bob", &a);
	assert_string_equal(a.lang, "");
	run_free(&r);
	/* An unknown language names its line and column; nothing is added. */
	import_text(t, "username,lang\ncarol,ja\ndave,klingon\n",
		CRM_DUP_REFUSE, &r);
	assert_int_not_equal(r.rc, CRM_OK);
	assert_true(has_problem(&r, "line 3: lang:"));
	assert_false(has_problem(&r, "line 2:"));
	assert_false(exists(t, "carol"));
	run_free(&r);
}

static void verified_needs_an_address_and_sets_it(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct run r;

	import_text(t, "username,email,email_verified\n"
		"alice,alice@example.com,yes\nbob,,no\n", CRM_DUP_REFUSE, &r);
	assert_int_equal(r.rc, CRM_OK);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.email_verified, 1);
	run_free(&r);
}

/* ---- the store changing under an import ---- */

static void apply_refuses_an_account_added_since_prepare(void **state)
{
	struct tenv *t = *state;
	struct crm_import *imp = NULL;
	struct crm_import_counts n;
	struct crm_problems probs;
	struct crm_error e;
	struct crm_csv csv;
	struct stat st;
	char path[400];
	const char *text = "username\nalice\nbob\n";
	long long audit;
	int fd;

	crm_problems_init(&probs);
	assert_int_equal(crm_csv_parse(text, strlen(text), &csv, &e), CRM_OK);
	assert_int_equal(crm_import_prepare(&t->ctx, &csv, CRM_DUP_REFUSE,
		&imp, &n, &probs, &e), CRM_OK);
	crm_csv_free(&csv);
	add_user(t, "bob", NULL, NULL, NULL);
	audit = count(t, "SELECT count(*) FROM audit");
	snprintf(path, sizeof(path), "%s/pw", t->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(crm_import_apply(&t->ctx, imp, "f.csv", fd, &n, &e),
		CRM_EEXIST);
	assert_non_null(strstr(e.msg, "line 3"));
	close(fd);
	/* Nothing written, and no password left for accounts that are not. */
	assert_false(exists(t, "alice"));
	assert_int_equal(count(t, "SELECT count(*) FROM audit"), audit);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* Temporary passwords need somewhere to go. */
	assert_int_equal(crm_import_apply(&t->ctx, imp, "f.csv", -1, &n, &e),
		CRM_EINVAL);
	assert_false(exists(t, "alice"));
	crm_import_free(imp);
	crm_problems_free(&probs);
}

/* ---- export ---- */

/* CSV text gathered in memory. */
struct out {
	char *text;
	size_t len;
	FILE *f;
	long long n;
};

/* Writes each row as export --csv does. */
static int put_row(void *arg, const struct crm_user_row *row)
{
	struct out *o = arg;
	char created[32], last[32];

	snprintf(created, sizeof(created), "%lld", (long long)row->created);
	snprintf(last, sizeof(last), "%lld", (long long)row->last_login);
	const char *f[CRM_EXPORT_COLS] = { row->name, row->email,
		row->email_verified ? "yes" : "no", row->groups, row->mfa,
		row->state, created, row->last_login ? last : "", row->lang };
	crm_csv_put_row(o->f, f, CRM_EXPORT_COLS);
	o->n++;
	return 0;
}

/* The export of t's store as CSV text with the header row (malloc'd). */
static char *export_csv(struct tenv *t, long long *rows)
{
	const char *header[CRM_EXPORT_COLS];
	struct crm_error e;
	struct out o;

	memset(&o, 0, sizeof(o));
	o.f = open_memstream(&o.text, &o.len);
	assert_non_null(o.f);
	for (int i = 0; i < CRM_EXPORT_COLS; i++)
		header[i] = crm_user_column((enum crm_user_col)i);
	crm_csv_put_row(o.f, header, CRM_EXPORT_COLS);
	assert_int_equal(crm_export_users(&t->ctx, "csv", put_row, &o, rows,
		&e), CRM_OK);
	assert_int_equal(*rows, o.n);
	assert_int_equal(fclose(o.f), 0);
	return o.text;
}

/* The export without the created column, which a new store sets anew. */
static char *export_comparable(struct tenv *t)
{
	long long rows;
	char *text = export_csv(t, &rows), *out = calloc(1, strlen(text) + 1);
	struct crm_csv csv;
	struct crm_error e;
	size_t used = 0;

	assert_non_null(out);
	assert_int_equal(crm_csv_parse(text, strlen(text), &csv, &e), CRM_OK);
	for (size_t i = 0; i < csv.n; i++)
		for (size_t k = 0; k < csv.row[i].n; k++)
			if (k != CRM_COL_CREATED)
				used += (size_t)sprintf(out + used, "%s%c",
					csv.row[i].field[k],
					k + 1 == csv.row[i].n ? '\n' : '|');
	crm_csv_free(&csv);
	free(text);
	return out;
}

static void export_lists_accounts_without_secrets(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error e;
	long long rows = 0;
	char *text;

	add_user(t, "alice", "alice@example.com", "staff", GOOD_PW);
	add_user(t, "bob", NULL, "ops", GOOD_PW);
	add_user(t, "carol", NULL, NULL, GOOD_PW);
	assert_int_equal(crm_admin_member_add(&t->ctx, "ops", "alice", &e),
		CRM_OK);
	set_mfa(t, "bob", "email");
	assert_int_equal(crm_admin_user_disable(&t->ctx, "carol", &e), CRM_OK);
	tenv_get(t, "bob", &a);
	a.failures = 3;
	a.locked_at = T0;
	assert_int_equal(crm_account_update(t->ctx.db, &a, &e), CRM_OK);
	tenv_enroll(t, "alice", NULL);
	assert_int_equal(crm_admin_user_set_lang(&t->ctx, "alice", "cs", &e),
		CRM_OK);

	text = export_csv(t, &rows);
	assert_int_equal(rows, 3);
	assert_string_equal(text,
		"username,email,email_verified,groups,mfa,state,created,"
		"last_login,lang\r\n"
		"alice,alice@example.com,no,\"ops,staff\",,active,1767225600,,"
		"cs\r\n"
		"bob,,no,ops,email,locked,1767225600,,\r\n"
		"carol,,no,,,disabled,1767225600,,\r\n");
	assert_null(strstr(text, "$argon2"));
	assert_true(tenv_has_event(t, "export", "", "what=users rows=3 "
		"format=csv"));
	free(text);
	assert_int_equal(crm_export_users(&t->ctx, "c;sv", put_row, NULL,
		&rows, &e), CRM_EINVAL);
}

static void export_then_import_reproduces_the_accounts(void **state)
{
	struct tenv *t = *state, *t2 = tenv_new(NULL);
	struct crm_error e;
	char *text, *before, *after, *again;
	long long rows;
	struct run r;

	add_user(t, "alice", "alice@example.com", "staff", GOOD_PW);
	assert_int_equal(crm_admin_user_set_email(&t->ctx, "alice", NULL, 1,
		&e), CRM_OK);
	add_user(t, "bob", "bob@example.com", "ops", GOOD_PW);
	assert_int_equal(crm_admin_member_add(&t->ctx, "staff", "bob", &e),
		CRM_OK);
	add_user(t, "o\"brien,jr", NULL, NULL, NULL);
	set_mfa(t, "bob", "totp");
	assert_int_equal(crm_admin_user_disable(&t->ctx, "bob", &e), CRM_OK);
	before = export_comparable(t);

	text = export_csv(t, &rows);
	import_text(t2, text, CRM_DUP_REFUSE, &r);
	dump_problems(&r);
	assert_int_equal(r.rc, CRM_OK);
	assert_int_equal(r.counts.added, 3);
	run_free(&r);
	after = export_comparable(t2);
	assert_string_equal(after, before);

	/* The same file over the same accounts changes nothing. */
	import_text(t, text, CRM_DUP_UPDATE, &r);
	assert_int_equal(r.rc, CRM_OK);
	assert_int_equal(r.counts.updated, 3);
	run_free(&r);
	again = export_comparable(t);
	assert_string_equal(again, before);
	free(text);
	free(before);
	free(after);
	free(again);
	tenv_free(t2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(imports_accounts_with_groups_mfa_and_state),
		T(temporary_passwords_work_and_must_be_changed),
		T(temporary_password_meets_the_groups_policy),
		T(password_hash_is_imported_as_given),
		T(refuses_a_hash_that_is_not_argon2id),
		T(refuses_a_hash_dearer_than_the_configured_cost),
		T(reports_every_bad_field_with_its_line),
		T(nothing_is_written_when_one_row_is_bad),
		T(refuses_unknown_repeated_and_missing_columns),
		T(refuses_an_empty_file),
		T(refuses_a_name_given_twice_naming_both_lines),
		T(reports_problems_in_line_order),
		T(existing_account_is_refused_without_on_duplicate),
		T(existing_account_is_left_alone_with_skip),
		T(existing_account_is_updated_with_update),
		T(update_leaves_absent_columns_and_locks_alone),
		T(reads_quoted_fields_and_keeps_line_numbers),
		T(mfa_goes_through_the_key_parser),
		T(lang_is_imported_and_an_unknown_one_refused),
		T(verified_needs_an_address_and_sets_it),
		T(apply_refuses_an_account_added_since_prepare),
		T(export_lists_accounts_without_secrets),
		T(export_then_import_reproduces_the_accounts),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

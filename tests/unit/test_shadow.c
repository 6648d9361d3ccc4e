/*
 * Unit tests of lib/shadow.c: a user's /etc/shadow entry (last change and
 * hash) read through NSS, an absent entry, and a caller that may not read
 * shadow, for whom there is simply no entry. Throwaway system accounts.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crmpolicy/pwhash.h"
#include "crmpolicy/shadow.h"

#define PW "Sh4dow!Pass"

struct fx {
	char name[64];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tenv_sysuser_name(f->name, sizeof(f->name), "s");
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	tenv_sysuser_del(f->name);
	free(f);
	return 0;
}

static void reads_last_change_and_hash(void **state)
{
	struct fx *f = *state;
	struct crm_shadow sp;
	struct crm_error e;

	tenv_sysuser_add(f->name, PW, T0 - 3 * DAY);
	assert_int_equal(crm_shadow_get(f->name, &sp, &e), CRM_OK);
	assert_true(sp.found);
	assert_int_equal(sp.lstchg, (T0 - 3 * DAY) / DAY);
	assert_memory_equal(sp.hash, "$y$", 3);
	assert_true(crm_pwhash_verify(sp.hash, PW));
	crm_shadow_wipe(&sp);
	assert_int_equal(sp.hash[0], '\0');
}

static void forced_change_is_last_change_zero(void **state)
{
	struct fx *f = *state;
	struct crm_shadow sp;
	struct crm_error e;

	tenv_sysuser_add(f->name, NULL, 0);
	assert_int_equal(crm_shadow_get(f->name, &sp, &e), CRM_OK);
	assert_true(sp.found);
	assert_int_equal(sp.lstchg, 0);
	/* useradd leaves the password locked. */
	assert_int_equal(sp.hash[0], '!');
	assert_false(crm_pwhash_verify(sp.hash, ""));
}

static void no_entry_is_not_found(void **state)
{
	struct crm_shadow sp;
	struct crm_error e;

	(void)state;
	assert_int_equal(crm_shadow_get("no-such-user-crmtest", &sp, &e),
		CRM_OK);
	assert_false(sp.found);
	assert_int_equal(sp.lstchg, -1);
	assert_string_equal(sp.hash, "");
}

static void unreadable_shadow_is_no_entry(void **state)
{
	struct fx *f = *state;
	struct crm_shadow sp;
	struct crm_error e;
	int status;
	pid_t pid;

	tenv_sysuser_add(f->name, PW, T0 - 3 * DAY);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* nobody cannot open /etc/shadow: not found, not an error. */
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		if (crm_shadow_get(f->name, &sp, &e) != CRM_OK)
			_exit(3);
		_exit(sp.found || sp.hash[0] != '\0' ? 4 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void verifies_a_password_against_shadow(void **state)
{
	struct fx *f = *state;
	struct crm_error e;
	int found = 0, ok = 1;

	assert_int_equal(crm_shadow_verify(f->name, PW, &found, &ok, &e), CRM_OK);
	assert_false(found);
	assert_false(ok);
	tenv_sysuser_add(f->name, PW, T0 - 3 * DAY);
	assert_int_equal(crm_shadow_verify(f->name, PW, &found, &ok, &e), CRM_OK);
	assert_true(found);
	assert_true(ok);
	assert_int_equal(crm_shadow_verify(f->name, "Wr0ng!Pass", &found, &ok,
		&e), CRM_OK);
	assert_true(found);
	assert_false(ok);
	assert_int_equal(crm_shadow_verify(f->name, NULL, &found, &ok, &e),
		CRM_OK);
	assert_false(ok);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reads_last_change_and_hash),
		T(forced_change_is_last_change_zero),
		T(no_entry_is_not_found),
		T(unreadable_shadow_is_no_entry),
		T(verifies_a_password_against_shadow),
	};

	return cmocka_run_group_tests_name("shadow", tests, NULL, NULL);
}

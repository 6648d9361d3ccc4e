/*
 * Tests of lib/key.c: the key file is refused unless it is a regular,
 * unlinked file owned by root (or us), mode 0600/0400, of exactly 32
 * bytes; subkeys differ by purpose and are stable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "crmpolicy/key.h"

struct kenv {
	char dir[64];
	char path[128];
	struct crm_config cfg;
};

static int setup(void **state)
{
	struct kenv *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	strcpy(k->dir, "/tmp/crmkey.XXXXXX");
	assert_non_null(mkdtemp(k->dir));
	snprintf(k->path, sizeof(k->path), "%s/crmpolicy.key", k->dir);
	k->cfg.str[CRM_K_KEY_FILE] = k->path;
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct kenv *k = *state;
	char other[160];

	unlink(k->path);
	snprintf(other, sizeof(other), "%s/real.key", k->dir);
	unlink(other);
	rmdir(k->dir);
	free(k);
	return 0;
}

/* Writes n bytes of value fill to path with mode. */
static void write_key(const char *path, size_t n, int fill, mode_t mode)
{
	unsigned char buf[64];
	int fd;

	memset(buf, fill, sizeof(buf));
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void assert_refused(struct kenv *k, const char *why)
{
	unsigned char key[CRM_KEY_BYTES];
	struct crm_error err = { 0 };

	memset(key, 0x5a, sizeof(key));
	assert_int_equal(crm_key_load(&k->cfg, key, &err), CRM_EKEY);
	assert_int_equal(err.code, CRM_EKEY);
	assert_non_null(strstr(err.msg, k->path));
	if (why)
		assert_non_null(strstr(err.msg, why));
	/* Nothing of a refused file is left in the buffer. */
	for (size_t i = 0; i < sizeof(key); i++)
		assert_int_equal(key[i], 0);
}

static void refuses_missing_key_file(void **state)
{
	assert_refused(*state, "No such file");
}

static void refuses_symlinked_key_file(void **state)
{
	struct kenv *k = *state;
	char real[160];

	snprintf(real, sizeof(real), "%s/real.key", k->dir);
	write_key(real, CRM_KEY_BYTES, 7, 0600);
	assert_int_equal(symlink(real, k->path), 0);
	assert_refused(k, "symlink");
}

static void refuses_group_or_other_readable_key_file(void **state)
{
	struct kenv *k = *state;

	write_key(k->path, CRM_KEY_BYTES, 7, 0640);
	assert_refused(k, "0640");
	write_key(k->path, CRM_KEY_BYTES, 7, 0604);
	assert_refused(k, "0604");
	write_key(k->path, CRM_KEY_BYTES, 7, 0700);
	assert_refused(k, "0700");
}

static void refuses_key_file_of_wrong_size(void **state)
{
	struct kenv *k = *state;

	write_key(k->path, CRM_KEY_BYTES - 1, 7, 0600);
	assert_refused(k, "32-byte");
	write_key(k->path, CRM_KEY_BYTES + 1, 7, 0600);
	assert_refused(k, "32-byte");
	write_key(k->path, 0, 7, 0600);
	assert_refused(k, "32-byte");
}

static void refuses_directory_as_key_file(void **state)
{
	struct kenv *k = *state;

	k->cfg.str[CRM_K_KEY_FILE] = k->dir;
	strcpy(k->path, k->dir);
	assert_refused(k, NULL);
	snprintf(k->path, sizeof(k->path), "%s/crmpolicy.key", k->dir);
	k->cfg.str[CRM_K_KEY_FILE] = k->path;
}

static void refuses_key_file_owned_by_another_user(void **state)
{
	struct kenv *k = *state;

	if (geteuid() != 0)
		skip();
	write_key(k->path, CRM_KEY_BYTES, 7, 0600);
	assert_int_equal(chown(k->path, 4242, 4242), 0);
	assert_refused(k, "owned");
}

static void refuses_relative_key_path(void **state)
{
	struct kenv *k = *state;
	unsigned char key[CRM_KEY_BYTES];
	struct crm_error err = { 0 };

	k->cfg.str[CRM_K_KEY_FILE] = "crmpolicy.key";
	assert_int_equal(crm_key_load(&k->cfg, key, &err), CRM_EKEY);
	k->cfg.str[CRM_K_KEY_FILE] = k->path;
}

static void loads_key_file_with_mode_0600_or_0400(void **state)
{
	struct kenv *k = *state;
	unsigned char key[CRM_KEY_BYTES], want[CRM_KEY_BYTES];
	struct crm_error err = { 0 };

	memset(want, 0x42, sizeof(want));
	write_key(k->path, CRM_KEY_BYTES, 0x42, 0600);
	assert_int_equal(crm_key_load(&k->cfg, key, &err), 0);
	assert_memory_equal(key, want, sizeof(key));
	write_key(k->path, CRM_KEY_BYTES, 0x42, 0400);
	memset(key, 0, sizeof(key));
	assert_int_equal(crm_key_load(&k->cfg, key, &err), 0);
	assert_memory_equal(key, want, sizeof(key));
}

static void derives_distinct_stable_subkeys_per_purpose(void **state)
{
	unsigned char key[CRM_KEY_BYTES], other[CRM_KEY_BYTES];
	unsigned char a[CRM_KEY_BYTES], a2[CRM_KEY_BYTES], b[CRM_KEY_BYTES],
		c[CRM_KEY_BYTES];

	(void)state;
	memset(key, 1, sizeof(key));
	memset(other, 2, sizeof(other));
	crm_key_derive(key, "totp-seal", a);
	crm_key_derive(key, "totp-seal", a2);
	crm_key_derive(key, "audit-chain", b);
	crm_key_derive(other, "totp-seal", c);
	assert_memory_equal(a, a2, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	/* A subkey is never the master key itself. */
	assert_memory_not_equal(a, key, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refuses_missing_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_symlinked_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_group_or_other_readable_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_key_file_of_wrong_size, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_directory_as_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_key_file_owned_by_another_user, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_relative_key_path, setup, teardown),
		cmocka_unit_test_setup_teardown(loads_key_file_with_mode_0600_or_0400, setup, teardown),
		cmocka_unit_test(derives_distinct_stable_subkeys_per_purpose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

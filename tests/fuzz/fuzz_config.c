/*
 * Fuzz target "config": crmpolicy.conf and the module arguments, through
 * the one grammar of lib/config.c. The input is read as a conf file
 * (crm_config_load), then cut at its line ends and NULs into module
 * arguments (crm_config_from_args, and crm_config_from_caller_args as
 * the setuid helper takes them). Every value a parser took must read
 * back the same from the text crm_key_format makes of it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crmpolicy/config.h"
#include "fuzz.h"

#define ARGS_MAX 64

/*
 * crm_config_load takes a path and checks the descriptor it opens (a
 * regular file of ours, never a link), so the input goes to a file of a
 * private directory, made once and removed at exit.
 */
static char dir[256], conf[300], conf_arg[310];

static void cleanup(void)
{
	unlink(conf);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_tmpdir("config", dir, sizeof(dir)) != 0)
		fuzz_fail("config", "cannot make a temporary directory");
	snprintf(conf, sizeof(conf), "%s/crmpolicy.conf", dir);
	snprintf(conf_arg, sizeof(conf_arg), "conf=%s", conf);
	atexit(cleanup);
	return 0;
}

static int write_conf(const uint8_t *data, size_t size)
{
	int fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return close(fd);
}

/* Every value of cfg, formatted as conf text, parses back to itself. */
static void check_formats(const struct crm_config *cfg)
{
	for (int k = 0; k < CRM_K_COUNT; k++) {
		const struct crm_keyinfo *ki = crm_key_info((enum crm_key)k);
		const char *str = cfg->str[k];
		int text = ki->type == CRM_KT_PATH || ki->type == CRM_KT_STRING ||
			ki->type == CRM_KT_LIST;
		size_t len = (str != NULL ? strlen(str) : 0) + 64;
		struct crm_error err;
		long long num;
		char *buf, *back = NULL;
		int rc;

		/* A text default that could not be kept (out of memory). */
		if (text && str == NULL)
			continue;
		if ((buf = malloc(len)) == NULL)
			return;
		crm_key_format((enum crm_key)k, cfg->num[k], str, buf, len);
		crm_error_clear(&err);
		rc = crm_key_parse((enum crm_key)k, buf, &num, &back, &err);
		if (rc == CRM_ENOMEM) {
			free(buf);
			return;
		}
		if (rc != 0)
			fuzz_fail("config", "a formatted value does not parse");
		if (text ? back == NULL || strcmp(back, str) != 0 :
		    num != cfg->num[k])
			fuzz_fail("config", "a formatted value parses to another");
		free(back);
		free(buf);
	}
}

static void load(const uint8_t *data, size_t size)
{
	struct crm_config cfg;
	struct crm_problems probs;
	struct crm_error err;

	if (write_conf(data, size) != 0)
		return;
	crm_config_init(&cfg);
	crm_problems_init(&probs);
	crm_error_clear(&err);
	if (crm_config_load(&cfg, conf, 1, &probs, &err) == 0)
		check_formats(&cfg);
	crm_problems_free(&probs);
	crm_config_free(&cfg);
}

/*
 * The input cut at its line ends and NUL bytes as module arguments,
 * after a conf= naming the input's file, so that the host's own conf is
 * never read; an absolute conf= of the input names that file too.
 */
static void args(const uint8_t *data, size_t size)
{
	const char *argv[ARGS_MAX + 1];
	struct crm_problems probs;
	struct crm_config cfg;
	struct crm_error err;
	char *copy = malloc(size + 1);
	int argc = 0;

	if (copy == NULL)
		return;
	if (size > 0)
		memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = conf_arg;
	for (size_t at = 0; at < size && argc < ARGS_MAX + 1;) {
		char *p = copy + at;
		size_t n = strcspn(p, "\n");

		p[n] = '\0';
		argv[argc++] = strncmp(p, "conf=/", 6) == 0 ? conf_arg : p;
		at += n + 1;
	}

	crm_problems_init(&probs);
	crm_error_clear(&err);
	if (crm_config_from_args(&cfg, argc, argv, &probs, &err) == 0)
		check_formats(&cfg);
	crm_config_free(&cfg);
	crm_problems_free(&probs);

	crm_problems_init(&probs);
	crm_error_clear(&err);
	if (crm_config_from_caller_args(&cfg, argc, argv, &probs, &err) == 0)
		fuzz_fail("config", "the helper's arguments took a conf=");
	crm_config_free(&cfg);
	crm_problems_free(&probs);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size);
	args(data, size);
	return 0;
}

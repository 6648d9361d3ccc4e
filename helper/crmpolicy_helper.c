/*
 * crmpolicy_helper: setuid root, run by pam_crmpolicy in a process without
 * root (Apache as www-data, a registrar's auth worker). It takes one PAM
 * entry point over the socket on its standard input, runs the same phase
 * flow the module runs in-process (flow.c), relaying every PAM item,
 * prompt and message to the module, and answers only the PAM code.
 *
 * It trusts nothing of its caller but the real uid: settings come from
 * crmpolicy.conf alone, the uid must be bound to the service in
 * helper_services, and every attempt counts as one made in-process.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>
#include <security/pam_appl.h>

#include "crmpolicy/error.h"
#include "../pam_crmpolicy/flow.h"
#include "../pam_crmpolicy/wire.h"

/* Strings handed to the flow live until the helper ends, then are wiped. */
#define KEPT_MAX 256

struct remote {
	int fd;
	int broken;		/* the wire failed: every request fails */
	struct wire_msg msg;	/* the last reply */
	char *kept[KEPT_MAX];
	size_t nkept;
};

static void forget_all(struct remote *rm)
{
	for (size_t i = 0; i < rm->nkept; i++) {
		sodium_memzero(rm->kept[i], strlen(rm->kept[i]));
		free(rm->kept[i]);
	}
	rm->nkept = 0;
	wire_wipe(&rm->msg);
}

/*
 * One request and its reply. *code is the module's PAM code; the answer
 * (or NULL) is in rm->msg.s[0]. Returns -1 when the wire is broken.
 */
static int ask(struct remote *rm, enum wire_op op, int a, const char *s,
	int *code)
{
	const char *strs[1] = { s };

	*code = PAM_CONV_ERR;
	if (rm->broken)
		return -1;
	if (wire_send(rm->fd, op, a, 0, s != NULL ? 1 : 0, strs) != 0 ||
			wire_recv(rm->fd, &rm->msg) != 0 ||
			rm->msg.op != WIRE_REPLY) {
		rm->broken = 1;
		return -1;
	}
	*code = rm->msg.a;
	return 0;
}

/* The reply's string, kept until the end (NULL when none or no room). */
static const char *keep(struct remote *rm)
{
	char *copy;

	if (rm->msg.n == 0 || rm->msg.s[0] == NULL || rm->nkept >= KEPT_MAX)
		return NULL;
	if ((copy = strdup(rm->msg.s[0])) == NULL)
		return NULL;
	rm->kept[rm->nkept++] = copy;
	return copy;
}

static int r_get_user(void *arg, const char **user)
{
	struct remote *rm = arg;
	int code;

	*user = NULL;
	if (ask(rm, WIRE_GET_USER, 0, NULL, &code) != 0)
		return PAM_CONV_ERR;
	if (code == PAM_SUCCESS && (*user = keep(rm)) == NULL)
		return PAM_BUF_ERR;
	return code;
}

static const char *r_item(void *arg, int type)
{
	struct remote *rm = arg;
	int code;

	if (ask(rm, WIRE_ITEM, type, NULL, &code) != 0 || code != PAM_SUCCESS)
		return NULL;
	return keep(rm);
}

static int r_set_item(void *arg, int type, const char *value)
{
	struct remote *rm = arg;
	const char *strs[1] = { value };
	int code;

	/* A NULL value must cross as NULL, not as no string. */
	if (rm->broken)
		return PAM_CONV_ERR;
	if (wire_send(rm->fd, WIRE_SET_ITEM, type, 0, 1, strs) != 0 ||
			wire_recv(rm->fd, &rm->msg) != 0 ||
			rm->msg.op != WIRE_REPLY) {
		rm->broken = 1;
		return PAM_CONV_ERR;
	}
	code = rm->msg.a;
	return code;
}

static int r_get_authtok(void *arg, int type, const char **tok)
{
	struct remote *rm = arg;
	int code;

	*tok = NULL;
	if (ask(rm, WIRE_GET_AUTHTOK, type, NULL, &code) != 0)
		return PAM_CONV_ERR;
	if (code == PAM_SUCCESS && (*tok = keep(rm)) == NULL)
		return PAM_AUTHTOK_ERR;
	return code;
}

static int r_prompt(void *arg, int style, char **answer, const char *text)
{
	struct remote *rm = arg;
	int code;

	*answer = NULL;
	if (ask(rm, WIRE_PROMPT, style, text, &code) != 0)
		return PAM_CONV_ERR;
	if (code == PAM_SUCCESS && rm->msg.n > 0 && rm->msg.s[0] != NULL &&
			(*answer = strdup(rm->msg.s[0])) == NULL)
		return PAM_BUF_ERR;
	return code;
}

static void r_message(void *arg, int style, const char *text)
{
	int code;

	(void)ask(arg, WIRE_MESSAGE, style, text, &code);
}

static char *r_data_get(void *arg, enum pamio_data which)
{
	struct remote *rm = arg;
	int code;

	if (ask(rm, WIRE_DATA_GET, (int)which, NULL, &code) != 0 ||
			code != PAM_SUCCESS || rm->msg.n == 0 || rm->msg.s[0] == NULL)
		return NULL;
	return strdup(rm->msg.s[0]);
}

static int r_data_set(void *arg, enum pamio_data which, const char *value)
{
	struct remote *rm = arg;
	const char *strs[1] = { value };

	if (rm->broken)
		return PAM_CONV_ERR;
	if (wire_send(rm->fd, WIRE_DATA_SET, (int)which, 0, 1, strs) != 0 ||
			wire_recv(rm->fd, &rm->msg) != 0 ||
			rm->msg.op != WIRE_REPLY) {
		rm->broken = 1;
		return PAM_CONV_ERR;
	}
	return rm->msg.a;
}

static const char *r_getenv(void *arg, const char *name)
{
	struct remote *rm = arg;
	int code;

	if (ask(rm, WIRE_GETENV, 0, name, &code) != 0 || code != PAM_SUCCESS)
		return NULL;
	return keep(rm);
}

/* To the module's pam_syslog, and to syslog when the wire is gone. */
static void r_log(void *arg, int priority, const char *msg)
{
	struct remote *rm = arg;
	const char *strs[1] = { msg };

	if (rm->broken || wire_send(rm->fd, WIRE_LOG, priority, 0, 1,
			strs) != 0)
		syslog(LOG_AUTHPRIV | priority, "%s", msg);
}

/*
 * The start of a setuid program: no core file and not dumpable (no ptrace
 * or /proc/PID for the caller) before any secret arrives, standard
 * descriptors that are what they must be, no others, an empty
 * environment, and real ids of root once the caller's uid is known.
 */
static int harden(uid_t *caller, struct crm_error *why)
{
	static const struct rlimit no_core = { 0, 0 };
	struct stat st;

	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (fstat(0, &st) != 0 || !S_ISSOCK(st.st_mode) || isatty(0))
		return crm_error_set(why, CRM_EPERM, "standard input is not "
			"the module's socket: this program is run by pam_crmpolicy");
	for (int fd = 1; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return crm_error_set(why, CRM_EIO, "cannot open /dev/null");
	closefrom(3);
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin",
			1) != 0)
		return crm_error_set(why, CRM_EIO, "cannot reset the environment");
	umask(077);
	*caller = getuid();
	if (geteuid() != 0)
		return crm_error_set(why, CRM_EPERM, "crmpolicy_helper is not "
			"setuid root");
	/* The sendmail child and libraries see plain root, not a mix. */
	if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 ||
			setresuid(0, 0, 0) != 0)
		return crm_error_set(why, CRM_EPERM, "cannot take root's ids: %s",
			strerror(errno));
	/* A change of effective ids sets it back to fs.suid_dumpable. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return CRM_OK;
}

int main(void)
{
	static struct remote rm;
	const struct pamio io = {
		.arg = &rm,
		.get_user = r_get_user,
		.item = r_item,
		.set_item = r_set_item,
		.get_authtok = r_get_authtok,
		.prompt = r_prompt,
		.message = r_message,
		.data_get = r_data_get,
		.data_set = r_data_set,
		.getenv = r_getenv,
		.log = r_log,
	};
	static struct wire_msg start;
	const char *argv[WIRE_ARGS];
	struct flow_caller who = { -1, 1 };
	struct crm_error why;
	uid_t caller = (uid_t)-1;
	int code = PAM_AUTHINFO_UNAVAIL;

	openlog("crmpolicy_helper", LOG_PID, LOG_AUTHPRIV);
	crm_error_clear(&why);
	rm.fd = 0;
	if (harden(&caller, &why) != CRM_OK) {
		syslog(LOG_ERR, "refusing uid %ld: %s", (long)getuid(), why.msg);
		if (why.code == CRM_EPERM && caller != (uid_t)-1)
			r_log(&rm, LOG_ERR, why.msg);
		goto done;
	}
	if (wire_recv(0, &start) != 0 || start.op != WIRE_START ||
			start.n > WIRE_ARGS || start.a < 0 ||
			start.a >= PAMIO_ENTRY_COUNT) {
		syslog(LOG_ERR, "refusing uid %ld: no valid request", (long)caller);
		return 1;
	}
	for (size_t i = 0; i < start.n; i++) {
		argv[i] = start.s[i];
		if (argv[i] == NULL) {
			syslog(LOG_ERR, "refusing uid %ld: a NULL module argument",
				(long)caller);
			return 1;
		}
	}
	who.uid = (long)caller;
	code = crm_flow_run(&io, (enum pamio_entry)start.a, start.b,
		(int)start.n, argv, &who);
done:
	if (!rm.broken)
		(void)wire_send(rm.fd, WIRE_DONE, code, 0, 0, NULL);
	forget_all(&rm);
	wire_wipe(&start);
	closelog();
	return code == PAM_SUCCESS ? 0 : 1;
}

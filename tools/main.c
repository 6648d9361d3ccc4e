/*
 * crmpasswd: the setuid-root command. Starts the way a privileged program
 * must (not dumpable, no core file, descriptors, umask, scrubbed
 * environment), learns who runs it, loads the configuration and
 * dispatches to one command family.
 *
 * Exit codes (crmpasswd(1) documents these):
 *   0  success
 *   1  other failure: no such user or group, already exists, passwords do
 *      not match
 *   2  usage error: unknown command or option, missing or invalid argument
 *      or value (bad name, bad e-mail, unknown policy key, bad KEY=VALUE)
 *   3  permission denied: not root or admin_group, --conf without root,
 *      wrong current password
 *   4  policy rejection: the new password breaks a rule
 *   5  store, configuration or key unavailable
 * check has its own (cmd_check.c): 0 clean, 1 warnings, 2 critical.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/utf8.h"
#include "output.h"

#ifndef CRM_LOCALEDIR
#define CRM_LOCALEDIR "/usr/share/locale"
#endif
#ifndef CRM_VERSION
#define CRM_VERSION "unknown"
#endif

extern char **environ;

/* Who may run a command family. */
enum need {
	NEED_SELF,	/* anyone; the command narrows it (status USER) */
	NEED_ADMIN,	/* root or admin_group */
	NEED_ROOT,
};

/*
 * The command families. A new family adds one row here and one
 * cmd_<family>.c file.
 */
static const struct command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	enum need need;
	const char *usage;
} commands[] = {
	{ "status", cmd_status, NEED_SELF, N_("status [USER] [--json]") },
	{ "user", cmd_user, NEED_ADMIN,
	  N_("user add USER [--email E] [--group G]... [--password-stdin]\n"
	     "user del|disable|enable|unlock|expire USER\n"
	     "user set USER [--email E [--verified]] "
	     "[--mfa none|totp|email|any] [--lang LANG]\n"
	     "user list [--json]") },
	{ "passwd", cmd_passwd, NEED_ADMIN,
	  N_("passwd USER [--password-stdin]") },
	{ "group", cmd_group, NEED_ADMIN,
	  N_("group add|del GROUP\n"
	     "group list [--json]\n"
	     "group member add|del GROUP USER") },
	{ "policy", cmd_policy, NEED_ADMIN,
	  N_("policy show [--user U|--group G] [--explain] [--json]\n"
	     "policy set (--group G|--user U|--global) KEY=VALUE...") },
	{ "rule", cmd_rule, NEED_ADMIN,
	  N_("rule list [--json|--csv]\n"
	     "rule add NAME --network CIDR|ADDRESS|any|local "
	     "--action allow|deny|disabled\n"
	     "         [--scope all|group:G|user:U] [--service S[,S...]] "
	     "[--priority N] [--force]\n"
	     "rule del NAME [--force]\n"
	     "rule move NAME --priority N [--force]\n"
	     "rule default allow|deny [--force]\n"
	     "rule test USER IP [--service S] [--json]") },
	{ "blocked", cmd_blocked, NEED_ADMIN,
	  N_("blocked list [--json|--csv]\n"
	     "blocked clear IP") },
	{ "logins", cmd_logins, NEED_SELF,
	  N_("logins [USER] [--since T] [--until T] [--failed] [--json|--csv]") },
	{ "knownip", cmd_knownip, NEED_ADMIN,
	  N_("knownip list [--user U] [--json|--csv]\n"
	     "knownip delete --user U IP") },
	{ "totp", cmd_totp, NEED_SELF,
	  N_("totp enroll [--user U] [--password-stdin]\n"
	     "totp disable [--password-stdin]\n"
	     "totp reset USER") },
	{ "email", cmd_email, NEED_SELF,
	  N_("email verify [--user U] [--password-stdin]\n"
	     "email confirm [--user U] [--password-stdin]") },
	{ "audit", cmd_audit, NEED_ADMIN,
	  N_("audit [--user U] [--event E] [--since T] [--until T] "
	     "[--json|--csv]\n"
	     "audit verify [--json]\n"
	     "audit prune") },
	{ "export", cmd_export, NEED_ADMIN, N_("export users [--csv|--json]") },
	{ "import", cmd_import, NEED_ADMIN,
	  N_("import FILE.csv [--on-duplicate skip|update] "
	     "[--passwords-to PATH] [--json]") },
	{ "init", cmd_init, NEED_ROOT, N_("init") },
	{ "check", cmd_check, NEED_ADMIN, N_("check [--json]") },
	{ "backup", cmd_backup, NEED_ADMIN,
	  N_("backup [--to DIR] [--json]\n"
	     "backup verify FILE [--json]") },
	{ "restore", cmd_restore, NEED_ADMIN, N_("restore FILE [--json]") },
	{ "migrate", cmd_migrate, NEED_ROOT,
	  N_("migrate --to postgresql://HOST/DB|CONNINFO|PATH [--json]") },
};

/* ---- messages and exit codes ---- */

int cli_exit_code(int code)
{
	switch (code) {
	case CRM_OK:
		return CLI_OK;
	case CRM_EINVAL:
		return CLI_USAGE;
	case CRM_EPERM:
		return CLI_PERM;
	case CRM_EPOLICY:
		return CLI_POLICY;
	case CRM_ECONF:
	case CRM_ESTORE:
	case CRM_EKEY:
		return CLI_UNAVAIL;
	default:
		return CLI_FAIL;
	}
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	/* What was printed before the error comes before it in a pipe too. */
	fflush(stdout);
	fputs("crmpasswd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_fail(const struct crm_error *err)
{
	char msg[CRM_ERROR_MAX];

	crm_printable(err->msg[0] ? err->msg : crm_error_name(err->code), msg,
		sizeof(msg));
	return cli_error(cli_exit_code(err->code), "%s", msg);
}

int cli_deny(const char *what)
{
	return cli_error(CLI_PERM, _("permission denied: %s"), what);
}

/* Prints each line of a usage text (one line per form) after lead. */
static void usage_lines(FILE *f, const char *lead, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		fprintf(f, "%s crmpasswd %.*s\n", lead, (int)n, text);
		text += n + (text[n] == '\n');
		lead = "      ";
	}
}

static void usage_all(FILE *f)
{
	usage_lines(f, _("usage:"), _("[--password-stdin]    change your own "
		"password"));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		usage_lines(f, "      ", _(commands[i].usage));
	fprintf(f, "%s\n", _("Global options: --conf PATH (root only), "
		"--json."));
}

int cli_usage(const char *family)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, family) == 0) {
			usage_lines(stderr, _("usage:"), _(commands[i].usage));
			return CLI_USAGE;
		}
	usage_all(stderr);
	return CLI_USAGE;
}

int cli_bad_option(const char *family, char *const *argv, int opt)
{
	extern int optind, optopt;
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (opt == ':')
		cli_error(CLI_USAGE, _("option %s needs a value"), arg);
	else
		cli_error(CLI_USAGE, _("unknown option %s"), arg);
	return cli_usage(family);
}

void cli_print_rules(struct cli *c, const char *user, unsigned rules)
{
	struct crm_policy pol;
	struct crm_error err;
	char msg[256];

	if (crm_policy_resolve(&c->ctx, user, &pol, &err) != 0 &&
	    crm_policy_resolve_global(&c->ctx, &pol, &err) != 0)
		memset(&pol, 0, sizeof(pol));
	for (unsigned i = 0; i < CRM_PW_RULE_COUNT; i++) {
		if ((rules & (1u << i)) == 0)
			continue;
		crm_quality_message(1u << i, &pol, msg, sizeof(msg));
		cli_error(CLI_POLICY, _("password refused: %s"), msg);
	}
}

/* ---- the store ---- */

static void log_syslog(void *arg, int priority, const char *msg)
{
	(void)arg;
	syslog(LOG_AUTHPRIV | priority, "%s", msg);
}

int cli_open(struct cli *c, int flags)
{
	struct crm_error err;

	crm_error_clear(&err);
	if (cli_open_err(c, flags, &err) != 0)
		return cli_fail(&err);
	return 0;
}

int cli_open_err(struct cli *c, int flags, struct crm_error *err)
{
	int rc;

	rc = crm_ctx_open(&c->ctx, &c->cfg, flags, err);
	if (rc != 0) {
		crm_ctx_close(&c->ctx);
		return rc;
	}
	c->opened = 1;
	c->ctx.actor = c->actor;
	c->ctx.caller_uid = c->uid;
	c->ctx.service = "crmpasswd";
	c->ctx.rhost = c->rhost[0] ? c->rhost : NULL;
	c->ctx.tty = c->tty[0] ? c->tty : NULL;
	c->ctx.log = log_syslog;
	c->ctx.log_arg = NULL;
	return 0;
}

/* ---- a privileged start ---- */

/*
 * No core file and no ptrace or /proc/PID access for the caller while
 * passwords, codes and TOTP secrets are in memory. The kernel sets
 * dumpability back to fs.suid_dumpable at every change of effective ids,
 * so each such change is followed by another call.
 */
void cli_no_dump(void)
{
	static const struct rlimit none = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/*
 * Descriptors: nothing inherited beyond 0-2, and 0-2 open, so that a file
 * we open can never become someone's stdout or stderr.
 */
static void sane_descriptors(void)
{
	closefrom(3);
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int nfd = open("/dev/null", O_RDWR);

		if (nfd != fd)
			_exit(CLI_UNAVAIL);
	}
	umask(077);
}

static int sane_chars(const char *v, const char *extra, size_t max)
{
	size_t n = strlen(v);

	if (n == 0 || n > max || strstr(v, "..") != NULL)
		return 0;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && strchr(extra, *v) == NULL)
			return 0;
	return 1;
}

/* "ADDR PORT ADDR PORT" with addresses of hex digits, '.', ':' and '%'. */
static int sane_ssh_connection(const char *v)
{
	char copy[256], *save = NULL;
	int n = 0;

	if (strlen(v) >= sizeof(copy))
		return 0;
	snprintf(copy, sizeof(copy), "%s", v);
	for (char *w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save), n++) {
		if (n >= 4)
			return 0;
		if (n % 2 == 1) {
			if (strspn(w, "0123456789") != strlen(w) ||
			    strlen(w) > 5)
				return 0;
		} else if (!sane_chars(w, ".:%", 64)) {
			return 0;
		}
	}
	return n == 4;
}

/*
 * A setuid program must not trust its caller's environment: keep a fixed
 * PATH and only values of the locale, TERM and SSH_CONNECTION that look
 * like what they claim to be.
 */
static void scrub_environment(void)
{
	static const char *const keep[] = { "LANG", "LANGUAGE", "TERM",
		"SSH_CONNECTION" };
	char *saved[64];
	size_t n = 0;

	for (char **e = environ; e != NULL && *e != NULL && n < 64; e++) {
		const char *eq = strchr(*e, '=');
		int ok = 0;

		if (eq == NULL)
			continue;
		size_t klen = (size_t)(eq - *e);
		const char *v = eq + 1;

		if (klen > 3 && strncmp(*e, "LC_", 3) == 0)
			ok = sane_chars(v, "_.@-", 64);
		for (size_t i = 0; !ok && i < sizeof(keep) / sizeof(keep[0]);
		     i++) {
			if (strlen(keep[i]) != klen ||
			    strncmp(*e, keep[i], klen) != 0)
				continue;
			if (strcmp(keep[i], "TERM") == 0)
				ok = sane_chars(v, "_.+-", 64);
			else if (strcmp(keep[i], "SSH_CONNECTION") == 0)
				ok = sane_ssh_connection(v);
			else if (strcmp(keep[i], "LANGUAGE") == 0)
				ok = sane_chars(v, "_.@:-", 128);
			else
				ok = sane_chars(v, "_.@-", 64);
		}
		if (ok && (saved[n] = strdup(*e)) != NULL)
			n++;
	}
	clearenv();
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	for (size_t i = 0; i < n; i++)
		if (putenv(saved[i]) != 0)
			free(saved[i]);
}

/* Fills who runs us: real uid, user name, where from. */
static void learn_caller(struct cli *c)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	const char *ssh = getenv("SSH_CONNECTION");

	c->uid = (long)getuid();
	c->root = c->uid == 0;
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && crm_name_valid(pw.pw_name))
		snprintf(c->self, sizeof(c->self), "%s", pw.pw_name);
	if (c->self[0])
		snprintf(c->actor, sizeof(c->actor), "%s", c->self);
	else
		snprintf(c->actor, sizeof(c->actor), "uid %ld", c->uid);
	if (ssh != NULL) {
		size_t n = strcspn(ssh, " ");

		if (n < sizeof(c->rhost)) {
			memcpy(c->rhost, ssh, n);
			c->rhost[n] = '\0';
		}
		if (!crm_rhost_valid(c->rhost))
			c->rhost[0] = '\0';
	}
	if (ttyname_r(STDIN_FILENO, c->tty, sizeof(c->tty)) != 0)
		c->tty[0] = '\0';
}

/*
 * Takes the global options (--conf PATH, --conf=PATH, --json) out of argv
 * wherever they stand before a "--"; returns the count left, or -1.
 */
static int take_globals(struct cli *c, int argc, char **argv)
{
	int out = 0, i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--json") == 0) {
			c->json = 1;
		} else if (strcmp(argv[i], "--conf") == 0) {
			if (i + 1 >= argc) {
				cli_error(CLI_USAGE,
					_("option --conf needs a value"));
				return -1;
			}
			c->conf = argv[++i];
		} else if (strncmp(argv[i], "--conf=", 7) == 0) {
			c->conf = argv[i] + 7;
		} else {
			argv[out++] = argv[i];
		}
	}
	for (; i < argc; i++)
		argv[out++] = argv[i];
	argv[out] = NULL;
	return out;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int run(struct cli *c, int argc, char **argv)
{
	const struct command *cmd;
	char what[128];
	int rc;

	if (c->conf != NULL && !c->root)
		return cli_error(CLI_PERM, _("only root may use --conf"));
	/* No command, or only --password-stdin: the caller's own password. */
	if (argc == 0 || argv[0][0] == '-') {
		if (argc > 0 && (strcmp(argv[0], "--help") == 0 ||
		    strcmp(argv[0], "-h") == 0)) {
			usage_all(stdout);
			return CLI_OK;
		}
		if (argc > 0 && strcmp(argv[0], "--version") == 0) {
			printf("crmpasswd %s\n", CRM_VERSION);
			return CLI_OK;
		}
		return cmd_own(c, argc, argv);
	}
	cmd = find_command(argv[0]);
	if (cmd == NULL) {
		cli_error(CLI_USAGE, _("unknown command %s"), argv[0]);
		usage_all(stderr);
		return CLI_USAGE;
	}
	rc = crm_config_load(&c->cfg, c->conf ? c->conf : CRM_DEFAULT_CONF,
		c->conf != NULL, &c->probs, &c->conf_err);
	c->conf_rc = rc;
	c->admin = crm_admin_allowed(&c->cfg, c->uid);
	snprintf(what, sizeof(what), "%s%s%s", argv[0], argc > 1 &&
		argv[1][0] != '-' ? " " : "", argc > 1 && argv[1][0] != '-'
		? argv[1] : "");
	if (cmd->need == NEED_ROOT && !c->root)
		return cli_error(CLI_PERM, _("permission denied: %s needs root"),
			what);
	if (cmd->need == NEED_ADMIN && !c->admin)
		return cli_error(CLI_PERM, _("permission denied: %s needs root "
			"or membership of admin_group"), what);
	if (rc != 0 && cmd->run != cmd_check) {
		for (size_t i = 0; i < c->probs.n; i++)
			cli_error(CLI_UNAVAIL, "%s", c->probs.items[i]);
		if (c->probs.n == 0)
			return cli_fail(&c->conf_err);
		return cli_error(CLI_UNAVAIL, _("the configuration cannot be "
			"used; see crmpasswd check"));
	}
	/* backup is the cure and check reports the age itself. */
	if (cmd->need == NEED_ADMIN && cmd->run != cmd_backup &&
	    cmd->run != cmd_check)
		cli_backup_warn(c);
	/* Files we create belong to root's group, not the caller's. */
	if (geteuid() == 0 && getegid() != 0 && setegid(0) != 0)
		return cli_error(CLI_UNAVAIL, _("cannot switch group: %s"),
			strerror(errno));
	cli_no_dump();
	return cmd->run(c, argc, argv);
}

int main(int argc, char **argv)
{
	struct cli c;
	int rc;

	cli_no_dump();
	sane_descriptors();
	if (getuid() != geteuid() || getgid() != getegid())
		scrub_environment();
	setlocale(LC_ALL, "");
	crm_i18n_bind();
	if (sodium_init() < 0)
		return cli_error(CLI_UNAVAIL, _("libsodium failed to start"));
	if (out_init() != 0)
		return cli_error(CLI_FAIL, _("out of memory"));
	openlog("crmpasswd", LOG_PID, LOG_AUTHPRIV);

	memset(&c, 0, sizeof(c));
	crm_config_init(&c.cfg);
	crm_problems_init(&c.probs);
	learn_caller(&c);
	rc = argc > 0 ? take_globals(&c, argc - 1, argv + 1) : 0;
	rc = rc < 0 ? CLI_USAGE : run(&c, rc, argv + 1);

	if (c.opened)
		crm_ctx_close(&c.ctx);
	crm_problems_free(&c.probs);
	crm_config_free(&c.cfg);
	out_done();
	closelog();
	if (fflush(stdout) != 0 && rc == CLI_OK)
		rc = CLI_FAIL;
	return rc;
}

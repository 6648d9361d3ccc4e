/*
 * crmpasswd's shared state and the entry point of each command family.
 * main.c fills struct cli (who runs us, the configuration, the open store)
 * and dispatches; each cmd_*.c returns the process exit code.
 */
#ifndef CRM_CLI_H
#define CRM_CLI_H

#include <stdio.h>
#include "crmpolicy/admin.h"
#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/error.h"

/* Exit codes: documented in main.c and crmpasswd(1). */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,		/* no such user, already exists, other failure */
	CLI_USAGE = 2,		/* bad command line or invalid value */
	CLI_PERM = 3,		/* permission denied */
	CLI_POLICY = 4,		/* refused by the password policy */
	CLI_UNAVAIL = 5,	/* store, configuration or key unavailable */
};

struct cli {
	long uid;			/* real uid of the caller */
	int root;			/* uid == 0 */
	int admin;			/* may run the administration commands */
	int json;			/* --json */
	const char *conf;		/* --conf PATH, or NULL */
	char self[256];			/* the caller's user name, "" if none */
	char actor[272];		/* self, or "uid N" */
	char rhost[256];		/* from SSH_CONNECTION, "" when local */
	char tty[64];
	struct crm_config cfg;
	int conf_rc;			/* what crm_config_load returned */
	struct crm_error conf_err;
	struct crm_problems probs;	/* the configuration's problems */
	struct crm_ctx ctx;
	int opened;			/* ctx holds an open store */
};

/* Opens the store into c->ctx (flags: CRM_OPEN_*); 0 or an exit code. */
int cli_open(struct cli *c, int flags);
/* The same, printing nothing: 0 or the core's code, described by err. */
int cli_open_err(struct cli *c, int flags, struct crm_error *err);
/* The exit code for a core error code. */
int cli_exit_code(int code);
/* Not dumpable, no core file; again after each change of effective ids. */
void cli_no_dump(void);
/* Prints err's message to stderr; returns its exit code. */
int cli_fail(const struct crm_error *err);
/* Prints a formatted message to stderr; returns code. */
int cli_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "permission denied: WHAT"; returns CLI_PERM. */
int cli_deny(const char *what);
/* Prints the usage line of a command family and returns CLI_USAGE. */
int cli_usage(const char *family);
/*
 * Reports a getopt_long failure (unknown option, missing argument) for
 * the option just read; returns CLI_USAGE.
 */
int cli_bad_option(const char *family, char *const *argv, int opt);

/*
 * Proves that the caller is the user they run as, before a change to
 * their own second factor: root needs no proof; a password the store
 * owns is checked by the core (a wrong one counts toward the lockout),
 * any other through the PAM service "crmpasswd". The password comes from
 * the terminal, or a line of stdin with from_stdin. 0 or an exit code.
 */
int cli_prove_self(struct cli *c, int from_stdin);

/* Prints the sentence of every failed password rule for user. */
void cli_print_rules(struct cli *c, const char *user, unsigned rules);

/* Command families: argv[0] is the family's own word. */
int cmd_own(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_user(struct cli *c, int argc, char **argv);
int cmd_passwd(struct cli *c, int argc, char **argv);
int cmd_group(struct cli *c, int argc, char **argv);
int cmd_policy(struct cli *c, int argc, char **argv);
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_rule(struct cli *c, int argc, char **argv);
int cmd_blocked(struct cli *c, int argc, char **argv);
int cmd_logins(struct cli *c, int argc, char **argv);
int cmd_knownip(struct cli *c, int argc, char **argv);
int cmd_totp(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_email(struct cli *c, int argc, char **argv);
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);
int cmd_migrate(struct cli *c, int argc, char **argv);

/*
 * The administration commands' warning: one line to stderr when the
 * newest backup in backup_dir is backup_warn_days days old or more (as
 * crmpasswd check counts), or there is none; nothing when
 * backup_warn_days is 0.
 */
void cli_backup_warn(struct cli *c);

/*
 * Prints what crm_audit_verify found (text or --json) and returns 0 when
 * the chain holds, CLI_FAIL when it breaks.
 */
struct crm_audit_report;
int cli_print_audit_report(struct cli *c, const struct crm_audit_report *rep);

/* Shared by status and user list: "active", "locked (...)", "disabled (...)". */
void cli_state_text(const struct crm_status *st, char *buf, size_t len);
/* The machine word of the state for --json: active, locked or disabled. */
const char *cli_state_word(const struct crm_status *st);

#endif

/*
 * Source-IP rules: validation, the first-match evaluation that preauth and
 * account management ask before anything else, the final default row, and
 * the administration (add, del, move, default) with its self-lockout guard.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/addr.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/rules.h"
#include "crmpolicy/utf8.h"

#define PRIORITY_MAX 1000000000LL
#define PRIORITY_STEP 10
#define SERVICE_MAX 64
#define SETTING_DEFAULT "ip_default"
/* The guard asks about the way an administrator is connected: ssh. */
#define GUARD_SERVICE "sshd"

static const char *const action_words[] = { "allow", "deny", "disabled" };

int crm_rule_action_parse(const char *word)
{
	for (int i = 0; i < 3; i++)
		if (word != NULL && strcmp(word, action_words[i]) == 0)
			return i;
	return -1;
}

const char *crm_rule_action_name(enum crm_rule_action a)
{
	return (unsigned)a < 3 ? action_words[a] : "?";
}

/* ---- validation ---- */

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || strchr("-_.:@", c) != NULL;
}

/*
 * A rule name is shown in tables and typed on command lines: a short run
 * of safe characters that cannot start like an option, and never the
 * name of the final row.
 */
static int check_name(const char *name, struct crm_error *err)
{
	size_t len = name ? strlen(name) : 0;
	char shown[80];

	if (name != NULL && strcmp(name, "default") == 0)
		return crm_error_set(err, CRM_EINVAL, _("rule name \"default\" "
			"is the final row; use rule default allow|deny"));
	for (size_t i = 0; i < len; i++)
		if (!name_char((unsigned char)name[i]))
			goto bad;
	if (len > 0 && len <= CRM_RULE_NAME_MAX && name[0] != '-')
		return 0;
bad:
	crm_printable(name ? name : "", shown, sizeof(shown));
	return crm_error_set(err, CRM_EINVAL, _("invalid rule name \"%s\": "
		"use 1 to %d letters, digits and - _ . : @"), shown,
		CRM_RULE_NAME_MAX);
}

static int check_priority(long long priority, struct crm_error *err)
{
	if (priority < 0 || priority > PRIORITY_MAX)
		return crm_error_set(err, CRM_EINVAL, _("invalid priority %lld: "
			"use a whole number from 0 to %lld"), priority,
			PRIORITY_MAX);
	return 0;
}

/* "all" (or ""), "group:G" or "user:U" with a valid name; canonical. */
static int check_scope(char *scope, size_t size, struct crm_error *err)
{
	char shown[80];

	if (scope[0] == '\0') {
		snprintf(scope, size, "all");
		return 0;
	}
	if (strcmp(scope, "all") == 0)
		return 0;
	if (strncmp(scope, "group:", 6) == 0 && crm_name_valid(scope + 6))
		return 0;
	if (strncmp(scope, "user:", 5) == 0 && crm_name_valid(scope + 5))
		return 0;
	crm_printable(scope, shown, sizeof(shown));
	return crm_error_set(err, CRM_EINVAL, _("invalid scope \"%s\": use "
		"all, group:GROUP or user:USER"), shown);
}

static int service_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || strchr("-_.+@", c) != NULL;
}

/*
 * "" or "all" is every service (stored as ""); otherwise a comma list of
 * PAM service names (file names under /etc/pam.d) without empty items.
 */
static int check_services(char *services, struct crm_error *err)
{
	const char *p = services;
	char shown[80];

	if (strcmp(services, "all") == 0) {
		services[0] = '\0';
		return 0;
	}
	if (services[0] == '\0')
		return 0;
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n > SERVICE_MAX || p[0] == '-' ||
		    (n == 3 && strncmp(p, "all", 3) == 0))
			goto bad;
		for (size_t i = 0; i < n; i++)
			if (!service_char((unsigned char)p[i]))
				goto bad;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
bad:
	crm_printable(services, shown, sizeof(shown));
	return crm_error_set(err, CRM_EINVAL, _("invalid services \"%s\": use "
		"all or PAM service names separated by commas"), shown);
}

/* "any", "local", or a network stored in its canonical form. */
static int check_network(char *network, size_t size, struct crm_error *err)
{
	struct crm_error e;
	struct crm_net n;

	if (strcmp(network, "any") == 0 || strcmp(network, "local") == 0)
		return 0;
	if (network[0] == '\0')
		return crm_error_set(err, CRM_EINVAL, _("no network given: use "
			"a CIDR network, an address, any or local"));
	crm_error_clear(&e);
	/* e names the text: "network 10.0.0.1/8: host bits are set ..." */
	if (crm_net_parse(network, &n, &e) != 0)
		return crm_error_set(err, CRM_EINVAL, _("network %s"), e.msg);
	crm_net_format(&n, network, size);
	return 0;
}

int crm_rule_validate(struct crm_rule *r, struct crm_error *err)
{
	int rc;

	if ((rc = check_name(r->name, err)) != 0 ||
	    (rc = check_scope(r->scope, sizeof(r->scope), err)) != 0 ||
	    (rc = check_services(r->services, err)) != 0 ||
	    (rc = check_network(r->network, sizeof(r->network), err)) != 0)
		return rc;
	if (r->action != CRM_RULE_ALLOW && r->action != CRM_RULE_DENY &&
	    r->action != CRM_RULE_DISABLED)
		return crm_error_set(err, CRM_EINVAL,
			_("invalid action: use allow, deny or disabled"));
	return 0;
}

/* ---- the default row ---- */

int crm_rules_default(const struct crm_ctx *ctx, enum crm_rule_action *act,
	char *source, size_t len, struct crm_error *err)
{
	const struct crm_config *cfg = ctx->cfg;
	char value[16];
	const char *from;
	int rc, a;

	/* A module argument binds its stack over anything crmpasswd sets. */
	if (strcmp(cfg->source[CRM_K_IP_DEFAULT], "module argument") != 0) {
		rc = crm_setting_get(ctx->db, SETTING_DEFAULT, value,
			sizeof(value), err);
		if (rc == 0) {
			a = crm_rule_action_parse(value);
			/* An unreadable default must not become allow. */
			if (a != CRM_RULE_ALLOW && a != CRM_RULE_DENY)
				return crm_error_set(err, CRM_ESTORE,
					_("the store's rule default is not "
					"allow or deny"));
			*act = (enum crm_rule_action)a;
			if (source != NULL && len > 0)
				snprintf(source, len, "rule default");
			return 0;
		}
		if (rc != CRM_ENOENT)
			return rc;
	}
	*act = cfg->num[CRM_K_IP_DEFAULT] == CRM_IPDEF_DENY ? CRM_RULE_DENY
		: CRM_RULE_ALLOW;
	from = cfg->source[CRM_K_IP_DEFAULT];
	if (source != NULL && len > 0)
		snprintf(source, len, "%s", from[0] ? from : "default");
	return 0;
}

/* ---- evaluation ---- */

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(void *arg, const char *name)
{
	struct names *ns = arg;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 8;
		char **p = realloc(ns->v, cap * sizeof(*p));

		if (p == NULL)
			return CRM_ENOMEM;
		ns->v = p;
		ns->cap = cap;
	}
	if ((ns->v[ns->n] = strdup(name)) == NULL)
		return CRM_ENOMEM;
	ns->n++;
	return 0;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* What one evaluation knows about the login, computed once. */
struct eval {
	const struct crm_ctx *ctx;
	const char *user;
	const char *service;
	int local;		/* no PAM_RHOST: a console login */
	int is_addr;		/* rhost parsed as an address */
	struct crm_addr addr;
	int have_groups;	/* groups are looked up on the first need */
	struct names groups;
};

/* Exact match of service in a comma list; "" lists every service. */
static int service_listed(const char *list, const char *service)
{
	size_t len;

	if (list[0] == '\0')
		return 1;
	if (service == NULL || service[0] == '\0')
		return 0;
	len = strlen(service);
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");

		if (n == len && memcmp(p, service, len) == 0)
			return 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static int in_group(struct eval *ev, const char *group, int *yes,
	struct crm_error *err)
{
	int rc;

	*yes = 0;
	if (ev->user == NULL || ev->user[0] == '\0')
		return 0;
	if (!ev->have_groups) {
		rc = crm_policy_groups(ev->ctx, ev->user, names_add,
			&ev->groups, err);
		/* names_add fails without a message. */
		if (rc == CRM_ENOMEM)
			return crm_error_set(err, rc, _("out of memory"));
		if (rc != 0)
			return rc;
		ev->have_groups = 1;
	}
	for (size_t i = 0; i < ev->groups.n; i++)
		if (strcmp(ev->groups.v[i], group) == 0) {
			*yes = 1;
			break;
		}
	return 0;
}

static int bad_row(const char *name, const char *what, struct crm_error *err)
{
	char shown[80];

	crm_printable(name, shown, sizeof(shown));
	return crm_error_set(err, CRM_ESTORE,
		_("rule %s in the store has an invalid %s"), shown, what);
}

/*
 * Whether the row (name, priority, scope, services, network, action)
 * decides this login. Cheap tests first; the group lookup, the only one
 * that leaves memory, comes last and at most once per evaluation.
 */
static int row_matches(struct eval *ev, struct crm_stmt *st, int *match,
	struct crm_error *err)
{
	const char *action = crm_col_text(st, 5), *scope, *network;
	const char *group = NULL;
	struct crm_net net;

	/* Columns are read only when needed: each read takes the db mutex. */
	*match = 0;
	if (strcmp(action, "disabled") == 0)
		return 0;
	scope = crm_col_text(st, 2);
	if (strncmp(scope, "user:", 5) == 0) {
		if (ev->user == NULL || strcmp(scope + 5, ev->user) != 0)
			return 0;
	} else if (strncmp(scope, "group:", 6) == 0) {
		group = scope + 6;
	} else if (strcmp(scope, "all") != 0) {
		return bad_row(crm_col_text(st, 0), _("scope"), err);
	}
	if (!service_listed(crm_col_text(st, 3), ev->service))
		return 0;
	network = crm_col_text(st, 4);
	if (strcmp(network, "local") == 0) {
		if (!ev->local)
			return 0;
	} else if (strcmp(network, "any") != 0) {
		/* An address network never matches a console or a host name. */
		if (crm_net_parse(network, &net, NULL) != 0)
			return bad_row(crm_col_text(st, 0), _("network"), err);
		if (!ev->is_addr || !crm_net_contains(&net, &ev->addr))
			return 0;
	}
	if (group != NULL) {
		int yes = 0, rc = in_group(ev, group, &yes, err);

		if (rc != 0 || !yes)
			return rc;
	}
	*match = 1;
	return 0;
}

int crm_rules_decide(const struct crm_ctx *ctx, const char *user,
	const char *service, const char *rhost, struct crm_rule_decision *d,
	struct crm_error *err)
{
	struct eval ev;
	struct crm_stmt *st = NULL;
	int rc = 0, step, match = 0;

	memset(d, 0, sizeof(*d));
	memset(&ev, 0, sizeof(ev));
	ev.ctx = ctx;
	ev.user = user;
	ev.service = service;
	ev.local = rhost == NULL || rhost[0] == '\0';
	ev.is_addr = !ev.local && crm_addr_parse(rhost, &ev.addr);

	/* One query in evaluation order; rows are matched as they arrive. */
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_RULES_DECIDE, &st, err)) != 0)
		return rc;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		if ((rc = row_matches(&ev, st, &match, err)) != 0 || match)
			break;
	}
	if (rc == 0 && match) {
		snprintf(d->rule, sizeof(d->rule), "%s", crm_col_text(st, 0));
		d->priority = crm_col_int(st, 1);
		d->action = strcmp(crm_col_text(st, 5), "deny") == 0 ?
			CRM_RULE_DENY : CRM_RULE_ALLOW;
	} else if (rc == 0 && step != CRM_STEP_DONE) {
		rc = crm_db_error(ctx->db, "reading the rules", err);
	}
	crm_stmt_done(st);
	names_free(&ev.groups);
	if (rc != 0 || match)
		return rc;
	snprintf(d->rule, sizeof(d->rule), "default");
	d->priority = -1;
	return crm_rules_default(ctx, &d->action, NULL, 0, err);
}

/*
 * Fills r from a row of (id, name, priority, scope, services, network,
 * action).
 */
static int fill_rule(struct crm_stmt *st, struct crm_rule *r,
	struct crm_error *err)
{
	int a;

	memset(r, 0, sizeof(*r));
	r->id = crm_col_int(st, 0);
	snprintf(r->name, sizeof(r->name), "%s", crm_col_text(st, 1));
	r->priority = crm_col_int(st, 2);
	snprintf(r->scope, sizeof(r->scope), "%s", crm_col_text(st, 3));
	snprintf(r->services, sizeof(r->services), "%s", crm_col_text(st, 4));
	snprintf(r->network, sizeof(r->network), "%s", crm_col_text(st, 5));
	a = crm_rule_action_parse(crm_col_text(st, 6));
	if (a < 0)
		return bad_row(r->name, _("action"), err);
	r->action = (enum crm_rule_action)a;
	return 0;
}

int crm_rules_foreach(const struct crm_ctx *ctx, crm_rule_cb cb, void *arg,
	struct crm_error *err)
{
	struct crm_rule r;
	struct crm_stmt *st;
	int rc = 0, step;

	if ((rc = crm_db_prepare(ctx->db, CRM_Q_RULES_LIST, &st, err)) != 0)
		return rc;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		if ((rc = fill_rule(st, &r, err)) != 0 ||
		    (rc = cb(arg, &r)) != 0)
			break;
	}
	if (rc == 0 && step != CRM_STEP_DONE)
		rc = crm_db_error(ctx->db, "reading the rules", err);
	crm_stmt_done(st);
	return rc;
}

/* ---- administration ---- */

/* Commits when rc is 0; otherwise (or when the commit fails) rolls back. */
static int finish(const struct crm_ctx *ctx, int rc, struct crm_error *err)
{
	if (rc == 0)
		rc = crm_store_commit(ctx->db, err);
	if (rc != 0)
		crm_store_rollback(ctx->db);
	return rc;
}

/* crm_audit_add does not fill an error; name the failure here. */
static int audited(int rc, struct crm_error *err)
{
	if (rc != 0)
		return crm_error_set(err, rc, _("cannot write the audit trail"));
	return 0;
}

/* Loads the rule named name: 0, CRM_ENOENT (with a message) or an error. */
static int load_rule(const struct crm_ctx *ctx, const char *name,
	struct crm_rule *r, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, step;

	if ((rc = crm_db_prepare(ctx->db, CRM_Q_RULE_GET, &st, err)) != 0)
		return rc;
	crm_bind_text(st, 1, name);
	step = crm_stmt_step(st);
	if (step == CRM_STEP_ROW)
		rc = fill_rule(st, r, err);
	else if (step == CRM_STEP_DONE)
		rc = crm_error_set(err, CRM_ENOENT, _("no such rule: %s"), name);
	else
		rc = crm_db_error(ctx->db, "reading a rule", err);
	crm_stmt_done(st);
	return rc;
}

/* After the last rule: the highest priority + 10, or 10 for the first. */
static int next_priority(const struct crm_ctx *ctx, long long *priority,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(ctx->db, CRM_Q_RULE_NEXT_PRIORITY, &st,
			err)) != 0)
		return rc;
	if (crm_stmt_step(st) == CRM_STEP_ROW)
		*priority = crm_col_int(st, 0) + PRIORITY_STEP;
	else
		rc = crm_db_error(ctx->db, "reading the rules", err);
	crm_stmt_done(st);
	if (rc == 0 && *priority > PRIORITY_MAX)
		rc = crm_error_set(err, CRM_EINVAL, _("no priority is left after "
			"the last rule; give a priority"));
	return rc;
}

static int insert_rule(const struct crm_ctx *ctx, struct crm_rule *r,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int step;

	if ((step = crm_db_prepare(ctx->db, CRM_Q_RULE_ADD, &st, err)) != 0)
		return step;
	crm_bind_text(st, 1, r->name);
	crm_bind_int(st, 2, r->priority);
	crm_bind_text(st, 3, r->scope);
	crm_bind_text(st, 4, r->services);
	crm_bind_text(st, 5, r->network);
	crm_bind_text(st, 6, crm_rule_action_name(r->action));
	crm_bind_int(st, 7, ctx->now);
	/* The row of RETURNING id: the insert is made by then. */
	step = crm_stmt_step(st);
	if (step == CRM_STEP_ROW)
		r->id = crm_col_int(st, 0);
	crm_stmt_done(st);
	if (step == CRM_STEP_ROW)
		return 0;
	/*
	 * The name is the only constraint a validated rule can break (the
	 * action is one of the three the table allows).
	 */
	if (step == -CRM_EEXIST)
		return crm_error_set(err, CRM_EEXIST,
			_("a rule named %s already exists"), r->name);
	return crm_db_error(ctx->db, "adding a rule", err);
}

/* Runs one statement on one rule id (?1) and, for RULE_MOVE, a number (?2). */
static int change_rule(const struct crm_ctx *ctx, enum crm_q q,
	int64_t id, long long num, struct crm_error *err)
{
	struct crm_stmt *st;
	int step;

	if ((step = crm_db_prepare(ctx->db, q, &st, err)) != 0)
		return step;
	crm_bind_int(st, 1, id);
	if (q == CRM_Q_RULE_MOVE)
		crm_bind_int(st, 2, num);
	step = crm_stmt_step(st);
	crm_stmt_done(st);
	if (step != CRM_STEP_DONE)
		return crm_db_error(ctx->db, "changing a rule", err);
	return 0;
}

/*
 * The self-lockout guard: how the administrator's own ssh login is
 * decided before a change and, inside the same transaction, after it.
 */
struct guard {
	const char *user;
	const char *rhost;
	int on;
	int forced;		/* the change denies them and force allowed it */
	struct crm_rule_decision before;
};

enum guard_kind { G_ADD, G_DEL, G_MOVE, G_DEFAULT };

static int guard_before(const struct crm_ctx *ctx, struct guard *g,
	const char *user, const char *rhost, struct crm_error *err)
{
	memset(g, 0, sizeof(*g));
	g->user = user;
	g->rhost = rhost;
	g->on = rhost != NULL && rhost[0] != '\0';
	if (!g->on)
		return 0;
	return crm_rules_decide(ctx, user, GUARD_SERVICE, rhost, &g->before,
		err);
}

static int guard_after(const struct crm_ctx *ctx, struct guard *g,
	enum guard_kind kind, int force, struct crm_error *err)
{
	struct crm_rule_decision after;
	char host[CRM_RHOST_MAX + 1], who[80];
	int rc;

	if (!g->on)
		return 0;
	rc = crm_rules_decide(ctx, g->user, GUARD_SERVICE, g->rhost, &after, err);
	if (rc != 0)
		return rc;
	if (g->before.action != CRM_RULE_ALLOW || after.action != CRM_RULE_DENY)
		return 0;
	if (force) {
		g->forced = 1;
		return 0;
	}
	crm_printable(g->rhost, host, sizeof(host));
	crm_printable(g->user && g->user[0] ? g->user : "?", who, sizeof(who));
	switch (kind) {
	case G_DEL:
		return crm_error_set(err, CRM_EPERM, _("deleting this rule would "
			"deny your own connection from %s (user %s, sshd); add "
			"--force to delete it anyway"), host, who);
	case G_MOVE:
		return crm_error_set(err, CRM_EPERM, _("moving this rule would "
			"deny your own connection from %s (user %s, sshd); add "
			"--force to move it anyway"), host, who);
	case G_DEFAULT:
		return crm_error_set(err, CRM_EPERM, _("this default would deny "
			"your own connection from %s (user %s, sshd); add --force "
			"to set it anyway"), host, who);
	default:
		return crm_error_set(err, CRM_EPERM, _("this rule would deny your "
			"own connection from %s (user %s, sshd); add --force to "
			"add it anyway"), host, who);
	}
}

int crm_rules_add(const struct crm_ctx *ctx, struct crm_rule *r,
	const char *guard_user, const char *guard_rhost, int force,
	struct crm_error *err)
{
	struct crm_rule row;
	struct guard g = { 0 };
	int rc;

	if ((rc = crm_rule_validate(r, err)) != 0)
		return rc;
	if (r->priority >= 0 && (rc = check_priority(r->priority, err)) != 0)
		return rc;
	/* Work on a copy so that a refused change leaves r as it came. */
	row = *r;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	if (row.priority < 0)
		rc = next_priority(ctx, &row.priority, err);
	if (rc == 0)
		rc = guard_before(ctx, &g, guard_user, guard_rhost, err);
	if (rc == 0)
		rc = insert_rule(ctx, &row, err);
	if (rc == 0)
		rc = guard_after(ctx, &g, G_ADD, force, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "rule.change", NULL,
			"add name=%s priority=%lld scope=%s services=%s "
			"network=%s action=%s%s", row.name, row.priority,
			row.scope, row.services[0] ? row.services : "all",
			row.network, crm_rule_action_name(row.action),
			g.forced ? " force=yes" : ""), err);
	rc = finish(ctx, rc, err);
	if (rc == 0)
		*r = row;
	return rc;
}

int crm_rules_del(const struct crm_ctx *ctx, const char *name,
	const char *guard_user, const char *guard_rhost, int force,
	struct crm_error *err)
{
	struct crm_rule r;
	struct guard g = { 0 };
	int rc;

	if ((rc = check_name(name, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = load_rule(ctx, name, &r, err);
	if (rc == 0)
		rc = guard_before(ctx, &g, guard_user, guard_rhost, err);
	if (rc == 0)
		rc = change_rule(ctx, CRM_Q_RULE_DEL, r.id, 0, err);
	if (rc == 0)
		rc = guard_after(ctx, &g, G_DEL, force, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "rule.change", NULL,
			"del name=%s priority=%lld scope=%s services=%s "
			"network=%s action=%s%s", r.name, r.priority, r.scope,
			r.services[0] ? r.services : "all", r.network,
			crm_rule_action_name(r.action),
			g.forced ? " force=yes" : ""), err);
	return finish(ctx, rc, err);
}

int crm_rules_move(const struct crm_ctx *ctx, const char *name,
	long long priority, const char *guard_user, const char *guard_rhost,
	int force, struct crm_error *err)
{
	struct crm_rule r;
	struct guard g = { 0 };
	int rc;

	if ((rc = check_name(name, err)) != 0 ||
	    (rc = check_priority(priority, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = load_rule(ctx, name, &r, err);
	if (rc == 0)
		rc = guard_before(ctx, &g, guard_user, guard_rhost, err);
	if (rc == 0)
		rc = change_rule(ctx, CRM_Q_RULE_MOVE, r.id, priority, err);
	if (rc == 0)
		rc = guard_after(ctx, &g, G_MOVE, force, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "rule.change", NULL,
			"move name=%s priority=%lld from=%lld%s", r.name,
			priority, r.priority, g.forced ? " force=yes" : ""),
			err);
	return finish(ctx, rc, err);
}

int crm_rules_set_default(const struct crm_ctx *ctx, enum crm_rule_action act,
	const char *guard_user, const char *guard_rhost, int force,
	struct crm_error *err)
{
	struct guard g = { 0 };
	int rc;

	if (act != CRM_RULE_ALLOW && act != CRM_RULE_DENY)
		return crm_error_set(err, CRM_EINVAL,
			_("invalid default action: use allow or deny"));
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = guard_before(ctx, &g, guard_user, guard_rhost, err);
	if (rc == 0)
		rc = crm_setting_set(ctx->db, SETTING_DEFAULT,
			crm_rule_action_name(act), err);
	if (rc == 0)
		rc = guard_after(ctx, &g, G_DEFAULT, force, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "rule.change", NULL,
			"default action=%s%s", crm_rule_action_name(act),
			g.forced ? " force=yes" : ""), err);
	return finish(ctx, rc, err);
}

/*
 * Policy resolution: the effective value of every policy key for a user,
 * from module arguments, store overrides (global, group, user), the conf
 * file and the built-in defaults, with where each value came from. Across
 * several groups the strictest value wins. Stored rows are re-validated.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/aging.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

/* The source crm_config_from_args gives to module arguments. */
#define SOURCE_ARG "module argument"

long long crm_policy_stricter(enum crm_key k, long long a, long long b)
{
	const struct crm_keyinfo *ki = crm_key_info(k);

	if (ki == NULL)
		return a;
	switch (ki->strict) {
	case CRM_ST_LARGER:
	case CRM_ST_YES:
	case CRM_ST_RANK:
		return a > b ? a : b;
	case CRM_ST_SMALLER:
	case CRM_ST_NO:
		return a < b ? a : b;
	case CRM_ST_SMALLER_NZ:
		/* 0 means no limit: any limit is stricter than none. */
		if (a == 0)
			return b;
		if (b == 0)
			return a;
		return a < b ? a : b;
	case CRM_ST_LARGER_Z:
		/* 0 is the strictest (forever, until a success or an admin). */
		if (a == 0 || b == 0)
			return 0;
		return a > b ? a : b;
	case CRM_ST_UNION:
		return a | b;
	case CRM_ST_FIRST:
	case CRM_ST_NONE:
		break;
	}
	return a;
}

struct cache_slot {
	char user[CRM_NAME_MAX + 1];
	int64_t when;		/* pol resolved at; 0: none */
	struct crm_policy pol;
	int64_t gov_when;	/* governed decided at; 0: not yet */
	int governed;
};

struct crm_policy_cache {
	size_t n;
	int ttl;
	struct cache_slot *slot;
};

int crm_policy_cache_new(size_t slots, int ttl, struct crm_policy_cache **pc,
	struct crm_error *err)
{
	struct crm_policy_cache *c = calloc(1, sizeof(*c));

	*pc = NULL;
	if (c == NULL || slots == 0 ||
			(c->slot = calloc(slots, sizeof(*c->slot))) == NULL) {
		free(c);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	c->n = slots;
	c->ttl = ttl;
	*pc = c;
	return 0;
}

void crm_policy_cache_free(struct crm_policy_cache *pc)
{
	if (pc == NULL)
		return;
	free(pc->slot);
	free(pc);
}

/* The slot of user (FNV-1a of the name). */
static struct cache_slot *cache_slot(const struct crm_policy_cache *pc,
	const char *user)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)user; *p; p++)
		h = (h ^ *p) * 16777619u;
	return &pc->slot[h % pc->n];
}

/* The slot of user when it holds user, else the slot claimed for user. */
static struct cache_slot *cache_claim(const struct crm_policy_cache *pc,
	const char *user)
{
	struct cache_slot *slot = cache_slot(pc, user);

	if (strcmp(slot->user, user) != 0) {
		snprintf(slot->user, sizeof(slot->user), "%s", user);
		slot->when = slot->gov_when = 0;
	}
	return slot;
}

static int cache_fresh(const struct crm_ctx *ctx, int64_t when)
{
	return when != 0 && ctx->now >= when &&
		ctx->now - when < ctx->pcache->ttl;
}

int crm_policy_cache_governed(const struct crm_ctx *ctx, const char *user,
	int *governed)
{
	const struct cache_slot *slot;

	if (ctx->pcache == NULL || user == NULL ||
			strlen(user) > CRM_NAME_MAX)
		return 0;
	slot = cache_slot(ctx->pcache, user);
	if (strcmp(slot->user, user) != 0 || !cache_fresh(ctx, slot->gov_when))
		return 0;
	*governed = slot->governed;
	return 1;
}

void crm_policy_cache_set_governed(const struct crm_ctx *ctx,
	const char *user, int governed)
{
	struct cache_slot *slot;

	if (ctx->pcache == NULL || user == NULL ||
			strlen(user) > CRM_NAME_MAX)
		return;
	slot = cache_claim(ctx->pcache, user);
	slot->gov_when = ctx->now > 0 ? ctx->now : 1;
	slot->governed = governed;
}

int crm_policy_is_root(const struct crm_policy *pol, const char *name)
{
	return pol->root_known ? pol->root : crm_user_is_root(name);
}

/* The values one level of stored rows sets. */
struct level {
	long long num[CRM_K_COUNT];
	char text[CRM_PT_COUNT][CRM_PT_MAX];
	int set[CRM_K_COUNT];
	const char *scope, *target;
	struct crm_error err;	/* the first bad row */
};

static int take_row(void *arg, const char *key, const char *value)
{
	struct level *lv = arg;
	struct crm_error e;
	long long num;
	char *str = NULL;
	int k;

	k = crm_key_lookup(key);
	if (k < 0 || !crm_key_is_policy((enum crm_key)k))
		return crm_error_set(&lv->err, CRM_ESTORE,
			_("stored policy %s '%s': '%s' is not a policy key"),
			lv->scope, lv->target, key != NULL ? key : "");
	crm_error_clear(&e);
	if (crm_key_parse((enum crm_key)k, value, &num, &str, &e) != 0) {
		free(str);
		return crm_error_set(&lv->err, CRM_ESTORE,
			_("stored policy %s '%s' key %s: %s"), lv->scope,
			lv->target, key, e.msg);
	}
	if (crm_key_text_slot((enum crm_key)k) >= 0)
		snprintf(lv->text[crm_key_text_slot((enum crm_key)k)],
			CRM_PT_MAX, "%s", str != NULL ? str : "");
	free(str);
	lv->num[k] = num;
	lv->set[k] = 1;
	return 0;
}

/* Takes key k's value at level lv into pol (text keys their text). */
static void take_value(struct crm_policy *pol, int k, const struct level *lv)
{
	int slot = crm_key_text_slot((enum crm_key)k);

	pol->num[k] = lv->num[k];
	if (slot >= 0)
		memcpy(pol->text[slot], lv->text[slot], CRM_PT_MAX);
}

/* Reads the rows of scope/target into lv; a bad row fails the whole read. */
static int read_level(const struct crm_ctx *ctx, const char *scope,
	const char *target, struct level *lv, struct crm_error *err)
{
	struct crm_error e;
	int rc;

	memset(lv, 0, sizeof(*lv));
	lv->scope = scope;
	lv->target = target;
	crm_error_clear(&lv->err);
	crm_error_clear(&e);
	rc = crm_policy_row_foreach(ctx->db, scope, target, take_row, lv, &e);
	if (lv->err.code != 0) {
		if (err != NULL)
			*err = lv->err;
		return lv->err.code;
	}
	if (rc != 0) {
		if (err != NULL)
			*err = e;
		return e.code != 0 ? e.code : CRM_ESTORE;
	}
	return 0;
}

int crm_policy_resolve_global(const struct crm_ctx *ctx,
	struct crm_policy *pol, struct crm_error *err)
{
	const struct crm_config *cfg = ctx->cfg;
	struct level lv;
	int rc;

	memset(pol, 0, sizeof(*pol));
	for (int k = 0; k < CRM_K_COUNT; k++) {
		int slot = crm_key_text_slot((enum crm_key)k);

		pol->num[k] = cfg->num[k];
		memcpy(pol->source[k], cfg->source[k], sizeof(pol->source[k]));
		if (slot >= 0)
			snprintf(pol->text[slot], CRM_PT_MAX, "%s",
				cfg->str[k] != NULL ? cfg->str[k] : "");
	}
	rc = read_level(ctx, "global", "", &lv, err);
	if (rc != 0)
		return rc;
	for (int k = 0; k < CRM_K_COUNT; k++) {
		/* A module argument is the admin's word for this stack. */
		if (!lv.set[k] || strcmp(cfg->source[k], SOURCE_ARG) == 0)
			continue;
		take_value(pol, k, &lv);
		snprintf(pol->source[k], sizeof(pol->source[k]),
			"policy (global)");
	}
	return 0;
}

static void apply_level(struct crm_policy *pol, const struct level *lv,
	const char *what)
{
	for (int k = 0; k < CRM_K_COUNT; k++) {
		if (!lv->set[k])
			continue;
		take_value(pol, k, lv);
		snprintf(pol->source[k], sizeof(pol->source[k]), "%s %s", what,
			lv->target);
	}
}

int crm_policy_resolve_group(const struct crm_ctx *ctx, const char *group,
	struct crm_policy *pol, struct crm_error *err)
{
	struct level lv;
	int rc;

	if (group == NULL || group[0] == '\0')
		return crm_error_set(err, CRM_EINVAL, _("empty group name"));
	rc = crm_policy_resolve_global(ctx, pol, err);
	if (rc != 0)
		return rc;
	rc = read_level(ctx, "group", group, &lv, err);
	if (rc != 0)
		return rc;
	apply_level(pol, &lv, "group");
	return 0;
}

/* A growable list of names. */
struct names {
	char **v;
	size_t n, cap;
};

static int names_has(const struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return 1;
	return 0;
}

/* Adds name unless present; returns 0 or CRM_ENOMEM. */
static int names_add(struct names *ns, const char *name)
{
	if (names_has(ns, name))
		return 0;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof(*v));
		if (v == NULL)
			return CRM_ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = strdup(name);
	if (ns->v[ns->n] == NULL)
		return CRM_ENOMEM;
	ns->n++;
	return 0;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

static int names_add_cb(void *arg, const char *name)
{
	return names_add(arg, name);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * All groups of user, NSS first, then store groups sorted by name. With
 * admin, whether admin_group is among the NSS ones: as for crmpasswd's
 * administration, a store group of that name makes nobody an
 * administrator.
 */
static int collect_groups(const struct crm_ctx *ctx, const char *user,
	struct names *out, int *admin, int *root, int *in_nss,
	struct crm_error *err)
{
	const char *group = ctx->cfg->str[CRM_K_ADMIN_GROUP];
	struct names store = { 0 };
	struct crm_error e;
	uid_t uid = 1;
	int rc, nss = 0;

	if (user == NULL || user[0] == '\0')
		return crm_error_set(err, CRM_EINVAL, _("empty user name"));
	rc = crm_nss_user_groups(user, &uid, &nss, names_add_cb, out, err);
	if (rc != 0)
		return rc;
	if (in_nss != NULL)
		*in_nss = nss;
	/* As crm_user_is_root decides, from the same lookup. */
	if (root != NULL)
		*root = strcmp(user, "root") == 0 || (nss && uid == 0);
	if (admin != NULL)
		*admin = group != NULL && group[0] != '\0' &&
			names_has(out, group);
	crm_error_clear(&e);
	rc = crm_member_groups(ctx->db, user, names_add_cb, &store, &e);
	if (rc != 0) {
		names_free(&store);
		if (e.code == 0 && rc == CRM_ENOMEM)
			return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
		if (err != NULL)
			*err = e;
		return e.code != 0 ? e.code : CRM_ESTORE;
	}
	if (store.n > 1)
		qsort(store.v, store.n, sizeof(*store.v), cmp_names);
	for (size_t i = 0; i < store.n && rc == 0; i++)
		rc = names_add(out, store.v[i]);
	names_free(&store);
	if (rc != 0)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	return 0;
}

int crm_policy_groups(const struct crm_ctx *ctx, const char *user,
	crm_name_cb cb, void *arg, struct crm_error *err)
{
	struct names ns = { 0 };
	int rc;

	rc = collect_groups(ctx, user, &ns, NULL, NULL, NULL, err);
	/* Callbacks run after the lookups so that they may use the store. */
	for (size_t i = 0; i < ns.n && rc == 0; i++)
		rc = cb(arg, ns.v[i]);
	names_free(&ns);
	return rc;
}

/*
 * Folds one group's rows into the combined group level: the first group
 * to set a key gives its value; later ones replace it only when stricter.
 * A union that neither group reached alone names both.
 */
static void combine_group(struct level *all, char (*src)[CRM_SOURCE_MAX],
	const struct level *g)
{
	for (int k = 0; k < CRM_K_COUNT; k++) {
		if (!g->set[k])
			continue;
		if (!all->set[k]) {
			int slot = crm_key_text_slot((enum crm_key)k);

			all->set[k] = 1;
			all->num[k] = g->num[k];
			if (slot >= 0)
				memcpy(all->text[slot], g->text[slot], CRM_PT_MAX);
			snprintf(src[k], CRM_SOURCE_MAX, "group %s", g->target);
			continue;
		}
		/* Text has no "stricter": the first group's value stays. */
		if (crm_key_info((enum crm_key)k)->strict == CRM_ST_FIRST)
			continue;
		long long v = crm_policy_stricter((enum crm_key)k, all->num[k],
			g->num[k]);
		if (v == all->num[k])
			continue;
		if (v == g->num[k]) {
			snprintf(src[k], CRM_SOURCE_MAX, "group %s", g->target);
		} else {
			char prev[CRM_SOURCE_MAX];
			memcpy(prev, src[k], sizeof(prev));
			snprintf(src[k], CRM_SOURCE_MAX, "%.60s + %s", prev,
				g->target);
		}
		all->num[k] = v;
	}
}

static int resolve(const struct crm_ctx *ctx, const char *user,
	struct crm_policy *pol, struct names *keep, struct crm_error *err);

int crm_policy_resolve(const struct crm_ctx *ctx, const char *user,
	struct crm_policy *pol, struct crm_error *err)
{
	struct cache_slot *slot;
	int rc;

	if (ctx->pcache == NULL || user == NULL ||
			strlen(user) > CRM_NAME_MAX)
		return resolve(ctx, user, pol, NULL, err);
	slot = cache_slot(ctx->pcache, user);
	if (strcmp(slot->user, user) == 0 && cache_fresh(ctx, slot->when)) {
		*pol = slot->pol;
		return 0;
	}
	if ((rc = resolve(ctx, user, pol, NULL, err)) != 0)
		return rc;
	slot = cache_claim(ctx->pcache, user);
	slot->when = ctx->now > 0 ? ctx->now : 1;
	slot->pol = *pol;
	return 0;
}

int crm_policy_resolve_groups(const struct crm_ctx *ctx, const char *user,
	struct crm_policy *pol, crm_name_cb cb, void *arg,
	struct crm_error *err)
{
	struct names ns = { 0 };
	int rc;

	rc = resolve(ctx, user, pol, &ns, err);
	for (size_t i = 0; i < ns.n && rc == 0; i++)
		rc = cb(arg, ns.v[i]);
	names_free(&ns);
	return rc;
}

/* With keep, the user's groups are moved there (the caller frees them). */
static int resolve(const struct crm_ctx *ctx, const char *user,
	struct crm_policy *pol, struct names *keep, struct crm_error *err)
{
	char (*src)[CRM_SOURCE_MAX] = NULL;
	struct names groups = { 0 };
	struct level *all = NULL, *one = NULL;
	int rc;

	if (user == NULL || user[0] == '\0')
		return crm_error_set(err, CRM_EINVAL, _("empty user name"));
	rc = crm_policy_resolve_global(ctx, pol, err);
	if (rc != 0)
		return rc;
	rc = collect_groups(ctx, user, &groups, &pol->admin, &pol->root,
		&pol->nss, err);
	if (rc != 0)
		goto out;
	pol->root_known = 1;
	pol->admin = pol->admin || pol->root;
	/* On the heap: two levels and the sources are several kilobytes. */
	all = calloc(1, sizeof(*all));
	one = calloc(1, sizeof(*one));
	src = calloc(CRM_K_COUNT, sizeof(*src));
	if (all == NULL || one == NULL || src == NULL) {
		rc = crm_error_set(err, CRM_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < groups.n; i++) {
		rc = read_level(ctx, "group", groups.v[i], one, err);
		if (rc != 0)
			goto out;
		combine_group(all, src, one);
	}
	for (int k = 0; k < CRM_K_COUNT; k++) {
		if (!all->set[k])
			continue;
		take_value(pol, k, all);
		memcpy(pol->source[k], src[k], sizeof(pol->source[k]));
	}
	rc = read_level(ctx, "user", user, one, err);
	if (rc != 0)
		goto out;
	apply_level(pol, one, "user");
out:
	free(all);
	free(one);
	free(src);
	if (keep != NULL && rc == 0) {
		*keep = groups;
		return 0;
	}
	names_free(&groups);
	return rc;
}

int crm_user_lang(const struct crm_ctx *ctx, const char *user,
	char out[CRM_LANG_MAX + 1], struct crm_error *err)
{
	struct crm_account a;
	struct crm_policy pol;
	int own = !crm_db_in_transaction(ctx->db), r;

	out[0] = '\0';
	if (own && (r = crm_store_begin_read(ctx->db, err)) != CRM_OK)
		return r;
	r = crm_account_get(ctx->db, user, &a, err);
	if (r == CRM_OK && a.lang[0] != '\0') {
		crm_lang_pick(a.lang, NULL, out);
	} else if (r == CRM_OK || r == CRM_ENOENT) {
		r = crm_policy_resolve(ctx, user, &pol, err);
		if (r == CRM_OK)
			crm_lang_pick(NULL, pol.text[CRM_PT_LANG], out);
	}
	if (own) {
		if (r == CRM_OK)
			r = crm_store_commit(ctx->db, err);
		else
			crm_store_rollback(ctx->db);
	}
	sodium_memzero(&a, sizeof(a));
	return r;
}

/*
 * Error values of the core: a code plus a message in a caller-owned buffer,
 * and a growable list of problems for parsers that report every bad line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/error.h"

int crm_error_set(struct crm_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void crm_error_clear(struct crm_error *err)
{
	if (err == NULL)
		return;
	err->code = CRM_OK;
	err->msg[0] = '\0';
}

const char *crm_error_name(int code)
{
	switch (code) {
	case CRM_OK: return "success";
	case CRM_EINVAL: return "invalid input";
	case CRM_ECONF: return "configuration unusable";
	case CRM_ESTORE: return "store unavailable";
	case CRM_EKEY: return "key unusable";
	case CRM_ENOENT: return "not found";
	case CRM_EEXIST: return "already exists";
	case CRM_EPERM: return "permission denied";
	case CRM_EPOLICY: return "refused by policy";
	case CRM_ENOMEM: return "out of memory";
	case CRM_EIO: return "system error";
	default: return "unknown error";
	}
}

void crm_problems_init(struct crm_problems *p)
{
	p->n = 0;
	p->cap = 0;
	p->items = NULL;
}

int crm_problems_add(struct crm_problems *p, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		char **items = realloc(p->items, cap * sizeof(*items));

		if (items == NULL)
			return CRM_ENOMEM;
		p->items = items;
		p->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return CRM_ENOMEM;
	p->items[p->n++] = s;
	return CRM_OK;
}

void crm_problems_free(struct crm_problems *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i]);
	free(p->items);
	crm_problems_init(p);
}

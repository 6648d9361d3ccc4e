/*
 * RFC 4180 CSV: a reader that keeps the line every record starts on, so
 * that an import can name the line of each bad row, and the writer every
 * CSV output of crmpasswd uses. What is read may hold password hashes:
 * every buffer is wiped before it is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/csv.h"
#include "crmpolicy/i18n.h"

/* A growing text: the field being read. */
struct text {
	char *p;
	size_t len, cap;
};

/* Frees a text that may hold a secret (an imported hash), wiped. */
static void wipe_free(char *p, size_t len)
{
	if (p != NULL) {
		sodium_memzero(p, len);
		free(p);
	}
}

static int text_add(struct text *t, char c)
{
	if (t->len + 1 >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char *p = malloc(cap);

		/* Not realloc: the old copy is wiped, not left behind. */
		if (p == NULL)
			return -1;
		if (t->p != NULL)
			memcpy(p, t->p, t->len + 1);
		wipe_free(t->p, t->cap);
		t->p = p;
		t->cap = cap;
	}
	t->p[t->len++] = c;
	t->p[t->len] = '\0';
	return 0;
}

static int row_add(struct crm_csv_row *r, struct text *t)
{
	char **f;

	if (r->n == CRM_CSV_MAX_FIELDS)
		return 1;
	f = realloc(r->field, (r->n + 1) * sizeof(*f));
	if (f == NULL)
		return -1;
	r->field = f;
	r->field[r->n] = t->p ? t->p : strdup("");
	if (r->field[r->n] == NULL)
		return -1;
	r->n++;
	memset(t, 0, sizeof(*t));
	return 0;
}

static int csv_add(struct crm_csv *c, struct crm_csv_row *r)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct crm_csv_row *p = realloc(c->row, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		c->row = p;
		c->cap = cap;
	}
	c->row[c->n++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

static void row_free(struct crm_csv_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		wipe_free(r->field[i], strlen(r->field[i]));
	free(r->field);
	memset(r, 0, sizeof(*r));
}

void crm_csv_free(struct crm_csv *csv)
{
	for (size_t i = 0; i < csv->n; i++)
		row_free(&csv->row[i]);
	free(csv->row);
	memset(csv, 0, sizeof(*csv));
}

/* Ends the field in t and, at a record's end, the record. */
static int end_field(struct crm_csv *out, struct crm_csv_row *row,
	struct text *t, int record, long line, struct crm_error *err)
{
	int r = row_add(row, t);

	if (r > 0)
		return crm_error_set(err, CRM_EINVAL,
			_("line %ld: more than %d fields"), line,
			CRM_CSV_MAX_FIELDS);
	if (r == 0 && record)
		r = csv_add(out, row);
	return r == 0 ? CRM_OK : crm_error_set(err, CRM_ENOMEM,
		_("out of memory"));
}

int crm_csv_parse(const char *text, size_t len, struct crm_csv *out,
	struct crm_error *err)
{
	enum { START, PLAIN, QUOTED, CLOSED } st = START;
	struct crm_csv_row row;
	struct text t;
	long line = 1;
	size_t i = 0;
	int r = CRM_OK;

	memset(out, 0, sizeof(*out));
	memset(&row, 0, sizeof(row));
	memset(&t, 0, sizeof(t));
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < len && r == CRM_OK; i++) {
		char c = text[i];
		int eol = c == '\n' || (c == '\r' && i + 1 < len &&
			text[i + 1] == '\n');

		if (c == '\0') {
			r = crm_error_set(err, CRM_EINVAL,
				_("line %ld: a NUL byte"), line);
			break;
		}
		if (row.n == 0 && st == START && row.line == 0)
			row.line = line;
		switch (st) {
		case QUOTED:
			if (c == '"' && i + 1 < len && text[i + 1] == '"') {
				i++;
				r = text_add(&t, '"');
			} else if (c == '"') {
				st = CLOSED;
			} else {
				line += c == '\n';
				r = text_add(&t, c);
			}
			if (r < 0)
				r = crm_error_set(err, CRM_ENOMEM,
					_("out of memory"));
			continue;
		case START:
			if (c == '"') {
				st = QUOTED;
				continue;
			}
			/* A blank line between records is no record. */
			if (eol && row.n == 0) {
				i += c == '\r';
				line++;
				row.line = 0;
				continue;
			}
			/* fall through */
		case PLAIN:
		case CLOSED:
			if (c == ',' || eol) {
				r = end_field(out, &row, &t, eol, row.line, err);
				st = START;
				if (eol) {
					i += c == '\r';
					line++;
				}
			} else if (st == CLOSED) {
				r = crm_error_set(err, CRM_EINVAL, _("line %ld: "
					"text after a closing quote"), line);
			} else if (c == '"') {
				r = crm_error_set(err, CRM_EINVAL, _("line %ld: "
					"a quote inside an unquoted field"), line);
			} else {
				st = PLAIN;
				if (text_add(&t, c) != 0)
					r = crm_error_set(err, CRM_ENOMEM,
						_("out of memory"));
			}
			break;
		}
	}
	if (r == CRM_OK && st == QUOTED)
		r = crm_error_set(err, CRM_EINVAL,
			_("line %ld: a quoted field is not closed"), row.line);
	/* The last record may lack its line break. */
	if (r == CRM_OK && (st != START || row.n > 0))
		r = end_field(out, &row, &t, 1, row.line, err);
	wipe_free(t.p, t.cap);
	row_free(&row);
	if (r != CRM_OK)
		crm_csv_free(out);
	return r;
}

int crm_csv_read(const char *path, struct crm_csv *out, struct crm_error *err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, r;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return crm_error_set(err, CRM_EINVAL, "%s: %s", path,
			strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CRM_CSV_MAX_BYTES) {
		close(fd);
		return crm_error_set(err, CRM_EINVAL, _("%s: not a regular "
			"file of at most %ld bytes"), path, CRM_CSV_MAX_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	r = got == (size_t)st.st_size ? crm_csv_parse(buf, got, out, err) :
		crm_error_set(err, CRM_EIO, _("%s: cannot read it"), path);
	wipe_free(buf, (size_t)st.st_size + 1);
	return r;
}

void crm_csv_put(FILE *f, const char *s)
{
	/*
	 * A field that starts with a byte-order mark is quoted too: at the
	 * start of a file the reader would take the mark for the file's.
	 */
	if (strpbrk(s, ",\"\r\n") == NULL &&
	    strncmp(s, "\xef\xbb\xbf", 3) != 0) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void crm_csv_put_row(FILE *f, const char *const *fields, size_t n)
{
	/*
	 * A record of one empty field, written bare, would be an empty
	 * line, which a reader skips: it is quoted.
	 */
	if (n == 1 && (fields[0] == NULL || fields[0][0] == '\0')) {
		fputs("\"\"\r\n", f);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		crm_csv_put(f, fields[i] ? fields[i] : "");
	}
	fputs("\r\n", f);
}

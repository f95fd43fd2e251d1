/*
 * csv.c: RFC 4180 reading and writing.  Small enough to keep here
 * rather than pull in a library Debian does not package for C.
 */
#include "vakt/csv.h"

#include <stdlib.h>
#include <string.h>

struct parser {
	const char *s;
	size_t len, i;
	int line;
	struct vakt_buf field;
	struct vakt_csv_row row;
	size_t cap_fields;
};

static void
push_field(struct parser *p)
{
	if (p->row.n == p->cap_fields) {
		p->cap_fields = p->cap_fields == 0 ? 8 : p->cap_fields * 2;
		p->row.fields = vakt_xreallocarray(
		    p->row.fields, p->cap_fields, sizeof(*p->row.fields));
	}
	p->row.fields[p->row.n++] = vakt_buf_take(&p->field, NULL);
}

/* Read a quoted field after its opening quote; -1 if unterminated. */
static int
quoted(struct parser *p)
{
	for (; p->i < p->len; p->i++) {
		char c = p->s[p->i];

		if (c == '"' && p->i + 1 < p->len && p->s[p->i + 1] == '"') {
			vakt_buf_add(&p->field, "\"", 1);
			p->i++;
		} else if (c == '"') {
			p->i++;
			return 0;
		} else {
			if (c == '\n')
				p->line++;
			vakt_buf_add(&p->field, &c, 1);
		}
	}
	return -1;
}

static void
row_free(struct vakt_csv_row *r)
{
	for (size_t k = 0; k < r->n; k++)
		free(r->fields[k]);
	free(r->fields);
}

static void
add_row(struct parser *p, struct vakt_csv_row **rows, size_t *n, size_t *cap)
{
	bool blank = p->row.n == 1 && p->row.fields[0][0] == '\0';

	if (blank) {
		row_free(&p->row);
	} else {
		if (*n == *cap) {
			*cap = *cap == 0 ? 64 : *cap * 2;
			*rows = vakt_xreallocarray(*rows, *cap, sizeof(**rows));
		}
		(*rows)[(*n)++] = p->row;
	}
	memset(&p->row, 0, sizeof(p->row));
	p->cap_fields = 0;
}

/*
 * A NUL byte is bad data, never text: refuse the file, naming the line.
 * Checked first and over the whole input, because the field scanner's
 * strchr(",\r\n", c) matches a NUL (the terminator) and would stop
 * there without consuming it, and a quoted field would keep it and cut
 * the C string short.
 */
static int
nul_check(const char *text, size_t len, struct vakt_err *err)
{
	const char *nul = memchr(text, '\0', len);
	int line = 1;

	if (nul == NULL)
		return 0;
	for (const char *p = text; p < nul; p++)
		if (*p == '\n')
			line++;
	vakt_err_data(err, "line %d: a NUL byte (not text)", line);
	return -1;
}

int
vakt_csv_parse(const char *text, size_t len, struct vakt_csv_row **rows,
    size_t *n, struct vakt_err *err)
{
	struct parser p = {.s = text, .len = len, .line = 1};
	size_t cap = 0;

	*rows = NULL;
	*n = 0;
	if (nul_check(text, len, err) == -1)
		return -1;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p.i = 3;
	while (p.i < p.len) {
		p.row.line = p.line;
		for (;;) { /* one row */
			int start = p.line;

			if (p.i < p.len && p.s[p.i] == '"') {
				p.i++;
				if (quoted(&p) == -1) {
					vakt_err_data(err,
					    "line %d: unterminated "
					    "quoted field",
					    start);
					goto bad;
				}
			}
			while (p.i < p.len &&
			    memchr(",\r\n", p.s[p.i], 3) == NULL) {
				if (p.s[p.i] == '"') {
					vakt_err_data(err,
					    "line %d: quote inside "
					    "an unquoted field",
					    p.line);
					goto bad;
				}
				vakt_buf_add(&p.field, &p.s[p.i++], 1);
			}
			push_field(&p);
			if (p.i < p.len && p.s[p.i] == ',') {
				p.i++;
				continue;
			}
			if (p.i < p.len && p.s[p.i] == '\r')
				p.i++;
			if (p.i < p.len && p.s[p.i] == '\n') {
				p.i++;
				p.line++;
			}
			break;
		}
		add_row(&p, rows, n, &cap);
	}
	return 0;
bad:
	vakt_buf_free(&p.field);
	row_free(&p.row);
	vakt_csv_free(*rows, *n);
	*rows = NULL;
	*n = 0;
	return -1;
}

void
vakt_csv_free(struct vakt_csv_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		row_free(&rows[i]);
	free(rows);
}

void
vakt_csv_field(struct vakt_buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		vakt_buf_puts(b, s);
		return;
	}
	vakt_buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			vakt_buf_add(b, "\"", 1);
		vakt_buf_add(b, s, 1);
	}
	vakt_buf_add(b, "\"", 1);
}

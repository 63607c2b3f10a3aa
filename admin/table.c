/*
 * Aligned columns for coderank-admin's lists: every cell is kept until the
 * table is printed, so each column is as wide as its widest cell. Widths count
 * bytes: names and emails are mostly ASCII, and a wider character only shifts
 * the rest of its own line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "common/xalloc.h"

void table_init(struct admin_table *t, int ncols, const char *const *head)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cells = NULL;
	table_row(t, head);
}

void table_row(struct admin_table *t, const char *const *cells)
{
	size_t base = t->nrows * (size_t)t->ncols;

	t->cells = cr_xrealloc(t->cells, (base + (size_t)t->ncols) * sizeof(*t->cells));
	for (int i = 0; i < t->ncols; i++)
		t->cells[base + (size_t)i] = cr_xstrdup(cells[i] ? cells[i] : "");
	t->nrows++;
}

void table_result(struct admin_table *t, const PGresult *r)
{
	const char **row = cr_xcalloc((size_t)t->ncols, sizeof(*row));

	for (int i = 0; i < PQntuples(r); i++) {
		for (int j = 0; j < t->ncols; j++)
			row[j] = j >= PQnfields(r) || PQgetisnull(r, i, j) ? "-" :
				 PQgetvalue(r, i, j);
		table_row(t, row);
	}
	free(row);
}

void table_print(const struct admin_table *t, FILE *f)
{
	size_t *width = cr_xcalloc((size_t)t->ncols, sizeof(*width));

	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++) {
		size_t n = strlen(t->cells[i]);

		if (n > width[i % (size_t)t->ncols])
			width[i % (size_t)t->ncols] = n;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * (size_t)t->ncols + (size_t)c];

			if (c == t->ncols - 1)
				fprintf(f, "%s\n", cell);
			else
				fprintf(f, "%-*s  ", (int)width[c], cell);
		}
	}
	free(width);
}

void table_free(struct admin_table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

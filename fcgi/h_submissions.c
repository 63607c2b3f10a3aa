/* GET /submissions?page=&limit=: the caller's submissions, newest first, with the true total. */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>

#include "common/timefmt.h"
#include "fcgi/handlers.h"
#include "fcgi/stmts.h"
#include "fcgi/validate.h"

void submissions_list(struct api_call *c)
{
	struct verr e;
	int page, limit;
	char slimit[16], soffset[24];
	PGresult *r;

	if (validate_page(c->req->query, &page, &limit, &e)) {
		api_error(c, e.status, e.code, "%s", e.message);
		return;
	}
	snprintf(slimit, sizeof(slimit), "%d", limit);
	snprintf(soffset, sizeof(soffset), "%lld", (long long)(page - 1) * limit);
	const char *values[3] = { c->user_id, slimit, soffset };
	r = api_exec(c, S_SUBMISSIONS, 3, values, NULL, NULL);
	if (!r)
		return;

	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	int64_t total = PQntuples(r) > 0 ? pgv_int64(r, 0, 0) : 0;
	for (int i = 0; i < PQntuples(r); i++) {
		if (PQgetisnull(r, i, 1))
			continue;	/* the one row of an empty page */
		char ts[CR_RFC3339_LEN + 1];
		struct json_object *s = json_object_new_object();
		cr_time_rfc3339(pgv_int64(r, i, 4), ts);
		json_object_object_add(s, "submission_id", json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(s, "language", json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(s, "status", json_object_new_string(PQgetvalue(r, i, 3)));
		json_object_object_add(s, "submitted_at", json_object_new_string(ts));
		json_object_array_add(list, s);
	}
	PQclear(r);
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "page", json_object_new_int(page));
	json_object_object_add(p, "limit", json_object_new_int(limit));
	json_object_object_add(p, "total", json_object_new_int64(total));
	json_object_object_add(o, "submissions", list);
	json_object_object_add(o, "pagination", p);
	api_json(c, 200, o);
}

/* GET /languages: the active rows of language_configs (no authentication). */
#include "config.h"

#include <json-c/json.h>

#include "fcgi/handlers.h"
#include "fcgi/stmts.h"

void languages_list(struct api_call *c)
{
	PGresult *r = api_exec(c, S_LANGUAGES, 0, NULL, NULL, NULL);
	struct json_object *o, *list;

	if (!r)
		return;
	o = json_object_new_object();
	list = json_object_new_array_ext(PQntuples(r));
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *l = json_object_new_object();
		json_object_object_add(l, "language_id", json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_object_add(l, "display_name", json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(l, "timeout_seconds", json_object_new_int(pgv_int(r, i, 2)));
		json_object_object_add(l, "max_memory_mb", json_object_new_int(pgv_int(r, i, 3)));
		json_object_array_add(list, l);
	}
	PQclear(r);
	json_object_object_add(o, "languages", list);
	api_json(c, 200, o);
}

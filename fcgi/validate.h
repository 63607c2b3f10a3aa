/*
 * Request validation, exactly per API.md: the body (UTF-8, then a JSON object),
 * the fields of register/login/execute, pagination and the other query
 * parameters, and the client's X-Request-Id. Pure functions, no I/O.
 *
 * On failure each fills a struct verr with the HTTP status, the error code of
 * API.md's table and a message for people, and returns -1.
 * Field pointers in the result structs borrow from the json_object that was
 * passed in (valid until it is put) and carry explicit lengths, because a JSON
 * string may hold "\u0000".
 */
#ifndef CR_FCGI_VALIDATE_H
#define CR_FCGI_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/compare.h"
#include "common/uuid.h"

/* Items of a batch (POST /execute/batch), ids of GET /execute?ids=. */
#define BATCH_MAX 20

struct cr_buf;
struct json_object;

struct verr {
	int status;		/* 400, 413, 415 */
	const char *code;	/* "invalid_json", "validation_failed", ... */
	char message[200];
	const char *field;	/* the body field at fault, NULL when none (validate_execute) */
};

struct vlimits {
	size_t max_body;	/* bytes of a whole body */
	size_t max_source;	/* bytes of source_code and files together */
	size_t max_input;	/* bytes of input, or of every test case's input and expected output */
	int max_tests;		/* items of test_cases, at most VALIDATE_TESTS_MAX */
};

struct v_str { const char *s; size_t len; };

struct register_req { struct v_str username, email, password; };
struct login_req { struct v_str email, password; };
/*
 * time_limit_ms, memory_limit_mb: 0 when absent (the language's); at most its
 * caps (SQL). tests and files borrow the arrays of the body, NULL when absent;
 * their items are checked here, except what needs the language's row (a file
 * named like the entry file, the cases' total run time): the insert's.
 */
struct execute_req {
	struct v_str language, source, input;
	int time_limit_ms, memory_limit_mb;
	struct json_object *tests;	/* test_cases: [{name?, input?, expected_output?}] */
	struct json_object *files;	/* files: [{name, content}] */
	enum cr_compare compare;	/* CR_COMPARE_DEFAULT when absent */
	double epsilon;			/* CR_COMPARE_EPSILON_DEFAULT when absent */
	bool stop_on_first_failure;
	struct v_str callback_url;	/* s NULL when absent; checked by fcgi/callback.h */
};

#define VALIDATE_TESTS_MAX 64
#define VALIDATE_FILES_MAX 32
#define VALIDATE_TEST_NAME_MAX 100	/* bytes of a test case's name */

#define VALIDATE_TIME_LIMIT_MS_MIN 1
#define VALIDATE_MEMORY_LIMIT_MB_MIN 32	/* the runner itself needs some */

/* Content-Type check (415): application/json, charset utf-8 if any. */
int validate_media_type(const char *content_type, size_t body_len, struct verr *e);
/* Parse body into a JSON object (caller json_object_put()s *out). 413/400. */
int validate_body(const struct cr_buf *body, bool too_large, size_t max_body,
		  struct json_object **out, struct verr *e);

int validate_register(struct json_object *o, struct register_req *r, struct verr *e);
int validate_login(struct json_object *o, struct login_req *r, struct verr *e);
int validate_execute(struct json_object *o, const struct vlimits *lim,
		     struct execute_req *r, struct verr *e);

/*
 * POST /execute/batch: o is {"submissions": [...]} with 1 to BATCH_MAX items;
 * *items borrows the array from o. The items themselves are checked one by one
 * with validate_batch_item(), so that the first invalid one is named.
 */
int validate_batch(struct json_object *o, struct json_object **items, size_t *n,
		   struct verr *e);
/* Item i of the array, as validate_execute(); the message names it ("submissions[i].field: ..."). */
int validate_batch_item(struct json_object *items, size_t i, const struct vlimits *lim,
			struct execute_req *r, struct verr *e);
/* Name item i in e, a failure of that item: "submissions[i].field: message". */
void validate_name_item(struct verr *e, size_t i);
/* The 400 of a language that no active language_configs row has. -1 always. */
int validate_unsupported(const struct v_str *language, struct verr *e);
/* The 400 of a per-request limit above the language's cap. -1 always. */
int validate_above_cap(struct verr *e, const char *field, int asked,
		       const struct v_str *language, int cap);
/* The 400 of test cases whose total run time is over max_test_work_seconds. -1 always. */
int validate_too_much_work(struct verr *e, int cases, long long case_ms, int max_seconds);
/* The 400 of a file in the place of the language's entry file. -1 always. */
int validate_entry_clash(struct verr *e, const char *entry);
/* ?wait= of a batch: absent, false or 0; true is 400 (a batch is never held). */
int validate_batch_wait(const char *query, struct verr *e);
/*
 * ?ids=a,b,c (required): 1 to BATCH_MAX distinct UUIDs, separated by ',' (or
 * its escape %2C), copied in order and canonical (lower-case) form into ids.
 */
int validate_ids(const char *query, char ids[][CR_UUID_LEN + 1], size_t *n, struct verr *e);

/* ?page=&limit= with defaults 1 and 20. */
int validate_page(const char *query, int *page, int *limit, struct verr *e);
/* ?wait=true|false|1|0 (absent: false). */
int validate_wait(const char *query, bool *wait, struct verr *e);

/* 1-64 characters of [A-Za-z0-9-_.] */
bool validate_request_id(const char *s);

bool validate_username(const char *s, size_t len);
bool validate_email(const char *s, size_t len);

#endif

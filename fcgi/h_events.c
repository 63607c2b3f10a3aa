/*
 * GET /execute/{id}/events: the submission's changes as a stream of
 * Server-Sent Events (text/event-stream), held like ?wait=true.
 *
 *   event: status                  at connection, then at every change seen
 *   data: {"submission_id":"…","status":"running"}
 *
 *   event: result                  once final: GET /execute/{id}'s document,
 *   data: {…}                      then the stream ends
 *
 * A change is seen when the dispatcher wakes the stream (the worker NOTIFYs
 * at claim, requeue and finish), so a status that lasted less than a round
 * trip may be skipped, never repeated or out of order. A comment line every
 * EVENTS_PING_MS keeps proxies from closing an idle stream. The stream ends
 * after api_events_max_seconds; a client reconnects for more.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/uuid.h"
#include "fcgi/handlers.h"
#include "fcgi/stmts.h"

#define EVENTS_PING_MS 15000
#define EVENT_STREAM "text/event-stream"

static int send_event(struct api_call *c, const char *name, const char *json, size_t len)
{
	struct cr_buf ev = CR_BUF_INIT;
	int rc;

	/* json-c writes no raw newline: one data line */
	cr_buf_addf(&ev, "event: %s\ndata: ", name);
	cr_buf_add(&ev, json, len);
	cr_buf_add(&ev, "\n\n", 2);
	rc = api_stream(c, ev.data, ev.len);
	cr_buf_release(&ev);
	return rc;
}

static int send_status(struct api_call *c, const char *id, const char *status)
{
	struct json_object *o = json_object_new_object();
	size_t len;
	const char *s;
	int rc;

	json_object_object_add(o, "submission_id", json_object_new_string(id));
	json_object_object_add(o, "status", json_object_new_string(status));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	rc = send_event(c, "status", s, len);
	json_object_put(o);
	return rc;
}

/* The stream's next events from S_EXEC_GET row r; true when it is over. */
static bool send_changes(struct api_call *c, const PGresult *r)
{
	const char *status = PQgetvalue(r, 0, EG_STATUS);
	bool final = execute_final(status);

	if (strcmp(status, c->hold.sent) != 0) {
		if (send_status(c, c->hold.id, status) != 0)
			return true;	/* the client went away */
		snprintf(c->hold.sent, sizeof(c->hold.sent), "%s", status);
	}
	if (!final)
		return false;
	/* the result document, built as GET builds it, goes out as the last event */
	execute_send_result(c, r);
	send_event(c, "result", c->resp->body.data, c->resp->body.len);
	return true;
}

static void events_resume(struct api_call *c, enum hold_wake why)
{
	PGresult *r;

	if (!c->hold.head_sent) {
		if (why == HOLD_GIVE_UP) {
			/* not held after all (no place, stopping): nothing was sent yet */
			c->hold.kind = HOLD_NONE;
			api_error(c, 503, "unavailable",
				  "too many requests held by this server, retry later");
			http_resp_header(c->resp, "Retry-After", "%d", 1);
			return;
		}
		c->hold.head_sent = true;
		if (api_stream_head(c, EVENT_STREAM) != 0) {
			c->hold.kind = HOLD_NONE;
			return;
		}
	}
	if (why == HOLD_PING) {
		if (api_stream(c, ": keep-alive\n\n", 14) != 0)
			c->hold.kind = HOLD_NONE;
		return;
	}
	c->resp->status = 200;			/* what the stream was, for the log */
	if (why != HOLD_CHECK) {
		c->hold.kind = HOLD_NONE;	/* timed out or stopping: the end */
		return;
	}
	r = execute_fetch(c, c->hold.id);
	if (!r || send_changes(c, r))
		c->hold.kind = HOLD_NONE;	/* gone, unreadable or final: the end */
	PQclear(r);
	c->resp->status = 200;
}

void execute_events(struct api_call *c)
{
	PGresult *r;

	if (!cr_uuid_valid(c->match.id)) {
		/* authentication (401) comes before validation (400) */
		if (api_check_user(c) == 0)
			api_error(c, 400, "validation_failed", "submission id must be a UUID");
		return;
	}
	r = execute_fetch(c, c->match.id);
	if (!r)
		return;
	memset(&c->hold, 0, sizeof(c->hold));
	c->hold.kind = HOLD_EVENTS;
	snprintf(c->hold.id, sizeof(c->hold.id), "%s", PQgetvalue(r, 0, EG_ID));
	c->hold.seconds = c->api->cfg->api_events_max_seconds;
	c->hold.every_status = true;
	c->hold.ping_ms = EVENTS_PING_MS;
	c->hold.resume = events_resume;
	if (execute_final(PQgetvalue(r, 0, EG_STATUS))) {
		/* nothing to wait for: the whole stream now */
		c->hold.head_sent = true;
		if (api_stream_head(c, EVENT_STREAM) == 0)
			send_changes(c, r);
		c->hold.kind = HOLD_NONE;
		c->resp->status = 200;
	}
	PQclear(r);
}

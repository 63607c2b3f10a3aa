/*
 * One responder process: an acceptor thread, api_threads request threads, and
 * the dispatcher of held requests (waiters.h), over one shared struct api.
 *
 * The acceptor takes connections from the listen socket (shared with the other
 * responders; EPOLLEXCLUSIVE wakes one process per connection) and queues them.
 * A request thread reads the FastCGI request and runs it; one that is held is
 * parked and the thread goes on with the queue; the dispatcher queues it again
 * when it is to run. Returns when SIGTERM or SIGINT has stopped everything:
 * held requests are answered as they stand, requests in progress finish.
 */
#ifndef CR_FCGI_SERVER_H
#define CR_FCGI_SERVER_H

#include "common/conf.h"

struct api_shm;

void server_run(int slot, int listen_fd, const struct cr_config *cfg, struct api_shm *shm);

#endif

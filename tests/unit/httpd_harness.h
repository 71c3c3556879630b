/*
 * httpd_harness - a canned-reply HTTP/1.1 server on a loopback thread, shared
 * by the unit tests that drive a real client (http, creds, s3client).
 *
 * Request i is answered with replies[i]: set them in the initializer (kept,
 * not copied) or queue them with httpd_reply (owned by the server).  A
 * connection is kept alive until a reply says "Connection: close", or closed
 * after every reply with one_per_conn.  HTTPD_HANGUP reads the request and
 * closes without a word.  Once the replies run out the server accepts no new
 * connection, but a further request on an open one is still read and
 * counted, then hung up on, so a test sees every request the client sent.
 *
 *	struct httpd s = { .one_per_conn = true };
 *	httpd_reply(&s, "200 OK", "", "hello");
 *	httpd_start(&s);
 *	... point the client at httpd_url(&s, "/path") ...
 *	httpd_stop(&s);		// waits for the server thread
 *	... check s.nreq, s.seen, s.req[i] ...
 *	httpd_release(&s);
 */
#ifndef TESTS_HTTPD_HARNESS_H
#define TESTS_HTTPD_HARNESS_H

#include "roma.h"
#include "net/http.h"
#include "net/tls.h"
#include "util/buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#define HTTPD_MAXREQ 8

/* A reply that sends nothing: the connection just closes. */
static UNUSED const char HTTPD_HANGUP[] = "(hang up)";

struct httpd {
	/* Set before httpd_start. */
	const char *replies[HTTPD_MAXREQ];
	bool one_per_conn;
	/* Called with request i read, before its reply (e.g. to cancel). */
	void (*on_request)(int i, void *arg);
	void *arg;
	/* Read after httpd_stop (or once the reply to a request is in). */
	int port;
	int nconn, nreq;
	struct buf seen;              /* every request, back to back */
	struct buf req[HTTPD_MAXREQ]; /* request i alone */
	/* The harness's own. */
	int lfd;
	pthread_t tid;
	char *owned[HTTPD_MAXREQ]; /* replies made by httpd_reply */
	char url[96];
};

static UNUSED int
httpd_listen_any(int *port)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Append to `b` until it holds `want` bytes; false at EOF or timeout. */
static UNUSED bool
httpd_fill(int fd, struct buf *b, size_t want)
{
	char chunk[4096];
	ssize_t n;

	while (b->len < want) {
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			return false;
		buf_add(b, chunk, (size_t)n);
	}
	return true;
}

/* Read one request, headers and Content-Length body, into `b`. */
static UNUSED bool
httpd_read(int fd, struct buf *b)
{
	const char *end, *cl;
	size_t want = 0;

	while ((end = strstr(b->ptr, "\r\n\r\n")) == NULL)
		if (!httpd_fill(fd, b, b->len + 1))
			return false;
	if ((cl = strcasestr(b->ptr, "\r\nContent-Length:")) && cl < end)
		want = strtoul(cl + 17, NULL, 10);
	return httpd_fill(fd, b, (size_t)(end + 4 - b->ptr) + want);
}

/* Read and record the next request; the records are complete before the
 * reply goes out, so the test may look at them once it has the reply. */
static UNUSED bool
httpd_take(struct httpd *s, int fd)
{
	struct buf b = BUF_INIT;

	if (!httpd_read(fd, &b)) {
		buf_release(&b);
		return false;
	}
	buf_add(&s->seen, b.ptr, b.len);
	s->req[s->nreq] = b;
	return true;
}

/* Answer requests on `fd` until a reply or the client ends it. */
static UNUSED void
httpd_conn(struct httpd *s, int fd)
{
	const char *r;

	while (s->nreq < HTTPD_MAXREQ && httpd_take(s, fd)) {
		if (s->on_request != NULL)
			s->on_request(s->nreq, s->arg);
		r = s->replies[s->nreq++];
		if (r == NULL || r == HTTPD_HANGUP)
			break;
		if (write(fd, r, strlen(r)) < 0 || s->one_per_conn ||
		    strstr(r, "Connection: close"))
			break;
	}
}

static UNUSED void *
httpd_serve(void *arg)
{
	struct httpd *s = arg;
	struct timeval tv = { 5, 0 };
	int fd;

	while (s->nreq < HTTPD_MAXREQ && s->replies[s->nreq]) {
		if ((fd = accept(s->lfd, NULL, NULL)) < 0)
			break; /* httpd_stop shut the listener */
		s->nconn++;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		httpd_conn(s, fd);
		close(fd);
	}
	return NULL;
}

/* Queue a reply with `hdrs` (whole lines) and a matching Content-Length. */
static UNUSED void
httpd_reply(
    struct httpd *s, const char *status, const char *hdrs, const char *body)
{
	struct buf b = BUF_INIT;
	int i = 0;

	while (i < HTTPD_MAXREQ && s->replies[i])
		i++;
	assert_true(i < HTTPD_MAXREQ);
	buf_addf(&b, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n\r\n%s", status,
	    hdrs, strlen(body), body);
	s->replies[i] = s->owned[i] = buf_detach(&b, NULL);
}

static UNUSED void
httpd_start(struct httpd *s)
{
	int i;

	buf_init(&s->seen, 0);
	for (i = 0; i < HTTPD_MAXREQ; i++)
		buf_init(&s->req[i], 0);
	s->lfd = httpd_listen_any(&s->port);
	assert_int_equal(pthread_create(&s->tid, NULL, httpd_serve, s), 0);
}

/* For a test's http clients: curl's global init and the system CA bundle,
 * with the variables that would point elsewhere cleared. */
static UNUSED void
httpd_client_init(struct tls_ca *ca)
{
	assert_int_equal(http_global_init(), 0);
	unsetenv("AWS_CA_BUNDLE");
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	unsetenv("CURL_CA_BUNDLE");
	assert_int_equal(tls_ca_find(NULL, ca, NULL), 0);
}

/* "http://127.0.0.1:PORT" and `path`, kept in `s`. */
static UNUSED const char *
httpd_url(struct httpd *s, const char *path)
{
	snprintf(
	    s->url, sizeof(s->url), "http://127.0.0.1:%d%s", s->port, path);
	return s->url;
}

/* Stop accepting and wait for the server: a connection it is still on
 * ends when the client hangs up (or after 5s). */
static UNUSED void
httpd_stop(struct httpd *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->tid, NULL);
	close(s->lfd);
}

static UNUSED void
httpd_release(struct httpd *s)
{
	int i;

	buf_release(&s->seen);
	for (i = 0; i < HTTPD_MAXREQ; i++) {
		buf_release(&s->req[i]);
		free(s->owned[i]);
		s->owned[i] = NULL;
	}
}

#endif

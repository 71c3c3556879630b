/*
 * http - HTTP(S) requests over libcurl; the only module that includes
 * <curl/curl.h>.  A client shares its DNS cache and TLS sessions across
 * requests and threads, and keeps a small pool of easy handles whose
 * connections stay alive between requests (curl does not support sharing
 * one connection cache between concurrent threads).  TLS is always
 * verified, against the trust net/tls chose; only http and https are
 * spoken and redirects are not followed.  With LOG_HTTP at trace level the
 * request and response headers, never bodies, go through the redacting
 * logger.  No retries here: callers decide what is safe to repeat.
 */
#ifndef NET_HTTP_H
#define NET_HTTP_H

#include "roma.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct rerr;
struct tls_ca;
struct http_client;

struct http_opts {
	const struct tls_ca *ca; /* required; copied */
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;         /* whole request; 0: none */
	long low_speed_limit;    /* bytes/s below which a transfer stalls; */
	long low_speed_time;     /* for this many s (0: 1 B/s for 30 s) */
	const char *user_agent;  /* NULL: "roma/<version>" */
	unsigned pool_size;      /* idle handles kept; 0: 8 */
};

struct http_req {
	const char *method; /* NULL: GET */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" lines */
	/* Request body: from memory, or pulled from `read` (which returns the
	 * bytes written into `dst`, 0 at the end, or -errno), `body_len` bytes
	 * either way.  PUT and POST send one, even empty. */
	const void *body;
	ssize_t (*read)(void *dst, size_t n, void *arg);
	void *read_arg;
	uint64_t body_len;
	/* Response body: a status < 300 goes to `write` (returning 0 or
	 * -errno) if set; otherwise, and for error replies always, into
	 * resp->body, at most `body_max` bytes (0: 16 MiB) else -E2BIG. */
	int (*write)(const void *p, size_t n, void *arg);
	void *write_arg;
	size_t body_max;
	long timeout_ms; /* 0: the client's */
};

struct http_resp {
	int status;            /* 0 until a status line arrives */
	char status_line[128]; /* "HTTP/1.1 200 OK", without CRLF */
	struct buf hdrs;       /* "name\0value\0" pairs of the final reply */
	struct buf body;
};

#define HTTP_RESP_INIT                    \
	{                                 \
		0, "", BUF_INIT, BUF_INIT \
	}

/* curl_global_init, once; call early in main before any thread starts. */
int http_global_init(void);
/* libcurl's version, e.g. "8.14.1". */
const char *http_version(void);

struct http_client *http_client_new(const struct http_opts *o, struct rerr *e);
void http_client_free(struct http_client *c);

/*
 * Perform `req`.  Returns 0 when a complete response arrived, whatever its
 * status (look at resp->status), else -errno with `e` filled:
 * -ECONNREFUSED, -EHOSTUNREACH (no route, or the name does not resolve),
 * -ETIMEDOUT (connect, total or stall timeout), -ECONNRESET (reset, or a
 * reply cut short: retryable), -EKEYREJECTED (the server's certificate was
 * refused: the message names the CA source and how to change it), -EPROTO
 * (TLS handshake or malformed reply), -EINVAL (bad URL or unsupported
 * scheme), -E2BIG (reply body over the cap), -EINTR (this thread's
 * cancel flag, util/cancel.h, was set before or during the transfer: it is
 * polled at least about once a second), a callback's own -errno, or -EIO.
 * `resp` (initialised with HTTP_RESP_INIT) is reset first; release it even
 * on error.
 */
int http_do(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, struct rerr *e);
void http_resp_release(struct http_resp *resp);
/* The first value of header `name` (any case), or NULL. */
const char *http_resp_header(const struct http_resp *resp, const char *name);

/* Map a CURLcode, and the OS errno curl saw, to -errno. */
int http_map_error(int curlcode, int os_errno);
/* Log `n` bytes of header text line by line at trace level, each prefixed
 * with `dir` ('>' sent, '<' received, '*' curl's notes), redacted. */
void http_trace(char dir, const char *data, size_t n);

#endif

#include "roma.h"
#include "e2b/api.h"
#include "e2b/api_int.h"
#include "e2b/config.h"
#include "net/http.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include "build_info.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int
e2b_ca_env_error(int r, struct rerr *e)
{
	static const char flag[] = "--ca-bundle ";
	static const char fix[] = ": give a PEM CA bundle file";
	char msg[sizeof(e->msg)];
	size_t n;

	if (strncmp(e->msg, flag, strlen(flag)) != 0)
		return r;
	snprintf(msg, sizeof(msg), "%s", e->msg + strlen(flag));
	n = strlen(msg);
	if (n >= strlen(fix) && strcmp(msg + n - strlen(fix), fix) == 0)
		msg[n - strlen(fix)] = '\0';
	return rerr_set(e, r,
	    "E2B_CA_BUNDLE=%s: set E2B_CA_BUNDLE to a PEM CA bundle file or "
	    "unset it",
	    msg);
}

int
e2b_api_init(struct e2b_api *a, const struct e2b_config *cfg, struct rerr *e)
{
	struct http_opts o = { 0 };
	int r;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->retries = 3;
	a->busy_retries = 3;
	a->request_timeout_ms = 60000;
	a->stall_ms = cfg->stall_ms > 0 ? cfg->stall_ms : 30000;
	a->retry_budget_ms = 60000;
	if ((r = tls_ca_find(cfg->ca_bundle, &a->ca, e)) != 0)
		return cfg->ca_from_env ? e2b_ca_env_error(r, e) : r;
	o.ca = &a->ca;
	o.low_speed_time = (a->stall_ms + 999) / 1000;
	o.user_agent = "roma/" ROMA_VERSION;
	o.pool_size = 16;
	if ((a->http = http_client_new(&o, e)) == NULL)
		return e->err ? -e->err : -EIO;
	return 0;
}

void
e2b_api_release(struct e2b_api *a)
{
	http_client_free(a->http);
	tls_ca_release(&a->ca);
	memset(a, 0, sizeof(*a));
}

void
e2b_hdrs_add(struct e2b_hdrs *h, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (h->n + 1 >= ARRAY_SIZE(h->v))
		abort(); /* a programming error: the list is sized for us */
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	h->v[h->n++] = buf_detach(&b, NULL);
	h->v[h->n] = NULL;
}

void
e2b_hdrs_release(struct e2b_hdrs *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		explicit_bzero(h->v[i], strlen(h->v[i]));
		free(h->v[i]);
	}
	h->n = 0;
	h->v[0] = NULL;
}

static const char *
reason(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 409:
		return "Conflict";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 504:
		return "Gateway Timeout";
	default:
		return "error";
	}
}

/* The server's message: JSON "message", else the text, else a reason. */
static void
server_message(const struct json *j, int status, const char *body, size_t n,
    struct buf *out)
{
	const char *m = json_get_str(j, "message");

	while (n > 0 && strchr(" \r\n\t", body[n - 1]))
		n--;
	if (m && *m)
		buf_adds(out, m);
	else if (j == NULL && n > 0)
		buf_add(out, body, n > 300 ? 300 : n);
	else
		buf_adds(out, reason(status));
}

static bool
sandbox_op(enum e2b_op op)
{
	return op != E2B_OP_CREATE && op != E2B_OP_LIST;
}

int
e2b_api_error(enum e2b_op op, const char *id, int status, const char *body,
    size_t n, struct rerr *e)
{
	struct json *j = json_parse(body, n);
	struct buf m = BUF_INIT;
	double code = 0;
	int r;

	if (!json_is_obj(j)) {
		json_free(j);
		j = NULL;
	}
	json_get_num(j, "code", &code);
	server_message(j, status, body, n, &m);
	if (status == 401)
		r = rerr_http(e, -EACCES, status, "AuthenticationError", NULL,
		    "Unauthorized, please check your credentials. - %s", m.ptr);
	else if (status == 429)
		r = rerr_http(e, -EAGAIN, status, "RateLimitError", NULL,
		    "Rate limit exceeded, please try again later - %s", m.ptr);
	else if (status == 503)
		r = rerr_http(e, -EBUSY, status, "ServiceBusyError", NULL,
		    "Service temporarily unavailable, please retry - %s",
		    m.ptr);
	else if ((int)code == 404 && sandbox_op(op))
		r = rerr_http(e, -ENOENT, status, "SandboxNotFoundError", NULL,
		    "Sandbox %s not found", id ? id : "");
	else if ((int)code == 409 && op == E2B_OP_PAUSE)
		r = rerr_http(e, -EALREADY, status, "SandboxError", NULL,
		    "Sandbox %s is already paused - %s", id ? id : "", m.ptr);
	else
		r = rerr_http(e,
		    status == 400       ? -EINVAL
		        : status == 404 ? -ENOENT
		                        : -EIO,
		    status, "SandboxError", NULL, "%d: %s", status, m.ptr);
	buf_release(&m);
	json_free(j);
	return r;
}

long
e2b_api_retry_after(const char *v)
{
	long s = 0;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++) {
		s = s * 10 + (*v - '0');
		if (s > 86400)
			return -1;
	}
	while (*v == ' ')
		v++;
	return *v == '\0' ? s : -1;
}

long
e2b_api_backoff(unsigned attempt)
{
	uint32_t rnd = 0;
	long base = 500L << (attempt > 5 ? 5 : attempt);

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)time(NULL) * 2654435761u;
	/* Full jitter around the base: [base/2, base*3/2). */
	return base / 2 + (long)(rnd % (uint32_t)base);
}

void
e2b_api_sleep(struct e2b_api *a, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (a->sleep_ms) {
		a->sleep_ms(ms);
		return;
	}
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
e2b_api_json(const struct http_resp *resp, struct json **out, struct rerr *e)
{
	*out = json_parse(resp->body.ptr, resp->body.len);
	if (*out == NULL)
		return rerr_http(e, -EPROTO, resp->status, NULL, NULL,
		    "E2B API: the reply is not JSON (HTTP %d)", resp->status);
	return 0;
}

static bool
create_unplaced(const struct http_resp *resp)
{
	struct json *j = json_parse(resp->body.ptr, resp->body.len);
	const char *c = json_get_str(j, "error_code");
	bool r = c &&
	    (strcmp(c, "sandbox_capacity_unavailable") == 0 ||
	        strcmp(c, "sandbox_no_compatible_node") == 0);

	json_free(j);
	return r;
}

/* How long to wait before trying `c` again after `resp`, or -1. */
static long
retry_delay(struct e2b_api *a, const struct e2b_call *c,
    const struct http_resp *resp, unsigned attempt)
{
	long s;

	if (resp->status == 429) {
		if (attempt >= a->retries)
			return -1;
		s = e2b_api_retry_after(http_resp_header(resp, "Retry-After"));
		return s >= 0 ? s * 1000 : e2b_api_backoff(attempt);
	}
	if (resp->status != 502 && resp->status != 503 && resp->status != 504)
		return -1;
	if (attempt >= a->busy_retries)
		return -1;
	if (!c->idempotent &&
	    !(c->op == E2B_OP_CREATE && create_unplaced(resp)))
		return -1;
	return e2b_api_backoff(attempt);
}

static void
api_headers(struct e2b_api *a, const struct e2b_call *c, struct e2b_hdrs *h)
{
	if (a->cfg->api_key)
		e2b_hdrs_add(h, "X-API-Key: %s", a->cfg->api_key);
	e2b_hdrs_add(h, "Accept: application/json");
	if (c->body)
		e2b_hdrs_add(h, "Content-Type: application/json");
	e2b_hdrs_add(h, "Expect:");
}

static int
need_key(struct e2b_api *a, struct rerr *e)
{
	if (a->cfg->api_key)
		return 0;
	return rerr_http(e, -EACCES, 0, "AuthenticationError", NULL,
	    "API key is required: set E2B_API_KEY (in the environment or "
	    ".env) or use --api-key-file");
}

int
e2b_api_call(struct e2b_api *a, const struct e2b_call *c,
    struct http_resp *resp, struct rerr *e)
{
	struct http_req req = { 0 };
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT, body = BUF_INIT;
	long slept = 0, d;
	unsigned attempt;
	int r;

	if ((r = need_key(a, e)) != 0)
		return r;
	buf_addf(&url, "%s%s", a->cfg->api_url, c->path);
	if (c->body)
		json_print(c->body, &body);
	api_headers(a, c, &h);
	req.method = c->method;
	req.url = url.ptr;
	req.headers = (const char *const *)h.v;
	req.body = c->body ? body.ptr : NULL;
	req.body_len = body.len;
	req.timeout_ms = a->request_timeout_ms;
	for (attempt = 0;; attempt++) {
		log_debug(LOG_E2B, "%s %s", c->method, c->path);
		if ((r = http_do(a->http, &req, resp, e)) != 0)
			break;
		if (resp->status >= 200 && resp->status < 300)
			break;
		if (c->keep_404 && (resp->status == 404 || resp->status == 405))
			break;
		d = retry_delay(a, c, resp, attempt);
		if (d < 0 || slept + d > a->retry_budget_ms) {
			r = e2b_api_error(c->op, c->id, resp->status,
			    resp->body.ptr, resp->body.len, e);
			break;
		}
		log_info(LOG_E2B, "%s %s: HTTP %d, retrying in %ld ms",
		    c->method, c->path, resp->status, d);
		e2b_api_sleep(a, d);
		slept += d;
	}
	e2b_hdrs_release(&h);
	buf_release(&url);
	buf_release(&body);
	return r;
}

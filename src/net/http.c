#include "roma.h"
#include "net/http.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/cancel.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include "build_info.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HDRS_MAX           (256u << 10)
#define BODY_MAX           (16u << 20)
#define CONNECT_TIMEOUT_MS 10000L
#define LOW_SPEED_LIMIT    1L
#define LOW_SPEED_TIME     30L
#define POOL_SIZE          8u

struct http_client {
	struct tls_ca ca;
	long connect_timeout_ms, timeout_ms, low_speed_limit, low_speed_time;
	char *user_agent;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_lock;
	struct conn *pool;
	unsigned npool, pool_size;
};

/* A pooled handle, and the multi handle that runs it when its caller may
 * give up (made on first need); each keeps its own live connections. */
struct conn {
	CURL *h;
	CURLM *m;
};

/* One transfer's state, seen by the callbacks. */
struct xfer {
	CURL *h;
	CURLM *m;
	const struct http_req *req;
	struct http_resp *resp;
	uint64_t off;   /* bytes of a memory body sent */
	int cb_err;     /* -errno a callback stopped the transfer with */
	bool cancelled; /* this thread's cancel flag stopped it */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_rc;

static void
global_init(void)
{
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
http_global_init(void)
{
	pthread_once(&init_once, global_init);
	return init_rc == CURLE_OK ? 0 : -ENOMEM;
}

const char *
http_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	struct http_client *c = arg;

	(void)h;
	(void)access;
	pthread_mutex_lock(&c->locks[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct http_client *c = arg;

	(void)h;
	pthread_mutex_unlock(&c->locks[data]);
}

static void
client_opts(struct http_client *c, const struct http_opts *o)
{
	struct buf ua = BUF_INIT;

	tls_ca_copy(&c->ca, o->ca);
	c->connect_timeout_ms =
	    o->connect_timeout_ms ? o->connect_timeout_ms : CONNECT_TIMEOUT_MS;
	c->timeout_ms = o->timeout_ms;
	c->low_speed_limit =
	    o->low_speed_limit ? o->low_speed_limit : LOW_SPEED_LIMIT;
	c->low_speed_time =
	    o->low_speed_time ? o->low_speed_time : LOW_SPEED_TIME;
	if (o->user_agent)
		buf_adds(&ua, o->user_agent);
	else
		buf_adds(&ua, "roma/" ROMA_VERSION);
	c->user_agent = buf_detach(&ua, NULL);
	c->pool_size = o->pool_size ? o->pool_size : POOL_SIZE;
	c->pool = xcalloc(c->pool_size, sizeof(*c->pool));
}

struct http_client *
http_client_new(const struct http_opts *o, struct rerr *e)
{
	struct http_client *c;
	size_t i;

	if (o->ca == NULL || o->ca->source == NULL) {
		rerr_set(e, -EINVAL, "http: no CA trust source chosen");
		return NULL;
	}
	if (http_global_init() != 0) {
		rerr_set(e, -ENOMEM, "http: curl_global_init failed");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	client_opts(c, o);
	for (i = 0; i < ARRAY_SIZE(c->locks); i++)
		pthread_mutex_init(&c->locks[i], NULL);
	pthread_mutex_init(&c->pool_lock, NULL);
	if ((c->share = curl_share_init()) == NULL) {
		http_client_free(c);
		rerr_set(e, -ENOMEM, "http: curl_share_init failed");
		return NULL;
	}
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(
	    c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	return c;
}

void
http_client_free(struct http_client *c)
{
	size_t i;

	if (c == NULL)
		return;
	while (c->npool > 0) {
		c->npool--;
		curl_easy_cleanup(c->pool[c->npool].h);
		if (c->pool[c->npool].m)
			curl_multi_cleanup(c->pool[c->npool].m);
	}
	if (c->share)
		curl_share_cleanup(c->share);
	for (i = 0; i < ARRAY_SIZE(c->locks); i++)
		pthread_mutex_destroy(&c->locks[i]);
	pthread_mutex_destroy(&c->pool_lock);
	free(c->pool);
	free(c->user_agent);
	tls_ca_release(&c->ca);
	free(c);
}

static int
acquire(struct http_client *c, struct xfer *x)
{
	struct conn k = { NULL, NULL };

	pthread_mutex_lock(&c->pool_lock);
	if (c->npool > 0)
		k = c->pool[--c->npool];
	pthread_mutex_unlock(&c->pool_lock);
	if (k.h == NULL)
		k.h = curl_easy_init();
	x->h = k.h;
	x->m = k.m;
	return k.h != NULL ? 0 : -ENOMEM;
}

/* Back to the pool with its live connection; options are set afresh. */
static void
release(struct http_client *c, struct xfer *x)
{
	struct conn k = { x->h, x->m };

	curl_easy_reset(k.h);
	pthread_mutex_lock(&c->pool_lock);
	if (c->npool < c->pool_size) {
		c->pool[c->npool++] = k;
		k.h = NULL;
	}
	pthread_mutex_unlock(&c->pool_lock);
	if (k.h == NULL)
		return;
	curl_easy_cleanup(k.h);
	if (k.m)
		curl_multi_cleanup(k.m);
}

void
http_trace(char dir, const char *data, size_t n)
{
	const char *end = data + n, *nl;
	size_t len;

	while (data < end) {
		nl = memchr(data, '\n', (size_t)(end - data));
		len = (size_t)((nl ? nl : end) - data);
		if (len > 0 && data[len - 1] == '\r')
			len--;
		if (len > 0)
			log_trace(LOG_HTTP, "%c %.*s", dir, (int)len, data);
		data = nl ? nl + 1 : end;
	}
}

static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t n, void *arg)
{
	(void)h;
	(void)arg;
	if (type == CURLINFO_TEXT)
		http_trace('*', data, n);
	else if (type == CURLINFO_HEADER_OUT)
		http_trace('>', data, n);
	else if (type == CURLINFO_HEADER_IN)
		http_trace('<', data, n);
	return 0;
}

static void
status_line(struct http_resp *resp, const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n >= sizeof(resp->status_line))
		n = sizeof(resp->status_line) - 1;
	memcpy(resp->status_line, p, n);
	resp->status_line[n] = '\0';
}

/* Store "name\0value\0", both trimmed; -E2BIG past the cap. */
static int
add_header(struct buf *hdrs, const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n), *v;
	size_t nlen, vlen;
	int r;

	if (colon == NULL)
		return 0; /* the blank line, or an obsolete folded line */
	nlen = (size_t)(colon - p);
	while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
		nlen--;
	v = colon + 1;
	vlen = n - (size_t)(v - p);
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && strchr(" \t\r\n", v[vlen - 1]))
		vlen--;
	if ((r = buf_add(hdrs, p, nlen)) != 0 ||
	    (r = buf_addc(hdrs, '\0')) != 0 ||
	    (r = buf_add(hdrs, v, vlen)) != 0)
		return r;
	return buf_addc(hdrs, '\0');
}

static size_t
header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	int r;

	/* A new status line starts a new reply (after a 100 Continue). */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		buf_reset(&x->resp->hdrs);
		status_line(x->resp, p, n);
		return n;
	}
	if ((r = add_header(&x->resp->hdrs, p, n)) != 0) {
		x->cb_err = r;
		return 0;
	}
	return n;
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	long status = 0;
	int r;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (x->req->write && status < 300)
		r = x->req->write(p, n, x->req->write_arg);
	else
		r = buf_add(&x->resp->body, p, n);
	if (r != 0) {
		x->cb_err = r;
		return 0;
	}
	return n;
}

static size_t
read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nitems;
	ssize_t got;

	if (x->req->read) {
		got = x->req->read(dst, n, x->req->read_arg);
		if (got < 0) {
			x->cb_err = (int)got;
			return CURL_READFUNC_ABORT;
		}
		return (size_t)got;
	}
	if (n > x->req->body_len - x->off)
		n = (size_t)(x->req->body_len - x->off);
	if (n > 0)
		memcpy(dst, (const char *)x->req->body + x->off, n);
	x->off += n;
	return n;
}

/* Only a memory body can be sent again (after a redirect or auth). */
static int
seek_cb(void *arg, curl_off_t off, int origin)
{
	struct xfer *x = arg;

	if (x->req->read || origin != SEEK_SET || off < 0 ||
	    (uint64_t)off > x->req->body_len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->off = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static void
set_trust(CURL *h, const struct tls_ca *ca)
{
	struct curl_blob blob;

	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* Clear curl's built-in defaults so only the chosen source counts. */
	curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	if (ca->path && ca->is_dir) {
		curl_easy_setopt(h, CURLOPT_CAPATH, ca->path);
	} else if (ca->path) {
		curl_easy_setopt(h, CURLOPT_CAINFO, ca->path);
	} else {
		/* The client owns the PEM for longer than any transfer. */
		blob.data = ca->pem.ptr;
		blob.len = ca->pem.len;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
}

static void
set_method(CURL *h, struct xfer *x)
{
	const struct http_req *req = x->req;
	const char *m = req->method ? req->method : "GET";

	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (req->body || req->read || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "POST") == 0) {
		/* One upload path for every method that carries a body. */
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, x);
		curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_cb);
		curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
		curl_easy_setopt(
		    h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
		if (strcmp(m, "PUT") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	} else if (strcmp(m, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	}
}

static void
setup(struct http_client *c, CURL *h, struct xfer *x, struct curl_slist *hl,
    char *errbuf)
{
	long timeout = x->req->timeout_ms ? x->req->timeout_ms : c->timeout_ms;

	curl_easy_setopt(h, CURLOPT_URL, x->req->url);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, c->low_speed_limit);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->low_speed_time);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	set_trust(h, &c->ca);
	set_method(h, x);
	if (log_on(LOG_LEVEL_TRACE, LOG_HTTP)) {
		curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
		curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	}
}

int
http_map_error(int curlcode, int os_errno)
{
	switch (curlcode) {
	case CURLE_OK:
		return 0;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_SSL_CACERT_BADFILE: /* our trust store would not load */
	case CURLE_SSL_CERTPROBLEM:
		return -EINVAL;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		if (os_errno == EHOSTUNREACH || os_errno == ENETUNREACH ||
		    os_errno == ETIMEDOUT)
			return -os_errno;
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return -ECONNRESET;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return -EKEYREJECTED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_RANGE_ERROR:
	case CURLE_HTTP_RETURNED_ERROR:
		return -EPROTO;
	case CURLE_TOO_MANY_REDIRECTS:
		return -ELOOP;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	default:
		return -EIO;
	}
}

/* "scheme://host:port" of `url`: no user info, path or query (which may
 * hold a presigned signature). */
static void
url_origin(const char *url, struct buf *out)
{
	const char *p = strstr(url, "://"), *h, *end, *at;

	if (p == NULL) {
		buf_add(out, url, strcspn(url, "?#"));
		return;
	}
	h = p + 3;
	end = h + strcspn(h, "/?#");
	if ((at = memrchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	buf_add(out, url, (size_t)(p + 3 - url));
	buf_add(out, h, (size_t)(end - h));
}

/* mbedTLS lists verification problems one per line: make it one line. */
static void
squash_lines(struct buf *m)
{
	struct buf out = BUF_INIT;
	size_t i;

	while (m->len > 0 && strchr("\r\n ", m->ptr[m->len - 1]))
		buf_truncate(m, m->len - 1);
	for (i = 0; i < m->len; i++) {
		if (m->ptr[i] == '\n')
			buf_adds(&out, "; ");
		else if (m->ptr[i] != '\r')
			buf_addc(&out, m->ptr[i]);
	}
	buf_release(m);
	*m = out;
}

static int
fail(struct http_client *c, struct xfer *x, CURLcode rc, const char *errbuf,
    struct rerr *e)
{
	struct buf m = BUF_INIT;
	long os_errno = 0;
	int r;

	curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &os_errno);
	r = x->cb_err ? x->cb_err : http_map_error((int)rc, (int)os_errno);
	if (x->cancelled)
		r = -EINTR;
	url_origin(x->req->url, &m);
	buf_adds(&m, ": ");
	if (x->cancelled)
		buf_adds(&m, "interrupted: the caller gave up");
	else if (x->cb_err == -E2BIG)
		buf_addf(&m, "reply larger than the %zu bytes allowed",
		    x->resp->body.max);
	else if (x->cb_err)
		buf_addf(&m, "transfer stopped: %s", strerror(-x->cb_err));
	else if (r == -EKEYREJECTED)
		buf_addf(&m, "server certificate rejected: %s",
		    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else
		buf_adds(&m, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	squash_lines(&m);
	if (r == -EKEYREJECTED || rc == CURLE_SSL_CACERT_BADFILE ||
	    rc == CURLE_SSL_CERTPROBLEM) {
		buf_adds(&m, " (CA: ");
		tls_ca_describe(&c->ca, &m);
		buf_adds(&m,
		    "; to trust another CA use --ca-bundle FILE or "
		    "AWS_CA_BUNDLE)");
	}
	log_redact(&m);
	rerr_set(e, r, "%s", m.ptr);
	buf_release(&m);
	return r;
}

static struct curl_slist *
header_list(const char *const *headers)
{
	struct curl_slist *l = NULL, *n;

	for (; headers && *headers; headers++) {
		if ((n = curl_slist_append(l, *headers)) == NULL) {
			curl_slist_free_all(l);
			abort(); /* like xmalloc: out of memory */
		}
		l = n;
	}
	return l;
}

/*
 * The transfer of a caller that may give up (util/cancel.h), through the
 * multi interface: the flag is checked every HTTP_POLL_MS even while the
 * connection is idle, where curl_easy_perform's progress callback runs
 * once a second.
 */
#define HTTP_POLL_MS 50

static CURLcode
perform_cancellable(struct xfer *x)
{
	CURLcode rc = CURLE_RECV_ERROR;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;

	if (x->m == NULL && (x->m = curl_multi_init()) == NULL)
		return CURLE_OUT_OF_MEMORY;
	if (curl_multi_add_handle(x->m, x->h) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running) {
		mc = curl_multi_perform(x->m, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(x->m, NULL, 0, HTTP_POLL_MS, NULL);
		if (mc != CURLM_OK)
			break;
		if (running && cancel_requested()) {
			x->cancelled = true;
			rc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
	}
	while ((msg = curl_multi_info_read(x->m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			rc = msg->data.result;
	curl_multi_remove_handle(x->m, x->h);
	return rc;
}

int
http_do(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, struct rerr *e)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct xfer x = { NULL, NULL, req, resp, 0, 0, false };
	struct curl_slist *hl = NULL;
	CURLcode rc;
	long status = 0;
	int r = 0;

	http_resp_release(resp);
	buf_init(&resp->hdrs, HDRS_MAX);
	buf_init(&resp->body, req->body_max ? req->body_max : BODY_MAX);
	if (cancel_requested())
		return rerr_set(e, -EINTR, "interrupted: the caller gave up");
	if (acquire(c, &x) != 0)
		return rerr_set(e, -ENOMEM, "http: curl_easy_init failed");
	hl = header_list(req->headers);
	setup(c, x.h, &x, hl, errbuf);
	rc = cancel_current() != NULL ? perform_cancellable(&x)
	                              : curl_easy_perform(x.h);
	if (rc != CURLE_OK) {
		r = fail(c, &x, rc, errbuf, e);
		goto out;
	}
	curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &status);
	resp->status = (int)status;
out:
	curl_slist_free_all(hl);
	release(c, &x);
	return r;
}

void
http_resp_release(struct http_resp *resp)
{
	resp->status = 0;
	resp->status_line[0] = '\0';
	buf_release(&resp->hdrs);
	buf_release(&resp->body);
}

const char *
http_resp_header(const struct http_resp *resp, const char *name)
{
	const char *p = resp->hdrs.ptr, *end = p + resp->hdrs.len, *v;

	while (p < end) {
		v = p + strlen(p) + 1;
		if (strcasecmp(p, name) == 0)
			return v;
		p = v + strlen(v) + 1;
	}
	return NULL;
}

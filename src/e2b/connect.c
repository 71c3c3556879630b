#include "roma.h"
#include "e2b/connect.h"
#include "util/json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int
e2b_connect_envelope(struct buf *out, unsigned flags, const void *p, size_t n)
{
	unsigned char h[5];
	int r;

	if (n > UINT32_MAX)
		return -E2BIG;
	h[0] = (unsigned char)flags;
	h[1] = (unsigned char)(n >> 24);
	h[2] = (unsigned char)(n >> 16);
	h[3] = (unsigned char)(n >> 8);
	h[4] = (unsigned char)n;
	if ((r = buf_add(out, h, sizeof(h))) != 0)
		return r;
	return buf_add(out, p, n);
}

void
e2b_cframer_init(struct e2b_cframer *f, size_t max)
{
	buf_init(&f->acc, 0);
	f->max = max ? max : E2B_CONNECT_MAX_MSG;
	f->ended = false;
}

void
e2b_cframer_release(struct e2b_cframer *f)
{
	buf_release(&f->acc);
}

static size_t
frame_len(const unsigned char *h)
{
	return (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 |
	    (size_t)h[4];
}

/* Check a header; 0 or -EPROTO. */
static int
check_header(const struct e2b_cframer *f, const unsigned char *h)
{
	if (f->ended || (h[0] & ~E2B_CONNECT_END) != 0)
		return -EPROTO;
	if (frame_len(h) > f->max)
		return -EPROTO;
	return 0;
}

static int
deliver(struct e2b_cframer *f, const unsigned char *h, const char *payload,
    e2b_cframe_fn fn, void *arg)
{
	if (h[0] & E2B_CONNECT_END)
		f->ended = true;
	return fn(h[0], payload, frame_len(h), arg);
}

/* Complete the frame in f->acc from `*p`; returns 0 with *used set. */
static int
fill_partial(struct e2b_cframer *f, const unsigned char *p, size_t n,
    size_t *used, e2b_cframe_fn fn, void *arg)
{
	size_t want, take;
	int r;

	*used = 0;
	if (f->acc.len < 5) {
		take = 5 - f->acc.len < n ? 5 - f->acc.len : n;
		buf_add(&f->acc, p, take);
		*used = take;
		if (f->acc.len < 5)
			return 0;
		if ((r = check_header(f, (unsigned char *)f->acc.ptr)) != 0)
			return r;
	}
	want = 5 + frame_len((unsigned char *)f->acc.ptr) - f->acc.len;
	take = want < n - *used ? want : n - *used;
	if ((r = buf_add(&f->acc, p + *used, take)) != 0)
		return r;
	*used += take;
	if (take < want)
		return 0;
	r = deliver(f, (unsigned char *)f->acc.ptr, f->acc.ptr + 5, fn, arg);
	buf_reset(&f->acc);
	return r;
}

int
e2b_cframer_feed(struct e2b_cframer *f, const void *data, size_t n,
    e2b_cframe_fn fn, void *arg)
{
	const unsigned char *p = data;
	size_t used, len;
	int r;

	if (f->acc.len > 0) {
		if ((r = fill_partial(f, p, n, &used, fn, arg)) != 0)
			return r;
		p += used;
		n -= used;
	}
	/* Whole frames straight from the input, without copying. */
	while (n >= 5) {
		if ((r = check_header(f, p)) != 0)
			return r;
		len = frame_len(p);
		if (n - 5 < len)
			break;
		if ((r = deliver(f, p, (const char *)p + 5, fn, arg)) != 0)
			return r;
		p += 5 + len;
		n -= 5 + len;
	}
	if (n > 0) {
		if (f->ended)
			return -EPROTO;
		return fill_partial(f, p, n, &used, fn, arg);
	}
	return 0;
}

static void
set_err(struct e2b_rpc_err *err, const char *code, const char *msg)
{
	snprintf(err->code, sizeof(err->code), "%s", code ? code : "");
	snprintf(err->msg, sizeof(err->msg), "%s", msg ? msg : "");
}

int
e2b_cframer_finish(const struct e2b_cframer *f, struct e2b_rpc_err *err)
{
	if (f->acc.len > 0) {
		set_err(err, "unknown", "stream cut short inside a frame");
		return -EPROTO;
	}
	if (!f->ended) {
		set_err(err, "unknown", "missing EndStreamResponse");
		return -EPROTO;
	}
	return 0;
}

/* Fill `err` from an object with "code" and "message"; false if none. */
static bool
error_of(const struct json *o, struct e2b_rpc_err *err)
{
	const char *code = json_get_str(o, "code");

	if (code == NULL)
		return false;
	set_err(err, code, json_get_str(o, "message"));
	return true;
}

int
e2b_connect_end(const char *p, size_t n, struct e2b_rpc_err *err)
{
	struct json *j = json_parse(p, n);
	const struct json *eo;
	int r = 0;

	set_err(err, "", "");
	if (!json_is_obj(j)) {
		set_err(err, "unknown", "malformed EndStreamResponse");
		r = -EPROTO;
	} else if ((eo = json_get(j, "error")) != NULL && !json_is_null(eo)) {
		if (!error_of(eo, err))
			set_err(err, "unknown", json_get_str(eo, "message"));
		r = 1;
	}
	json_free(j);
	return r;
}

bool
e2b_connect_error_body(const char *p, size_t n, struct e2b_rpc_err *err)
{
	struct json *j = json_parse(p, n);
	bool ok = json_is_obj(j) && error_of(j, err);

	json_free(j);
	return ok;
}

const char *
e2b_connect_code_of_http(int status)
{
	switch (status) {
	case 400:
		return "internal";
	case 401:
		return "unauthenticated";
	case 403:
		return "permission_denied";
	case 404:
		return "unimplemented";
	case 429:
	case 502:
	case 503:
	case 504:
		return "unavailable";
	default:
		return "unknown";
	}
}

static const struct {
	const char *code, *cls;
	int err;
} codes[] = {
	{ "canceled", "TimeoutError", ECANCELED },
	{ "invalid_argument", "InvalidArgumentError", EINVAL },
	{ "deadline_exceeded", "TimeoutError", ETIMEDOUT },
	{ "not_found", "NotFoundError", ENOENT },
	{ "already_exists", "SandboxError", EEXIST },
	{ "permission_denied", "SandboxError", EACCES },
	{ "resource_exhausted", "RateLimitError", EAGAIN },
	{ "failed_precondition", "SandboxError", EINVAL },
	{ "aborted", "SandboxError", ECONNABORTED },
	{ "out_of_range", "SandboxError", ERANGE },
	{ "unimplemented", "SandboxError", ENOSYS },
	{ "internal", "SandboxError", EIO },
	{ "unavailable", "TimeoutError", EHOSTDOWN },
	{ "data_loss", "SandboxError", EIO },
	{ "unauthenticated", "AuthenticationError", EACCES },
};

int
e2b_connect_errno(const char *code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(codes[i].code, code) == 0)
			return -codes[i].err;
	return -EIO;
}

const char *
e2b_connect_class(const char *code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(codes[i].code, code) == 0)
			return codes[i].cls;
	return "SandboxError";
}

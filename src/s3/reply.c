/*
 * The pure half of the S3 client (declared in client.h): what an S3 reply
 * means (errno, retryable or not), how long to wait before trying again,
 * HTTP dates, ETags, and the one place the clock is read.
 */
#include "roma.h"
#include "s3/client.h"
#include "util/str.h"
#include "util/time.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* S3 error codes whose errno is not the status's.  `retry`: the request
 * may be sent again as is. */
static const struct {
	const char *code;
	int err;
	bool retry;
} codes[] = {
	{ "NoSuchKey", -ENOENT, false },
	{ "NoSuchUpload", -ENOENT, false },
	{ "NoSuchVersion", -ENOENT, false },
	{ "NoSuchBucket", -ENXIO, false },
	{ "AccessDenied", -EACCES, false },
	{ "AllAccessDisabled", -EACCES, false },
	{ "AccountProblem", -EACCES, false },
	{ "InvalidAccessKeyId", -EACCES, false },
	{ "SignatureDoesNotMatch", -EACCES, false },
	{ "InvalidToken", -EACCES, false },
	{ "ExpiredToken", -EACCES, false },
	{ "TokenRefreshRequired", -EACCES, false },
	{ "InvalidObjectState", -EACCES, false },
	{ "BucketAlreadyExists", -EEXIST, false },
	{ "BucketAlreadyOwnedByYou", -EEXIST, false },
	{ "BucketNotEmpty", -ENOTEMPTY, false },
	{ "PreconditionFailed", -ESTALE, false },
	{ "InvalidRange", -ERANGE, false },
	{ "EntityTooLarge", -EFBIG, false },
	{ "KeyTooLongError", -ENAMETOOLONG, false },
	{ "RequestTimeTooSkewed", -ETIME, false },
	{ "NotImplemented", -EOPNOTSUPP, false },
	{ "MethodNotAllowed", -EOPNOTSUPP, false },
	{ "OperationAborted", -EBUSY, true },
	{ "SlowDown", -EAGAIN, true },
	{ "Throttling", -EAGAIN, true },
	{ "ThrottlingException", -EAGAIN, true },
	{ "RequestLimitExceeded", -EAGAIN, true },
	{ "ServiceUnavailable", -EAGAIN, true },
	{ "InternalError", -EAGAIN, true },
	{ "RequestTimeout", -ETIMEDOUT, true },
	{ "IncompleteBody", -ECONNRESET, true },
};

static int
code_index(const char *code)
{
	size_t i;

	if (code == NULL || *code == '\0')
		return -1;
	for (i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(codes[i].code, code) == 0)
			return (int)i;
	return -1;
}

static int
status_errno(int status)
{
	switch (status) {
	case 301:
	case 307:
	case 400:
		return -EINVAL;
	case 401:
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 405:
	case 501:
		return -EOPNOTSUPP;
	case 409:
		return -EBUSY;
	case 411:
		return -EINVAL;
	case 412:
		return -ESTALE;
	case 416:
		return -ERANGE;
	case 429:
	case 500:
	case 502:
	case 503:
		return -EAGAIN;
	case 504:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

int
s3_map_error(int status, const char *code)
{
	int i = code_index(code);

	return i >= 0 ? codes[i].err : status_errno(status);
}

bool
s3_retryable_status(int status, const char *code)
{
	int i = code_index(code);

	if (i >= 0 && codes[i].retry)
		return true;
	return status == 429 || status == 500 || status == 502 ||
	    status == 503 || status == 504;
}

bool
s3_retryable_errno(int err)
{
	/* Not -ECONNREFUSED: nothing listens, and waiting will not help. */
	return err == -ECONNRESET || err == -ETIMEDOUT || err == -EPIPE ||
	    err == -EBADMSG || err == -EAGAIN;
}

unsigned
s3_backoff_ms(unsigned attempt, unsigned base_ms, unsigned cap_ms, uint32_t rnd)
{
	uint64_t ceil = base_ms;
	unsigned i;

	for (i = 1; i < attempt && ceil < cap_ms; i++)
		ceil *= 2;
	if (ceil > cap_ms)
		ceil = cap_ms;
	/* Uniform in [0, ceil]: full jitter spreads a herd of retries. */
	return (unsigned)((uint64_t)rnd * (ceil + 1) >> 32);
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int
month_index(const char *m)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strncmp(m, months[i], 3) == 0)
			return i + 1;
	return -1;
}

/* Reuse the ISO 8601 parser so calendar arithmetic lives in one place. */
static int
to_time(int y, int mon, int d, int hh, int mm, int ss, time_t *t)
{
	char iso[32];

	if (y < 1970 || y > 9999 || mon < 1 || d < 1 || d > 31 || hh > 23 ||
	    mm > 59 || ss > 60)
		return -EINVAL;
	snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mon, d,
	    hh, mm, ss > 59 ? 59 : ss);
	return time_parse_iso8601(iso, t);
}

int
s3_parse_http_date(const char *s, time_t *t)
{
	char mon[4] = "", wd[16] = "", zone[4] = "";
	int d, y, hh, mm, ss, n = 0, m;

	if (s == NULL)
		return -EINVAL;
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &d, mon,
	        &y, &hh, &mm, &ss, zone, &n) == 8 &&
	    s[n] == '\0' && strcmp(zone, "GMT") == 0)
		goto found;
	/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
	n = 0;
	if (sscanf(s, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", wd, &d, mon,
	        &y, &hh, &mm, &ss, zone, &n) == 8 &&
	    s[n] == '\0' && strcmp(zone, "GMT") == 0) {
		y += y < 70 ? 2000 : 1900;
		goto found;
	}
	/* asctime: "Sun Nov  6 08:49:37 1994" */
	n = 0;
	if (sscanf(s, "%3s %3s %2d %2d:%2d:%2d %4d%n", wd, mon, &d, &hh, &mm,
	        &ss, &y, &n) == 7 &&
	    s[n] == '\0')
		goto found;
	return -EINVAL;
found:
	if ((m = month_index(mon)) < 0 || hh < 0 || mm < 0 || ss < 0)
		return -EINVAL;
	return to_time(y, m, d, hh, mm, ss, t);
}

time_t
s3_clock(void)
{
#ifdef ROMA_DEVBUILD
	const char *v = getenv("ROMA_TEST_NOW");
	uint64_t secs;
	time_t t;

	if (v && *v) {
		if (str_to_u64(v, INT64_MAX, &secs) == 0)
			return (time_t)secs;
		if (time_parse_iso8601(v, &t) == 0)
			return t;
	}
#endif
	return time(NULL);
}

void
s3_etag_unquote(const char *etag, char *out, size_t n)
{
	size_t len;

	if (n == 0)
		return;
	if (etag == NULL)
		etag = "";
	if (str_starts_with(etag, "W/"))
		etag += 2;
	len = strlen(etag);
	if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"') {
		etag++;
		len -= 2;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, etag, len);
	out[len] = '\0';
}

/*
 * rawreq - a raw HTTP/1.x request as text (the AWS SigV4 suite's .req
 * files, `roma s3 sign` input): parsed into a struct sigv4_req, and written
 * back out signed in the same form (.sreq).  Pure text work, util/ and
 * sigv4 only.
 */
#ifndef S3_RAWREQ_H
#define S3_RAWREQ_H

#include "roma.h"
#include "s3/sigv4.h"

#include <stddef.h>

struct buf;
struct rerr;

struct rawreq {
	struct sigv4_req req; /* points into this struct's memory */
	const char *target;   /* request target as given, e.g. "/a?b=c" */
	const char *version;  /* "HTTP/1.1" */
	struct sigv4_header *hdrs;
	char *work;      /* the split copy the strings live in */
	char *orig;      /* the input, verbatim */
	size_t head_len; /* request line and headers, no final EOL */
	int has_body;    /* a blank line ended the headers */
	int crlf;        /* lines ended in CRLF */
};

/*
 * rawreq_parse - parse `n` bytes at `p`: request line, header lines (a line
 * starting with a blank continues the previous header; LF or CRLF), then
 * optionally a blank line and the body.  Returns 0, or -EINVAL with `e`
 * saying why; on success release `r` with rawreq_release.
 */
int rawreq_parse(const void *p, size_t n, struct rawreq *r, struct rerr *e);
void rawreq_release(struct rawreq *r);
/* The first value of header `name` (any case), or NULL. */
const char *rawreq_header(const struct rawreq *r, const char *name);
/* Append the request as given plus the headers `s` lists, in the suite's
 * layout ("Name:value", "Authorization: value"), then the body. */
int rawreq_format(
    const struct rawreq *r, const struct sigv4_signed *s, struct buf *out);

#endif

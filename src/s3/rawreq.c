#include "roma.h"
#include "s3/rawreq.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Line cursor over the work copy. */
struct cursor {
	char *p;
	size_t n, pos;
};

/* The next line: NUL-terminate it in place and return it; *eol gets the
 * offset of its terminator.  NULL at the end of input. */
static char *
next_line(struct cursor *c, size_t *eol, int *crlf)
{
	char *line = c->p + c->pos, *nl;
	size_t len;

	if (c->pos >= c->n)
		return NULL;
	nl = memchr(line, '\n', c->n - c->pos);
	len = nl ? (size_t)(nl - line) : c->n - c->pos;
	c->pos += len + (nl != NULL);
	if (len > 0 && line[len - 1] == '\r') {
		len--;
		*crlf = 1;
	}
	*eol = (size_t)(line - c->p) + len;
	line[len] = '\0';
	return line;
}

static int
request_line(struct rawreq *r, char *line, struct rerr *e)
{
	char *sp1 = strchr(line, ' '), *sp2 = strrchr(line, ' '), *q;

	if (sp1 == NULL || sp1 == sp2 || sp1 == line ||
	    strncmp(sp2 + 1, "HTTP/", 5) != 0)
		return rerr_set(e, -EINVAL, "bad request line");
	*sp1 = *sp2 = '\0';
	r->req.method = line;
	r->target = sp1 + 1;
	r->version = sp2 + 1;
	if (*r->target == '\0')
		return rerr_set(e, -EINVAL, "bad request line");
	/* Split a copy of the target: the original stays for output. */
	r->req.path = xstrdup(r->target);
	if ((q = strchr(r->req.path, '?')) != NULL) {
		*q = '\0';
		r->req.query = q + 1;
	}
	return 0;
}

static int
header_line(struct rawreq *r, char *line, size_t *cap, struct rerr *e)
{
	char *colon = strchr(line, ':');

	if (colon == NULL || colon == line)
		return rerr_set(e, -EINVAL, "bad header line");
	*colon = '\0';
	if (r->req.nheaders == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		r->hdrs = xrealloc(r->hdrs, *cap * sizeof(*r->hdrs));
		r->req.headers = r->hdrs;
	}
	r->hdrs[r->req.nheaders].name = line;
	r->hdrs[r->req.nheaders].value = colon + 1;
	r->req.nheaders++;
	return 0;
}

/* A continuation: rejoin it to the previous header by turning the line
 * break between them back into blanks (the signer folds them). */
static int
continuation(struct rawreq *r, char *line, size_t prev_eol, struct rerr *e)
{
	char *p;

	if (r->req.nheaders == 0)
		return rerr_set(e, -EINVAL, "continuation before any header");
	for (p = r->work + prev_eol; p < line; p++)
		*p = ' ';
	return 0;
}

static int
parse_head(struct rawreq *r, struct cursor *c, struct rerr *e)
{
	size_t cap = 0, eol = 0, prev = 0;
	char *line;
	int r2;

	if ((line = next_line(c, &eol, &r->crlf)) == NULL)
		return rerr_set(e, -EINVAL, "empty request");
	if (strlen(line) != eol)
		return rerr_set(e, -EINVAL, "NUL byte in the request line");
	if ((r2 = request_line(r, line, e)) != 0)
		return r2;
	r->head_len = eol;
	while ((line = next_line(c, &eol, &r->crlf)) != NULL) {
		/* The head is text: a NUL would silently cut a string short. */
		if (strlen(line) != eol - (size_t)(line - r->work))
			return rerr_set(e, -EINVAL, "NUL byte in a header");
		if (*line == '\0') {
			r->has_body = 1;
			break;
		}
		if (*line == ' ' || *line == '\t')
			r2 = continuation(r, line, prev, e);
		else
			r2 = header_line(r, line, &cap, e);
		if (r2 != 0)
			return r2;
		prev = r->head_len = eol;
	}
	return 0;
}

int
rawreq_parse(const void *p, size_t n, struct rawreq *r, struct rerr *e)
{
	struct cursor c;
	int ret;

	memset(r, 0, sizeof(*r));
	r->orig = xmalloc(n + 1);
	memcpy(r->orig, p, n);
	r->orig[n] = '\0';
	r->work = xmalloc(n + 1);
	memcpy(r->work, p, n);
	r->work[n] = '\0';
	c.p = r->work;
	c.n = n;
	c.pos = 0;
	if ((ret = parse_head(r, &c, e)) != 0)
		goto out;
	if (r->has_body) {
		r->req.body = r->orig + c.pos;
		r->req.body_len = n - c.pos;
	}
out:
	if (ret != 0)
		rawreq_release(r);
	return ret;
}

void
rawreq_release(struct rawreq *r)
{
	free((char *)r->req.path);
	free(r->hdrs);
	free(r->work);
	free(r->orig);
	memset(r, 0, sizeof(*r));
}

const char *
rawreq_header(const struct rawreq *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->req.nheaders; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

int
rawreq_format(
    const struct rawreq *r, const struct sigv4_signed *s, struct buf *out)
{
	const char *eol = r->crlf ? "\r\n" : "\n";
	size_t i;
	int ret;

	if ((ret = buf_add(out, r->orig, r->head_len)) != 0)
		return ret;
	for (i = 0; i < s->nadded; i++) {
		const char *n = s->added[i].name;
		/* The suite puts a space after "Authorization:" only. */
		const char *sep = strcmp(n, "Authorization") == 0 ? ": " : ":";

		if ((ret = buf_addf(
		         out, "%s%s%s%s", eol, n, sep, s->added[i].value)) != 0)
			return ret;
	}
	if (r->has_body) {
		if ((ret = buf_addf(out, "%s%s", eol, eol)) != 0 ||
		    (ret = buf_add(out, r->req.body, r->req.body_len)) != 0)
			return ret;
	}
	return 0;
}

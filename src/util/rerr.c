#include "roma.h"
#include "util/rerr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
rerr_clear(struct rerr *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

static void
set_msg(struct rerr *e, const char *fmt, va_list ap)
{
	if (fmt)
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	else
		e->msg[0] = '\0';
}

int
rerr_set(struct rerr *e, int neg, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return neg;
	rerr_clear(e);
	e->err = -neg;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	return neg;
}

int
rerr_http(struct rerr *e, int neg, int status, const char *code,
    const char *request_id, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return neg;
	rerr_clear(e);
	e->err = -neg;
	e->http_status = status;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	snprintf(e->request_id, sizeof(e->request_id), "%s",
	    request_id ? request_id : "");
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	return neg;
}

const char *
rerr_str(const struct rerr *e)
{
	if (e->msg[0])
		return e->msg;
	return strerror(e->err ? e->err : EIO);
}

/*
 * Output helpers of `roma s3`: dates and sizes as the AWS CLI prints them,
 * a JSON text writer for --json, and the progress line.
 */
#include "roma.h"
#include "cmd/cmd_s3.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Dates and sizes ---- */

void
s3cmd_time_local(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, 32, "%19s", "-");
}

void
s3cmd_time_iso(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

void
s3cmd_human_size(uint64_t n, char out[32])
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB",
		"EiB" };
	double v = (double)n;
	size_t i;

	if (n == 1) {
		snprintf(out, 32, "1 Byte");
		return;
	}
	if (n < 1024) {
		snprintf(out, 32, "%u Bytes", (unsigned)n);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		v /= 1024.0;
		if (v < 1024.0 || i + 1 == ARRAY_SIZE(units))
			break;
	}
	snprintf(out, 32, "%.1f %s", v, units[i]);
}

/* ---- JSON ---- */

void
s3cmd_jinit(struct s3cmd_json *j)
{
	memset(j, 0, sizeof(*j));
	j->b = (struct buf)BUF_INIT;
}

static void
jesc(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_addc(b, '"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_addf(b, "\\u%04x", *p);
		} else {
			buf_addc(b, (char)*p);
		}
	}
	buf_addc(b, '"');
}

/* The comma and the key of a new member. */
static void
jkey(struct s3cmd_json *j, const char *key)
{
	if (j->depth > 0 && !j->first[j->depth])
		buf_addc(&j->b, ',');
	if (j->depth > 0)
		j->first[j->depth] = false;
	if (key) {
		jesc(&j->b, key);
		buf_addc(&j->b, ':');
	}
}

void
s3cmd_jopen(struct s3cmd_json *j, const char *key, char brace)
{
	jkey(j, key);
	buf_addc(&j->b, brace);
	if (j->depth + 1 < (int)ARRAY_SIZE(j->first))
		j->depth++;
	j->first[j->depth] = true;
}

void
s3cmd_jclose(struct s3cmd_json *j, char brace)
{
	buf_addc(&j->b, brace);
	if (j->depth > 0)
		j->depth--;
}

void
s3cmd_jstr(struct s3cmd_json *j, const char *key, const char *val)
{
	jkey(j, key);
	if (val)
		jesc(&j->b, val);
	else
		buf_adds(&j->b, "null");
}

void
s3cmd_ju64(struct s3cmd_json *j, const char *key, uint64_t v)
{
	jkey(j, key);
	buf_addf(&j->b, "%llu", (unsigned long long)v);
}

void
s3cmd_jbool(struct s3cmd_json *j, const char *key, bool v)
{
	jkey(j, key);
	buf_adds(&j->b, v ? "true" : "false");
}

void
s3cmd_jtime(struct s3cmd_json *j, const char *key, int64_t t)
{
	char iso[32];

	if (t == 0) {
		s3cmd_jstr(j, key, NULL);
		return;
	}
	s3cmd_time_iso(t, iso);
	s3cmd_jstr(j, key, iso);
}

void
s3cmd_jraw(struct s3cmd_json *j, const char *key, const char *text)
{
	jkey(j, key);
	buf_adds(&j->b, text);
}

void
s3cmd_jprint(struct s3cmd_json *j)
{
	fwrite(j->b.ptr, 1, j->b.len, stdout);
	fputc('\n', stdout);
	buf_release(&j->b);
}

void
s3cmd_jerror(struct s3cmd_json *j, const char *key, const char *what,
    const struct rerr *e)
{
	struct buf msg = BUF_INIT;

	s3cmd_error_text(what, e, &msg);
	s3cmd_jopen(j, key, '{');
	s3cmd_jstr(j, "message", msg.ptr);
	s3cmd_jstr(j, "code", e->code[0] ? e->code : NULL);
	s3cmd_ju64(j, "http_status", (uint64_t)e->http_status);
	s3cmd_jstr(j, "request_id", e->request_id[0] ? e->request_id : NULL);
	s3cmd_jclose(j, '}');
	buf_release(&msg);
}

/* ---- Progress ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
s3cmd_progress_init(struct s3cmd_progress *p, bool on)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	p->on = on && isatty(STDERR_FILENO);
	p->start_ms = now_ms();
}

void
s3cmd_progress_total(struct s3cmd_progress *p, uint64_t bytes, unsigned files)
{
	pthread_mutex_lock(&p->mu);
	p->total += bytes;
	p->files_left += files;
	pthread_mutex_unlock(&p->mu);
}

static void
erase(struct s3cmd_progress *p)
{
	if (p->width == 0)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->width = 0;
}

static void
draw(struct s3cmd_progress *p)
{
	char done[32], total[32], rate[32], line[160];
	int64_t ms = now_ms() - p->start_ms;
	int n;

	s3cmd_human_size(p->done, done);
	s3cmd_human_size(p->total, total);
	s3cmd_human_size(
	    ms > 0 ? (uint64_t)((double)p->done * 1000.0 / (double)ms) : 0,
	    rate);
	n = snprintf(line, sizeof(line),
	    "Completed %s/%s%s (%s/s) with %u file(s) remaining", done,
	    p->total ? total : "?", "", rate, p->files_left);
	if (n < 0)
		return;
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->width = (size_t)n;
}

void
s3cmd_progress_add(struct s3cmd_progress *p, uint64_t bytes)
{
	int64_t t;

	pthread_mutex_lock(&p->mu);
	p->done += bytes;
	if (p->on && ((t = now_ms()) - p->last_ms >= 100)) {
		p->last_ms = t;
		draw(p);
	}
	pthread_mutex_unlock(&p->mu);
}

void
s3cmd_progress_file_done(struct s3cmd_progress *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->files_left > 0)
		p->files_left--;
	pthread_mutex_unlock(&p->mu);
}

void
s3cmd_progress_println(struct s3cmd_progress *p, FILE *f, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&p->mu);
	erase(p);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	if (p->on)
		draw(p);
	pthread_mutex_unlock(&p->mu);
}

void
s3cmd_progress_end(struct s3cmd_progress *p)
{
	pthread_mutex_lock(&p->mu);
	erase(p);
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_destroy(&p->mu);
}

#include "roma.h"
#include "util/time.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); done by hand so no TZ or libc time state is touched. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
time_amzdate(time_t t, char *out)
{
	int64_t z, era, days = (int64_t)t / 86400, secs = (int64_t)t % 86400;
	unsigned doe, yoe, doy, mp, d, m;
	int64_t y;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (int64_t)yoe + era * 400 + (m <= 2);
	put_digits(out, (unsigned)(y % 10000), 4);
	put_digits(out + 4, m, 2);
	put_digits(out + 6, d, 2);
	out[8] = 'T';
	put_digits(out + 9, (unsigned)(secs / 3600), 2);
	put_digits(out + 11, (unsigned)(secs / 60 % 60), 2);
	put_digits(out + 13, (unsigned)(secs % 60), 2);
	out[15] = 'Z';
	out[16] = '\0';
}

/* `n` decimal digits at `s`, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

int
time_parse_iso8601(const char *s, time_t *t)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	char b[TIME_AMZDATE_LEN + 1];
	int y, mo, d, h, mi, sec;
	size_t i, j;

	/* Fold the extended form onto the basic one. */
	for (i = j = 0; s[i] != '\0' && j < sizeof(b) - 1; i++)
		if (!((i == 4 || i == 7) && s[i] == '-') &&
		    !((i == 13 || i == 16) && s[i] == ':'))
			b[j++] = s[i];
	b[j] = '\0';
	if (s[i] != '\0' || (i != 16 && i != 20) || j != 16 || b[8] != 'T' ||
	    b[15] != 'Z' || (i == 20 && (s[4] != '-' || s[13] != ':')))
		return -EINVAL;
	y = digits(b, 4);
	mo = digits(b + 4, 2);
	d = digits(b + 6, 2);
	h = digits(b + 9, 2);
	mi = digits(b + 11, 2);
	sec = digits(b + 13, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return -EINVAL;
	*t = (time_t)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec);
	return 0;
}

void
time_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int
time_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, long ms)
{
	struct timespec ts;

	time_deadline(&ts, ms);
	return pthread_cond_timedwait(cv, mu, &ts);
}

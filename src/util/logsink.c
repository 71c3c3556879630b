/*
 * logsink - file and syslog destinations for log lines (see logsink.h).
 */
#include "roma.h"
#include "util/log.h"
#include "util/logsink.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static int sink_fd = -1;
static bool sink_syslog;

/* Called under the logger's lock: one write per line, errors ignored. */
static void
file_sink(const char *line, void *arg)
{
	struct buf b = BUF_INIT;
	struct timeval tv;
	struct tm tm;
	char stamp[32];
	ssize_t n;

	(void)arg;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_addf(&b, "%s.%06ldZ [%ld] %s\n", stamp, (long)tv.tv_usec,
	    (long)getpid(), line);
	n = write(sink_fd, b.ptr, b.len);
	(void)n; /* a failed log write is dropped, never fatal */
	buf_release(&b);
}

static int
level_priority(const char *line)
{
	static const struct {
		const char *word;
		int prio;
	} map[] = {
		{ "roma: error", LOG_ERR },
		{ "roma: warning", LOG_WARNING },
		{ "roma: info", LOG_INFO },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (strncmp(line, map[i].word, strlen(map[i].word)) == 0)
			return map[i].prio;
	return LOG_DEBUG;
}

static void
syslog_sink(const char *line, void *arg)
{
	(void)arg;
	/* The tag already says roma: drop the "roma: " prefix. */
	syslog(level_priority(line), "%s",
	    strncmp(line, "roma: ", 6) == 0 ? line + 6 : line);
}

static void
close_current(void)
{
	if (sink_fd >= 0)
		close(sink_fd);
	sink_fd = -1;
	if (sink_syslog)
		closelog();
	sink_syslog = false;
}

/* mkdir -p of the directory part of `path`. */
static int
make_parents(const char *path)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		*s = '/';
	}
	free(p);
	return r;
}

int
logsink_file(const char *path, struct rerr *e)
{
	int fd, r;

	if ((r = make_parents(path)) != 0)
		return rerr_set(e, r, "cannot create the directory of %s: %s",
		    path, strerror(-r));
	fd = open(
	    path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return rerr_set(e, -errno, "cannot open log file %s: %s", path,
		    strerror(errno));
	log_set_sink(NULL, NULL);
	close_current();
	sink_fd = fd;
	log_set_sink(file_sink, NULL);
	return 0;
}

void
logsink_syslog(const char *ident)
{
	log_set_sink(NULL, NULL);
	close_current();
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sink_syslog = true;
	log_set_sink(syslog_sink, NULL);
}

bool
logsink_syslog_available(void)
{
	struct stat st;

	return stat("/dev/log", &st) == 0 && S_ISSOCK(st.st_mode);
}

char *
logsink_state_path(const char *name)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct buf b = BUF_INIT;

	if (state && *state == '/')
		buf_addf(&b, "%s/roma/%s", state, name);
	else if (home && *home)
		buf_addf(&b, "%s/.local/state/roma/%s", home, name);
	else
		return NULL;
	return buf_detach(&b, NULL);
}

void
logsink_reset(void)
{
	log_set_sink(NULL, NULL);
	close_current();
}

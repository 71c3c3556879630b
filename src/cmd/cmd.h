/*
 * cmd - the applets: argument parsing and output only.  The only layer that
 * prints for the user and decides exit statuses: 0 ok, 1 failure, 2 usage.
 */
#ifndef CMD_CMD_H
#define CMD_CMD_H

#include "roma.h"

#include <stddef.h>
#include <sys/types.h>

#define APPLET(name, fn, summary) int fn(int argc, char **argv);
#include "cmd/applets.def"
#undef APPLET

struct cmd_applet {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

extern const struct cmd_applet cmd_applets[];
extern const size_t cmd_napplets;

const struct cmd_applet *cmd_find(const char *name);

/*
 * Up to `max` bytes of the key file `path` into `buf` (one read: a pipe
 * works too): their count or -errno.  A regular file others may read gets
 * "PROG: warning: FLAGPATH is readable by other users ..." on stderr.
 */
ssize_t cmd_key_file_read(const char *path, char *buf, size_t max,
    const char *prog, const char *flag);

#endif

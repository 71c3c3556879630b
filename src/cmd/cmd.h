/*
 * cmd - the applets: argument parsing and output only.  The only layer that
 * prints for the user and decides exit statuses: 0 ok, 1 failure, 2 usage.
 */
#ifndef CMD_CMD_H
#define CMD_CMD_H

#include "roma.h"

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

#endif

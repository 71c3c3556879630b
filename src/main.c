/*
 * roma - one binary, many applets.  The applet is chosen by the name the
 * binary was invoked as (so a link named `goofys` runs that applet), then by
 * the first argument.  After the applet returns, stdout is flushed and a
 * write error turns into a failure: output that did not arrive is not success.
 */
#include "roma.h"
#include "cmd/cmd.h"
#include "net/http.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void
print_help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: roma APPLET [ARGS...]\n\napplets:\n");
	for (i = 0; i < cmd_napplets; i++)
		fprintf(f, "  %-12s %s\n", cmd_applets[i].name,
		    cmd_applets[i].summary);
	fprintf(f, "\n'roma APPLET --help' describes one applet.\n");
}

static int
finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A closed pipe (`roma ... | head`) is the reader's choice. */
		if (errno != EPIPE)
			fprintf(stderr, "roma: error writing to stdout: %s\n",
			    strerror(errno));
		return 1;
	}
	return status;
}

static int
run_help(int argc, char **argv)
{
	const struct cmd_applet *a;
	char *av[] = { NULL, "--help", NULL };

	if (argc < 3) {
		print_help(stdout);
		return 0;
	}
	if ((a = cmd_find(argv[2])) == NULL) {
		fprintf(stderr,
		    "roma: '%s' is not a roma applet; see 'roma help'\n",
		    argv[2]);
		return 2;
	}
	av[0] = argv[2];
	return a->fn(2, av);
}

int
main(int argc, char **argv)
{
	const struct cmd_applet *a;
	const char *self = argv[0] ? strrchr(argv[0], '/') : NULL;

	/* Network code must see EPIPE as an error, not die of the signal. */
	signal(SIGPIPE, SIG_IGN);
	log_init_env();
	/* curl's global state must be set up before any thread starts. */
	if (http_global_init() != 0) {
		fprintf(stderr, "roma: cannot initialise libcurl\n");
		return 1;
	}
	self = self ? self + 1 : (argv[0] ? argv[0] : "roma");
	if (strcmp(self, "roma") != 0 && (a = cmd_find(self)) != NULL)
		return finish(a->fn(argc, argv));
	if (argc < 2) {
		print_help(stderr);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return finish(run_help(argc, argv));
	if (strcmp(argv[1], "--version") == 0)
		return finish(cmd_version(argc - 1, argv + 1));
	/* mount.fuse (fstab type fuse.roma) runs `roma SOURCE DIR -o OPTS`. */
	if (cmd_find(argv[1]) == NULL && argc == 5 &&
	    strcmp(argv[3], "-o") == 0)
		return finish(cmd_mount(argc, argv));
	if ((a = cmd_find(argv[1])) == NULL) {
		fprintf(stderr,
		    "roma: '%s' is not a roma applet; see 'roma help'\n",
		    argv[1]);
		return 2;
	}
	return finish(a->fn(argc - 1, argv + 1));
}

#include "roma.h"
#include "cmd/cmd.h"

#include <string.h>

const struct cmd_applet cmd_applets[] = {
#define APPLET(name, fn, summary) { name, fn, summary },
#include "cmd/applets.def"
#undef APPLET
};

const size_t cmd_napplets = ARRAY_SIZE(cmd_applets);

const struct cmd_applet *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_napplets; i++)
		if (strcmp(cmd_applets[i].name, name) == 0)
			return &cmd_applets[i];
	return NULL;
}

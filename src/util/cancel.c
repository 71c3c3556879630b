#include "roma.h"
#include "util/cancel.h"

#include <stddef.h>

static _Thread_local struct cancel *current;

void
cancel_init(struct cancel *c)
{
	atomic_init(&c->on, false);
}

void
cancel_set(struct cancel *c)
{
	atomic_store(&c->on, true);
}

bool
cancel_is_set(struct cancel *c)
{
	return c != NULL && atomic_load(&c->on);
}

struct cancel *
cancel_watch(struct cancel *c)
{
	struct cancel *old = current;

	current = c;
	return old;
}

struct cancel *
cancel_current(void)
{
	return current;
}

bool
cancel_requested(void)
{
	return cancel_is_set(current);
}

#include "roma.h"
#include "fs/fuseop.h"

#define FUSE_USE_VERSION 317
#include <fuse_lowlevel.h>

const char *
fuseop_version(void)
{
	return fuse_pkgversion();
}

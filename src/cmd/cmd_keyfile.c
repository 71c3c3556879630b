/*
 * Reading a key file (roma mount --sse-c-file, roma s3 --sse-c-key
 * fileb://...): the bytes, and a warning when others may read them too.
 */
#include "roma.h"
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t
cmd_key_file_read(
    const char *path, char *buf, size_t max, const char *prog, const char *flag)
{
	struct stat st;
	ssize_t got;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	got = read(fd, buf, max);
	err = errno;
	/* A pipe (<(...), /dev/stdin) is fine: only a file has a mode to
	 * check. */
	if (got >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 044))
		fprintf(stderr,
		    "%s: warning: %s%s is readable by other users (mode %03o); "
		    "run: chmod 600 %s\n",
		    prog, flag, path, (unsigned)st.st_mode & 0777, path);
	close(fd);
	return got < 0 ? -err : got;
}

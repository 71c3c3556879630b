/*
 * The private staging dirs of dead mounts: a mount's dir holds a lock
 * file flock()ed by its daemon; a sweep removes the dirs whose lock is
 * free, and never a live one's, one without a lock file, or anything not
 * named like a staging dir.
 */
#include "fs_harness.h"

#include <dirent.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char base[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/roma-stg-test.XXXXXX");
	assert_non_null(mkdtemp(base));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* base/name, made with a file `lock` in it when `lock`. */
static void
make_dir(const char *name, bool lock, char *path, size_t n)
{
	char l[256];
	int fd;

	snprintf(path, n, "%s/%s", base, name);
	assert_int_equal(mkdir(path, 0700), 0);
	if (!lock)
		return;
	snprintf(l, sizeof(l), "%s/lock", path);
	fd = open(l, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1\n", 2), 2);
	close(fd);
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A child process holding `path`/lock, as a live daemon does. */
static pid_t
hold_lock(const char *path)
{
	char l[256];
	int p[2], fd;
	pid_t pid;
	char c;

	snprintf(l, sizeof(l), "%s/lock", path);
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		fd = open(l, O_RDONLY);
		if (fd < 0 || flock(fd, LOCK_EX) != 0)
			_exit(1);
		if (write(p[1], "k", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
test_sweep(void **state)
{
	char dead[128], live[128], nolock[128], other[128], f[160];
	pid_t pid;
	int st;

	(void)state;
	make_dir("staging.AAAAAA", true, dead, sizeof(dead));
	snprintf(f, sizeof(f), "%s/f.123456", dead); /* a leftover file */
	close(open(f, O_WRONLY | O_CREAT, 0600));
	make_dir("staging.BBBBBB", true, live, sizeof(live));
	make_dir("staging.CCCCCC", false, nolock, sizeof(nolock));
	make_dir("staging.toolong", true, other, sizeof(other));
	pid = hold_lock(live);
	fs_staging_sweep(base);
	assert_false(exists(dead));
	assert_true(exists(live));
	assert_true(exists(nolock));
	assert_true(exists(other));
	/* Its daemon dies: the next sweep takes it. */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	fs_staging_sweep(base);
	assert_false(exists(live));
	assert_true(exists(nolock));
	fs_staging_sweep(""); /* staging disabled: nothing to do */
	fs_staging_sweep("/nonexistent/base");
}

static void
tweak_base(struct fs_config *c)
{
	c->staging_dir = base;
}

/* The one staging dir in base, into `out`; false when not exactly one. */
static bool
only_dir(char *out, size_t n)
{
	DIR *d = opendir(base);
	struct dirent *de;
	int count = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "staging.", 8) != 0)
			continue;
		snprintf(out, n, "%s/%s", base, de->d_name);
		count++;
	}
	closedir(d);
	return count == 1;
}

/* A mount's own dir is locked while it lives, and gone after fs_free;
 * a second fs on the same base leaves it alone. */
static void
test_live_mount(void **state)
{
	char dir[128], l[160];
	struct h *a, *b;

	(void)state;
	a = h_new(tweak_base);
	assert_true(only_dir(dir, sizeof(dir)));
	snprintf(l, sizeof(l), "%s/lock", dir);
	assert_true(exists(l));
	b = h_new(tweak_base); /* sweeps base first */
	assert_true(exists(l));
	fs_staging_sweep(base);
	assert_true(exists(l));
	h_free(b);
	assert_true(only_dir(dir, sizeof(dir)));
	h_free(a);
	assert_int_equal(rmdir(base), 0); /* empty again */
	assert_int_equal(mkdir(base, 0700), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_live_mount, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

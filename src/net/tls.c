#include "roma.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/gz.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEM_MARK     "-----BEGIN CERTIFICATE-----"
#define PEM_MARK_LEN (sizeof(PEM_MARK) - 1)
#define EMBEDDED_MAX (16u << 20)

/* From cabundle.S. */
extern const unsigned char tls_cabundle_z[], tls_cabundle_z_end[];

const char *const tls_system_paths[] = {
	"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu */
	"/etc/pki/tls/certs/ca-bundle.crt",   /* RHEL, Fedora */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
	"/etc/ssl/cert.pem",                                 /* Alpine */
	"/etc/ssl/ca-bundle.pem",                            /* SUSE */
	"/var/lib/ca-certificates/ca-bundle.pem",            /* SUSE */
	NULL,
};

/* The variables, in the order they are honoured; SSL_CERT_DIR alone names
 * a directory. */
static const struct {
	const char *name;
	bool dir;
} env_vars[] = {
	{ "AWS_CA_BUNDLE", false },
	{ "SSL_CERT_FILE", false },
	{ "SSL_CERT_DIR", true },
	{ "CURL_CA_BUNDLE", false },
};

/* 1 if the file holds a PEM certificate, 0 if not, -errno if unreadable. */
static int
file_has_pem(const char *path)
{
	char chunk[16384 + PEM_MARK_LEN];
	size_t keep = 0;
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	/* Read in chunks, carrying a tail so a mark across two is found. */
	while ((n = read(fd, chunk + keep, sizeof(chunk) - keep)) > 0) {
		n += (ssize_t)keep;
		if (memmem(chunk, (size_t)n, PEM_MARK, PEM_MARK_LEN)) {
			r = 1;
			break;
		}
		keep = (size_t)n < PEM_MARK_LEN ? (size_t)n : PEM_MARK_LEN - 1;
		memmove(chunk, chunk + n - (ssize_t)keep, keep);
	}
	if (n < 0)
		r = -errno;
	close(fd);
	return r;
}

/* 1 if some file in `dir` holds a PEM certificate, else 0 or -errno. */
static int
dir_has_pem(const char *dir)
{
	struct buf p = BUF_INIT;
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int r = 0;

	if ((dp = opendir(dir)) == NULL)
		return -errno;
	while (r != 1 && (d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, d->d_name);
		if (stat(p.ptr, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > 0)
			r = file_has_pem(p.ptr) == 1;
	}
	closedir(dp);
	buf_release(&p);
	return r;
}

static char *
absolute(const char *path)
{
	struct buf b = BUF_INIT;
	char *cwd;

	if (path[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL)
		return xstrdup(path);
	buf_addf(&b, "%s/%s", cwd, path);
	free(cwd);
	return buf_detach(&b, NULL);
}

/*
 * Check a path the user named.  `what` is "--ca-bundle" or "NAME", shown
 * as "--ca-bundle PATH" or "NAME=PATH" ahead of the problem and its fix.
 */
static int
check_named(const char *what, const char *path, bool want_dir, struct rerr *e)
{
	const char *sep = what[0] == '-' ? " " : "=";
	const char *fix = what[0] == '-' ? "give a PEM CA bundle file"
	    : want_dir ? "set it to a directory of PEM certificates or unset it"
	               : "set it to a PEM CA bundle file or unset it";
	struct stat st;
	int r;

	if (path[0] == '\0')
		return rerr_set(e, -EINVAL, "%s is empty: %s", what, fix);
	if (stat(path, &st) != 0)
		return rerr_set(e, -errno, "%s%s%s: %s: %s", what, sep, path,
		    strerror(errno), fix);
	if (!want_dir && S_ISDIR(st.st_mode))
		return rerr_set(e, -EINVAL,
		    "%s%s%s: is a directory, not a CA bundle file: %s "
		    "(a directory of certificates goes in SSL_CERT_DIR)",
		    what, sep, path, fix);
	if (want_dir && !S_ISDIR(st.st_mode))
		return rerr_set(e, -EINVAL,
		    "%s%s%s: not a directory: %s (a bundle file goes in "
		    "SSL_CERT_FILE)",
		    what, sep, path, fix);
	if (want_dir)
		r = dir_has_pem(path);
	else if (st.st_size == 0)
		return rerr_set(e, -EINVAL, "%s%s%s: file is empty: %s", what,
		    sep, path, fix);
	else
		r = file_has_pem(path);
	if (r < 0)
		return rerr_set(
		    e, r, "%s%s%s: %s: %s", what, sep, path, strerror(-r), fix);
	if (r == 0)
		return rerr_set(e, -EINVAL,
		    "%s%s%s: no PEM certificate (" PEM_MARK ") %s: %s", what,
		    sep, path, want_dir ? "in any file" : "in the file", fix);
	return 0;
}

static int
use_named(struct tls_ca *ca, const char *source, const char *path, bool is_dir,
    struct rerr *e)
{
	int r;

	if ((r = check_named(source, path, is_dir, e)) != 0)
		return r;
	ca->source = source;
	ca->path = absolute(path);
	ca->is_dir = is_dir;
	return 0;
}

int
tls_embedded_pem(struct buf *pem, struct rerr *e)
{
	size_t n = (size_t)(tls_cabundle_z_end - tls_cabundle_z);
	int r;

	if (n == 0)
		return rerr_set(e, -ENOENT,
		    "no CA bundle found and none embedded in this build: "
		    "use --ca-bundle FILE or AWS_CA_BUNDLE");
	r = gz_inflate(tls_cabundle_z, n, pem, EMBEDDED_MAX);
	if (r != 0)
		return rerr_set(e, r,
		    "the embedded CA bundle is corrupt: "
		    "use --ca-bundle FILE or AWS_CA_BUNDLE");
	return 0;
}

int
tls_ca_find_from(const char *flag, const char *const *system_paths,
    struct tls_ca *ca, struct rerr *e)
{
	const char *v;
	size_t i;
	int r;

	if (flag)
		return use_named(ca, "--ca-bundle", flag, false, e);
	for (i = 0; i < ARRAY_SIZE(env_vars); i++)
		if ((v = getenv(env_vars[i].name)) != NULL)
			return use_named(
			    ca, env_vars[i].name, v, env_vars[i].dir, e);
	for (i = 0; system_paths && system_paths[i]; i++) {
		if (file_has_pem(system_paths[i]) == 1) {
			ca->source = "system";
			ca->path = xstrdup(system_paths[i]);
			return 0;
		}
		log_debug(LOG_HTTP, "CA bundle %s: absent or unusable",
		    system_paths[i]);
	}
	if ((r = tls_embedded_pem(&ca->pem, e)) != 0)
		return r;
	ca->source = "embedded";
	return 0;
}

int
tls_ca_find(const char *flag, struct tls_ca *ca, struct rerr *e)
{
	return tls_ca_find_from(flag, tls_system_paths, ca, e);
}

void
tls_ca_copy(struct tls_ca *dst, const struct tls_ca *src)
{
	dst->source = src->source;
	dst->path = src->path ? xstrdup(src->path) : NULL;
	dst->is_dir = src->is_dir;
	buf_init(&dst->pem, 0);
	buf_add(&dst->pem, src->pem.ptr, src->pem.len);
}

void
tls_ca_release(struct tls_ca *ca)
{
	free(ca->path);
	ca->path = NULL;
	ca->source = NULL;
	ca->is_dir = false;
	buf_release(&ca->pem);
}

void
tls_ca_describe(const struct tls_ca *ca, struct buf *out)
{
	if (ca->source == NULL)
		buf_adds(out, "none");
	else if (ca->path)
		buf_addf(out, "%s %s", ca->source, ca->path);
	else
		buf_addf(out, "%s (%zu certificates)", ca->source,
		    tls_pem_count(ca->pem.ptr, ca->pem.len));
}

size_t
tls_pem_count(const char *pem, size_t n)
{
	const char *p = pem, *end = pem + n;
	size_t count = 0;

	while ((p = memmem(p, (size_t)(end - p), PEM_MARK, PEM_MARK_LEN))) {
		count++;
		p += PEM_MARK_LEN;
	}
	return count;
}

/*
 * tls - where roma's CA trust comes from.  In order: the --ca-bundle value
 * the caller got, AWS_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR,
 * CURL_CA_BUNDLE, the distributions' bundle paths, then the Mozilla bundle
 * embedded at build time.  A source the user named that cannot be used is
 * an error naming it, never a silent step to the next one: trust must not
 * quietly change.  Distribution paths that are absent are skipped.
 */
#ifndef NET_TLS_H
#define NET_TLS_H

#include "roma.h"
#include "util/buf.h"

#include <stdbool.h>

struct rerr;

struct tls_ca {
	const char *source; /* "--ca-bundle", "AWS_CA_BUNDLE", ..., "system",
	                       "embedded"; static; NULL when unset */
	char *path;         /* absolute; NULL for the embedded bundle */
	bool is_dir;        /* path is a directory of certificates */
	struct buf pem;     /* the embedded bundle's PEM text, else empty */
};

#define TLS_CA_INIT                         \
	{                                   \
		NULL, NULL, false, BUF_INIT \
	}

/* NULL-terminated: the distribution bundle paths, in the order tried. */
extern const char *const tls_system_paths[];

/*
 * Fill `ca` (initialised with TLS_CA_INIT) from the first source that is
 * set.  `flag` is the --ca-bundle value or NULL.  Returns 0, or -ENOENT /
 * -EINVAL / -errno with a one-line message naming the variable or flag,
 * the path and the fix.
 */
int tls_ca_find(const char *flag, struct tls_ca *ca, struct rerr *e);
/* The same with another list of distribution paths (tests). */
int tls_ca_find_from(const char *flag, const char *const *system_paths,
    struct tls_ca *ca, struct rerr *e);
/* Inflate the embedded bundle's PEM text into `pem`. */
int tls_embedded_pem(struct buf *pem, struct rerr *e);
/* Deep copy; `dst` is overwritten, not released. */
void tls_ca_copy(struct tls_ca *dst, const struct tls_ca *src);
void tls_ca_release(struct tls_ca *ca);
/* Append "SOURCE PATH" or "embedded (N certificates)" to `out`. */
void tls_ca_describe(const struct tls_ca *ca, struct buf *out);
/* How many PEM certificates `pem` holds. */
size_t tls_pem_count(const char *pem, size_t n);

#endif

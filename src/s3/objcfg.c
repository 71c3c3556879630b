/*
 * Per-caller object settings (struct s3_objcfg): the SSE-C key's two
 * forms, the names S3 knows for canned ACLs and storage classes, and the
 * header lines each kind of request carries.
 */
#include "roma.h"
#include "s3/client_int.h"
#include "s3/ops.h"
#include "s3/ops_int.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/md5.h"
#include "util/rerr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SSEC_ALGO "AES256"

/* Object ACLs (log-delivery-write is for buckets only). */
static const char *const acls[] = { "private", "public-read",
	"public-read-write", "authenticated-read", "aws-exec-read",
	"bucket-owner-read", "bucket-owner-full-control" };

static const char *const classes[] = { "STANDARD", "REDUCED_REDUNDANCY",
	"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
	"DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE" };

static bool
known(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return true;
	return false;
}

bool
s3_acl_known(const char *acl)
{
	return known(acls, ARRAY_SIZE(acls), acl);
}

bool
s3_storage_class_known(const char *cls)
{
	return known(classes, ARRAY_SIZE(classes), cls);
}

const char *
s3_acl_names(void)
{
	return "private, public-read, public-read-write, authenticated-read, "
	       "aws-exec-read, bucket-owner-read, bucket-owner-full-control";
}

const char *
s3_storage_class_names(void)
{
	return "STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, "
	       "INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, GLACIER_IR, "
	       "OUTPOSTS, SNOW, EXPRESS_ONEZONE";
}

/* Base64 of `n` bytes into `out` (`max` bytes with the NUL). */
static void
b64_into(const void *p, size_t n, char *out, size_t max)
{
	struct buf b = BUF_INIT;

	b64_encode(&b, p, n);
	snprintf(out, max, "%s", b.len ? b.ptr : "");
	explicit_bzero(b.ptr, b.len);
	buf_release(&b);
}

int
s3_ssec_key(const char *b64, struct s3_objcfg *cfg, struct rerr *e)
{
	unsigned char md5[MD5_LEN];
	struct buf raw = BUF_INIT;
	size_t len;
	int r = 0;

	/* Masked before anything could print it, even a bad one. */
	log_add_secret(b64);
	if (b64_decode(&raw, b64, strlen(b64)) != 0) {
		r = rerr_set(e, -EINVAL,
		    "the SSE-C key is not base64 (expected 32 random bytes, "
		    "base64-encoded: `openssl rand -base64 32`)");
		goto out;
	}
	if ((len = raw.len) != S3_SSEC_KEY_LEN) {
		r = rerr_set(e, -EINVAL,
		    "the SSE-C key is %zu bytes once decoded; AES-256 needs "
		    "32 (`openssl rand -base64 32` makes one)",
		    len);
		goto out;
	}
	b64_into(raw.ptr, raw.len, cfg->ssec_key, sizeof(cfg->ssec_key));
	log_add_secret(cfg->ssec_key);
	md5_digest(raw.ptr, raw.len, md5);
	b64_into(md5, sizeof(md5), cfg->ssec_md5, sizeof(cfg->ssec_md5));
	cfg->sse = S3_SSE_C;
out:
	if (raw.ptr)
		explicit_bzero(raw.ptr, raw.len);
	buf_release(&raw);
	return r;
}

const struct s3_objcfg *
s3_cfg_source(const struct s3_objcfg *cfg)
{
	return cfg && cfg->copy_src ? cfg->copy_src : cfg;
}

void
s3_cfg_key_headers(
    const struct s3_objcfg *cfg, bool source, struct s3_headers *h)
{
	const char *p = source ? "x-amz-copy-source-" : "x-amz-";

	if (source)
		cfg = s3_cfg_source(cfg);
	if (cfg == NULL || cfg->sse != S3_SSE_C)
		return;
	s3_headers_add(
	    h, "%sserver-side-encryption-customer-algorithm: %s", p, SSEC_ALGO);
	s3_headers_add(
	    h, "%sserver-side-encryption-customer-key: %s", p, cfg->ssec_key);
	s3_headers_add(h, "%sserver-side-encryption-customer-key-MD5: %s", p,
	    cfg->ssec_md5);
}

int
s3_cfg_write_headers(const struct s3_objcfg *cfg, bool class_sent,
    struct s3_headers *h, struct rerr *e)
{
	if (cfg == NULL)
		return 0;
	/* Values end up in header lines: a CR or LF would inject one. */
	if (!s3_header_safe(cfg->kms_key_id, false) ||
	    !s3_header_safe(cfg->acl, true) ||
	    !s3_header_safe(cfg->storage_class, true))
		return rerr_set(e, -EINVAL,
		    "KMS key id, ACL or storage class holds non-printable "
		    "bytes");
	if (cfg->sse == S3_SSE_S3)
		s3_headers_add(h, "x-amz-server-side-encryption: AES256");
	if (cfg->sse == S3_SSE_KMS)
		s3_headers_add(h, "x-amz-server-side-encryption: aws:kms");
	if (cfg->sse == S3_SSE_KMS && cfg->kms_key_id && *cfg->kms_key_id)
		s3_headers_add(h,
		    "x-amz-server-side-encryption-aws-kms-key-id: %s",
		    cfg->kms_key_id);
	s3_cfg_key_headers(cfg, false, h);
	if (cfg->acl && *cfg->acl)
		s3_headers_add(h, "x-amz-acl: %s", cfg->acl);
	if (!class_sent && cfg->storage_class && *cfg->storage_class)
		s3_headers_add(
		    h, "x-amz-storage-class: %s", cfg->storage_class);
	return 0;
}

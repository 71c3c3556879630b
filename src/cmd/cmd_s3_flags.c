/*
 * The AWS CLI's object flags of `roma s3`, with its names and meanings:
 * --sse, --sse-kms-key-id, --sse-c with --sse-c-key, --sse-c-copy-source
 * with --sse-c-copy-source-key, --acl, --storage-class, --request-payer.
 * Each is checked as it is parsed, and together at the end, so what S3
 * would refuse is refused before any request, naming the flag and the fix.
 *
 * A key is the AWS CLI's blob: the raw 32 bytes (not base64) as text, or
 * fileb://PATH (the file's bytes) or file://PATH (its text).  A key on the
 * command line is warned about and blanked in argv once read.
 */
#include "roma.h"
#include "cmd/cmd.h"
#include "cmd/cmd_s3.h"
#include "s3/ops.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/str.h"

#include <ctype.h>
#include <string.h>

#define KEY_READ_MAX 4096 /* a key is 32 bytes; more is not a key */

enum {
	F_SSE = S3CMD_FLAG_BASE,
	F_KMS,
	F_SSEC,
	F_KEY,
	F_SRC_SSEC,
	F_SRC_KEY,
	F_ACL,
	F_CLASS,
	F_PAYER,
};

static const struct {
	struct option o;
	unsigned group;
} flags[] = {
	{ { "sse", optional_argument, NULL, F_SSE }, S3CMD_FL_WRITE },
	{ { "sse-kms-key-id", required_argument, NULL, F_KMS },
	    S3CMD_FL_WRITE },
	{ { "sse-c", optional_argument, NULL, F_SSEC }, S3CMD_FL_KEY },
	{ { "sse-c-key", required_argument, NULL, F_KEY }, S3CMD_FL_KEY },
	{ { "sse-c-copy-source", optional_argument, NULL, F_SRC_SSEC },
	    S3CMD_FL_WRITE },
	{ { "sse-c-copy-source-key", required_argument, NULL, F_SRC_KEY },
	    S3CMD_FL_WRITE },
	{ { "acl", required_argument, NULL, F_ACL }, S3CMD_FL_WRITE },
	{ { "storage-class", required_argument, NULL, F_CLASS },
	    S3CMD_FL_WRITE },
	{ { "request-payer", optional_argument, NULL, F_PAYER },
	    S3CMD_FL_PAYER },
};

size_t
s3cmd_flag_opts(unsigned groups, struct option *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(flags) && n < max; i++)
		if (flags[i].group & groups)
			out[n++] = flags[i].o;
	return n;
}

/* ---- Keys ---- */

/* A key on the command line: warned about, copied, blanked in argv. */
static size_t
key_literal(struct s3cmd *g, const char *flag, char *v, char *raw)
{
	size_t n = strlen(v);

	s3cmd_warn(g,
	    "warning: %s puts the key on the command line, where other users "
	    "can read it (ps, /proc); use %s fileb://FILE",
	    flag, flag);
	log_add_secret(v);
	n = n > KEY_READ_MAX ? KEY_READ_MAX : n;
	memcpy(raw, v, n);
	/* Gone from ps and /proc/PID/cmdline from now on. */
	memset(v, '*', strlen(v));
	return n;
}

/* The bytes a key flag's value `v` names into `raw`: their count, or -1
 * after the usage error. */
static int
key_bytes(struct s3cmd *g, const char *flag, char *v, char *raw)
{
	size_t skip = strncmp(v, "fileb://", 8) == 0 ? 8
	    : strncmp(v, "file://", 7) == 0          ? 7
	                                             : 0;
	char prog[32], what[64];
	ssize_t n;

	if (skip == 0)
		return (int)key_literal(g, flag, v, raw);
	snprintf(prog, sizeof(prog), "roma s3 %s", g->cmd);
	snprintf(what, sizeof(what), "%s %.*s", flag, (int)skip, v);
	if ((n = cmd_key_file_read(v + skip, raw, KEY_READ_MAX, prog, what)) <
	    0) {
		s3cmd_usage_error(g, "%s %s: %s", flag, v, strerror((int)-n));
		return -1;
	}
	/* file:// is text: a final newline (echo >FILE) is not the key's. */
	if (skip == 7 && n != S3_SSEC_KEY_LEN && n > 0 && raw[n - 1] == '\n' &&
	    --n > 0 && raw[n - 1] == '\r')
		n--;
	return (int)n;
}

/* --sse-c-key or --sse-c-copy-source-key into `cfg` (its SSE-C fields). */
static int
key_flag(struct s3cmd *g, const char *flag, char *v, struct s3_objcfg *cfg)
{
	char raw[KEY_READ_MAX];
	struct buf b = BUF_INIT;
	struct rerr e;
	int n, r = 0;

	if ((n = key_bytes(g, flag, v, raw)) < 0) {
		r = 2;
		goto out;
	}
	if (n != S3_SSEC_KEY_LEN) {
		r = s3cmd_usage_error(g,
		    "%s: the key is %d bytes; AES256 needs exactly 32, raw "
		    "(not base64): `openssl rand 32 >KEYFILE`, then %s "
		    "fileb://KEYFILE",
		    flag, n, flag);
		goto out;
	}
	b64_encode(&b, raw, (size_t)n);
	if (s3_ssec_key(b.ptr, cfg, &e) != 0)
		r = s3cmd_usage_error(g, "%s: %s", flag, rerr_str(&e));
out:
	explicit_bzero(raw, sizeof(raw));
	if (b.ptr)
		explicit_bzero(b.ptr, b.len);
	buf_release(&b);
	return r;
}

/* ---- One flag ---- */

/* `v` (NULL: `dflt`) if it is one of `choices` (|-separated), else NULL
 * after the usage error. */
static const char *
choice(struct s3cmd *g, const char *flag, const char *v, const char *dflt,
    const char *choices)
{
	const char *p = choices, *bar;
	size_t n;

	if (v == NULL)
		return dflt;
	for (;; p = bar + 1) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		if (strlen(v) == n && strncmp(v, p, n) == 0)
			return v;
		if (bar == NULL)
			break;
	}
	s3cmd_usage_error(g,
	    "%s wants %s, not '%s' (without a value it means %s, and takes "
	    "the next word for its value: put it last)",
	    flag, choices, v, dflt);
	return NULL;
}

static int
write_flag(struct s3cmd *g, struct s3cmd_objflags *f, int c, const char *v)
{
	switch (c) {
	case F_SSE:
		f->sse = choice(g, "--sse", v, "AES256", "AES256|aws:kms");
		return f->sse ? 0 : 2;
	case F_KMS:
		if (*v == '\0' || !str_printable(v))
			return s3cmd_usage_error(g,
			    "--sse-kms-key-id wants a KMS key id, ARN or alias "
			    "(printable), not '%s'",
			    v);
		f->kms_key_id = v;
		return 0;
	case F_ACL:
		if (!s3_acl_known(v))
			return s3cmd_usage_error(g,
			    "--acl %s: not a canned ACL for objects; use one "
			    "of: %s",
			    v, s3_acl_names());
		f->acl = v;
		return 0;
	case F_CLASS:
		if (!s3_storage_class_known(v))
			return s3cmd_usage_error(g,
			    "--storage-class %s: not a storage class; use one "
			    "of: %s",
			    v, s3_storage_class_names());
		f->storage_class = v;
		return 0;
	}
	return 0;
}

int
s3cmd_flag(struct s3cmd *g, int c, char *arg)
{
	struct s3cmd_objflags *f = g->of;

	switch (c) {
	case F_PAYER:
		g->request_payer = choice(g, "--request-payer", arg,
		                       "requester", "requester") != NULL;
		return g->request_payer ? 0 : 2;
	case F_SSEC:
		f->ssec = choice(g, "--sse-c", arg, "AES256", "AES256");
		return f->ssec ? 0 : 2;
	case F_SRC_SSEC:
		f->src_ssec =
		    choice(g, "--sse-c-copy-source", arg, "AES256", "AES256");
		return f->src_ssec ? 0 : 2;
	case F_KEY:
		f->key = true;
		return key_flag(g, "--sse-c-key", arg, &f->cfg);
	case F_SRC_KEY:
		f->src_key = true;
		return key_flag(g, "--sse-c-copy-source-key", arg, &f->src);
	}
	return write_flag(g, f, c, arg);
}

/* ---- All of them ---- */

/* `alg` and `key` go together, as the AWS CLI has it. */
static int
pair(struct s3cmd *g, const char *alg, bool key, const char *aflag,
    const char *kflag)
{
	if (alg && !key)
		return s3cmd_usage_error(g,
		    "%s needs %s: the 32-byte key, as %s fileb://KEYFILE",
		    aflag, kflag, kflag);
	if (key && !alg)
		return s3cmd_usage_error(g,
		    "%s needs %s AES256 too, as for the AWS CLI", kflag, aflag);
	return 0;
}

int
s3cmd_flags_done(struct s3cmd *g)
{
	struct s3cmd_objflags *f = g->of;

	if (pair(g, f->ssec, f->key, "--sse-c", "--sse-c-key") != 0 ||
	    pair(g, f->src_ssec, f->src_key, "--sse-c-copy-source",
	        "--sse-c-copy-source-key") != 0)
		return 2;
	if (f->sse && f->ssec)
		return s3cmd_usage_error(g,
		    "--sse and --sse-c cannot be combined: an object has one "
		    "kind of server-side encryption");
	if (f->kms_key_id && !(f->sse && strcmp(f->sse, "aws:kms") == 0))
		return s3cmd_usage_error(g,
		    "--sse-kms-key-id needs --sse aws:kms (the key encrypts "
		    "only with SSE-KMS)");
	/* cfg.sse is S3_SSE_C already when a key came. */
	if (f->sse)
		f->cfg.sse =
		    strcmp(f->sse, "aws:kms") == 0 ? S3_SSE_KMS : S3_SSE_S3;
	f->cfg.kms_key_id = f->kms_key_id;
	f->cfg.acl = f->acl;
	f->cfg.storage_class = f->storage_class;
	/* A copy's source has its own key, or none: never the copy's. */
	f->cfg.copy_src = &f->src;
	return -1;
}

const char *
s3cmd_flags_write_set(const struct s3cmd *g)
{
	const struct s3cmd_objflags *f = g->of;

	if (f == NULL)
		return NULL;
	return f->sse          ? "--sse"
	    : f->kms_key_id    ? "--sse-kms-key-id"
	    : f->acl           ? "--acl"
	    : f->storage_class ? "--storage-class"
	                       : NULL;
}

/* The credential sources reached over HTTP: STS web identity, the
 * container endpoint and EC2 instance metadata (part of s3/creds). */
#include "roma.h"
#include "s3/creds.h"
#include "s3/endpoint.h"
#include "s3/profile.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOKEN_MAX (64u << 10) /* a web identity or container token file */
#define REPLY_MAX (64u << 10)
#define IMDS_BASE "http://169.254.169.254"
#define ECS_BASE  "http://169.254.170.2"
#define IMDS_TTL  "21600"

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* One request on a client of its own: these sources are used rarely, and
 * each wants its own timeouts. */
static int
fetch(const char *what, const struct tls_ca *ca, long connect_ms, long total_ms,
    const struct http_req *rq, struct http_resp *resp, struct rerr *e)
{
	struct http_opts o = { 0 };
	struct http_client *c;
	struct http_req q = *rq;
	struct rerr sub = { 0 };
	int r;

	o.ca = ca;
	o.connect_timeout_ms = connect_ms;
	o.timeout_ms = total_ms;
	o.pool_size = 1;
	if ((c = http_client_new(&o, &sub)) == NULL)
		return rerr_set(e, sub.err ? -sub.err : -EIO, "%s: %s", what,
		    rerr_str(&sub));
	q.body_max = REPLY_MAX;
	if ((r = http_do(c, &q, resp, &sub)) != 0)
		rerr_set(e, r, "%s: %s", what, rerr_str(&sub));
	http_client_free(c);
	return r;
}

/* A small secret file, trimmed; registered with the logger. */
static int
read_token(const char *path, const char *what, struct buf *out, struct rerr *e)
{
	char chunk[4096];
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return rerr_set(
		    e, -errno, "%s %s: %s", what, path, strerror(errno));
	buf_init(out, TOKEN_MAX);
	while (r == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno != EINTR)
			r = rerr_set(e, -errno, "%s %s: %s", what, path,
			    strerror(errno));
		else if (n > 0 && buf_add(out, chunk, (size_t)n) != 0)
			r = rerr_set(e, -EFBIG, "%s %s: too large", what, path);
	}
	close(fd);
	while (out->len && strchr(" \t\r\n", out->ptr[out->len - 1]))
		out->ptr[--out->len] = '\0';
	if (r == 0 && out->len == 0)
		r = rerr_set(e, -EINVAL, "%s %s is empty", what, path);
	if (r == 0)
		log_add_secret(out->ptr);
	return r;
}

/* JSON with AccessKeyId, SecretAccessKey, Token or SessionToken, and an
 * Expiration as ISO 8601 text or (STS's JSON) seconds since the epoch. */
static int
json_creds(const struct json *j, const char *source, struct creds *out)
{
	const char *ak = json_get_str(j, "AccessKeyId");
	const char *sk = json_get_str(j, "SecretAccessKey");
	const char *tok = json_get_str(j, "Token");
	const char *exp = json_get_str(j, "Expiration");
	double num;
	time_t t = 0;

	if (tok == NULL)
		tok = json_get_str(j, "SessionToken");
	if (ak == NULL || sk == NULL || !*ak || !*sk)
		return -EPROTO;
	if (exp && creds_parse_expiration(exp, &t) != 0)
		return -EPROTO;
	if (exp == NULL && json_get_num(j, "Expiration", &num)) {
		if (num < 0 || num > 1e11)
			return -EPROTO;
		t = (time_t)num;
	}
	creds_set(out, ak, sk, tok, t, source);
	return 0;
}

/* The text of <tag>...</tag> with the five XML entities decoded.  Plain
 * string search, not a parser: expat belongs to s3/xml.c alone, and these
 * replies (STS-compatible servers that ignore Accept: application/json,
 * such as MinIO) carry flat tokens in fixed elements. */
static char *
xml_text(const char *body, size_t len, const char *tag)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" },
		{ "&gt;", ">" }, { "&quot;", "\"" }, { "&apos;", "'" } };
	struct buf open = BUF_INIT, b = BUF_INIT;
	const char *s, *end, *p;
	size_t i;

	buf_addf(&open, "<%s>", tag);
	s = memmem(body, len, open.ptr, open.len);
	if (s)
		s += open.len;
	end = s ? memchr(s, '<', len - (size_t)(s - body)) : NULL;
	buf_release(&open);
	if (end == NULL)
		return NULL;
	for (p = s; p < end;) {
		for (i = 0; i < ARRAY_SIZE(ent); i++)
			if (strncmp(p, ent[i][0], strlen(ent[i][0])) == 0)
				break;
		if (i < ARRAY_SIZE(ent)) {
			buf_adds(&b, ent[i][1]);
			p += strlen(ent[i][0]);
		} else {
			buf_addc(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

static int
sts_xml(const char *body, size_t len, struct creds *out)
{
	char *ak = xml_text(body, len, "AccessKeyId");
	char *sk = xml_text(body, len, "SecretAccessKey");
	char *tok = xml_text(body, len, "SessionToken");
	char *exp = xml_text(body, len, "Expiration");
	time_t t = 0;
	int r = -EPROTO;

	if (sk)
		log_add_secret(sk);
	if (ak && sk && *ak && *sk &&
	    (exp == NULL || creds_parse_expiration(exp, &t) == 0)) {
		creds_set(out, ak, sk, tok, t, "web-identity");
		r = 0;
	}
	free(ak);
	free(exp);
	if (sk)
		memset(sk, 0, strlen(sk));
	if (tok)
		memset(tok, 0, strlen(tok));
	free(sk);
	free(tok);
	return r;
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int
sts_error(const struct http_resp *resp, struct rerr *e)
{
	struct json *j = json_parse(resp->body.ptr, resp->body.len);
	const struct json *err = json_get_obj(j, "Error");
	char *code = NULL, *msg = NULL;
	int r;

	if (err) {
		code = dup_or_null(json_get_str(err, "Code"));
		msg = dup_or_null(json_get_str(err, "Message"));
	} else {
		code = xml_text(resp->body.ptr, resp->body.len, "Code");
		msg = xml_text(resp->body.ptr, resp->body.len, "Message");
	}
	r = rerr_http(e, resp->status == 403 ? -EACCES : -EPROTO, resp->status,
	    code ? code : "", http_resp_header(resp, "x-amzn-RequestId"),
	    "STS AssumeRoleWithWebIdentity: HTTP %d %s: %.300s", resp->status,
	    code ? code : "", msg ? msg : "");
	json_free(j);
	free(code);
	free(msg);
	return r;
}

static int
sts_reply(const struct http_resp *resp, struct creds *out, struct rerr *e)
{
	struct json *j;
	const struct json *c;
	int r;

	if (resp->status != 200)
		return sts_error(resp, e);
	j = json_parse(resp->body.ptr, resp->body.len);
	c = json_get_obj(
	    json_get_obj(json_get_obj(j, "AssumeRoleWithWebIdentityResponse"),
	        "AssumeRoleWithWebIdentityResult"),
	    "Credentials");
	if (j == NULL)
		r = sts_xml(resp->body.ptr, resp->body.len, out);
	else
		r = c ? json_creds(c, "web-identity", out) : -EPROTO;
	json_free(j);
	if (r != 0)
		return rerr_set(e, r,
		    "STS AssumeRoleWithWebIdentity: a reply without credentials");
	return 0;
}

static void
form_add(struct buf *b, const char *key, const char *val)
{
	buf_addf(b, "%s%s=", b->len ? "&" : "", key);
	uri_encode(b, val, strlen(val), 0);
}

static int
assume_role(const char *url, const struct tls_ca *ca, const char *arn,
    const char *session, const char *token, struct creds *out, struct rerr *e)
{
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL
	};
	struct http_req rq = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf body = BUF_INIT;
	int r;

	form_add(&body, "Action", "AssumeRoleWithWebIdentity");
	form_add(&body, "Version", "2011-06-15");
	form_add(&body, "RoleArn", arn);
	form_add(&body, "RoleSessionName", session);
	form_add(&body, "WebIdentityToken", token);
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body.ptr;
	rq.body_len = body.len;
	if ((r = fetch("web identity: STS", ca, 5000, 30000, &rq, &resp, e)) ==
	    0)
		r = sts_reply(&resp, out, e);
	memset(body.ptr, 0, body.len);
	buf_release(&body);
	http_resp_release(&resp);
	return r;
}

static const char *
setting(const struct profile *p, const char *var, const char *key)
{
	const char *v = env(var);

	return v ? v : profile_config(p, key);
}

int
creds_from_web_identity(const struct profile *p, const struct tls_ca *ca,
    const char *region, struct creds *out, struct rerr *e)
{
	const char *file = setting(
	    p, "AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file");
	const char *arn = setting(p, "AWS_ROLE_ARN", "role_arn");
	const char *sess =
	    setting(p, "AWS_ROLE_SESSION_NAME", "role_session_name");
	struct buf tok = BUF_INIT;
	char dflt[64], *path = NULL, *url = NULL;
	int r;

	if (file == NULL)
		return -ENOENT;
	if (arn == NULL)
		return rerr_set(e, -EINVAL,
		    "a web identity token file is set but no role: set AWS_ROLE_ARN or role_arn");
	if (sess == NULL) {
		snprintf(dflt, sizeof(dflt), "roma-session-%lld",
		    (long long)time(NULL));
		sess = dflt;
	}
	path = profile_expand_home(file);
	if ((r = read_token(path, "web identity token file", &tok, e)) != 0)
		goto out;
	url = endpoint_service_url("sts", p, region);
	log_debug(LOG_CREDS, "web identity: AssumeRoleWithWebIdentity %s at %s",
	    arn, url);
	r = assume_role(url, ca, arn, sess, tok.ptr, out, e);
out:
	if (tok.len)
		memset(tok.ptr, 0, tok.len);
	buf_release(&tok);
	free(path);
	free(url);
	return r;
}

/* Plain http is only trusted to the local and ECS/EKS agents, as the
 * SDKs do: anything else could hand our request to a stranger. */
static bool
full_uri_ok(const char *url)
{
	static const char *const hosts[] = { "169.254.170.2", "169.254.170.23",
		"fd00:ec2::23" };
	struct uri_parts u;
	bool ok = false;
	size_t i;

	if (uri_split(url, &u) != 0)
		return false;
	if (strcmp(u.scheme, "https") == 0)
		ok = true;
	else if (strcmp(u.scheme, "http") == 0) {
		ok = uri_host_loopback(u.host);
		for (i = 0; i < ARRAY_SIZE(hosts); i++)
			ok = ok || strcmp(u.host, hosts[i]) == 0;
	}
	uri_parts_release(&u);
	return ok;
}

static int
container_auth(struct buf *hdr, struct rerr *e)
{
	const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	struct buf b = BUF_INIT;
	int r = 0;

	if (file) {
		if ((r = read_token(file, "container authorization token file",
		         &b, e)) != 0)
			goto out;
		tok = b.ptr;
	}
	if (tok == NULL)
		goto out;
	log_add_secret(tok);
	if (strpbrk(tok, "\r\n") != NULL) {
		r = rerr_set(e, -EINVAL,
		    "the container authorization token holds a line break");
		goto out;
	}
	buf_addf(hdr, "Authorization: %s", tok);
out:
	if (b.len)
		memset(b.ptr, 0, b.len);
	buf_release(&b);
	return r;
}

static int
container_reply(const struct http_resp *resp, const char *url,
    struct creds *out, struct rerr *e)
{
	struct json *j;
	int r;

	if (resp->status != 200)
		return rerr_http(e, resp->status == 403 ? -EACCES : -EPROTO,
		    resp->status, "", NULL, "container credentials %s: HTTP %d",
		    url, resp->status);
	j = json_parse(resp->body.ptr, resp->body.len);
	r = json_creds(j, "container", out);
	json_free(j);
	if (r != 0)
		return rerr_set(e, r,
		    "container credentials %s: a reply without credentials",
		    url);
	return 0;
}

int
creds_from_container(const struct tls_ca *ca, struct creds *out, struct rerr *e)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *hdrs[2] = { NULL, NULL };
	struct http_req rq = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf url = BUF_INIT, auth = BUF_INIT;
	int r;

	if (rel == NULL && full == NULL)
		return -ENOENT;
	if (rel)
		buf_addf(&url, "%s%s%s", ECS_BASE, *rel == '/' ? "" : "/", rel);
	else if (!full_uri_ok(full))
		return rerr_set(e, -EINVAL,
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI %.200s: plain http is only allowed to a loopback or ECS/EKS agent address",
		    full);
	else
		buf_adds(&url, full);
	if ((r = container_auth(&auth, e)) != 0)
		goto out;
	hdrs[0] = auth.len ? auth.ptr : NULL;
	rq.url = url.ptr;
	rq.headers = hdrs;
	if ((r = fetch(
	         "container credentials", ca, 2000, 5000, &rq, &resp, e)) == 0)
		r = container_reply(&resp, url.ptr, out, e);
out:
	if (auth.len)
		memset(auth.ptr, 0, auth.len);
	buf_release(&auth);
	buf_release(&url);
	http_resp_release(&resp);
	return r;
}

/* One IMDS request: 1 s to connect and 2 s in all, so a laptop that is not
 * on EC2 does not hang.  A transport failure is "not on EC2". */
static int
imds_get(const struct tls_ca *ca, const char *method, const char *url,
    const char *const *hdrs, struct http_resp *resp)
{
	struct http_req rq = { 0 };
	struct rerr e = { 0 };
	int r;

	rq.method = method;
	rq.url = url;
	rq.headers = hdrs;
	if ((r = fetch("instance metadata", ca, 1000, 2000, &rq, resp, &e)) !=
	    0) {
		log_debug(LOG_CREDS, "%s (%s)", rerr_str(&e), url);
		return -ENOENT;
	}
	return 0;
}

/* The IMDSv2 session token header into `hdr`, empty for IMDSv1. */
static int
imds_token(const struct tls_ca *ca, const char *base, struct buf *hdr)
{
	static const char *const ttl[] = {
		"X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TTL, NULL
	};
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf url = BUF_INIT;
	const char *v1off = env("AWS_EC2_METADATA_V1_DISABLED");
	int r;

	buf_addf(&url, "%s/latest/api/token", base);
	r = imds_get(ca, "PUT", url.ptr, ttl, &resp);
	if (r == 0 && resp.status == 200 && resp.body.len > 0 &&
	    strpbrk(resp.body.ptr, "\r\n") == NULL) {
		log_add_secret(resp.body.ptr);
		buf_addf(hdr, "X-aws-ec2-metadata-token: %s", resp.body.ptr);
	} else if (r == 0 &&
	    (resp.status == 403 || resp.status == 404 || resp.status == 405) &&
	    !(v1off && str_ieq(v1off, "true"))) {
		log_debug(LOG_CREDS, "IMDSv2 token: HTTP %d; trying IMDSv1",
		    resp.status);
	} else {
		r = -ENOENT;
	}
	buf_release(&url);
	http_resp_release(&resp);
	return r;
}

/* The first line of the role listing, if it is a plain name. */
static char *
imds_role(const struct http_resp *resp)
{
	size_t n = strcspn(resp->body.ptr, "\r\n"), i;

	if (resp->status != 200 || n == 0 || n > 128)
		return NULL;
	for (i = 0; i < n; i++)
		if (strchr("/?#%", resp->body.ptr[i]) ||
		    (unsigned char)resp->body.ptr[i] <= ' ')
			return NULL;
	if (n <= 2 && resp->body.ptr[0] == '.')
		return NULL;
	return xstrndup(resp->body.ptr, n);
}

static int
imds_creds(const struct http_resp *resp, const char *role, struct creds *out,
    struct rerr *e)
{
	struct json *j;
	const char *code;
	int r;

	if (resp->status != 200)
		return rerr_http(e, -EPROTO, resp->status, "", NULL,
		    "instance metadata: credentials of role %s: HTTP %d", role,
		    resp->status);
	j = json_parse(resp->body.ptr, resp->body.len);
	code = json_get_str(j, "Code");
	if (code && strcmp(code, "Success") != 0)
		r = -EACCES;
	else
		r = json_creds(j, "imds", out);
	if (r != 0)
		rerr_set(e, r,
		    "instance metadata: no credentials for role %s%s%.64s",
		    role, code ? ": " : "", code ? code : "");
	json_free(j);
	return r;
}

int
creds_from_imds(const struct tls_ca *ca, struct creds *out, struct rerr *e)
{
	const char *off = env("AWS_EC2_METADATA_DISABLED");
	const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *hdrs[2] = { NULL, NULL };
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf tok = BUF_INIT, url = BUF_INIT, b = BUF_INIT;
	char *role = NULL;
	int r;

	if (off && str_ieq(off, "true"))
		return -ENOENT;
	buf_adds(&b, base ? base : IMDS_BASE);
	while (b.len && b.ptr[b.len - 1] == '/')
		buf_truncate(&b, b.len - 1);
	if ((r = imds_token(ca, b.ptr, &tok)) != 0)
		goto out;
	hdrs[0] = tok.len ? tok.ptr : NULL;
	buf_addf(&url, "%s/latest/meta-data/iam/security-credentials/", b.ptr);
	if ((r = imds_get(ca, "GET", url.ptr, hdrs, &resp)) != 0)
		goto out;
	if ((role = imds_role(&resp)) == NULL) {
		log_debug(LOG_CREDS, "instance metadata: no role (HTTP %d)",
		    resp.status);
		r = -ENOENT;
		goto out;
	}
	buf_adds(&url, role);
	if ((r = imds_get(ca, "GET", url.ptr, hdrs, &resp)) != 0)
		r = rerr_set(e, -EIO,
		    "instance metadata: credentials of role %s: no reply",
		    role);
	else
		r = imds_creds(&resp, role, out, e);
out:
	free(role);
	buf_release(&tok);
	buf_release(&url);
	buf_release(&b);
	http_resp_release(&resp);
	return r;
}

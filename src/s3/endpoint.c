#include "roma.h"
#include "s3/endpoint.h"
#include "s3/profile.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

bool
endpoint_region_ok(const char *region)
{
	size_t n = region ? strlen(region) : 0;
	const char *p;

	if (n == 0 || n > 63)
		return false;
	for (p = region; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		        *p == '-'))
			return false;
	return true;
}

static bool
ipv4_like(const char *s)
{
	int dots = 0;

	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return false;
	}
	return dots == 3;
}

bool
endpoint_bucket_virtual_ok(const char *b, bool https)
{
	size_t n = b ? strlen(b) : 0, i;

	if (n < 3 || n > 63 || ipv4_like(b))
		return false;
	for (i = 0; i < n; i++) {
		char c = b[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if ((i == 0 || i == n - 1) && !alnum)
			return false;
		if (!alnum && c != '-' && c != '.')
			return false;
		if (c == '.' &&
		    (https || b[i - 1] == '.' || b[i - 1] == '-' ||
		        b[i + 1] == '-'))
			return false;
	}
	return true;
}

/* "true" in any case, as the SDKs read boolean settings. */
static bool
is_true(const char *v)
{
	return v && str_ieq(v, "true");
}

static const char *
configured_url(const char *service, const struct profile *p, const char **from)
{
	static const char *const from_svc[] = { "AWS_ENDPOINT_URL_S3",
		"AWS_ENDPOINT_URL_STS" };
	char var[64], *q;
	const char *v;

	if (is_true(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
	    (p &&
	        is_true(profile_config(p, "ignore_configured_endpoint_urls"))))
		return NULL;
	snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", service);
	for (q = var; *q; q++)
		*q = *q == '-' || *q == ' '    ? '_'
		    : (*q >= 'a' && *q <= 'z') ? (char)(*q - 'a' + 'A')
		                               : *q;
	*from = strcmp(service, "s3") == 0 ? from_svc[0] : from_svc[1];
	if ((v = env(var)) != NULL)
		return v;
	*from = "AWS_ENDPOINT_URL";
	if ((v = env("AWS_ENDPOINT_URL")) != NULL)
		return v;
	*from = "profile services section";
	if (p && (v = profile_service(p, service, "endpoint_url")) != NULL)
		return v;
	*from = "profile endpoint_url";
	return p ? profile_config(p, "endpoint_url") : NULL;
}

char *
endpoint_service_url(
    const char *service, const struct profile *p, const char *region)
{
	struct buf b = BUF_INIT;
	const char *from, *v = configured_url(service, p, &from);

	if (v)
		return xstrdup(v);
	if (region && endpoint_region_ok(region))
		buf_addf(&b, "https://%s.%s.amazonaws.com%s", service, region,
		    strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	else
		buf_addf(&b, "https://%s.amazonaws.com", service);
	return buf_detach(&b, NULL);
}

static int
resolve_region(const struct endpoint_opts *o, const struct profile *p,
    struct endpoint *ep, struct rerr *e)
{
	const char *r;

	if ((r = o->region) != NULL && *r)
		ep->region_from = "--region";
	else if ((r = env("AWS_REGION")) != NULL)
		ep->region_from = "AWS_REGION";
	else if ((r = env("AWS_DEFAULT_REGION")) != NULL)
		ep->region_from = "AWS_DEFAULT_REGION";
	else if (p && (r = profile_config(p, "region")) != NULL)
		ep->region_from = "profile";
	else {
		r = "us-east-1";
		ep->region_from = "default";
	}
	if (!endpoint_region_ok(r))
		return rerr_set(e, -EINVAL,
		    "bad region \"%.64s\" (from %s): expected a name like us-east-1",
		    r, ep->region_from);
	ep->region = xstrdup(r);
	return 0;
}

/* Split a custom endpoint URL into scheme, host[:port] and base path. */
static int
parse_url(const char *url, struct endpoint *ep, struct rerr *e)
{
	struct uri_parts u;
	struct buf b = BUF_INIT;
	size_t n;

	if (uri_split(url, &u) != 0 ||
	    (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0) ||
	    *u.query) {
		uri_parts_release(&u);
		return rerr_set(e, -EINVAL,
		    "bad endpoint URL \"%.200s\" (from %s): expected http(s)://host[:port][/path]",
		    url, ep->url_from);
	}
	ep->scheme = xstrdup(u.scheme);
	ep->loopback = uri_host_loopback(u.host);
	buf_addf(&b, strchr(u.host, ':') ? "[%s]" : "%s", u.host);
	if (*u.port)
		buf_addf(&b, ":%s", u.port);
	ep->host = buf_detach(&b, NULL);
	n = strlen(u.path);
	while (n > 0 && u.path[n - 1] == '/')
		n--;
	ep->base = xstrndup(u.path, n);
	ep->url = xstrdup(url);
	uri_parts_release(&u);
	return 0;
}

static int
resolve_style(const struct endpoint_opts *o, const struct profile *p,
    struct endpoint *ep, struct rerr *e)
{
	const char *s;

	ep->style = o->style;
	if (o->style != ENDPOINT_AUTO || p == NULL ||
	    (s = profile_config_sub(p, "s3", "addressing_style")) == NULL)
		return 0;
	if (strcmp(s, "path") == 0)
		ep->style = ENDPOINT_PATH;
	else if (strcmp(s, "virtual") == 0)
		ep->style = ENDPOINT_VIRTUAL;
	else if (strcmp(s, "auto") != 0)
		return rerr_set(e, -EINVAL,
		    "profile %s: s3 addressing_style \"%.32s\": expected path, virtual or auto",
		    p->name, s);
	return 0;
}

int
endpoint_resolve_with(const struct endpoint_opts *o, const struct profile *p,
    struct endpoint *ep, struct rerr *e)
{
	const char *url = NULL;
	int r;

	memset(ep, 0, sizeof(*ep));
	if ((r = resolve_region(o, p, ep, e)) != 0)
		return r;
	if ((r = resolve_style(o, p, ep, e)) != 0)
		return r;
	if (o->endpoint && *o->endpoint) {
		url = o->endpoint;
		ep->url_from = "--endpoint";
	} else {
		url = configured_url("s3", p, &ep->url_from);
	}
	if (url)
		return parse_url(url, ep, e);
	ep->scheme = xstrdup("https");
	ep->base = xstrdup("");
	return 0;
}

int
endpoint_resolve(
    const struct endpoint_opts *o, struct endpoint *ep, struct rerr *e)
{
	struct profile p = PROFILE_INIT;
	int r;

	memset(ep, 0, sizeof(*ep));
	if ((r = profile_load(o->profile, &p, e)) == 0)
		r = endpoint_resolve_with(o, &p, ep, e);
	profile_release(&p);
	return r;
}

void
endpoint_release(struct endpoint *ep)
{
	free(ep->region);
	free(ep->url);
	free(ep->scheme);
	free(ep->host);
	free(ep->base);
	memset(ep, 0, sizeof(*ep));
}

bool
endpoint_is_aws(const struct endpoint *ep)
{
	return ep->host == NULL;
}

static void
base_host(const struct endpoint *ep, struct buf *b)
{
	if (ep->host)
		buf_adds(b, ep->host);
	else
		buf_addf(b, "s3.%s.amazonaws.com%s", ep->region,
		    strncmp(ep->region, "cn-", 3) == 0 ? ".cn" : "");
}

static int
use_virtual(
    const struct endpoint *ep, const char *bucket, bool *virt, struct rerr *e)
{
	bool https = strcmp(ep->scheme, "https") == 0;

	*virt = false;
	if (bucket == NULL || ep->style == ENDPOINT_PATH)
		return 0;
	if (ep->style == ENDPOINT_VIRTUAL) {
		if (!endpoint_bucket_virtual_ok(bucket, false))
			return rerr_set(e, -EINVAL,
			    "bucket \"%.64s\" cannot be addressed virtual-hosted style: use path style",
			    bucket);
		*virt = true;
		return 0;
	}
	*virt =
	    endpoint_is_aws(ep) && endpoint_bucket_virtual_ok(bucket, https);
	return 0;
}

int
endpoint_build(const struct endpoint *ep, const char *bucket, const char *key,
    const char *query, struct endpoint_req *out, struct rerr *e)
{
	bool virt;
	int r;

	if (bucket && *bucket == '\0')
		return rerr_set(e, -EINVAL, "empty bucket name");
	if ((r = use_virtual(ep, bucket, &virt, e)) != 0)
		return r;
	if (virt)
		buf_addf(&out->host, "%s.", bucket);
	base_host(ep, &out->host);
	buf_adds(&out->path, ep->base);
	if (bucket && !virt) {
		buf_addc(&out->path, '/');
		uri_encode(&out->path, bucket, strlen(bucket), 0);
	}
	if (key) {
		buf_addc(&out->path, '/');
		uri_encode(&out->path, key, strlen(key), URI_KEEP_SLASH);
	}
	if (out->path.len == 0)
		buf_addc(&out->path, '/');
	buf_addf(
	    &out->url, "%s://%s%s", ep->scheme, out->host.ptr, out->path.ptr);
	if (query && *query)
		buf_addf(&out->url, "?%s", query);
	return 0;
}

void
endpoint_req_release(struct endpoint_req *r)
{
	buf_release(&r->url);
	buf_release(&r->host);
	buf_release(&r->path);
}

/* Plain string search, not XML: expat lives in s3/xml.c alone, and a
 * region is a bare token that endpoint_region_ok then vets. */
static bool
body_region(const char *body, size_t len, char *out, size_t n)
{
	static const char open[] = "<Region>";
	const char *s, *end;

	if (body == NULL || len == 0)
		return false;
	if ((s = memmem(body, len, open, sizeof(open) - 1)) == NULL)
		return false;
	s += sizeof(open) - 1;
	end = memchr(s, '<', len - (size_t)(s - body));
	if (end == NULL || (size_t)(end - s) >= n)
		return false;
	memcpy(out, s, (size_t)(end - s));
	out[end - s] = '\0';
	return endpoint_region_ok(out);
}

int
endpoint_region_hint(
    const char *hdr, const char *body, size_t len, char *out, size_t n)
{
	if (n == 0)
		return -ENOENT;
	if (hdr && endpoint_region_ok(hdr) && strlen(hdr) < n) {
		memcpy(out, hdr, strlen(hdr) + 1);
		return 0;
	}
	if (body_region(body, len, out, n))
		return 0;
	*out = '\0';
	return -ENOENT;
}

int
endpoint_set_region(struct endpoint *ep, const char *region, struct rerr *e)
{
	if (!endpoint_region_ok(region))
		return rerr_set(e, -EINVAL, "bad region hint \"%.64s\"",
		    region ? region : "");
	free(ep->region);
	ep->region = xstrdup(region);
	ep->region_from = "region hint";
	return 0;
}

/*
 * fuzz_sigv4 - raw requests through the parser and the canonicaliser in
 * every mode (generic and S3, header and query signing, with and without a
 * session token), plus uri encode/decode round trips.  Must never crash,
 * leak or trip a sanitizer; a broken round trip aborts.
 */
#include "roma.h"
#include "s3/rawreq.h"
#include "s3/sigv4.h"
#include "util/buf.h"
#include "util/uri.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const uint8_t *data, size_t size)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT;

	uri_encode(&enc, data, size, size & 1 ? URI_KEEP_SLASH : 0);
	if (uri_decode(&dec, enc.ptr, enc.len) != 0 || dec.len != size ||
	    (size && memcmp(dec.ptr, data, size) != 0))
		abort();
	buf_reset(&dec);
	(void)uri_decode(&dec, (const char *)data, size);
	buf_release(&enc);
	buf_release(&dec);
}

static void
sign_all(const struct rawreq *rq)
{
	static const unsigned flags[] = { 0, SIGV4_S3 | SIGV4_CONTENT_SHA256,
		SIGV4_TOKEN_UNSIGNED, SIGV4_NO_NORMALIZE };
	struct sigv4_creds cr = { "AKIDEXAMPLE", "secret", NULL };
	struct sigv4_params p = { 0 };
	struct buf url = BUF_INIT;
	size_t i;

	p.creds = &cr;
	p.region = "us-east-1";
	p.service = "service";
	p.when = 1440938160;
	p.expires = 60;
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		struct sigv4_signed s = SIGV4_SIGNED_INIT;

		p.flags = flags[i];
		cr.session_token = i & 1 ? "token/+=" : NULL;
		p.payload = (enum sigv4_payload)(i % 3);
		p.payload_hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
		                "934ca495991b7852b855";
		if (sigv4_sign(&rq->req, &p, &s, NULL) == 0) {
			struct buf out = BUF_INIT;

			rawreq_format(rq, &s, &out);
			buf_release(&out);
		}
		/* Fuzzed X-Amz-Date headers rarely match; presign anyway. */
		if (sigv4_presign(&rq->req, &p, &s, NULL) == 0) {
			buf_reset(&url);
			sigv4_presigned_url(&s, "https", "h", &url);
		}
		sigv4_signed_release(&s);
	}
	buf_release(&url);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rawreq rq;

	round_trip(data, size);
	if (rawreq_parse(data, size, &rq, NULL) == 0) {
		sign_all(&rq);
		rawreq_release(&rq);
	}
	return 0;
}

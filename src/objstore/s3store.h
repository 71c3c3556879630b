/*
 * objstore/s3store - the object-store interface over the S3 client: one
 * bucket of an s3_client.  Each objstore operation
 * is one S3 request (plus the client's retries); errors are the client's,
 * which objstore.h's table follows.
 *
 * The store's s3_objcfg rides on every request that needs it: encryption,
 * ACL and storage class on PUT, multipart create and copy; an SSE-C key
 * also on HEAD, GET, parts, completion and copy sources.  As goofys does,
 * a STANDARD_IA store writes objects under 128 KiB as STANDARD (S3 bills
 * smaller IA objects as 128 KiB).
 */
#ifndef OBJSTORE_S3STORE_H
#define OBJSTORE_S3STORE_H

#include "roma.h"

#include <stdbool.h>

struct objstore;
struct s3_client;
struct s3_objcfg;

/* A store over `bucket` of `c`, writing as `cfg` says (copied; NULL: the
 * bucket's defaults).  With `own_client` the store frees `c` when it is
 * freed; otherwise `c` must outlive it. */
struct objstore *objstore_s3_new(struct s3_client *c, const char *bucket,
    const struct s3_objcfg *cfg, bool own_client);

#endif

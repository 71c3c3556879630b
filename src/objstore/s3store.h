/*
 * objstore/s3store - the object-store interface over the S3 client: one
 * bucket of an s3_client.  Each objstore operation
 * is one S3 request (plus the client's retries); errors are the client's,
 * which objstore.h's table follows.
 */
#ifndef OBJSTORE_S3STORE_H
#define OBJSTORE_S3STORE_H

#include "roma.h"

#include <stdbool.h>

struct objstore;
struct s3_client;

/* A store over `bucket` of `c`.  With `own_client` the store frees `c`
 * when it is freed; otherwise `c` must outlive it. */
struct objstore *objstore_s3_new(
    struct s3_client *c, const char *bucket, bool own_client);

#endif

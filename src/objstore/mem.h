/*
 * objstore/mem - an object store in memory with S3's semantics, for unit
 * tests of fs/ and storage/ without a server: listings in byte order with
 * delimiters, common prefixes, max-keys and opaque continuation tokens; MD5
 * ETags, and "md5-of-md5s-N" for multipart uploads; S3's limits (part
 * minimum, single-request maximum), which tests may shrink so small data
 * takes the large-object paths.  Thread-safe; a get streams a snapshot of
 * the object, so concurrent overwrites never tear it.
 */
#ifndef OBJSTORE_MEM_H
#define OBJSTORE_MEM_H

#include "roma.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct objstore;

/* Limits; a zero field takes S3's value. */
struct objstore_mem_opts {
	uint64_t part_min; /* smallest part but the last: 5 MiB */
	uint64_t put_max;  /* largest PUT (and upload part): 5 GiB */
	uint64_t copy_max; /* largest CopyObject source: 5 GiB */
};

/* A new, empty store; `o` may be NULL.  Free it with objstore_free. */
struct objstore *objstore_mem_new(const struct objstore_mem_opts *o);
/* Pin the clock used for Last-Modified and upload times; 0: real time. */
void objstore_mem_set_time(struct objstore *s, time_t now);
/* The number of objects, and of multipart uploads in progress. */
size_t objstore_mem_count(struct objstore *s);
size_t objstore_mem_uploads(struct objstore *s);

#endif

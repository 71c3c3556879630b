/*
 * objstore/mem_int.h - private to mem.c (objects, listings) and mem_mpu.c
 * (multipart uploads): the store's state and the helpers both use.  Every
 * `_locked` function expects the caller to hold `mu`.
 */
#ifndef OBJSTORE_MEM_INT_H
#define OBJSTORE_MEM_INT_H

#include "roma.h"
#include "objstore/mem.h"
#include "objstore/objstore.h"
#include "util/md5.h"
#include "util/xmem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* Immutable bytes, shared by objects, parts and readers. */
struct blob {
	atomic_size_t refs;
	size_t size;
	unsigned char data[];
};

struct obj {
	char *key;
	struct blob *blob;
	time_t mtime;
	char etag[OBJSTORE_ETAG_MAX];
	char *ctype;
	struct objstore_meta *meta;
	size_t nmeta;
};

struct part {
	unsigned num;
	struct blob *blob;
	unsigned char md5[MD5_LEN];
	char etag[OBJSTORE_ETAG_MAX];
};

struct mpu {
	char *key;
	char *id;
	unsigned long seq; /* creation order, for listing */
	time_t initiated;
	char *ctype;
	struct objstore_meta *meta;
	size_t nmeta;
	struct part *parts; /* sorted by number */
	size_t nparts;
};

struct mem {
	struct objstore base;
	pthread_mutex_t mu;
	struct objstore_mem_opts o;
	time_t now;       /* 0: real time */
	struct obj *objs; /* sorted by key */
	size_t nobjs;
	size_t capobjs;
	struct mpu *mpus; /* sorted by key, then seq */
	size_t nmpus;
	size_t capmpus;
	unsigned long seq;
};

static inline struct blob *
blob_new(size_t size)
{
	struct blob *b = xmalloc(sizeof(*b) + size);

	atomic_init(&b->refs, 1);
	b->size = size;
	return b;
}

static inline struct blob *
blob_ref(struct blob *b)
{
	atomic_fetch_add(&b->refs, 1);
	return b;
}

static inline void
blob_unref(struct blob *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

struct rerr;

time_t objstore_mem_now_locked(const struct mem *m);
/* Copies of attributes: metadata names lower-cased, S3's default type. */
struct objstore_meta *objstore_mem_meta_dup(
    const struct objstore_meta *meta, size_t n);
void objstore_mem_meta_free(struct objstore_meta *meta, size_t n);
char *objstore_mem_ctype_dup(const char *ctype);
/* MD5 of `n` bytes, raw and as an etag. */
void objstore_mem_md5(const void *p, size_t n, unsigned char raw[MD5_LEN],
    char etag[OBJSTORE_ETAG_MAX]);
/* Store `o` (owned from now on) under its key, freeing an old one. */
void objstore_mem_store_locked(struct mem *m, struct obj *o);
/* A reference to the bytes of `key` after checking `if_match`, and its
 * info when `info` is not NULL. */
int objstore_mem_snapshot(struct mem *m, const char *key, const char *if_match,
    struct objstore_info *info, struct blob **b, struct rerr *e);
/* Read a request body into a new blob (-EFBIG above put_max). */
int objstore_mem_body_blob(const struct mem *m,
    const struct objstore_body *body, struct blob **out,
    unsigned char raw[MD5_LEN], char etag[OBJSTORE_ETAG_MAX], struct rerr *e);

int objstore_mem_mpu_create(struct objstore *s, const char *key,
    const struct objstore_attrs *a, char **upload_id, struct rerr *e);
int objstore_mem_mpu_part(struct objstore *s, const char *key, const char *id,
    unsigned num, const struct objstore_body *b, char etag[OBJSTORE_ETAG_MAX],
    struct rerr *e);
int objstore_mem_mpu_part_copy(struct objstore *s, const char *key,
    const char *id, unsigned num, const char *src, uint64_t off, uint64_t len,
    const char *if_match, char etag[OBJSTORE_ETAG_MAX], struct rerr *e);
int objstore_mem_mpu_complete(struct objstore *s, const char *key,
    const char *id, const struct objstore_part *parts, size_t n,
    struct objstore_put_res *res, struct rerr *e);
int objstore_mem_mpu_abort(
    struct objstore *s, const char *key, const char *id, struct rerr *e);
int objstore_mem_mpu_list(struct objstore *s, const char *prefix,
    const char *token, unsigned max, struct objstore_upload_page *pg,
    struct rerr *e);
/* Free every upload (the store is going away). */
void objstore_mem_mpu_free_all(struct mem *m);

#endif

/*
 * Extended attributes: "user.NAME" is the object's metadata NAME
 * (x-amz-meta-NAME), and "s3.etag" the object's ETag, read-only.  Names
 * and values are percent-encoded where HTTP headers could not carry them
 * (S3 lower-cases names, so upper case is encoded too: names round-trip).
 * Setting or removing one is a self-copy replacing the metadata; on a file
 * being written it rides on the coming upload instead.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYMLINK_META "--symlink-target"
#define USER         "user."
#define ETAG_XATTR   "s3.etag"

static const char hexd[] = "0123456789ABCDEF";

static char *
pct_encode(const char *p, size_t n, bool name)
{
	char *o = xmalloc(n * 3 + 1), *q = o;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		bool plain = name
		    ? (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_' || c == '.'
		    : c >= 0x20 && c < 0x7f && c != '%';

		if (plain) {
			*q++ = (char)c;
		} else {
			*q++ = '%';
			*q++ = hexd[c >> 4];
			*q++ = hexd[c & 15];
		}
	}
	*q = '\0';
	return o;
}

/* Decode in place; returns the length. */
static size_t
pct_decode(char *s)
{
	char *o = s;

	for (char *p = s; *p != '\0'; p++) {
		if (p[0] == '%' && uri_hexval(p[1]) >= 0 &&
		    uri_hexval(p[2]) >= 0) {
			*o++ = (char)(uri_hexval(p[1]) * 16 + uri_hexval(p[2]));
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

/* The metadata the object (or the coming upload) has: a copy to free. */
struct mset {
	struct objstore_meta *v;
	size_t n;
	char *content_type;
	char etag[OBJSTORE_ETAG_MAX];
	bool pending; /* from inode->pmeta: the object is not stored yet */
	bool absent;  /* a directory without a marker */
};

static void
mset_free(struct mset *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].value);
	}
	free(m->v);
	free(m->content_type);
	memset(m, 0, sizeof(*m));
}

static void
mset_add(struct mset *m, const char *name, const char *value)
{
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	m->v[m->n].name = xstrdup(name);
	m->v[m->n].value = xstrdup(value);
	m->n++;
}

static int
mset_load(struct fs *fs, struct inode *in, char **key, struct mset *m)
{
	struct objstore_info info = { 0 };
	int r;

	memset(m, 0, sizeof(*m));
	pthread_mutex_lock(&fs->lock);
	r = inode_key(fs, in, key);
	pthread_mutex_unlock(&fs->lock);
	if (r != 0)
		return r;
	if (in->type == IT_REG && (in->local || in->cs != CS_CLEAN)) {
		for (size_t i = 0; i < in->npmeta; i++)
			mset_add(m, in->pmeta[i].name, in->pmeta[i].value);
		m->pending = true;
		return 0;
	}
	r = objstore_head(fs->store, *key, &info, NULL);
	if (r == -ENOENT && in->type == IT_DIR) {
		m->absent = true;
		return 0;
	}
	if (r != 0)
		return fs_errno(r);
	for (size_t i = 0; i < info.nmeta; i++)
		mset_add(m, info.meta[i].name, info.meta[i].value);
	m->content_type = info.content_type;
	info.content_type = NULL;
	memcpy(m->etag, info.etag, sizeof(m->etag));
	objstore_info_release(&info);
	return 0;
}

static ssize_t
give(const char *v, size_t n, void *buf, size_t size)
{
	if (size == 0)
		return (ssize_t)n;
	if (size < n)
		return -ERANGE;
	memcpy(buf, v, n);
	return (ssize_t)n;
}

static int
user_name(const char *name, char **mname)
{
	*mname = NULL;
	if (strncmp(name, "s3.", 3) == 0)
		return -EPERM;
	if (strncmp(name, USER, strlen(USER)) != 0)
		return -ENOTSUP;
	if (name[strlen(USER)] == '\0')
		return -EINVAL;
	*mname =
	    pct_encode(name + strlen(USER), strlen(name + strlen(USER)), true);
	if (strcmp(*mname, SYMLINK_META) == 0) {
		free(*mname);
		*mname = NULL;
		return -EPERM;
	}
	return 0;
}

ssize_t
fs_getxattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    const char *name, void *buf, size_t size)
{
	struct mset m;
	struct inode *in;
	char *key = NULL, *mname = NULL;
	ssize_t r = 0;
	int err = 0;

	(void)x;
	in = inode_hold(fs, ino, &err);
	if (in == NULL)
		return err;
	if (strcmp(name, ETAG_XATTR) != 0 && user_name(name, &mname) != 0) {
		inode_release(fs, in);
		return -ENODATA;
	}
	r = mset_load(fs, in, &key, &m);
	if (r == 0 && mname == NULL)
		r = m.etag[0] ? give(m.etag, strlen(m.etag), buf, size)
		              : -ENODATA;
	else if (r == 0) {
		r = -ENODATA;
		for (size_t i = 0; i < m.n; i++) {
			if (strcmp(m.v[i].name, mname) != 0)
				continue;
			r = give(
			    m.v[i].value, pct_decode(m.v[i].value), buf, size);
			break;
		}
	}
	mset_free(&m);
	free(mname);
	free(key);
	inode_release(fs, in);
	return r;
}

ssize_t
fs_listxattr(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, char *buf, size_t size)
{
	struct mset m;
	struct inode *in;
	char *key = NULL, *all;
	size_t n = 0, cap = 64;
	ssize_t r = 0;
	int err = 0;

	(void)x;
	in = inode_hold(fs, ino, &err);
	if (in == NULL)
		return err;
	r = mset_load(fs, in, &key, &m);
	all = xmalloc(cap);
	if (r == 0 && m.etag[0]) {
		memcpy(all, ETAG_XATTR, sizeof(ETAG_XATTR));
		n = sizeof(ETAG_XATTR);
	}
	for (size_t i = 0; r == 0 && i < m.n; i++) {
		char *nm = xstrdup(m.v[i].name);
		size_t l;

		if (strcmp(nm, SYMLINK_META) == 0) {
			free(nm);
			continue;
		}
		l = pct_decode(nm);
		if (n + strlen(USER) + l + 1 > cap) {
			cap = (n + strlen(USER) + l + 1) * 2;
			all = xrealloc(all, cap);
		}
		memcpy(all + n, USER, strlen(USER));
		memcpy(all + n + strlen(USER), nm, l);
		all[n + strlen(USER) + l] = '\0';
		n += strlen(USER) + l + 1;
		free(nm);
	}
	if (r == 0)
		r = give(all, n, buf, size);
	free(all);
	mset_free(&m);
	free(key);
	inode_release(fs, in);
	return r;
}

/* Store `m` as the metadata: on the coming upload, or by a self-copy. */
static int
mset_store(struct fs *fs, struct inode *in, const char *key, struct mset *m)
{
	struct objstore_attrs a = {
		.content_type = m->content_type, .meta = m->v, .nmeta = m->n
	};
	struct objstore_body b = { .data = "", .size = 0 };
	int r;

	if (m->pending) {
		for (size_t i = 0; i < in->npmeta; i++) {
			free(in->pmeta[i].name);
			free(in->pmeta[i].value);
		}
		free(in->pmeta);
		in->pmeta = m->v;
		in->npmeta = m->n;
		m->v = NULL;
		m->n = 0;
		return 0;
	}
	if (m->absent)
		r = objstore_put(fs->store, key, &b, &a, 0, NULL, NULL);
	else
		r = objstore_copy(fs->store, key, key, m->etag, &a, NULL, NULL);
	if (r == 0) {
		pthread_mutex_lock(&fs->lock);
		in->attr_ms = 0; /* the ETag and mtime changed */
		pthread_mutex_unlock(&fs->lock);
	}
	return fs_errno(r);
}

/* Set (value != NULL) or remove one user attribute. */
static int
xattr_change(struct fs *fs, uint64_t ino, const char *name, const void *value,
    size_t size, int flags)
{
	struct mset m;
	struct inode *in;
	char *key = NULL, *mname = NULL;
	size_t i;
	int r = 0;

	in = inode_hold(fs, ino, &r);
	if (in == NULL)
		return r;
	r = user_name(name, &mname);
	if (r != 0) {
		inode_release(fs, in);
		return r;
	}
	if (in->type == IT_REG)
		pthread_mutex_lock(&in->io);
	r = mset_load(fs, in, &key, &m);
	for (i = 0; r == 0 && i < m.n; i++)
		if (strcmp(m.v[i].name, mname) == 0)
			break;
	if (r == 0 && i < m.n && (flags & FS_XATTR_CREATE))
		r = -EEXIST;
	else if (r == 0 && i == m.n &&
	    (value == NULL || (flags & FS_XATTR_REPLACE)))
		r = -ENODATA;
	if (r == 0 && value != NULL) {
		char *v = pct_encode(value, size, false);

		if (i == m.n)
			mset_add(&m, mname, v);
		else {
			free(m.v[i].value);
			m.v[i].value = xstrdup(v);
		}
		free(v);
	} else if (r == 0) {
		free(m.v[i].name);
		free(m.v[i].value);
		m.v[i] = m.v[--m.n];
	}
	if (r == 0)
		r = mset_store(fs, in, key, &m);
	if (in->type == IT_REG)
		pthread_mutex_unlock(&in->io);
	mset_free(&m);
	free(mname);
	free(key);
	inode_release(fs, in);
	return r;
}

int
fs_setxattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    const char *name, const void *value, size_t size, int flags)
{
	(void)x;
	return xattr_change(
	    fs, ino, name, value != NULL ? value : "", size, flags);
}

int
fs_removexattr(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, const char *name)
{
	(void)x;
	return xattr_change(fs, ino, name, NULL, 0, 0);
}

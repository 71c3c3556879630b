/*
 * Random sequences of file-system operations, interleaved with puts and
 * deletes behind the mount's back, checked against a reference model of
 * how keys map to files: a file is its key, a directory exists when its
 * marker or any key under it does.  With TTLs of 0 every answer must match
 * the model exactly; with the guide's 5-minute TTLs, reads (through open's
 * revalidation) and lookups of new names must still match it.
 */
#include "fs_harness.h"

#define MAXK 64

static const char *const dirs[] = { "", "a/", "a/b/", "c/" };
/* "x.1" and "a.1" sort between "x" and "x/", "a" and "a/": a lookup's
 * LIST (prefix NAME) sees them beside the name it asks about. */
static const char *const fnames[] = { "x", "y", "z", "x.1", "a.1" };

struct model {
	char *key[MAXK];
	char *val[MAXK];
	size_t n;
};

static int
m_find(struct model *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->key[i], key) == 0)
			return (int)i;
	return -1;
}

static void
m_set(struct model *m, const char *key, const char *val)
{
	int i = m_find(m, key);

	if (i >= 0) {
		free(m->val[i]);
		m->val[i] = strdup(val);
		return;
	}
	assert_true(m->n < MAXK);
	m->key[m->n] = strdup(key);
	m->val[m->n++] = strdup(val);
}

static void
m_del(struct model *m, const char *key)
{
	int i = m_find(m, key);

	if (i < 0)
		return;
	free(m->key[i]);
	free(m->val[i]);
	m->key[i] = m->key[--m->n];
	m->val[i] = m->val[m->n];
}

/* Whether directory `d` ("a/") exists: a marker or a key under it. */
static bool
m_dir(struct model *m, const char *d)
{
	if (d[0] == '\0')
		return true;
	for (size_t i = 0; i < m->n; i++)
		if (strncmp(m->key[i], d, strlen(d)) == 0)
			return true;
	return false;
}

static bool
m_dir_empty(struct model *m, const char *d)
{
	for (size_t i = 0; i < m->n; i++)
		if (strncmp(m->key[i], d, strlen(d)) == 0 &&
		    strcmp(m->key[i], d) != 0)
			return false;
	return true;
}

/* By name: a directory's "a/" sorts as "a", before "a.1", as readdir. */
static int
cmp_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t xl = strcspn(x, "/"), yl = strcspn(y, "/");
	int c = strncmp(x, y, xl < yl ? xl : yl);

	return c != 0 ? c : (xl > yl) - (xl < yl);
}

/* What ls of `d` shows: "x a/" style, sorted by name. */
static char *
m_ls(struct model *m, const char *d)
{
	char *names[MAXK], out[4096] = "";
	size_t n = 0, dl = strlen(d);

	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->key[i], *rest, *slash;
		bool dup = false;
		char nm[256];

		if (strncmp(k, d, dl) != 0 || strcmp(k, d) == 0)
			continue;
		rest = k + dl;
		slash = strchr(rest, '/');
		snprintf(nm, sizeof(nm), "%.*s%s",
		    slash ? (int)(slash - rest) : (int)strlen(rest), rest,
		    slash ? "/" : "");
		for (size_t j = 0; j < n; j++)
			dup = dup || strcmp(names[j], nm) == 0;
		if (!dup)
			names[n++] = strdup(nm);
	}
	qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, names[i]);
		free(names[i]);
	}
	return strdup(out);
}

static void
rand_val(unsigned *seed, char *buf, size_t cap)
{
	size_t n = rand_r(seed) % 8 == 0 ? 1500 + (size_t)rand_r(seed) % 1500
	                                 : (size_t)rand_r(seed) % 20;

	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)('a' + rand_r(seed) % 26);
	buf[n] = '\0';
}

static void
check_read(struct h *h, struct model *m, const char *key)
{
	int i = m_find(m, key), err = 0;
	char *got = read_file(h, key, &err);

	if (i < 0) {
		assert_null(got);
		assert_int_equal(err, -ENOENT);
		return;
	}
	if (got == NULL)
		fail_msg("read %s: %s", key, strerror(-err));
	assert_string_equal(got, m->val[i]);
	free(got);
}

/* Path of a dir key "a/b/" without the slash, for walk. */
static void
strip(const char *d, char *out, size_t cap)
{
	snprintf(out, cap, "%.*s", (int)(strlen(d) ? strlen(d) - 1 : 0), d);
}

static void
step(struct h *h, struct model *m, unsigned *seed, bool exact)
{
	const char *d = dirs[rand_r(seed) % ARRAY_SIZE(dirs)];
	const char *f = fnames[rand_r(seed) % ARRAY_SIZE(fnames)];
	char key[64], val[4000], dpath[64];
	int op = rand_r(seed) % 11;
	uint64_t ino, fh;

	snprintf(key, sizeof(key), "%s%s", d, f);
	strip(d, dpath, sizeof(dpath));
	rand_val(seed, val, sizeof(val));
	switch (op) {
	case 0: /* write a file (its directory must exist, as for open) */
		if (!m_dir(m, d))
			break;
		assert_int_equal(write_file(h, key, val), 0);
		m_set(m, key, val);
		break;
	case 1: /* append */
		if (m_find(m, key) < 0 || !val[0])
			break;
		assert_int_equal(
		    h_open(h, key, O_WRONLY | O_APPEND, &ino, &fh), 0);
		assert_int_equal(h_pwrite(h, ino, fh, val,
		                     (off_t)strlen(m->val[m_find(m, key)])),
		    0);
		assert_int_equal(h_close(h, ino, fh), 0);
		{
			char *nv = malloc(
			    strlen(m->val[m_find(m, key)]) + strlen(val) + 1);

			strcpy(nv, m->val[m_find(m, key)]);
			strcat(nv, val);
			m_set(m, key, nv);
			free(nv);
		}
		break;
	case 2:
		check_read(h, m, key);
		break;
	case 3: /* unlink */
		if (!m_dir(m, d))
			break;
		if (walk(h, key, NULL) != 0) {
			assert_int_equal(m_find(m, key), -1);
			break;
		}
		assert_int_equal(
		    parent_of(h, key, &ino, &(const char *){ 0 }), 0);
		assert_int_equal(fs_unlink(h->fs, NULL, ino, f), 0);
		m_del(m, key);
		break;
	case 4: /* mkdir, when the kernel would let it through */
		if (d[0] == '\0' || walk(h, dpath, NULL) == 0)
			break;
		{
			char parent[64];
			const char *base = strrchr(dpath, '/');
			struct fs_entry e;

			snprintf(parent, sizeof(parent), "%.*s",
			    base ? (int)(base - dpath) : 0, dpath);
			if (parent[0] && walk(h, parent, &ino) != 0)
				break;
			if (!parent[0])
				ino = FS_ROOT_INO;
			assert_int_equal(fs_mkdir(h->fs, NULL, ino,
			                     base ? base + 1 : dpath, 0755, &e),
			    0);
			m_set(m, d, "");
		}
		break;
	case 5: /* rmdir */
		if (d[0] == '\0' || walk(h, dpath, NULL) != 0)
			break;
		{
			const char *base;
			int r;

			assert_int_equal(parent_of(h, dpath, &ino, &base), 0);
			r = fs_rmdir(h->fs, NULL, ino, base);
			if (exact || r != 0)
				assert_int_equal(
				    r, m_dir_empty(m, d) ? 0 : -ENOTEMPTY);
			if (r == 0)
				m_del(m, d);
		}
		break;
	case 6: /* rename a file to another name in the same directory */
		if (m_find(m, key) < 0 || walk(h, key, NULL) != 0)
			break;
		{
			const char *to =
			    fnames[rand_r(seed) % ARRAY_SIZE(fnames)];
			char tkey[64];
			int i;

			snprintf(tkey, sizeof(tkey), "%s%s", d, to);
			assert_int_equal(
			    parent_of(h, key, &ino, &(const char *){ 0 }), 0);
			if (!exact)
				walk(
				    h, tkey, NULL); /* the kernel looks it up */
			assert_int_equal(
			    fs_rename(h->fs, NULL, ino, f, ino, to, 0), 0);
			i = m_find(m, key);
			if (strcmp(key, tkey) != 0) {
				char *v = strdup(m->val[i]);

				m_set(m, tkey, v);
				m_del(m, key);
				free(v);
			}
		}
		break;
	case 7: /* ls */
		if (!exact || !m_dir(m, d))
			break;
		{
			char *want = m_ls(m, d);

			assert_ls(h, d[0] ? dpath : NULL, want);
			free(want);
		}
		break;
	case 8: /* another host writes */
		ext_put(h, key, val);
		m_set(m, key, val);
		break;
	case 9: /* another host deletes */
		if (m->n > 0) {
			size_t i = (size_t)rand_r(seed) % m->n;
			char *k = strdup(m->key[i]);

			ext_del(h, k);
			m_del(m, k);
			free(k);
		}
		break;
	default: /* a write in the middle, O_RDWR */
		if (m_find(m, key) < 0 || walk(h, key, NULL) != 0 ||
		    strlen(m->val[m_find(m, key)]) < 2)
			break;
		{
			char *v = strdup(m->val[m_find(m, key)]);
			size_t off = (size_t)rand_r(seed) % (strlen(v) - 1);

			assert_int_equal(h_open(h, key, O_RDWR, &ino, &fh), 0);
			assert_int_equal(
			    h_pwrite(h, ino, fh, "#", (off_t)off), 0);
			assert_int_equal(h_close(h, ino, fh), 0);
			v[off] = '#';
			m_set(m, key, v);
			free(v);
		}
		break;
	}
}

static void
ttl_zero(struct fs_config *c)
{
	c->stat_cache_ttl_ms = 0;
	c->type_cache_ttl_ms = 0;
}

static void
run(unsigned seed, bool exact, int steps)
{
	struct h *h = h_new(exact ? ttl_zero : NULL);
	struct model m = { 0 };

	for (int i = 0; i < steps; i++)
		step(h, &m, &seed, exact);
	/* Finally every key reads back as the model says. */
	for (size_t i = 0; i < m.n; i++)
		if (m.key[i][strlen(m.key[i]) - 1] != '/')
			check_read(h, &m, m.key[i]);
	for (size_t i = 0; i < m.n; i++) {
		free(m.key[i]);
		free(m.val[i]);
	}
	h_free(h);
}

static void
test_model_exact(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 4; seed++)
		run(seed, true, 1500);
}

static void
test_model_cached(void **state)
{
	(void)state;
	for (unsigned seed = 11; seed <= 14; seed++)
		run(seed, false, 1500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_exact),
		cmocka_unit_test(test_model_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * roma mount [flags] BUCKET[:PREFIX] MOUNTPOINT - the goofys-compatible
 * mount (also run when the binary is invoked as `goofys`, and for fstab
 * through mount.fuse), and roma umount [-l] MOUNTPOINT.
 *
 * Flow: parse (fs/opts.h) -> the objects' settings from the S3 flags
 * (encryption, ACL, storage class; checked here, before forking) -> fork
 * unless -f (fs/daemon.h; the child does the rest and reports) -> S3
 * client -> HEAD bucket (a clear error when it is missing or forbidden) ->
 * objstore -> fs -> fuseop_main, whose ready callback releases the waiting
 * parent.
 */
#include "roma.h"
#include "build_info.h"
#include "cmd/cmd.h"
#include "fs/daemon.h"
#include "fs/fs.h"
#include "fs/fuseop.h"
#include "fs/opts.h"
#include "objstore/objstore.h"
#include "objstore/s3store.h"
#include "s3/client.h"
#include "s3/ops.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/logsink.h"
#include "util/rerr.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READY_TIMEOUT_MS (300 * 1000)
#define KEY_FILE_MAX     4096 /* a key file is 32 bytes or ~45 of base64 */

/* Also declared through applets.def (mount, goofys, umount). */
int cmd_mount(int argc, char **argv);
int cmd_goofys(int argc, char **argv);
int cmd_umount(int argc, char **argv);

struct mount_run {
	struct fs_mount_opts o;
	struct fs_daemon d;
	bool daemon;
	const char *prog;     /* "goofys" or "roma mount": message prefix */
	struct s3_objcfg cfg; /* the S3 flags; strings borrowed from `o` */
};

static void
print_help(FILE *f, const char *name)
{
	struct buf b = BUF_INIT;

	fs_opts_help(&b, name);
	fputs(b.ptr, f);
	buf_release(&b);
}

/* Whether `dir` (whose stat is `st`) is the root of a live FUSE mount:
 * another device than its parent's, and a FUSE file system. */
static bool
is_live_mount(const char *dir, const struct stat *st)
{
	struct buf parent = BUF_INIT;
	struct stat pst;
	bool r;

	buf_addf(&parent, "%s/..", dir);
	r = stat(parent.ptr, &pst) == 0 && pst.st_dev != st->st_dev &&
	    fs_daemon_is_fuse(dir);
	buf_release(&parent);
	return r;
}

/* Refuse early, before forking, what cannot work. */
static int
precheck(const struct fs_mount_opts *o, struct rerr *e)
{
	struct stat st;

	if (stat(o->mountpoint, &st) != 0) {
		if (errno == ENOTCONN)
			return 0; /* a dead mount: fuseop clears it */
		return rerr_set(e, -errno, "mountpoint %s: %s", o->mountpoint,
		    strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return rerr_set(e, -ENOTDIR, "mountpoint %s is not a directory",
		    o->mountpoint);
	if (is_live_mount(o->mountpoint, &st))
		return rerr_set(e, -EBUSY,
		    "%s is busy: a file system is already mounted there",
		    o->mountpoint);
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		return rerr_set(e, -ENODEV,
		    "cannot use /dev/fuse (%s): FUSE is not available here; "
		    "load the fuse module, or run the container with "
		    "--device /dev/fuse --cap-add SYS_ADMIN",
		    strerror(errno));
	if (*o->bucket == '\0')
		return rerr_set(
		    e, -EINVAL, "no bucket name in '%s'", o->source);
	return 0;
}

/* Warnings about accepted flags, while stderr is still the user's. */
static void
warn_flags(const struct fs_mount_opts *o, const char *prog)
{
	if (o->max_idle_handles_set)
		fprintf(stderr,
		    "%s: warning: --max-idle-handles is not a goofys flag; "
		    "ignored (connections are pooled automatically)\n",
		    prog);
	if (o->cache)
		fprintf(stderr,
		    "%s: warning: --cache (catfs) is not supported; mounting "
		    "without a data cache\n",
		    prog);
	if ((o->dir_mode & 0111) == 0)
		fprintf(stderr,
		    "%s: warning: --dir-mode %#o has no x bit: nobody can "
		    "enter directories (did you mean 0%o?)\n",
		    prog, o->dir_mode, o->dir_mode);
}

static void
setup_logging(const struct fs_mount_opts *o)
{
	if (o->debug)
		log_configure("debug");
	else if (o->debug_fuse && o->debug_s3)
		log_configure("debug:core,fuse,s3,http");
	else if (o->debug_fuse)
		log_configure("debug:core,fuse");
	else if (o->debug_s3)
		log_configure("debug:core,s3,http");
}

/* The background daemon's log: --log-file, else syslog, else a file in
 * the state directory, else nowhere (stderr is /dev/null by then). */
static void
daemon_logging(const struct fs_mount_opts *o)
{
	char *path;

	if (o->log_file && logsink_file(o->log_file, NULL) == 0)
		return;
	if (!o->log_file && logsink_syslog_available()) {
		logsink_syslog("roma-mount");
		return;
	}
	if ((path = logsink_state_path("mount.log")) != NULL)
		logsink_file(path, NULL);
	free(path);
}

/* The --sse-c-file key: base64 text as --sse-c takes it, or exactly the
 * 32 raw bytes (`openssl rand 32 > FILE`). */
static int
key_from_file(
    const char *path, struct s3_objcfg *cfg, const char *prog, struct rerr *e)
{
	char tmp[KEY_FILE_MAX + 1];
	struct buf b = BUF_INIT;
	struct rerr ke;
	ssize_t got;
	int r;

	if ((got = cmd_key_file_read(
	         path, tmp, KEY_FILE_MAX, prog, "--sse-c-file ")) < 0)
		return rerr_set(e, (int)got, "--sse-c-file %s: %s", path,
		    strerror((int)-got));
	tmp[got] = '\0';
	if (got == S3_SSEC_KEY_LEN)
		b64_encode(&b, tmp, (size_t)got);
	else
		buf_adds(&b, str_trim(tmp));
	if (b.len == 0)
		r = rerr_set(e, -EINVAL, "--sse-c-file %s is empty", path);
	else if ((r = s3_ssec_key(b.ptr, cfg, &ke)) != 0)
		rerr_set(e, r, "--sse-c-file %s: %s", path, rerr_str(&ke));
	explicit_bzero(tmp, sizeof(tmp));
	if (b.ptr)
		explicit_bzero(b.ptr, b.len);
	buf_release(&b);
	return r;
}

/* The SSE-C key from --sse-c or --sse-c-file (goofys: "" is no key). */
static int
sse_c_key(const struct fs_mount_opts *o, struct s3_objcfg *cfg,
    const char *prog, struct rerr *e)
{
	bool arg = o->sse_c && *o->sse_c;
	struct rerr ke;

	if (!arg && !o->sse_c_file)
		return 0;
	if (arg && o->sse_c_file)
		return rerr_set(e, -EINVAL,
		    "--sse-c and --sse-c-file both give a key: use one");
	/* goofys would write with SSE-S3/KMS, then read with the key. */
	if (o->sse)
		return rerr_set(e, -EINVAL,
		    "--sse-c cannot be combined with --sse or --sse-kms: an "
		    "object has one kind of server-side encryption");
	if (o->sse_c_file)
		return key_from_file(o->sse_c_file, cfg, prog, e);
	fprintf(stderr,
	    "%s: warning: --sse-c puts the key on the command line, where "
	    "other users can read it (ps, /proc); use --sse-c-file FILE\n",
	    prog);
	if (s3_ssec_key(o->sse_c, cfg, &ke) != 0)
		return rerr_set(e, -EINVAL, "--sse-c: %s", rerr_str(&ke));
	return 0;
}

/* struct s3_objcfg from goofys's S3 flags: what S3 would refuse on the
 * first write is refused now, naming the flag. */
static int
objects_cfg(const struct fs_mount_opts *o, struct s3_objcfg *cfg,
    const char *prog, struct rerr *e)
{
	memset(cfg, 0, sizeof(*cfg));
	if (o->acl && *o->acl && !s3_acl_known(o->acl))
		return rerr_set(e, -EINVAL,
		    "--acl %s: not a canned ACL; use one of: %s", o->acl,
		    s3_acl_names());
	if (!s3_storage_class_known(o->storage_class))
		return rerr_set(e, -EINVAL,
		    "--storage-class %s: not a storage class; use one of: %s",
		    o->storage_class, s3_storage_class_names());
	if (o->sse_kms_set && !str_printable(o->sse_kms))
		return rerr_set(e, -EINVAL,
		    "--sse-kms: the key id holds non-printable characters");
	cfg->acl = o->acl && *o->acl ? o->acl : NULL;
	/* What S3 does without the header (and all some clones know). */
	if (strcmp(o->storage_class, "STANDARD") != 0)
		cfg->storage_class = o->storage_class;
	if (o->sse_kms_set) {
		cfg->sse = S3_SSE_KMS;
		cfg->kms_key_id = o->sse_kms; /* "": the account's key */
	} else if (o->sse) {
		cfg->sse = S3_SSE_S3;
	}
	return sse_c_key(o, cfg, prog, e);
}

/* Blank the --sse-c key in our argv: ps and /proc/PID/cmdline show it
 * until then (hence the warning), and no longer after. */
static void
hide_key(int argc, char **argv, const char *key)
{
	size_t n = key ? strlen(key) : 0;
	char *p;
	int i;

	for (i = 1; n > 0 && i < argc; i++)
		while ((p = strstr(argv[i], key)) != NULL)
			memset(p, '*', n);
}

static struct s3_client *
make_client(const struct fs_mount_opts *o, struct rerr *e)
{
	struct s3_client_opts so;

	memset(&so, 0, sizeof(so));
	/* goofys: an explicit --region is used as is; otherwise the bucket's
	 * region is learnt from HEAD bucket.  An empty --region means auto. */
	so.region = o->region_set && *o->region ? o->region : NULL;
	so.endpoint = o->endpoint && *o->endpoint ? o->endpoint : NULL;
	so.profile = o->profile && *o->profile ? o->profile : NULL;
	so.style = o->subdomain   ? ENDPOINT_VIRTUAL
	    : o->use_path_request ? ENDPOINT_PATH
	                          : ENDPOINT_AUTO;
	so.ca_bundle = o->ca_bundle;
	so.request_payer = o->requester_pays;
	so.stall_s = (long)((o->http_timeout_ms + 999) / 1000);
	return s3_client_new(&so, e);
}

static void
fill_config(const struct fs_mount_opts *o, struct fs_config *c)
{
	fs_config_defaults(c);
	c->prefix = o->prefix;
	c->uid = (uid_t)o->uid;
	c->gid = (gid_t)o->gid;
	c->dir_mode = (mode_t)o->dir_mode;
	c->file_mode = (mode_t)o->file_mode;
	c->stat_cache_ttl_ms = o->stat_cache_ttl_ms;
	c->type_cache_ttl_ms = o->type_cache_ttl_ms;
	c->cheap = o->cheap;
	c->no_implicit_dir = o->no_implicit_dir;
	c->enable_symlinks = o->enable_symlinks;
	c->use_content_type = o->use_content_type;
	if (o->memory_limit)
		c->memory_limit = o->memory_limit;
	if (o->staging_set)
		c->staging_dir = o->staging_dir;
	if (o->part_size)
		c->part_size = o->part_size;
	if (o->max_parallel)
		c->max_parallel = o->max_parallel;
	if (o->read_ahead)
		c->read_ahead = o->read_ahead;
	if (o->copy_threshold)
		c->copy_threshold = o->copy_threshold;
}

static void
on_ready(void *arg, int err)
{
	struct mount_run *m = arg;

	if (err != 0)
		return; /* fuseop_main returns it with a message: sent then */
	log_info(LOG_FUSE, "file system %s mounted on %s", m->o.source,
	    m->o.mountpoint);
	if (m->o.pid_file) {
		FILE *f = fopen(m->o.pid_file, "we");

		if (f) {
			fprintf(f, "%ld\n", (long)getpid());
			fclose(f);
		}
	}
	if (m->daemon)
		fs_daemon_ready(&m->d);
}

/* Check the bucket, then serve until unmounted.  0 or -errno with `e`. */
static int
serve(struct mount_run *m, struct rerr *e)
{
	struct s3_client *c;
	struct objstore *store;
	struct fs_config fc;
	struct fuseop_config fo;
	char region[S3_REGION_MAX];
	struct fs *fs;
	char *opts;
	int r;

	if ((c = make_client(&m->o, e)) == NULL)
		return -(e->err ? e->err : EINVAL);
	if ((r = s3_head_bucket(c, m->o.bucket, region, e)) != 0) {
		s3_client_free(c);
		return r;
	}
	store = objstore_s3_new(c, m->o.bucket, &m->cfg, true);
	fill_config(&m->o, &fc);
	if ((fs = fs_new(&fc, store, e)) == NULL) {
		objstore_free(store);
		return -(e->err ? e->err : EINVAL);
	}
	opts = fs_opts_mount_options(&m->o);
	memset(&fo, 0, sizeof(fo));
	fo.mountpoint = m->o.mountpoint;
	fo.options = opts;
	fo.debug = m->o.debug_fuse || m->o.debug;
	fo.max_threads = FS_WORKERS; /* threads start only when needed */
	fo.ready = on_ready;
	fo.ready_arg = m;
	r = fuseop_main(fs, &fo, e);
	free(opts);
	fs_free(fs);
	objstore_free(store);
	return r;
}

/* One line for the user: what failed and, where it helps, what to do. */
static void
explain(
    struct buf *b, const struct fs_mount_opts *o, int r, const struct rerr *e)
{
	if (r == -ENXIO || (r == -ENOENT && e->http_status == 404))
		buf_addf(
		    b, "bucket %s does not exist (%s)", o->bucket, rerr_str(e));
	else if (r == -EACCES)
		buf_addf(b, "access to bucket %s denied: %s", o->bucket,
		    rerr_str(e));
	else if (r == -ENOKEY)
		buf_addf(b, "no AWS credentials: %s", rerr_str(e));
	else if (r == -EBUSY)
		buf_addf(b, "%s is busy (already mounted?): %s", o->mountpoint,
		    rerr_str(e));
	else
		buf_addf(b, "%s", rerr_str(e));
}

static int
run_child(struct mount_run *m)
{
	struct rerr e;
	struct buf msg = BUF_INIT;
	int r;

	rerr_clear(&e);
	if (m->daemon) {
		daemon_logging(&m->o);
		if (fs_daemon_detach(&m->d, &e) != 0) {
			fs_daemon_fail(&m->d, rerr_str(&e));
			return 1;
		}
	} else if (m->o.log_file && logsink_file(m->o.log_file, &e) != 0) {
		fprintf(stderr, "%s: %s\n", m->prog, rerr_str(&e));
		return 1;
	}
	r = serve(m, &e);
	if (r != 0) {
		explain(&msg, &m->o, r, &e);
		if (!m->daemon) {
			fprintf(stderr, "%s: %s\n", m->prog, msg.ptr);
		} else {
			log_error(LOG_FUSE, "mounting %s on %s: %s",
			    m->o.source, m->o.mountpoint, msg.ptr);
			fs_daemon_fail(&m->d, msg.ptr);
		}
	}
	buf_release(&msg);
	logsink_reset();
	return r == 0 ? 0 : 1;
}

static int
mount_main(struct mount_run *m)
{
	struct rerr e;
	int r;

	rerr_clear(&e);
	if (precheck(&m->o, &e) != 0) {
		fprintf(stderr, "%s: %s\n", m->prog, rerr_str(&e));
		return 1;
	}
	if (m->o.cred_filename)
		setenv("AWS_SHARED_CREDENTIALS_FILE", m->o.cred_filename, 1);
	if (getenv("PATH") == NULL) /* mount -a may run us without one */
		setenv("PATH",
		    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
		    "/bin",
		    1);
	m->daemon = !m->o.foreground;
	if (!m->daemon)
		return run_child(m);
	r = fs_daemon_start(&m->d, m->o.mountpoint, READY_TIMEOUT_MS, &e);
	if (r == FS_DAEMON_CHILD)
		return run_child(m);
	if (r == FS_DAEMON_PARENT)
		return 0;
	fprintf(stderr, "%s: %s\n", m->prog, rerr_str(&e));
	return 1;
}

static int
check_and_mount(struct mount_run *m, int argc, char **argv)
{
	struct rerr e;

	rerr_clear(&e);
	hide_key(argc, argv, m->o.sse_c);
	warn_flags(&m->o, m->prog);
	if (objects_cfg(&m->o, &m->cfg, m->prog, &e) != 0) {
		fprintf(stderr, "%s: %s\n", m->prog, rerr_str(&e));
		return 1;
	}
	setup_logging(&m->o);
	return mount_main(m);
}

int
cmd_mount(int argc, char **argv)
{
	struct mount_run m;
	const char *base = strrchr(argv[0], '/');
	bool goofys;
	char *msg;
	int r;

	base = base ? base + 1 : argv[0];
	goofys = strcmp(base, "goofys") == 0;
	memset(&m, 0, sizeof(m));
	m.prog = goofys ? "goofys" : "roma mount";
	r = fs_opts_parse(
	    &m.o, argc, argv, goofys ? "goofys" : "roma mount", &msg);
	if (r != 0) {
		/* goofys: the error, a blank line, the help; exit 1. */
		fprintf(stderr, "%s\n\n", msg);
		print_help(stderr, goofys ? "goofys" : "roma mount");
		free(msg);
		fs_opts_release(&m.o);
		return 1;
	}
	if (m.o.help) {
		print_help(stdout, goofys ? "goofys" : "roma mount");
		r = 0;
	} else if (m.o.version) {
		fprintf(goofys ? stderr : stdout, "%s version %s-roma-%s\n",
		    goofys ? "goofys" : "roma mount", FS_OPTS_GOOFYS_VERSION,
		    ROMA_VERSION);
		r = 0;
	} else {
		r = check_and_mount(&m, argc, argv);
	}
	explicit_bzero(&m.cfg, sizeof(m.cfg));
	fs_opts_release(&m.o);
	return r;
}

int
cmd_goofys(int argc, char **argv)
{
	return cmd_mount(argc, argv);
}

static const char umount_usage[] =
    "usage: roma umount [-l] MOUNTPOINT\n"
    "\n"
    "Unmount a roma (or goofys, or any FUSE) mount.  A dead mount, whose\n"
    "daemon is gone (\"Transport endpoint is not connected\"), is always\n"
    "detached.  -l detaches a busy mount lazily, as umount -l.  Staging\n"
    "dirs that killed mounts left in the default place are removed too.\n";

int
cmd_umount(int argc, char **argv)
{
	unsigned flags = 0;
	const char *mp = NULL;
	struct rerr e;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-l") == 0 ||
		    strcmp(argv[i], "--lazy") == 0)
			flags |= FUSEOP_UMOUNT_LAZY;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(umount_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' || mp) {
			fprintf(stderr, "roma umount: unexpected '%s'\n%s",
			    argv[i], umount_usage);
			return 2;
		} else
			mp = argv[i];
	}
	if (mp == NULL) {
		fputs(umount_usage, stderr);
		return 2;
	}
	rerr_clear(&e);
	if (fuseop_unmount(mp, flags, &e) != 0) {
		fprintf(stderr, "roma umount: %s: %s\n", mp, rerr_str(&e));
		return 1;
	}
	/* A daemon killed outright left its staging dir: the default base's
	 * are cleared here (a live daemon's lock keeps its own). */
	fs_staging_sweep(NULL);
	return 0;
}

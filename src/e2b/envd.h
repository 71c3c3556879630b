/*
 * envd - the daemon inside every sandbox (port 49983): Connect RPCs with
 * the JSON codec for processes (Start and Connect as server streams with
 * keepalives and Connect-Timeout-Ms; SendInput, CloseStdin, SendSignal,
 * List) and the filesystem (Stat, ListDir, MakeDir, Move, Remove), plus
 * plain HTTP /files (upload, download) and /health.  Addressing follows
 * e2b/config.h; routing headers and X-Access-Token are always sent.
 * Process output is decoded as UTF-8 across chunk boundaries.
 */
#ifndef E2B_ENVD_H
#define E2B_ENVD_H

#include "roma.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct e2b_api;
struct e2b_hdrs;
struct e2b_sandbox;
struct json;
struct rerr;

/* One sandbox's data plane; every pointer is borrowed. */
struct e2b_dp {
	struct e2b_api *api;
	const char *id, *envd_token, *traffic_token, *domain, *envd_version;
	const char *user; /* NULL: the sandbox's default user */
};

struct e2b_proc_req {
	const char *cmd;         /* run as /bin/bash -l -c CMD */
	const char *const *envs; /* "key=value", NULL-terminated; may be NULL */
	const char *cwd;         /* NULL: the user's home */
	const char *tag;         /* NULL: none */
	bool stdin_open;         /* keep stdin open for SendInput */
	long timeout_ms;         /* process lifetime (envd kills it); 0: none */
};

/* Callbacks for a running process; any may be NULL.  Output arrives as
 * whole UTF-8 characters; a non-zero return stops the stream. */
struct e2b_proc_cb {
	void (*on_start)(uint32_t pid, void *arg);
	int (*on_stdout)(const char *text, size_t n, void *arg);
	int (*on_stderr)(const char *text, size_t n, void *arg);
	void *arg;
};

struct e2b_proc_result {
	uint32_t pid;
	bool ended;    /* an end event came */
	int exit_code; /* valid when ended */
	bool exited;   /* false when killed by a signal */
	char status[128];
	char error[256]; /* envd's error text, "" when none */
};

void e2b_dp_init(
    struct e2b_dp *dp, struct e2b_api *api, const struct e2b_sandbox *s);
/* The URL of `path` on `port` into `url`, and the routing and (when
 * `token`) access-token headers into `h`. */
void e2b_dp_request(const struct e2b_dp *dp, unsigned port, const char *path,
    bool token, struct buf *url, struct e2b_hdrs *h);
/* Map an HTTP failure of the data plane: 502 is the sandbox gone
 * (-EHOSTDOWN), else the JSON message, else the status. */
int e2b_dp_http_error(const struct e2b_dp *dp, int status, const char *body,
    size_t n, struct rerr *e);

/*
 * Run `req` and stream its output to `cb` until it ends.  Returns 0 when
 * the process ended (any exit code, in `res`), else -errno: -ETIMEDOUT
 * (its timeout passed and envd killed it, or the stream stalled), -EHOSTDOWN
 * (the sandbox is gone), -EPROTO, -EACCES, ...
 */
int e2b_envd_start(const struct e2b_dp *dp, const struct e2b_proc_req *req,
    const struct e2b_proc_cb *cb, struct e2b_proc_result *res, struct rerr *e);
/* Attach to running process `pid` (output from now on) until it ends. */
int e2b_envd_connect(const struct e2b_dp *dp, uint32_t pid,
    const struct e2b_proc_cb *cb, struct e2b_proc_result *res, struct rerr *e);
int e2b_envd_send_stdin(const struct e2b_dp *dp, uint32_t pid, const void *p,
    size_t n, struct rerr *e);
int e2b_envd_close_stdin(const struct e2b_dp *dp, uint32_t pid, struct rerr *e);
/* `sig` 9 or 15; -ENOENT when no such process. */
int e2b_envd_signal(
    const struct e2b_dp *dp, uint32_t pid, int sig, struct rerr *e);
/* The processes as the SDK lists them: [{pid, tag?, cmd, args, envs,
 * cwd?}]; free *out with json_free. */
int e2b_envd_list(const struct e2b_dp *dp, struct json **out, struct rerr *e);
/* One unary RPC ("/process.Process/List"): `req` in, reply JSON out. */
int e2b_envd_unary(const struct e2b_dp *dp, const char *method,
    const struct json *req, struct json **reply, struct rerr *e);

/* Filesystem.  Entries are envd's EntryInfo JSON objects; a missing path
 * is -ENOENT. */
int e2b_fs_stat(const struct e2b_dp *dp, const char *path, struct json **entry,
    struct rerr *e);
int e2b_fs_list(const struct e2b_dp *dp, const char *path, unsigned depth,
    struct json **entries, struct rerr *e);
/* -EEXIST when the directory already exists. */
int e2b_fs_mkdir(const struct e2b_dp *dp, const char *path, struct rerr *e);
int e2b_fs_move(
    const struct e2b_dp *dp, const char *src, const char *dst, struct rerr *e);
int e2b_fs_remove(const struct e2b_dp *dp, const char *path, struct rerr *e);

/* Upload `len` bytes pulled from `rd` to `path` (parents created, an
 * existing file replaced). */
int e2b_files_write(const struct e2b_dp *dp, const char *path,
    ssize_t (*rd)(void *dst, size_t n, void *arg), void *arg, uint64_t len,
    struct rerr *e);
/* Download `path` to `wr`; -ENOENT when absent, -EISDIR for a directory. */
int e2b_files_read(const struct e2b_dp *dp, const char *path,
    int (*wr)(const void *p, size_t n, void *arg), void *arg, struct rerr *e);
/* 0 when envd answers, -EHOSTDOWN when the sandbox is gone (502). */
int e2b_envd_health(const struct e2b_dp *dp, struct rerr *e);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingctl: inspect and manage the swing module.
 * status, load, unload, list, info, watch, dump, release, perm, grant and
 * revoke.
 * Exit status: 0, 1 on a failure, 2 on a usage error, 3 when the module
 * is not loaded, 4 when an area does not exist or is not visible.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libkmod.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "swing.h"

#define SYSFS_MODULE	"/sys/module/swing"
#define SYSFS_DEVICE	"/sys/class/misc/swing"

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: swingctl [--help|--version] COMMAND\n"
		"\n"
		"commands:\n"
		"  status               is the module loaded, its version, /dev/swing, totals\n"
		"  load [--path FILE] [PARAM=VALUE...]\n"
		"                       insert the module as modprobe would (or from FILE)\n"
		"  unload               remove the module (fails while areas exist)\n"
		"  list [--json]        the areas and queues you may act on (root: all), from\n"
		"                       /proc/swing: kind, latest version, waiters, queue\n"
		"                       depth and length after the rest\n"
		"  info TOKEN [--json]  one area or queue in full\n"
		"  watch TOKEN          print each version of an area as it is published, or\n"
		"                       a queue's waiting messages as they change, until\n"
		"                       interrupted or the area or queue is released\n"
		"  release TOKEN        revoke another process's area (root)\n"
		"  perm TOKEN [--uid UID] [--gid GID] [--mode MODE]\n"
		"                       show or change who may hook the area\n"
		"  grant TOKEN PID      let process PID hook the area\n"
		"  revoke TOKEN PID     take that back\n"
		"  dump TOKEN [--offset N] [--length N]\n"
		"                       hook the area (read-only use), hexdump it, release\n");
}

#define PROC_SWING	"/proc/swing"

/* One line of /proc/swing (module/proc.c). */
struct area_row {
	int token, pid, src;
	unsigned int uid, hooks, gid, mode, cuid, cgid;
	int enabled;
	unsigned long long size;
	unsigned long resident, shared;
	long long ctime;
	char kind[8];			/* "area" or "queue" */
	unsigned long long version;	/* latest published, 0 never */
	unsigned int waiters, depth, length;
};

/*
 * The columns swingctl knows, by their header names.  Rows are read by
 * name, not position: gid, perms, cuid and cgid came in 1.2.0, kind to
 * length in 1.3.0, and a module of any release shows only its own.
 */
static const struct column {
	const char *name;
	char type;	/* i int, u unsigned, o octal, l unsigned long, U unsigned
			 * long long, L long long, s the kind */
	size_t off;
} columns[] = {
	{ "token", 'i', offsetof(struct area_row, token) },
	{ "pid", 'i', offsetof(struct area_row, pid) },
	{ "uid", 'u', offsetof(struct area_row, uid) },
	{ "size", 'U', offsetof(struct area_row, size) },
	{ "resident", 'l', offsetof(struct area_row, resident) },
	{ "shared", 'l', offsetof(struct area_row, shared) },
	{ "hooks", 'u', offsetof(struct area_row, hooks) },
	{ "enabled", 'i', offsetof(struct area_row, enabled) },
	{ "source", 'i', offsetof(struct area_row, src) },
	{ "ctime", 'L', offsetof(struct area_row, ctime) },
	{ "gid", 'u', offsetof(struct area_row, gid) },
	{ "perms", 'o', offsetof(struct area_row, mode) },
	{ "cuid", 'u', offsetof(struct area_row, cuid) },
	{ "cgid", 'u', offsetof(struct area_row, cgid) },
	{ "kind", 's', offsetof(struct area_row, kind) },
	{ "version", 'U', offsetof(struct area_row, version) },
	{ "waiters", 'u', offsetof(struct area_row, waiters) },
	{ "depth", 'u', offsetof(struct area_row, depth) },
	{ "length", 'u', offsetof(struct area_row, length) },
};

#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))
#define MAX_FIELDS 64

/* Split @line in place at blanks; returns how many fields (at most max). */
static int split(char *line, char **field, int max)
{
	int n = 0;

	for (char *s = strtok(line, " \t\n"); s && n < max; s = strtok(NULL, " \t\n"))
		field[n++] = s;
	return n;
}

/* Store one field of a row in the member @c names; -1 if it is no number. */
static int set_field(struct area_row *r, const struct column *c, const char *s)
{
	char *p = (char *)r + c->off, *end;

	errno = 0;
	switch (c->type) {
	case 's':
		snprintf(p, sizeof(r->kind), "%s", s);
		return 0;
	case 'i':
		*(int *)p = (int)strtol(s, &end, 10);
		break;
	case 'u':
		*(unsigned int *)p = (unsigned int)strtoul(s, &end, 10);
		break;
	case 'o':
		*(unsigned int *)p = (unsigned int)strtoul(s, &end, 8);
		break;
	case 'l':
		*(unsigned long *)p = strtoul(s, &end, 10);
		break;
	case 'U':
		*(unsigned long long *)p = strtoull(s, &end, 10);
		break;
	default:	/* 'L' */
		*(long long *)p = strtoll(s, &end, 10);
		break;
	}
	return errno || *end || end == s ? -1 : 0;
}

/* Read every row; returns how many, or -1 (errno) if there is no table. */
static int read_areas(struct area_row **rows)
{
	FILE *f = fopen(PROC_SWING, "r");
	const struct column *col[MAX_FIELDS];	/* by position: NULL unknown */
	char line[1024], *field[MAX_FIELDS];
	int n = 0, cap = 0, ncol;

	*rows = NULL;
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return 0;
	}
	ncol = split(line, field, MAX_FIELDS);
	for (int i = 0; i < ncol; i++) {
		col[i] = NULL;
		for (size_t c = 0; c < NCOLUMNS; c++)
			if (!strcmp(field[i], columns[c].name))
				col[i] = &columns[c];
	}
	while (fgets(line, sizeof(line), f)) {
		struct area_row r = { .mode = 0600, .kind = "area" };
		int nf = split(line, field, MAX_FIELDS), bad = 0;

		/* what a module without a column means by its absence */
		r.gid = r.cuid = r.cgid = -1;
		for (int i = 0; i < nf && i < ncol; i++)
			if (col[i] && set_field(&r, col[i], field[i]))
				bad = 1;
		if (bad || nf < ncol || r.token <= 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			*rows = realloc(*rows, cap * sizeof(**rows));
			if (!*rows) {
				fclose(f);
				return -1;
			}
		}
		(*rows)[n++] = r;
	}
	fclose(f);
	return n;
}

static const char *human(unsigned long long bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v >= 100 || v == (long long)v)
		snprintf(buf, size, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

static int is_queue(const struct area_row *r)
{
	return !strcmp(r->kind, "queue");
}

static void print_json(const struct area_row *r, const char *indent)
{
	printf("%s{\"token\": %d, \"size\": %llu, \"owner_pid\": %d, \"uid\": %u, "
	       "\"resident_pages\": %lu, \"shared_pages\": %lu, \"hooks\": %u, "
	       "\"enabled\": %s, \"source_token\": %d, \"created\": %lld, "
	       "\"gid\": %u, \"mode\": \"%04o\", \"creator_uid\": %u, \"creator_gid\": %u, "
	       "\"kind\": \"%s\", \"version\": %llu, \"waiters\": %u, \"depth\": %u, "
	       "\"length\": %u}",
	       indent, r->token, r->size, r->pid, r->uid, r->resident, r->shared,
	       r->hooks, r->enabled ? "true" : "false", r->src, r->ctime,
	       r->gid, r->mode, r->cuid, r->cgid, r->kind, r->version,
	       r->waiters, r->depth, r->length);
}

static int no_table(void)
{
	fprintf(stderr, "swingctl: %s: %s (is the module loaded?)\n", PROC_SWING,
		strerror(errno));
	return 3;
}

static int cmd_list(int argc, char **argv)
{
	/* /proc/swing counts pages of the kernel's size, ours */
	const unsigned long long page = sysconf(_SC_PAGESIZE);
	struct area_row *rows;
	int json = 0, n;
	char sz[32];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help")) {
			printf("usage: swingctl list [--json]\n");
			return 0;
		} else {
			fprintf(stderr, "swingctl list: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	n = read_areas(&rows);
	if (n < 0)
		return no_table();
	if (json) {
		printf("[");
		for (int i = 0; i < n; i++) {
			printf(i ? ",\n" : "\n");
			print_json(&rows[i], "  ");
		}
		printf("%s]\n", n ? "\n" : "");
	} else {
		printf("%8s %8s %6s %5s %10s %10s %10s %6s %7s %8s %5s %8s %7s %5s %6s\n",
		       "TOKEN", "PID", "UID", "MODE", "SIZE", "RESIDENT", "SHARED",
		       "HOOKS", "ENABLED", "SOURCE", "KIND", "VERSION", "WAITERS",
		       "DEPTH", "LENGTH");
		for (int i = 0; i < n; i++) {
			const struct area_row *r = &rows[i];
			char res[32], sh[32], src[16] = "-", ver[24] = "-";
			char depth[16] = "-", length[16] = "-";

			/* "-": not set, or not of this kind of object */
			if (r->src)
				snprintf(src, sizeof(src), "%d", r->src);
			if (r->version)
				snprintf(ver, sizeof(ver), "%llu", r->version);
			if (is_queue(r)) {
				snprintf(depth, sizeof(depth), "%u", r->depth);
				snprintf(length, sizeof(length), "%u", r->length);
			}
			printf("%8d %8d %6u %5.4o %10s %10s %10s %6u %7s %8s %5s %8s %7u %5s %6s\n",
			       r->token, r->pid, r->uid, r->mode,
			       human(r->size, sz, sizeof(sz)),
			       human((unsigned long long)r->resident * page, res, sizeof(res)),
			       human((unsigned long long)r->shared * page, sh, sizeof(sh)),
			       r->hooks, r->enabled ? "yes" : "no", src, r->kind, ver,
			       r->waiters, depth, length);
		}
	}
	free(rows);
	return 0;
}

static int parse_size(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end || *s == '-' ? -1 : 0;
}

static int parse_id(const char *s, unsigned int *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || end == s || *s == '-' || x >= 0xffffffffULL)
		return -1;
	*v = (unsigned int)x;
	return 0;
}

/* A token, in decimal as /proc/swing shows it: 1..INT_MAX, else 0. */
static int parse_token(const char *s)
{
	unsigned int v;

	return parse_id(s, &v) || v > 0x7fffffff ? 0 : (int)v;
}

static int token_error(const char *cmd, int token)
{
	int err = errno;

	fprintf(stderr, "swingctl %s: area %d: %s\n", cmd, token,
		err == EPERM ? "not yours, and you lack CAP_IPC_OWNER" :
		err == EACCES ? "you may not see it" : strerror(err));
	return err == ENOENT ? 4 : 1;
}

static int cmd_info(int argc, char **argv)
{
	struct area_row *rows;
	int json = 0, n, token = 0;
	char sz[32], when[64];
	time_t t;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help")) {
			printf("usage: swingctl info TOKEN [--json]\n");
			return 0;
		} else if (!token) {
			token = parse_token(argv[i]);
			if (!token) {
				fprintf(stderr, "swingctl info: '%s' is not a token\n", argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "swingctl info: unexpected '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!token) {
		fprintf(stderr, "usage: swingctl info TOKEN [--json]\n");
		return 2;
	}
	n = read_areas(&rows);
	if (n < 0)
		return no_table();
	for (int i = 0; i < n; i++) {
		const struct area_row *r = &rows[i];

		if (r->token != token)
			continue;
		if (json) {
			print_json(r, "");
			printf("\n");
		} else {
			t = (time_t)r->ctime;
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
			printf("token:          %d\n", r->token);
			printf("size:           %llu bytes (%s)\n", r->size, human(r->size, sz, sizeof(sz)));
			printf("owner pid:      %d\n", r->pid);
			printf("owner uid:      %u\n", r->uid);
			printf("owner gid:      %u\n", r->gid);
			printf("mode:           %04o\n", r->mode);
			printf("creator:        uid %u, gid %u\n", r->cuid, r->cgid);
			printf("resident pages: %lu\n", r->resident);
			printf("shared pages:   %lu\n", r->shared);
			printf("hooks taken:    %u\n", r->hooks);
			printf("enabled:        %s\n", r->enabled ? "yes" : "no");
			if (r->src)
				printf("hooked from:    %d\n", r->src);
			printf("created:        %s\n", when);
			printf("kind:           %s\n", r->kind);
			if (is_queue(r)) {
				printf("depth:          %u messages\n", r->depth);
				printf("length:         %u waiting\n", r->length);
			} else if (r->version) {
				printf("version:        %llu\n", r->version);
			} else {
				printf("version:        none (never published)\n");
			}
			printf("waiters:        %u\n", r->waiters);
		}
		free(rows);
		return 0;
	}
	free(rows);
	fprintf(stderr, "swingctl info: no area %d (or not yours to see)\n", token);
	return 4;
}

/*
 * Now in local time to the millisecond, for watch's lines (swingctl(8)):
 * a live log, read beside others the local clock stamps.
 */
static const char *stamp(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ld", (long)tv.tv_usec / 1000);
	return buf;
}

/*
 * What a watch descriptor reads: the latest version of an area, or the
 * messages waiting in a queue; 0 at EOF (the object was released), -1 with
 * EAGAIN when there is nothing (new) to read.
 */
static int watch_read(int fd, uint64_t *value)
{
	ssize_t n = read(fd, value, sizeof(*value));

	if (n == (ssize_t)sizeof(*value))
		return 1;
	if (n < 0 && errno != EAGAIN)
		fprintf(stderr, "swingctl watch: read: %s\n", strerror(errno));
	return n == 0 ? 0 : -1;
}

/*
 * watch TOKEN: poll(2) the object's watch descriptor and a signalfd of
 * SIGINT and SIGTERM.  An area's descriptor is readable once for each new
 * version (a burst of publishes may show only its last); a queue's stays
 * readable while a message waits, so a nonempty queue is sampled every
 * QUEUE_SAMPLE_MS instead, and an empty one sleeps until a message comes.
 */
#define QUEUE_SAMPLE_MS	100

static int cmd_watch(int argc, char **argv)
{
	static const char use[] = "usage: swingctl watch TOKEN\n";
	int token, fd, sfd, queue, ret = 0;
	uint64_t value, last = UINT64_MAX;	/* none yet */
	char when[64];
	sigset_t sigs;

	if (argc == 1 && !strcmp(argv[0], "--help")) {
		printf("%s", use);
		return 0;
	}
	token = argc == 1 ? parse_token(argv[0]) : 0;
	if (!token) {
		fprintf(stderr, "%s", use);
		return 2;
	}
	if (access(SWING_DEVICE, F_OK)) {
		fprintf(stderr, "swingctl watch: %s: %s (is the module loaded?)\n",
			SWING_DEVICE, strerror(errno));
		return 3;
	}
	fd = swing_watch(token);
	if (fd < 0)
		return token_error("watch", token);
	/*
	 * An area or a queue?  swing_wait is for areas only (EOPNOTSUPP); a
	 * version above the largest never exists, so an area's answer is
	 * ETIMEDOUT at once.
	 */
	queue = swing_wait(token, UINT64_MAX, 0, NULL) && errno == EOPNOTSUPP;
	if (queue && fcntl(fd, F_SETFL, O_NONBLOCK)) {
		perror("swingctl watch: fcntl");
		return 1;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("swingctl watch: signalfd");
		return 1;
	}
	/* one line as it happens, into a pipe as to a terminal */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = queue && last ? 0 : POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		/* a queue's first count at once, then every QUEUE_SAMPLE_MS */
		int timeout = !queue ? -1 : last == UINT64_MAX ? 0 :
			      last ? QUEUE_SAMPLE_MS : -1, r;

		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			perror("swingctl watch: poll");
			ret = 1;
			break;
		}
		if (p[1].revents)	/* SIGINT or SIGTERM: done */
			break;
		if (queue && (p[0].revents & POLLHUP))
			r = 0;	/* its messages went with it */
		else if (queue || (p[0].revents & (POLLIN | POLLHUP)))
			r = watch_read(fd, &value);
		else
			continue;
		if (r == 0) {
			printf("%s %s %d: released\n", stamp(when, sizeof(when)),
			       queue ? "queue" : "area", token);
			break;
		}
		if (r < 0 && errno != EAGAIN) {
			ret = 1;
			break;
		}
		if (r < 0)	/* an empty queue (or nothing new after all) */
			value = queue ? 0 : last;
		if (value == last)
			continue;
		last = value;
		if (queue)
			printf("%s queue %d: %llu message%s\n", stamp(when, sizeof(when)),
			       token, (unsigned long long)value, value == 1 ? "" : "s");
		else
			printf("%s area %d: version %llu\n", stamp(when, sizeof(when)),
			       token, (unsigned long long)value);
	}
	close(sfd);
	close(fd);
	return ret;
}

static struct kmod_ctx *kmod(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx) {
		fprintf(stderr, "swingctl: libkmod: cannot read the module index\n");
		exit(1);
	}
	kmod_load_resources(ctx);
	return ctx;
}

static const char *module_state(struct kmod_module *mod)
{
	switch (kmod_module_get_initstate(mod)) {
	case KMOD_MODULE_LIVE:
		return "live";
	case KMOD_MODULE_COMING:
		return "loading";
	case KMOD_MODULE_GOING:
		return "unloading";
	case KMOD_MODULE_BUILTIN:
		return "built in";
	default:
		return NULL;
	}
}

static int cmd_load(int argc, char **argv)
{
	struct kmod_ctx *ctx = kmod();
	struct kmod_module *mod = NULL;
	const char *path = NULL;
	char opts[1024] = "";
	int ret;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: swingctl load [--path FILE] [PARAM=VALUE...]\n");
			return 0;
		} else if (i + 1 < argc && !strcmp(argv[i], "--path")) {
			path = argv[++i];
		} else if (strchr(argv[i], '=') && argv[i][0] != '=') {
			if (strlen(opts) + strlen(argv[i]) + 2 > sizeof(opts))
				goto usage;
			strcat(opts, *opts ? " " : "");
			strcat(opts, argv[i]);
		} else {
			goto usage;
		}
	}
	ret = path ? kmod_module_new_from_path(ctx, path, &mod) :
		     kmod_module_new_from_name(ctx, "swing", &mod);
	if (ret < 0) {
		fprintf(stderr, "swingctl load: %s: %s\n", path ? path : "swing",
			strerror(-ret));
		return 1;
	}
	if (module_state(mod)) {
		fprintf(stderr, "swingctl load: swing is already loaded\n");
		return 1;
	}
	if (path)
		ret = kmod_module_insert_module(mod, 0, opts);
	else
		ret = kmod_module_probe_insert_module(mod, 0, opts, NULL, NULL, NULL);
	if (ret < 0) {
		fprintf(stderr, "swingctl load: cannot insert swing: %s\n",
			ret == -ENOENT ? "module not found (install it with dkms, or use --path)" :
			strerror(-ret));
		return 1;
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return 0;
usage:
	fprintf(stderr, "usage: swingctl load [--path FILE] [PARAM=VALUE...]\n");
	return 2;
}

static int cmd_unload(int argc, char **argv)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	int ret;

	if (argc > 0) {
		if (!strcmp(argv[0], "--help")) {
			printf("usage: swingctl unload\n");
			return 0;
		}
		fprintf(stderr, "usage: swingctl unload\n");
		return 2;
	}
	ctx = kmod();
	if (kmod_module_new_from_name(ctx, "swing", &mod) < 0 || !module_state(mod)) {
		fprintf(stderr, "swingctl unload: swing is not loaded\n");
		return 3;
	}
	ret = kmod_module_remove_module(mod, 0);
	if (ret < 0) {
		fprintf(stderr, "swingctl unload: cannot remove swing: %s\n",
			ret == -EBUSY || ret == -EAGAIN ?
			"in use (areas or open descriptors of /dev/swing remain)" :
			strerror(-ret));
		return 1;
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return 0;
}

static int cmd_status(void)
{
	static const char *const totals[] = {
		"areas", "pages", "shared_pages", "nodes", "cow_copies", "faults"
	};
	struct swing_version v;
	char buf[128], path[256];
	struct stat st;
	struct kmod_ctx *ctx = kmod();
	struct kmod_module *mod;
	const char *state = NULL, *where = NULL;

	if (kmod_module_new_from_name(ctx, "swing", &mod) == 0) {
		state = module_state(mod);
		where = kmod_module_get_path(mod);
	}
	printf("installed:   %s\n", where ? where : "no (not in this kernel's module index)");
	if (!state) {
		printf("module:      not loaded\n");
		return 3;
	}
	printf("module:      %s, version %s, %d users\n", state,
	       read_line(SYSFS_MODULE "/version", buf, sizeof(buf)) ? "?" : buf,
	       kmod_module_get_refcnt(mod));
	if (read_line(SYSFS_DEVICE "/abi_version", buf, sizeof(buf)) == 0)
		printf("abi:         %s (library %d)\n", buf, SWING_ABI_VERSION);
	if (stat(SWING_DEVICE, &st) == 0)
		printf("device:      %s, mode %03o\n", SWING_DEVICE, st.st_mode & 0777);
	else
		printf("device:      %s missing (%s)\n", SWING_DEVICE, strerror(errno));
	if (swing_version(&v) == 0)
		printf("speaks:      ABI %u, release %u.%u.%u\n", v.abi_version,
		       v.major, v.minor, v.patch);
	if (read_line(SYSFS_MODULE "/parameters/max_area_size", buf, sizeof(buf)) == 0)
		printf("max area:    %s bytes\n", buf);
	if (read_line(SYSFS_MODULE "/parameters/max_areas_per_user", buf, sizeof(buf)) == 0)
		printf("per user:    %s areas (0: no limit), ", buf);
	if (read_line(SYSFS_MODULE "/parameters/max_pages_per_user", buf, sizeof(buf)) == 0)
		printf("%s pages (0: no limit)\n", buf);
	printf("page size:   %ld bytes\n", sysconf(_SC_PAGESIZE));
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		snprintf(path, sizeof(path), SYSFS_DEVICE "/%s", totals[i]);
		if (read_line(path, buf, sizeof(buf)) == 0)
			printf("%-12s %s\n", totals[i], buf);
	}
	return 0;
}

static int cmd_dump(int argc, char **argv)
{
	unsigned long long off = 0, len = 0, size;
	struct area_row *rows;
	int token = 0, t, n;
	unsigned char *p;
	void *addr;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: swingctl dump TOKEN [--offset N] [--length N]\n");
			return 0;
		} else if (i + 1 < argc && !strcmp(argv[i], "--offset")) {
			if (parse_size(argv[++i], &off))
				goto bad;
		} else if (i + 1 < argc && !strcmp(argv[i], "--length")) {
			if (parse_size(argv[++i], &len))
				goto bad;
		} else if (!token) {
			token = parse_token(argv[i]);
			if (!token)
				goto bad;
		} else {
			goto bad;
		}
	}
	if (!token)
		goto bad;
	if (hook(&addr, &t, token)) {
		int err = errno;

		fprintf(stderr, "swingctl dump: cannot hook area %d: %s\n", token,
			err == EAGAIN ? "it is not enabled" : strerror(err));
		return err == ENOENT ? 4 : 1;
	}
	size = 0;
	n = read_areas(&rows);
	for (int i = 0; i < n; i++)
		if (rows[i].token == t)
			size = rows[i].size;
	if (n > 0)
		free(rows);
	if (off > size) {
		fprintf(stderr, "swingctl dump: offset %llu is past the end (%llu bytes)\n",
			off, size);
		releasearea(t);
		return 2;
	}
	if (!len || len > size - off)
		len = size - off;
	p = (unsigned char *)addr + off;
	for (unsigned long long i = 0; i < len; i += 16) {
		unsigned long long m = len - i < 16 ? len - i : 16;

		printf("%08llx ", off + i);
		for (unsigned long long j = 0; j < 16; j++) {
			if (j == 8)
				putchar(' ');
			if (j < m)
				printf(" %02x", p[i + j]);
			else
				printf("   ");
		}
		printf("  |");
		for (unsigned long long j = 0; j < m; j++)
			putchar(p[i + j] >= 32 && p[i + j] < 127 ? p[i + j] : '.');
		printf("|\n");
	}
	releasearea(t);
	return 0;
bad:
	fprintf(stderr, "usage: swingctl dump TOKEN [--offset N] [--length N]\n");
	return 2;
}

static int cmd_release(int argc, char **argv)
{
	int token;

	if (argc == 1 && !strcmp(argv[0], "--help")) {
		printf("usage: swingctl release TOKEN\n");
		return 0;
	}
	token = argc == 1 ? parse_token(argv[0]) : 0;
	if (!token) {
		fprintf(stderr, "usage: swingctl release TOKEN\n");
		return 2;
	}
	if (releasearea(token))
		return token_error("release", token);
	return 0;
}

static int cmd_perm(int argc, char **argv)
{
	static const char use[] = "usage: swingctl perm TOKEN [--uid UID] [--gid GID] [--mode MODE]\n";
	unsigned int uid, gid, mode;
	int token = 0, set = 0;
	struct swing_perm p;
	char *end;

	if (argc == 1 && !strcmp(argv[0], "--help")) {
		printf("%s", use);
		return 0;
	}
	if (argc < 1 || !(token = parse_token(argv[0])) || argc % 2 == 0)
		goto bad;
	if (swing_getperm(token, &p))
		return token_error("perm", token);
	uid = p.uid;
	gid = p.gid;
	mode = p.mode;
	for (int i = 1; i < argc; i += 2) {
		const char *v = argv[i + 1];

		set = 1;
		if (!strcmp(argv[i], "--uid")) {
			if (parse_id(v, &uid))
				goto bad;
		} else if (!strcmp(argv[i], "--gid")) {
			if (parse_id(v, &gid))
				goto bad;
		} else if (!strcmp(argv[i], "--mode")) {
			errno = 0;
			mode = strtoul(v, &end, 8);
			if (errno || *end || end == v || mode > 0777)
				goto bad;
		} else {
			goto bad;
		}
	}
	if (set) {
		if (swing_setperm(token, uid, gid, mode))
			return token_error("perm", token);
		return 0;
	}
	printf("token %d: uid %u gid %u mode %04o, created by uid %u gid %u\n",
	       token, p.uid, p.gid, p.mode, p.cuid, p.cgid);
	return 0;
bad:
	fprintf(stderr, "%s", use);
	return 2;
}

static int cmd_grant(int argc, char **argv, int revoke)
{
	const char *name = revoke ? "revoke" : "grant";
	unsigned int pid;
	int token;

	if (argc == 1 && !strcmp(argv[0], "--help")) {
		printf("usage: swingctl %s TOKEN PID\n", name);
		return 0;
	}
	token = argc == 2 ? parse_token(argv[0]) : 0;
	if (!token || parse_id(argv[1], &pid) || !pid || pid > 0x7fffffff) {
		fprintf(stderr, "usage: swingctl %s TOKEN PID\n", name);
		return 2;
	}
	if (revoke ? swing_revoke(token, pid) : swing_grant(token, pid)) {
		if (errno == ESRCH) {
			fprintf(stderr, "swingctl %s: no process %u\n", name, pid);
			return 1;
		}
		if (revoke && errno == ENOENT && swing_getperm(token, &(struct swing_perm){ 0 }) == 0) {
			fprintf(stderr, "swingctl revoke: process %u holds no grant on area %d\n",
				pid, token);
			return 1;
		}
		return token_error(name, token);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("swingctl %d.%d.%d\n", SWING_VERSION_MAJOR,
		       SWING_VERSION_MINOR, SWING_VERSION_PATCH);
		return 0;
	}
	if (!strcmp(argv[1], "status")) {
		if (argc > 2 && !strcmp(argv[2], "--help")) {
			printf("usage: swingctl status\n");
			return 0;
		}
		if (argc > 2) {
			fprintf(stderr, "usage: swingctl status\n");
			return 2;
		}
		return cmd_status();
	}
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 2, argv + 2);
	if (!strcmp(argv[1], "unload"))
		return cmd_unload(argc - 2, argv + 2);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 2, argv + 2);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 2, argv + 2);
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 2, argv + 2);
	if (!strcmp(argv[1], "watch"))
		return cmd_watch(argc - 2, argv + 2);
	if (!strcmp(argv[1], "release"))
		return cmd_release(argc - 2, argv + 2);
	if (!strcmp(argv[1], "perm"))
		return cmd_perm(argc - 2, argv + 2);
	if (!strcmp(argv[1], "grant"))
		return cmd_grant(argc - 2, argv + 2, 0);
	if (!strcmp(argv[1], "revoke"))
		return cmd_grant(argc - 2, argv + 2, 1);
	fprintf(stderr, "swingctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

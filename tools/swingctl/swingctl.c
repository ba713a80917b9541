// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingctl: inspect and manage the swing module.
 * This first version has `status`; the rest of the CLI comes later.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
		"  status   is the module loaded, its version, /dev/swing, totals\n");
}

static int cmd_status(void)
{
	static const char *const totals[] = { "areas", "pages", "nodes", "cow_copies" };
	struct swing_version v;
	char buf[128], path[256];
	struct stat st;

	if (stat(SYSFS_MODULE, &st)) {
		printf("module:      not loaded\n");
		return 3;
	}
	printf("module:      loaded, version %s\n",
	       read_line(SYSFS_MODULE "/version", buf, sizeof(buf)) ? "?" : buf);
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
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		snprintf(path, sizeof(path), SYSFS_DEVICE "/%s", totals[i]);
		if (read_line(path, buf, sizeof(buf)) == 0)
			printf("%-12s %s\n", totals[i], buf);
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
	if (!strcmp(argv[1], "status"))
		return cmd_status();
	fprintf(stderr, "swingctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The module's totals, for the programs that check at their end that they
 * left nothing behind (tests/fuzz, tests/stress).  Header-only: those are
 * plain programs, not Check binaries linked with helpers.c.
 */
#ifndef SWING_TEST_TOTALS_H
#define SWING_TEST_TOTALS_H

#include <stdio.h>
#include <unistd.h>

/* areas counts queues too; messages wait in queues (since 1.3.0). */
struct swing_totals {
	long areas;
	long pages;
	long messages;
	long versions;
};

static inline long swing_total(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/swing/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static inline struct swing_totals swing_totals(void)
{
	return (struct swing_totals){ swing_total("areas"), swing_total("pages"),
				      swing_total("messages"),
				      swing_total("versions") };
}

static inline int swing_totals_equal(struct swing_totals a, struct swing_totals b)
{
	return a.areas == b.areas && a.pages == b.pages &&
	       a.messages == b.messages && a.versions == b.versions;
}

/*
 * Wait up to 10 s (exits finish releasing) for the totals to be @before
 * again; 0 if they are, else say what is left on stderr and return -1.
 */
static inline int swing_totals_back(const char *who, struct swing_totals before)
{
	struct swing_totals now = swing_totals();

	for (int i = 0; i < 100 && !swing_totals_equal(now, before); i++) {
		usleep(100000);
		now = swing_totals();
	}
	if (swing_totals_equal(now, before))
		return 0;
	fprintf(stderr, "%s: leak: %ld areas, %ld pages, %ld messages, %ld versions (before: %ld, %ld, %ld, %ld)\n",
		who, now.areas, now.pages, now.messages, now.versions,
		before.areas, before.pages, before.messages, before.versions);
	fflush(stderr);
	if (system("cat /proc/swing; ps -eo pid,ppid,pgid,stat,wchan:20,comm"))
		fprintf(stderr, "%s: cannot show /proc/swing and processes\n", who);
	return -1;
}

#endif

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

struct swing_totals {
	long areas;
	long pages;
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
	return (struct swing_totals){ swing_total("areas"), swing_total("pages") };
}

/*
 * Wait up to 10 s (exits finish releasing) for the totals to be @before
 * again; 0 if they are, else say what is left on stderr and return -1.
 */
static inline int swing_totals_back(const char *who, struct swing_totals before)
{
	struct swing_totals now = swing_totals();

	for (int i = 0; i < 100 && (now.areas != before.areas ||
				    now.pages != before.pages); i++) {
		usleep(100000);
		now = swing_totals();
	}
	if (now.areas == before.areas && now.pages == before.pages)
		return 0;
	fprintf(stderr, "%s: leak: %ld areas, %ld pages (before: %ld, %ld)\n",
		who, now.areas, now.pages, before.areas, before.pages);
	fflush(stderr);
	if (system("cat /proc/swing; ps -eo pid,ppid,pgid,stat,wchan:20,comm"))
		fprintf(stderr, "%s: cannot show /proc/swing and processes\n", who);
	return -1;
}

#endif

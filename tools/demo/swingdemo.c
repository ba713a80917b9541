// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SWING paper's demo: a producer creates a two-page area, a consumer
 * hooks it, and each reads and writes its own copy.  Commands on stdin:
 *   r      read the first byte of each page
 *   w N    write N to the first byte of each page
 *   e      enablehook        d   disablehook
 *   u      releasearea       q   quit
 *
 * usage: swingdemo producer [TOKEN_FILE] | swingdemo consumer TOKEN
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swing.h"

int main(int argc, char **argv)
{
	const size_t page = sysconf(_SC_PAGESIZE);	/* 4, 16 or 64 KiB */
	const size_t len = 2 * page;
	const char *who = argc > 1 ? argv[1] : "";
	char line[128];
	char *area;
	int token;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(who, "producer")) {
		if (createarea((void **)&area, &token, len)) {
			perror("createarea");
			return 1;
		}
		printf("%s: createarea: token %d, %zu bytes at %p\n", who, token, len,
		       (void *)area);
		if (argc > 2) {
			FILE *f = fopen(argv[2], "w");

			if (!f || fprintf(f, "%d\n", token) < 0 || fclose(f)) {
				perror(argv[2]);
				return 1;
			}
		}
	} else if (!strcmp(who, "consumer") && argc > 2) {
		int src = atoi(argv[2]);

		if (hook((void **)&area, &token, src)) {
			printf("%s: hook %d: %s\n", who, src, strerror(errno));
			return 1;
		}
		printf("%s: hook %d: token %d at %p\n", who, src, token, (void *)area);
	} else {
		fprintf(stderr, "usage: swingdemo producer [TOKEN_FILE] | swingdemo consumer TOKEN\n");
		return 2;
	}

	while (fgets(line, sizeof(line), stdin)) {
		int n, ret = 0;

		switch (line[0]) {
		case 'r':
			printf("%s: r -> page 0: %d, page 1: %d\n", who, area[0], area[page]);
			continue;
		case 'w':
			n = atoi(line + 1);
			area[0] = (char)n;
			area[page] = (char)n;
			printf("%s: w %d\n", who, n);
			continue;
		case 'e':
			ret = enablehook(token);
			break;
		case 'd':
			ret = disablehook(token);
			break;
		case 'u':
			ret = releasearea(token);
			break;
		case 'q':
			printf("%s: q\n", who);
			return 0;
		default:
			continue;
		}
		printf("%s: %c -> %s\n", who, line[0], ret ? strerror(errno) : "ok");
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may hook and manage an area: ipc_perm-like owner, group and mode,
 * grants to one process, CAP_IPC_OWNER, and IPC namespaces.  The actors are
 * separate processes of two unprivileged uids (and a third, for groups).
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define NOBODY 65534
#define OTHER 65533
#define THIRD 65532
#define GROUP 4242

START_TEST(device_open_to_all)
{
	struct stat st;

	ck_assert_int_eq(stat(SWING_DEVICE, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0666);
}
END_TEST

START_TEST(default_perm)
{
	struct swing_perm p;
	void *a;
	int t;

	ck_ok(createarea(&a, &t, PAGE));
	ck_ok(swing_getperm(t, &p));
	ck_assert_uint_eq(p.uid, geteuid());
	ck_assert_uint_eq(p.gid, getegid());
	ck_assert_uint_eq(p.cuid, geteuid());
	ck_assert_uint_eq(p.cgid, getegid());
	ck_assert_uint_eq(p.mode, 0600);
	ck_fails_with(swing_setperm(t, 0, 0, 01600), EINVAL);
	ck_fails_with(swing_setperm(t, (uid_t)-1, 0, 0600), EINVAL);
	ck_fails_with(swing_setperm(t, 0, (gid_t)-1, 0600), EINVAL);
	ck_fails_with(swing_setperm(-t, 0, 0, 0600), EINVAL);
	ck_fails_with(swing_getperm(t, NULL), EINVAL);
	ck_ok(swing_setperm(t, 0, 0, 0644));
	ck_ok(swing_getperm(t, &p));
	ck_assert_uint_eq(p.mode, 0644);
	ck_ok(releasearea(t));
	ck_fails_with(swing_getperm(t, &p), ENOENT);
	ck_fails_with(swing_setperm(t, 0, 0, 0600), ENOENT);
}
END_TEST

START_TEST(unprivileged_user)
{
	struct peer u;
	long theirs;
	void *a, *b;
	int mine, t;

	ck_ok(createarea(&a, &mine, PAGE));
	ck_ok(enablehook(mine));
	remote_start(&u);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	theirs = remote(&u, R_CREATE, 2 * PAGE, 0);
	ck_assert_int_gt(theirs, 0);
	ck_assert_int_eq(remote(&u, R_FILL, 3, 0), 0);
	ck_assert_int_eq(remote(&u, R_ENABLE, theirs, 0), 0);
	ck_assert_int_eq(remote(&u, R_HOOK, mine, 0), -EACCES);
	ck_assert_int_eq(remote(&u, R_DISABLE, mine, 0), -EPERM);
	ck_assert_int_eq(remote(&u, R_ENABLE, mine, 0), -EPERM);
	ck_assert_int_eq(remote(&u, R_RELEASE, mine, 0), -EPERM);
	ck_assert_int_eq(remote(&u, R_SETPERM, mine, PERM(NOBODY, NOBODY, 0666)),
			 -EPERM);
	ck_assert_int_eq(remote(&u, R_GRANT, mine, getpid()), -EPERM);
	ck_assert_int_eq(remote(&u, R_PROCLINES, 0, 0), 1);	/* its own */

	/* root (CAP_IPC_OWNER) overrides: hook, disable, enable, see */
	ck_ok(hook(&b, &t, theirs));
	ck_assert_int_eq(pages_version(b, 2 * PAGE), 3);
	ck_ok(disablehook(theirs));
	ck_assert_int_eq(remote(&u, R_HOOK, theirs, 0), -EAGAIN);
	ck_ok(enablehook(theirs));
	ck_assert_int_ge(proc_swing_lines(), 3);
	ck_ok(releasearea(t));
	ck_assert_int_eq(remote_stop(&u), 0);
	ck_ok(releasearea(mine));
}
END_TEST

/* Two unprivileged uids: mode 0600, then 0604 lets the other one in. */
START_TEST(mode_bits)
{
	struct peer u1, u2, u1b;
	long t1;

	remote_start(&u1);
	remote_start(&u2);
	remote_start(&u1b);
	ck_assert_int_eq(remote(&u1, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&u2, R_SETUID, OTHER, 0), 0);
	ck_assert_int_eq(remote(&u1b, R_SETUID, NOBODY, 0), 0);
	t1 = remote(&u1, R_CREATE, PAGE, 0);
	ck_assert_int_gt(t1, 0);
	ck_assert_int_eq(remote(&u1, R_FILL, 9, 0), 0);
	ck_assert_int_eq(remote(&u1, R_ENABLE, t1, 0), 0);
	ck_assert_int_eq(remote(&u2, R_HOOK, t1, 0), -EACCES);
	ck_assert_int_eq(remote(&u2, R_PROCLINES, 0, 0), 0);
	ck_assert_int_gt(remote(&u1b, R_HOOK, t1, 0), 0);	/* same uid */
	ck_assert_int_eq(remote(&u1b, R_DISABLE, t1, 0), -EPERM);

	ck_assert_int_eq(remote(&u1, R_SETPERM, t1, PERM(NOBODY, NOBODY, 0604)), 0);
	ck_assert_int_eq(remote(&u2, R_PROCLINES, 0, 0), 1);
	ck_assert_int_gt(remote(&u2, R_HOOK, t1, 0), 0);
	ck_assert_int_eq(remote(&u2, R_VERSION, 0, 0), 9);
	ck_assert_int_eq(remote(&u2, R_SETPERM, t1, PERM(OTHER, OTHER, 0666)),
			 -EPERM);
	ck_assert_int_eq(remote(&u2, R_RELEASE, t1, 0), -EPERM);

	/* 0200: even the owner's uid may not hook without the read bit */
	ck_assert_int_eq(remote(&u1, R_SETPERM, t1, PERM(NOBODY, NOBODY, 0200)), 0);
	ck_assert_int_eq(remote(&u1b, R_HOOK, t1, 0), -EACCES);
	ck_assert_int_eq(remote_stop(&u1), 0);
	ck_assert_int_eq(remote_stop(&u2), 0);
	ck_assert_int_eq(remote_stop(&u1b), 0);
}
END_TEST

START_TEST(group_bits)
{
	struct peer owner, member, outsider;
	long t;

	remote_start(&owner);
	remote_start(&member);
	remote_start(&outsider);
	ck_assert_int_eq(remote(&owner, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&member, R_SETUID, THIRD, GROUP), 0);
	ck_assert_int_eq(remote(&outsider, R_SETUID, OTHER, 0), 0);
	t = remote(&owner, R_CREATE, PAGE, 0);
	ck_assert_int_gt(t, 0);
	ck_assert_int_eq(remote(&owner, R_ENABLE, t, 0), 0);
	ck_assert_int_eq(remote(&member, R_HOOK, t, 0), -EACCES);
	ck_assert_int_eq(remote(&owner, R_SETPERM, t, PERM(NOBODY, GROUP, 0640)), 0);
	ck_assert_int_gt(remote(&member, R_HOOK, t, 0), 0);
	ck_assert_int_eq(remote(&outsider, R_HOOK, t, 0), -EACCES);
	ck_assert_int_eq(remote_stop(&owner), 0);
	ck_assert_int_eq(remote_stop(&member), 0);
	ck_assert_int_eq(remote_stop(&outsider), 0);
}
END_TEST

/* Giving an area away: the new owner uid may hook and change it. */
START_TEST(give_away)
{
	struct peer u1, u2;
	long t;

	remote_start(&u1);
	remote_start(&u2);
	ck_assert_int_eq(remote(&u1, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&u2, R_SETUID, OTHER, 0), 0);
	t = remote(&u1, R_CREATE, PAGE, 0);
	ck_assert_int_eq(remote(&u1, R_ENABLE, t, 0), 0);
	ck_assert_int_eq(remote(&u1, R_SETPERM, t, PERM(OTHER, OTHER, 0600)), 0);
	ck_assert_int_gt(remote(&u2, R_HOOK, t, 0), 0);
	/* the creator keeps its rights (cuid), as with ipc_perm */
	ck_assert_int_eq(remote(&u2, R_SETPERM, t, PERM(OTHER, OTHER, 0400)), 0);
	ck_assert_int_eq(remote(&u1, R_SETPERM, t, PERM(NOBODY, NOBODY, 0600)), 0);
	/* but managing the area stays with its process */
	ck_assert_int_eq(remote(&u2, R_DISABLE, t, 0), -EPERM);
	ck_assert_int_eq(remote_stop(&u1), 0);
	ck_assert_int_eq(remote_stop(&u2), 0);
}
END_TEST

/* An offer to one process: its pid may hook, no other of its uid. */
START_TEST(grant_to_pid)
{
	struct peer owner, chosen, same_uid;
	pid_t kids[SWING_MAX_GRANTS];
	long t, pid;
	int i;

	remote_start(&owner);
	remote_start(&chosen);
	remote_start(&same_uid);
	ck_assert_int_eq(remote(&owner, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&chosen, R_SETUID, OTHER, 0), 0);
	ck_assert_int_eq(remote(&same_uid, R_SETUID, OTHER, 0), 0);
	pid = remote(&chosen, R_PID, 0, 0);
	t = remote(&owner, R_CREATE, PAGE, 0);
	ck_assert_int_eq(remote(&owner, R_FILL, 4, 0), 0);
	ck_assert_int_eq(remote(&owner, R_ENABLE, t, 0), 0);
	ck_assert_int_eq(remote(&chosen, R_HOOK, t, 0), -EACCES);
	ck_assert_int_eq(remote(&owner, R_GRANT, t, pid), 0);
	ck_assert_int_eq(remote(&owner, R_GRANT, t, pid), 0);	/* idempotent */
	ck_assert_int_eq(remote(&chosen, R_PROCLINES, 0, 0), 1);
	ck_assert_int_gt(remote(&chosen, R_HOOK, t, 0), 0);
	ck_assert_int_eq(remote(&chosen, R_VERSION, 0, 0), 4);
	ck_assert_int_eq(remote(&same_uid, R_HOOK, t, 0), -EACCES);
	ck_assert_int_eq(remote(&chosen, R_GRANT, t, pid), -EPERM);
	ck_assert_int_eq(remote(&owner, R_GRANT, t, -pid), 0);
	ck_assert_int_eq(remote(&owner, R_GRANT, t, -pid), -ENOENT);
	ck_assert_int_eq(remote(&chosen, R_HOOK, t, 0), -EACCES);

	/* a pid that is no process, and at most SWING_MAX_GRANTS grants */
	ck_assert_int_eq(remote(&owner, R_GRANT, t, 0x3fffff), -ESRCH);
	for (i = 0; i < SWING_MAX_GRANTS; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
		ck_assert_int_eq(remote(&owner, R_GRANT, t, kids[i]), 0);
	}
	ck_assert_int_eq(remote(&owner, R_GRANT, t, pid), -ENOSPC);
	ck_assert_int_eq(remote(&owner, R_GRANT, t, -kids[0]), 0);
	ck_assert_int_eq(remote(&owner, R_GRANT, t, pid), 0);
	for (i = 0; i < SWING_MAX_GRANTS; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	ck_assert_int_eq(remote_stop(&owner), 0);
	ck_assert_int_eq(remote_stop(&chosen), 0);
	ck_assert_int_eq(remote_stop(&same_uid), 0);
}
END_TEST

/*
 * Tokens are per IPC namespace: a process in a new one sees none of ours,
 * cannot hook them, and numbers its own from 1; we do not see its areas.
 */
START_TEST(ipc_namespace)
{
	struct peer inside, inside2;
	long theirs;
	void *a;
	int mine;

	ck_ok(createarea(&a, &mine, PAGE));
	ck_ok(enablehook(mine));
	remote_start(&inside);
	remote_start(&inside2);
	ck_assert_int_eq(remote(&inside, R_UNSHARE, CLONE_NEWIPC, 0), 0);
	ck_assert_int_eq(remote(&inside, R_PROCLINES, 0, 0), 0);	/* root */
	ck_assert_int_eq(remote(&inside, R_HOOK, mine, 0), -ENOENT);
	theirs = remote(&inside, R_CREATE, PAGE, 0);
	ck_assert_int_eq(theirs, 1);
	ck_assert_int_eq(remote(&inside, R_FILL, 77, 0), 0);
	ck_assert_int_eq(remote(&inside, R_ENABLE, theirs, 0), 0);
	ck_assert_int_eq(remote(&inside, R_PROCLINES, 0, 0), 1);

	/* another namespace again: not the first one's either */
	ck_assert_int_eq(remote(&inside2, R_UNSHARE, CLONE_NEWIPC, 0), 0);
	ck_assert_int_eq(remote(&inside2, R_HOOK, theirs, 0), -ENOENT);
	ck_assert_int_eq(remote(&inside2, R_PROCLINES, 0, 0), 0);

	/* from here, token 1 is not theirs: ENOENT, or one of ours */
	{
		FILE *f = fopen("/proc/swing", "r");
		char line[512];
		int pid, seen = 0;
		long their_pid = remote(&inside, R_PID, 0, 0);

		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*d %d", &pid) == 1 && pid == their_pid)
				seen++;
		fclose(f);
		ck_assert_int_eq(seen, 0);
	}
	ck_assert_int_eq(remote_stop(&inside), 0);
	ck_assert_int_eq(remote_stop(&inside2), 0);
	ck_ok(releasearea(mine));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("permissions");
	TCase *tc = tcase_create("permissions");

	tcase_add_test(tc, device_open_to_all);
	tcase_add_test(tc, default_perm);
	tcase_add_test(tc, unprivileged_user);
	tcase_add_test(tc, mode_bits);
	tcase_add_test(tc, group_bits);
	tcase_add_test(tc, give_away);
	tcase_add_test(tc, grant_to_pid);
	tcase_add_test(tc, ipc_namespace);
	suite_add_tcase(s, tc);
	return s;
}

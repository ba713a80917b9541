/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libswing: copy-on-write snapshots of memory handed between processes by
 * token, over the swing kernel module (/dev/swing).
 *
 * Every call returns 0 on success, or -1 with errno set.  See swing(7).
 */
#ifndef SWING_H
#define SWING_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/swing.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The documented API of the SWING design. */
int createarea(void **address, int *token, unsigned long length);
int hook(void **address, int *out_token, int token);
int enablehook(int token);
int disablehook(int token);
int releasearea(int token);

/* The same calls under the library's own prefix. */
int swing_createarea(void **address, int *token, unsigned long length);
int swing_hook(void **address, int *out_token, int token);
int swing_enablehook(int token);
int swing_disablehook(int token);
int swing_releasearea(int token);

/*
 * hook() with flags: SWING_HOOK_POPULATE maps the whole snapshot before
 * returning (like MAP_POPULATE).  Unknown flags fail with EINVAL.
 */
int swing_hook_flags(void **address, int *out_token, int token,
		     unsigned int flags);

/*
 * Who may hook an area, as with SysV IPC's ipc_perm: its owner and group
 * (uid, gid) and a mode whose read bits grant hooking; a new area is its
 * creator's with mode 0600.  The owning process, its owner or creator uid,
 * or CAP_IPC_OWNER may change them.  Since 1.2.0.
 */
int swing_getperm(int token, struct swing_perm *perm);
int swing_setperm(int token, uid_t uid, gid_t gid, mode_t mode);

/*
 * Let the process pid hook the area whatever its mode says (an offer to
 * one process), or take that back.  Since 1.2.0.
 */
int swing_grant(int token, pid_t pid);
int swing_revoke(int token, pid_t pid);

/*
 * Published versions: one writer, many readers.  swing_publish (owner
 * only) makes the area's contents its latest version (1, 2, 3, ...) and
 * enables it; hooks then snapshot that version, never the live contents.
 * swing_hook_version is swing_hook_flags telling which version it got (0:
 * never published).  swing_wait sleeps until a version above after exists
 * (timeout_ms 0 polls, -1 waits forever).  swing_watch returns a
 * close-on-exec descriptor for poll(2) on an area or a queue.  Since 1.3.0.
 */
int swing_publish(int token, uint64_t *version);
int swing_hook_version(void **address, int *out_token, int token,
		       unsigned int flags, uint64_t *version);
int swing_wait(int token, uint64_t after, int timeout_ms, uint64_t *version);
int swing_watch(int token);

/*
 * Message queues of snapshots.  swing_send queues a snapshot of an area the
 * caller owns (SWING_SEND_MOVE: gives the area away); swing_recv maps the
 * oldest message as a new area of the caller.  SWING_NONBLOCK: EAGAIN
 * instead of sleeping.  Since 1.3.0.
 */
int swing_queue_create(int *qtoken, unsigned int depth);
int swing_send(int qtoken, int token, unsigned int flags);
int swing_recv(int qtoken, void **address, int *out_token,
	       unsigned long *length, unsigned int flags);

/* The module's ABI version and release, or -1 with errno. */
int swing_version(struct swing_version *version);

#ifdef __cplusplus
}
#endif

#endif /* SWING_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * swing: copy-on-write memory areas handed between processes by token.
 *
 * The ioctl ABI of /dev/swing.  Every struct has a fixed size and layout on
 * 32- and 64-bit userspace; every reserved field and every flag bit not
 * defined here must be zero, or the call fails with EINVAL, so that later
 * versions can give them a meaning.
 */
#ifndef _UAPI_LINUX_SWING_H
#define _UAPI_LINUX_SWING_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change of the structs or commands below. */
#define SWING_ABI_VERSION	1

/* Release of the module and library; the one place it is defined. */
#define SWING_VERSION_MAJOR	1
#define SWING_VERSION_MINOR	3
#define SWING_VERSION_PATCH	0

#define SWING_DEVICE		"/dev/swing"

/* SWING_IOC_VERSION: what the module speaks. */
struct swing_version {
	__u32 abi_version;	/* out: SWING_ABI_VERSION of the module */
	__u32 major;		/* out: module release */
	__u32 minor;
	__u32 patch;
	__u64 reserved[2];	/* out: zero */
};

/*
 * SWING_IOC_CREATE: a new zero-filled area mapped read-write in the caller.
 * Lengths are in bytes; an area is made of pages of the kernel's page size
 * (sysconf(_SC_PAGESIZE): 4 KiB on x86, 4, 16 or 64 KiB on arm64), which
 * is also the unit of every page count in /proc/swing and sysfs.
 */
struct swing_create {
	__u64 length;		/* in: bytes, rounded up to whole pages */
	__u32 flags;		/* in: must be 0 */
	__s32 token;		/* out: the new area's token */
	__u64 addr;		/* out: where it is mapped */
	__u64 reserved[4];	/* in: must be 0 */
};

/*
 * SWING_IOC_HOOK: a copy-on-write snapshot of an enabled area: of its latest
 * published version once it has been published (SWING_IOC_PUBLISH), else of
 * its contents at the instant of the hook.
 */
struct swing_hook {
	__s32 src_token;	/* in: the area to snapshot */
	__u32 flags;		/* in: SWING_HOOK_* */
	__s32 token;		/* out: the new area's token */
	__u32 __pad;		/* must be 0 */
	__u64 addr;		/* out: where it is mapped */
	__u64 length;		/* out: its length in bytes */
	__u64 version;		/* in: must be 0; out: the version snapshotted,
				 * 0 for an area never published (since 1.3.0)
				 */
	__u64 reserved[3];	/* in: must be 0 */
};

/*
 * Map the whole snapshot read-only before returning, like MAP_POPULATE:
 * reading it then takes no page faults.  Since release 1.1.0; older modules
 * fail the hook with EINVAL.
 */
#define SWING_HOOK_POPULATE	(1U << 0)
#define SWING_HOOK_FLAGS	SWING_HOOK_POPULATE

/* SWING_IOC_ENABLE, SWING_IOC_DISABLE, SWING_IOC_RELEASE */
struct swing_token_op {
	__s32 token;		/* in */
	__u32 flags;		/* in: must be 0 */
	__u64 reserved[2];	/* in: must be 0 */
};

/*
 * SWING_IOC_GETPERM, SWING_IOC_SETPERM: who may hook an area, in the manner
 * of SysV IPC's struct ipc_perm.  A hook needs read permission (S_IRUSR,
 * S_IRGRP or S_IROTH as the caller is the owner, in the group or other);
 * the other bits are kept and shown but give nothing.  A new area belongs
 * to its creator with mode 0600.  SETPERM takes uid, gid and mode and
 * ignores cuid and cgid; ids are in the caller's user namespace.
 * Since release 1.2.0.
 */
struct swing_perm {
	__s32 token;		/* in */
	__u32 flags;		/* in: must be 0 */
	__u32 uid;		/* owner */
	__u32 gid;
	__u32 cuid;		/* out: creator */
	__u32 cgid;
	__u32 mode;		/* the low 9 bits of a file mode */
	__u32 __pad;		/* must be 0 */
	__u64 reserved[4];	/* in: must be 0 */
};

/*
 * SWING_IOC_GRANT: let the process @pid (in the caller's PID namespace)
 * hook the area whatever the mode says, or with SWING_GRANT_REVOKE take
 * that back.  An area holds at most SWING_MAX_GRANTS grants.
 * Since release 1.2.0.
 */
struct swing_grant {
	__s32 token;		/* in */
	__u32 flags;		/* in: SWING_GRANT_* */
	__s32 pid;		/* in */
	__u32 __pad;		/* must be 0 */
	__u64 reserved[2];	/* in: must be 0 */
};

#define SWING_GRANT_REVOKE	(1U << 0)
#define SWING_GRANT_FLAGS	SWING_GRANT_REVOKE
#define SWING_MAX_GRANTS	16

/*
 * Published versions (since release 1.3.0).  SWING_IOC_PUBLISH, by the
 * owner: the area's contents now become its latest version, numbered 1, 2,
 * 3, ... per area, and the area is enabled.  From then on a hook snapshots
 * that version, never the live contents.
 *
 * In the structs of 1.3.0's calls, output fields must be 0 on input too,
 * so that a later release may give them a meaning there.
 */
struct swing_publish {
	__s32 token;		/* in */
	__u32 flags;		/* in: must be 0 */
	__u64 version;		/* in: must be 0; out: its number */
	__u64 reserved[2];	/* in: must be 0 */
};

/*
 * SWING_IOC_WAIT: sleep until the area's latest version is above @after,
 * for at most @timeout_ms milliseconds (0: do not sleep, -1: no limit).
 * Fails with ETIMEDOUT, EINTR on a signal, EIDRM when the area is released.
 */
struct swing_wait {
	__s32 token;		/* in */
	__s32 timeout_ms;	/* in: >= -1 */
	__u64 after;		/* in */
	__u64 version;		/* in: must be 0; out: the latest version */
	__u32 flags;		/* in: must be 0 */
	__u32 __pad;		/* must be 0 */
	__u64 reserved[2];	/* in: must be 0 */
};

/*
 * SWING_IOC_WATCH: a close-on-exec descriptor that polls readable when an
 * area has a version newer than the last read(2) of it returned (read
 * gives the latest version as a native-endian __u64), or, for a queue,
 * readable while a message waits (read gives how many) and writable while
 * there is room.  POLLHUP once the object is released.
 */
struct swing_watch {
	__s32 token;		/* in: an area or a queue */
	__u32 flags;		/* in: must be 0 */
	__s32 fd;		/* in: must be 0; out: the descriptor */
	__u32 __pad;		/* must be 0 */
	__u64 reserved[2];	/* in: must be 0 */
};

/*
 * Message queues of snapshots (since release 1.3.0).  A queue is an object
 * with a token of its own, in the same table, with the ownership,
 * permissions (write: send, read: receive) and lifetime of an area.
 * Calls meant for the other kind of object fail with EOPNOTSUPP.
 */
struct swing_queue_create {
	__u32 depth;		/* in: 1 .. the max_queue_depth parameter */
	__u32 flags;		/* in: must be 0 */
	__s32 token;		/* in: must be 0; out: the queue's token */
	__u32 __pad;		/* must be 0 */
	__u64 reserved[2];	/* in: must be 0 */
};

/* Fail with EAGAIN rather than sleep (a full queue, an empty one). */
#define SWING_NONBLOCK		(1U << 0)
/*
 * Give the area away: unmapped from the sender and its token released, its
 * pages passed to the receiver whole.
 */
#define SWING_SEND_MOVE		(1U << 1)
#define SWING_SEND_FLAGS	(SWING_NONBLOCK | SWING_SEND_MOVE)
#define SWING_RECV_FLAGS	SWING_NONBLOCK

/* SWING_IOC_SEND: a snapshot of an area the caller owns, queued. */
struct swing_send {
	__s32 qtoken;		/* in: the queue */
	__s32 token;		/* in: the area */
	__u32 flags;		/* in: SWING_SEND_FLAGS */
	__u32 __pad;		/* must be 0 */
	__u64 reserved[2];	/* in: must be 0 */
};

/* SWING_IOC_RECV: the oldest message, as a new disabled area of the caller. */
struct swing_recv {
	__s32 qtoken;		/* in: the queue */
	__u32 flags;		/* in: SWING_RECV_FLAGS */
	__s32 token;		/* in: must be 0; out: the new area's token */
	__u32 __pad;		/* must be 0 */
	__u64 addr;		/* in: must be 0; out: where it is mapped */
	__u64 length;		/* in: must be 0; out: its length in bytes */
	__u64 reserved[2];	/* in: must be 0 */
};

#define SWING_IOC_MAGIC		0xb5
#define SWING_IOC_VERSION	_IOR(SWING_IOC_MAGIC, 0x00, struct swing_version)
#define SWING_IOC_CREATE	_IOWR(SWING_IOC_MAGIC, 0x01, struct swing_create)
#define SWING_IOC_HOOK		_IOWR(SWING_IOC_MAGIC, 0x02, struct swing_hook)
#define SWING_IOC_ENABLE	_IOW(SWING_IOC_MAGIC, 0x03, struct swing_token_op)
#define SWING_IOC_DISABLE	_IOW(SWING_IOC_MAGIC, 0x04, struct swing_token_op)
#define SWING_IOC_RELEASE	_IOW(SWING_IOC_MAGIC, 0x05, struct swing_token_op)
#define SWING_IOC_GETPERM	_IOWR(SWING_IOC_MAGIC, 0x06, struct swing_perm)
#define SWING_IOC_SETPERM	_IOW(SWING_IOC_MAGIC, 0x07, struct swing_perm)
#define SWING_IOC_GRANT		_IOW(SWING_IOC_MAGIC, 0x08, struct swing_grant)
#define SWING_IOC_PUBLISH	_IOWR(SWING_IOC_MAGIC, 0x09, struct swing_publish)
#define SWING_IOC_WAIT		_IOWR(SWING_IOC_MAGIC, 0x0a, struct swing_wait)
#define SWING_IOC_WATCH		_IOWR(SWING_IOC_MAGIC, 0x0b, struct swing_watch)
#define SWING_IOC_QUEUE_CREATE	_IOWR(SWING_IOC_MAGIC, 0x0c, struct swing_queue_create)
#define SWING_IOC_SEND		_IOW(SWING_IOC_MAGIC, 0x0d, struct swing_send)
#define SWING_IOC_RECV		_IOWR(SWING_IOC_MAGIC, 0x0e, struct swing_recv)

#endif /* _UAPI_LINUX_SWING_H */

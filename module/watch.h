/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SWING_WATCH_H
#define _SWING_WATCH_H

#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/wait.h>

/*
 * What waiters of an object (an area or a queue) wait for: its latest
 * published version, a queue's length, and whether the object is gone.
 *
 * It lives apart from the object, refcounted by it, by the callers asleep
 * in swing_wait(), send or receive, and by every watch descriptor, so that
 * none of those holds the object's memory or token: an area's pages go
 * when it is released even while a descriptor watches it.
 *
 * Locking: the fields change under @wq.lock, which then wakes @wq; readers
 * that must not miss a change (poll, read of a watch descriptor) read them
 * under it too, so a change either precedes their reading or finds them
 * queued.  Other readers (wait_event conditions, /proc) use READ_ONCE().
 */
struct swing_notify {
	refcount_t ref;
	wait_queue_head_t wq;
	u64 version;		/* latest published, 0: never */
	unsigned int length;	/* a queue's messages waiting */
	unsigned int used;	/* its slots taken: waiting, or being sent or received */
	unsigned int depth;	/* a queue's depth, 0 for an area; immutable */
	bool gone;		/* the object was released */
	atomic_t waiters;	/* callers asleep, plus watch descriptors */
};

struct swing_notify *swing_notify_alloc(unsigned int depth);
void swing_notify_put(struct swing_notify *n);
void swing_notify_get(struct swing_notify *n);
void swing_notify_version(struct swing_notify *n, u64 version);
void swing_notify_queue(struct swing_notify *n, unsigned int length,
			unsigned int used);
void swing_notify_gone(struct swing_notify *n);

int swing_notify_wait(struct swing_notify *n, u64 after, int timeout_ms,
		      u64 *version);
int swing_watch_open(struct swing_notify *n, struct file **filep);

#endif /* _SWING_WATCH_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Change notification: swing_wait() and the watch descriptor of an area or
 * a queue (swing_watch()), over one wait queue per object (watch.h).
 *
 * A watch descriptor is an anonymous file, like an eventfd: read(2) gives
 * an area's latest version once per version (the descriptor remembers the
 * last one it gave), or a queue's length while it is not zero, as a native
 * u64; poll(2) says whether a read would give something, and POLLHUP once
 * the object is gone.  It never holds the object, only its notify.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "watch.h"

struct swing_notify *swing_notify_alloc(unsigned int depth)
{
	struct swing_notify *n;

	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	refcount_set(&n->ref, 1);
	init_waitqueue_head(&n->wq);
	n->depth = depth;
	return n;
}

void swing_notify_get(struct swing_notify *n)
{
	refcount_inc(&n->ref);
}

/* The last reference: nobody waits on @n->wq any more. */
void swing_notify_put(struct swing_notify *n)
{
	if (n && refcount_dec_and_test(&n->ref))
		kfree(n);
}

/*
 * Every change wakes with every event it may cause: epoll filters on the
 * key, and a queue's length change matters to readers and writers alike.
 */
#define SWING_NOTIFY_EVENTS (EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM)

void swing_notify_version(struct swing_notify *n, u64 version)
{
	unsigned long flags;

	spin_lock_irqsave(&n->wq.lock, flags);
	WRITE_ONCE(n->version, version);
	wake_up_locked_poll(&n->wq, SWING_NOTIFY_EVENTS);
	spin_unlock_irqrestore(&n->wq.lock, flags);
}

void swing_notify_queue(struct swing_notify *n, unsigned int length,
			unsigned int used)
{
	unsigned long flags;

	spin_lock_irqsave(&n->wq.lock, flags);
	WRITE_ONCE(n->length, length);
	WRITE_ONCE(n->used, used);
	wake_up_locked_poll(&n->wq, SWING_NOTIFY_EVENTS);
	spin_unlock_irqrestore(&n->wq.lock, flags);
}

void swing_notify_gone(struct swing_notify *n)
{
	unsigned long flags;

	spin_lock_irqsave(&n->wq.lock, flags);
	WRITE_ONCE(n->gone, true);
	WRITE_ONCE(n->length, 0);
	wake_up_locked_poll(&n->wq, SWING_NOTIFY_EVENTS | EPOLLHUP);
	spin_unlock_irqrestore(&n->wq.lock, flags);
}

/*
 * swing_wait(): sleep until a version above @after exists.  Never restarted
 * after a signal (EINTR): the timeout is relative, as for poll(2) without
 * its restart block.
 */
int swing_notify_wait(struct swing_notify *n, u64 after, int timeout_ms,
		      u64 *version)
{
	long timeout = timeout_ms < 0 ? MAX_SCHEDULE_TIMEOUT :
					msecs_to_jiffies(timeout_ms);
	long ret;

	atomic_inc(&n->waiters);
	ret = wait_event_interruptible_timeout(n->wq,
					       READ_ONCE(n->version) > after ||
					       READ_ONCE(n->gone), timeout);
	atomic_dec(&n->waiters);
	*version = READ_ONCE(n->version);
	if (*version > after)
		return 0;
	if (READ_ONCE(n->gone))
		return -EIDRM;
	return ret < 0 ? -EINTR : -ETIMEDOUT;
}

/* One watch descriptor. */
struct swing_watcher {
	struct swing_notify *n;
	u64 last;		/* the version last read, under n->wq.lock */
};

/* What a read would give now; caller holds n->wq.lock. */
static bool watch_ready(struct swing_watcher *w, u64 *value)
{
	struct swing_notify *n = w->n;

	if (n->depth) {
		*value = n->length;
		return n->length;
	}
	*value = n->version;
	return n->version > w->last;
}

static ssize_t swing_watch_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct swing_watcher *w = file->private_data;
	struct swing_notify *n = w->n;
	bool ready, gone;
	u64 value;

	if (count < sizeof(value))
		return -EINVAL;
	for (;;) {
		spin_lock_irq(&n->wq.lock);
		ready = watch_ready(w, &value);
		if (ready && !n->depth)
			w->last = value;
		gone = n->gone;
		spin_unlock_irq(&n->wq.lock);
		if (ready)
			break;
		if (gone)
			return 0;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(n->wq,
				READ_ONCE(n->gone) ||
				(n->depth ? READ_ONCE(n->length) != 0 :
					    READ_ONCE(n->version) > READ_ONCE(w->last))))
			return -ERESTARTSYS;
	}
	return copy_to_user(buf, &value, sizeof(value)) ? -EFAULT : sizeof(value);
}

static __poll_t swing_watch_poll(struct file *file, poll_table *pt)
{
	struct swing_watcher *w = file->private_data;
	struct swing_notify *n = w->n;
	__poll_t mask = 0;
	u64 value;

	poll_wait(file, &n->wq, pt);
	spin_lock_irq(&n->wq.lock);
	if (watch_ready(w, &value))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (n->gone)
		mask |= EPOLLHUP;
	else if (n->depth && n->used < n->depth)
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock_irq(&n->wq.lock);
	return mask;
}

static int swing_watch_release(struct inode *inode, struct file *file)
{
	struct swing_watcher *w = file->private_data;

	atomic_dec(&w->n->waiters);
	swing_notify_put(w->n);
	kfree(w);
	return 0;
}

static const struct file_operations swing_watch_fops = {
	.owner = THIS_MODULE,
	.read = swing_watch_read,
	.poll = swing_watch_poll,
	.release = swing_watch_release,
	.llseek = noop_llseek,
};

/*
 * A new watch descriptor's file, not yet installed: the caller installs it
 * once nothing else can fail (the ioctl's copy to userspace), or fput()s it.
 */
int swing_watch_open(struct swing_notify *n, struct file **filep)
{
	struct swing_watcher *w;
	struct file *file;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	w->n = n;
	file = anon_inode_getfile("[swing-watch]", &swing_watch_fops, w,
				  O_RDONLY | O_CLOEXEC);
	if (IS_ERR(file)) {
		kfree(w);
		return PTR_ERR(file);
	}
	swing_notify_get(n);
	atomic_inc(&n->waiters);
	*filep = file;
	return 0;
}

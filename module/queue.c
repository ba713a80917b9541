// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message queues of snapshots: msgshm238's send and receive, with swing's
 * O(1) handoff.
 *
 * A queue is a token-table object of its own kind (area.h) with a FIFO of
 * messages.  A message is a tree: a snapshot of the sender's area taken as
 * a hook would take it, or, with SWING_SEND_MOVE, the area's own pages
 * (its tree shared, then its own reference dropped, so the receiver holds
 * them alone and its writes copy nothing).  Receiving moves the message's
 * tree into a new area of the receiver's.
 *
 * Charges: a waiting message counts as one object of its pages against the
 * sender's euid (perm.c's per-user limits), so a flood is bounded; its
 * receiver's area is charged in its place.
 *
 * Locking: @lock (a mutex) serialises every send and receive of the queue
 * whole, the snapshot and the receiver's mapping included, so that FIFO
 * order and "one receiver per message" need nothing more.  Lock order:
 * queue @lock, then the sender's mmap lock and area lock (the snapshot) or
 * swing_table_lock and the receiver's mmap lock (the install).  Nothing
 * takes a queue's lock under any of those.  Sleepers wait on the queue's
 * notify, whose length and gone change under @lock.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "area.h"
#include "compat.h"

static unsigned int swing_max_queue_depth = 1024;
module_param_named(max_queue_depth, swing_max_queue_depth, uint, 0644);
MODULE_PARM_DESC(max_queue_depth,
		 "Most messages one queue may hold; a deeper one fails with EINVAL (default: 1024)");

/* Messages waiting in all queues, for sysfs. */
atomic_long_t swing_nr_messages = ATOMIC_LONG_INIT(0);

struct swing_queue {
	struct mutex lock;
	struct list_head msgs;	/* oldest first */
	unsigned int length;
	unsigned int depth;	/* immutable */
	bool gone;
};

struct swing_msg {
	struct list_head node;
	struct swing_tree tree;
	pgoff_t npages;
	int src_token;		/* the sending area's, for /proc/swing */
	kuid_t cuid;		/* charged to */
};

struct swing_area *swing_queue_create(struct swing_session *session,
				      unsigned int depth)
{
	struct swing_area *qarea;
	struct swing_queue *q;
	unsigned long addr;
	int ret;

	if (!depth || depth > READ_ONCE(swing_max_queue_depth))
		return ERR_PTR(-EINVAL);
	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return ERR_PTR(-ENOMEM);
	mutex_init(&q->lock);
	INIT_LIST_HEAD(&q->msgs);
	q->depth = depth;
	qarea = swing_area_alloc(SWING_KIND_QUEUE, 0, 0);
	if (!qarea) {
		kfree(q);
		return ERR_PTR(-ENOMEM);
	}
	qarea->queue = q;
	qarea->notify->depth = depth;	/* before anyone can see it */
	ret = swing_area_install(qarea, session, &addr);
	if (ret) {
		swing_area_put(qarea);
		return ERR_PTR(ret);
	}
	return qarea;
}

static void msg_free(struct swing_msg *msg)
{
	mutex_lock(&swing_table_lock);
	swing_uncharge(msg->cuid, msg->npages);
	mutex_unlock(&swing_table_lock);
	swing_tree_destroy(&msg->tree);
	kfree(msg);
}

/*
 * The queue's token is gone: free its messages and fail everyone asleep on
 * it with EIDRM.  A send or receive under way finishes first (@lock).
 */
void swing_queue_shutdown(struct swing_area *qarea)
{
	struct swing_queue *q = qarea->queue;
	struct swing_msg *msg, *next;
	LIST_HEAD(msgs);

	mutex_lock(&q->lock);
	q->gone = true;
	list_splice_init(&q->msgs, &msgs);
	atomic_long_sub(q->length, &swing_nr_messages);
	q->length = 0;
	swing_notify_gone(qarea->notify);
	mutex_unlock(&q->lock);
	list_for_each_entry_safe(msg, next, &msgs, node) {
		msg_free(msg);
		cond_resched();
	}
}

/* The last reference to the queue object: it was shut down, and is empty. */
void swing_queue_free(struct swing_area *qarea)
{
	struct swing_queue *q = qarea->queue;

	if (q) {
		WARN_ON_ONCE(!list_empty(&q->msgs));
		mutex_destroy(&q->lock);
		kfree(q);
	}
}

/*
 * Lock @q with room for one more message (@room) or one to take; sleep for
 * it unless @nonblock.  Returns 0 with @q->lock held, or an errno.
 */
static int queue_lock_ready(struct swing_area *qarea, bool room, bool nonblock)
{
	struct swing_queue *q = qarea->queue;
	struct swing_notify *n = qarea->notify;
	int ret;

	for (;;) {
		if (mutex_lock_interruptible(&q->lock))
			return -EINTR;
		if (!q->gone && (room ? q->length < q->depth : q->length))
			return 0;
		ret = q->gone ? -EIDRM : -EAGAIN;
		mutex_unlock(&q->lock);
		if (ret != -EAGAIN || nonblock)
			return ret;
		atomic_inc(&n->waiters);
		ret = wait_event_interruptible(n->wq, READ_ONCE(n->gone) ||
			(room ? READ_ONCE(n->length) < n->depth :
				READ_ONCE(n->length)));
		atomic_dec(&n->waiters);
		if (ret)
			return -EINTR;
	}
}

/*
 * Take @area's pages away from it for @msg, which already shares them:
 * no PTE of the area maps them any more, its tree is destroyed and the
 * area is marked released, so that no fault, hook or send reaches them
 * through it again.  Then @msg's tree holds them alone (unless a hook of
 * the area or an outside reference does too), and swing_tree_reuse() lets
 * the receiver write them in place.  Caller: swing_area_lock_faults() and
 * @area->lock held for writing.
 */
static void area_give_away(struct swing_area *area)
{
	swing_unmap_mapping_pages(area->mapping, 0, area->npages, false);
	swing_tree_destroy(&area->tree);
	area->released = true;
	WRITE_ONCE(area->enabled, false);
}

/* Snapshot (or give away) @area into @msg; sender's side of swing_send(). */
static int msg_fill(struct swing_msg *msg, struct swing_area *area, bool move)
{
	bool live;
	int ret;

	ret = swing_area_lock_write(area, &live);
	if (ret)
		return ret;
	ret = swing_area_share_live(&msg->tree, area);
	if (!ret && move)
		area_give_away(area);
	swing_area_unlock_write(area, live);
	return ret;
}

int swing_queue_send(struct swing_area *qarea, struct swing_area *area,
		     unsigned int flags)
{
	struct swing_queue *q = qarea->queue;
	bool move = flags & SWING_SEND_MOVE;
	struct swing_msg *msg;
	int ret;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return -ENOMEM;
	msg->npages = area->npages;
	msg->src_token = area->token;
	msg->cuid = current_euid();

	ret = queue_lock_ready(qarea, true, flags & SWING_NONBLOCK);
	if (ret)
		goto err_free;
	mutex_lock(&swing_table_lock);
	ret = swing_charge(msg->cuid, msg->npages, false);
	mutex_unlock(&swing_table_lock);
	if (ret)
		goto err_unlock;
	ret = msg_fill(msg, area, move);
	if (ret) {
		mutex_lock(&swing_table_lock);
		swing_uncharge(msg->cuid, msg->npages);
		mutex_unlock(&swing_table_lock);
		goto err_unlock;
	}
	list_add_tail(&msg->node, &q->msgs);
	q->length++;
	atomic_long_inc(&swing_nr_messages);
	swing_notify_length(qarea->notify, q->length);
	mutex_unlock(&q->lock);

	if (move)	/* its pages are the message's: the token goes too */
		swing_area_release(area, true);
	return 0;

err_unlock:
	mutex_unlock(&q->lock);
err_free:
	kfree(msg);
	return ret;
}

struct swing_area *swing_queue_recv(struct swing_session *session,
				    struct swing_area *qarea,
				    unsigned int flags, unsigned long *addr)
{
	struct swing_queue *q = qarea->queue;
	struct swing_area *area;
	struct swing_msg *msg;
	int ret;

	ret = queue_lock_ready(qarea, false, flags & SWING_NONBLOCK);
	if (ret)
		return ERR_PTR(ret);
	msg = list_first_entry(&q->msgs, struct swing_msg, node);
	area = swing_area_alloc(SWING_KIND_AREA, msg->npages, msg->src_token);
	if (!area) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	/*
	 * The message's charge goes before the receiver's area is charged
	 * (it may be the same user at its limit), and comes back if the
	 * install fails.
	 */
	swing_tree_move(&area->tree, &msg->tree);
	mutex_lock(&swing_table_lock);
	swing_uncharge(msg->cuid, msg->npages);
	mutex_unlock(&swing_table_lock);
	ret = swing_area_install(area, session, addr);
	if (ret) {
		mutex_lock(&swing_table_lock);
		swing_charge(msg->cuid, msg->npages, true);
		mutex_unlock(&swing_table_lock);
		swing_tree_move(&msg->tree, &area->tree);
		swing_area_put(area);
		goto err_unlock;
	}
	list_del(&msg->node);
	q->length--;
	atomic_long_dec(&swing_nr_messages);
	swing_notify_length(qarea->notify, q->length);
	mutex_unlock(&q->lock);
	kfree(msg);
	return area;

err_unlock:
	mutex_unlock(&q->lock);
	return ERR_PTR(ret);
}

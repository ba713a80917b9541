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
 * Locking: @lock (a mutex) covers the list and the counts, and is only
 * ever held for O(1) steps, never across a snapshot or a mapping: those
 * take the sender's or receiver's own mmap lock, which that process could
 * keep busy, and must not stall anyone else on the queue.  So a sender
 * first takes a slot (@used), fills its message unlocked, then queues it;
 * a receiver takes the oldest message off the list, keeping its slot,
 * maps it unlocked, and puts it back at the head if that fails.  Taking
 * off the head under @lock is what makes the order FIFO and each message
 * one receiver's.  @lock nests inside nothing and takes only
 * swing_table_lock (charges) and the notify's waitqueue lock.  Sleepers
 * wait on the queue's notify, whose counts and gone change under @lock.
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
	unsigned int length;	/* messages on @msgs */
	unsigned int used;	/* slots: @length, plus sends and receives under way */
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

static void msg_uncharge(struct swing_msg *msg)
{
	mutex_lock(&swing_table_lock);
	swing_uncharge(msg->cuid, msg->npages);
	mutex_unlock(&swing_table_lock);
}

static void msg_free(struct swing_msg *msg)
{
	msg_uncharge(msg);
	swing_tree_destroy(&msg->tree);
	kfree(msg);
}

/* The counts changed; caller holds @q->lock. */
static void queue_changed(struct swing_area *qarea)
{
	struct swing_queue *q = qarea->queue;

	swing_notify_queue(qarea->notify, q->length, q->used);
}

/*
 * The queue's token is gone: free its messages and fail everyone asleep on
 * it with EIDRM.  A send or receive under way finds @gone when it comes
 * back for its slot, and frees its message itself.
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
	q->used -= q->length;
	q->length = 0;
	swing_notify_gone(qarea->notify);
	mutex_unlock(&q->lock);
	list_for_each_entry_safe(msg, next, &msgs, node) {
		msg_free(msg);
		cond_resched();
	}
}

/* The last reference to the queue object: shut down, and empty. */
void swing_queue_free(struct swing_area *qarea)
{
	struct swing_queue *q = qarea->queue;

	if (q) {
		WARN_ON_ONCE(!list_empty(&q->msgs) || q->used);
		mutex_destroy(&q->lock);
		kfree(q);
	}
}

/*
 * Take a slot (@send) or the oldest message (*@msgp), sleeping for one
 * unless @nonblock.  The caller gives the slot back through queue_done().
 */
static int queue_take(struct swing_area *qarea, bool send, bool nonblock,
		      struct swing_msg **msgp)
{
	struct swing_queue *q = qarea->queue;
	struct swing_notify *n = qarea->notify;
	int ret;

	for (;;) {
		mutex_lock(&q->lock);
		if (q->gone) {
			ret = -EIDRM;
		} else if (send ? q->used < q->depth : q->length) {
			if (send) {
				q->used++;
			} else {
				*msgp = list_first_entry(&q->msgs,
							 struct swing_msg, node);
				list_del(&(*msgp)->node);
				q->length--;
				atomic_long_dec(&swing_nr_messages);
			}
			queue_changed(qarea);
			ret = 0;
		} else {
			ret = -EAGAIN;
		}
		mutex_unlock(&q->lock);
		if (ret != -EAGAIN || nonblock)
			return ret;
		atomic_inc(&n->waiters);
		ret = wait_event_interruptible(n->wq, READ_ONCE(n->gone) ||
			(send ? READ_ONCE(n->used) < n->depth :
				READ_ONCE(n->length)));
		atomic_dec(&n->waiters);
		if (ret)
			return -EINTR;
	}
}

/*
 * Give back the slot queue_take() gave, queueing @msg in it (at the tail
 * for a send, back at the head for a receive that failed) if there is one
 * and the queue is still there.  Returns -EIDRM when it is not: the caller
 * frees @msg.
 */
static int queue_done(struct swing_area *qarea, struct swing_msg *msg,
		      bool tail)
{
	struct swing_queue *q = qarea->queue;
	int ret = 0;

	mutex_lock(&q->lock);
	if (msg && q->gone) {
		ret = -EIDRM;
	} else if (msg) {
		if (tail)
			list_add_tail(&msg->node, &q->msgs);
		else
			list_add(&msg->node, &q->msgs);
		q->length++;
		atomic_long_inc(&swing_nr_messages);
	}
	if (!msg || ret)
		q->used--;
	queue_changed(qarea);
	mutex_unlock(&q->lock);
	return ret;
}

/*
 * Take @area's pages away from it for @msg, which already shares them:
 * no PTE of the area maps them any more, its tree is destroyed, its
 * published version (which may share them too) is dropped, and the area is
 * marked released, so that no fault, hook or send reaches them through it
 * again.  Then @msg's tree holds them alone (unless a hook of the area or
 * an outside reference does too), and swing_tree_reuse() lets the receiver
 * write them in place.  Returns the version, for the caller to put once
 * unlocked.  Caller: swing_area_lock_faults() and @area->lock held for
 * writing.
 */
static struct swing_published *area_give_away(struct swing_area *area)
{
	struct swing_published *ver = area->version;

	swing_unmap_mapping_pages(area->mapping, 0, area->npages, false);
	swing_tree_destroy(&area->tree);
	area->version = NULL;
	area->released = true;
	WRITE_ONCE(area->enabled, false);
	return ver;
}

/* Snapshot (or give away) @area into @msg; sender's side of swing_send(). */
static int msg_fill(struct swing_msg *msg, struct swing_area *area, bool move)
{
	struct swing_published *ver = NULL;
	bool live;
	int ret;

	ret = swing_area_lock_write(area, &live);
	if (ret)
		return ret;
	ret = swing_area_share_live(&msg->tree, area);
	if (!ret && move)
		ver = area_give_away(area);
	swing_area_unlock_write(area, live);
	swing_published_put(ver);
	return ret;
}

/*
 * Charge @msg to its sender.  A moved area's own charge goes with it
 * (area_free() would only drop it once every mapping is gone), so a move
 * is charged whatever the limits: the user holds no more than before.
 */
static int msg_charge(struct swing_msg *msg, struct swing_area *area, bool move)
{
	int ret;

	mutex_lock(&swing_table_lock);
	ret = swing_charge(msg->cuid, msg->npages, move);
	mutex_unlock(&swing_table_lock);
	return ret;
}

static void area_uncharge_moved(struct swing_area *area)
{
	mutex_lock(&swing_table_lock);
	if (area->charged) {
		swing_user_uncharge(area);
		area->charged = false;
	}
	mutex_unlock(&swing_table_lock);
}

/*
 * With SWING_SEND_MOVE the area is given away once the message holds its
 * pages, before it is queued: a receiver then finds them held by the
 * message alone.  Should the queue go in that instant, the message is freed
 * with it, as if it had been queued an instant earlier; the area is gone
 * either way.
 */
int swing_queue_send(struct swing_area *qarea, struct swing_area *area,
		     unsigned int flags)
{
	bool move = flags & SWING_SEND_MOVE;
	struct swing_msg *msg;
	int ret;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return -ENOMEM;
	msg->npages = area->npages;
	msg->src_token = area->token;
	msg->cuid = move ? area->cuid : current_euid();

	ret = queue_take(qarea, true, flags & SWING_NONBLOCK, NULL);
	if (ret)
		goto err_free;
	ret = msg_charge(msg, area, move);
	if (ret)
		goto err_slot;
	ret = msg_fill(msg, area, move);
	if (ret) {
		msg_uncharge(msg);
		goto err_slot;
	}
	if (move) {	/* its pages are the message's: the token goes too */
		area_uncharge_moved(area);
		swing_area_release(area, true);
	}
	ret = queue_done(qarea, msg, true);
	if (ret)
		msg_free(msg);
	return ret;

err_slot:
	queue_done(qarea, NULL, true);
err_free:
	kfree(msg);
	return ret;
}

struct swing_area *swing_queue_recv(struct swing_session *session,
				    struct swing_area *qarea,
				    unsigned int flags, unsigned long *addr)
{
	struct swing_area *area;
	struct swing_msg *msg;
	int ret;

	ret = queue_take(qarea, false, flags & SWING_NONBLOCK, &msg);
	if (ret)
		return ERR_PTR(ret);
	area = swing_area_alloc(SWING_KIND_AREA, msg->npages, msg->src_token);
	if (!area) {
		ret = -ENOMEM;
		goto err_back;
	}
	/*
	 * The message's charge goes before the receiver's area is charged
	 * (it may be the same user at its limit), and comes back if the
	 * install fails.
	 */
	swing_tree_move(&area->tree, &msg->tree);
	msg_uncharge(msg);
	ret = swing_area_install(area, session, addr);
	if (ret) {
		mutex_lock(&swing_table_lock);
		swing_charge(msg->cuid, msg->npages, true);
		mutex_unlock(&swing_table_lock);
		swing_tree_move(&msg->tree, &area->tree);
		swing_area_put(area);
		goto err_back;
	}
	queue_done(qarea, NULL, false);
	kfree(msg);
	return area;

err_back:
	if (queue_done(qarea, msg, false))
		msg_free(msg);
	return ERR_PTR(ret);
}

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SWING_AREA_H
#define _SWING_AREA_H

#include <linux/bitops.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rwsem.h>
#include <linux/time64.h>
#include <linux/uidgid.h>

#include <uapi/linux/swing.h>

#include "tree.h"
#include "watch.h"

struct ipc_namespace;
struct swing_ns;
struct swing_queue;
struct swing_published;

/*
 * What a token names.  A queue (queue.c) uses the table, ownership,
 * permission and lifetime parts of struct swing_area only: it has no
 * pages, no file and no mapping.
 */
enum swing_kind {
	SWING_KIND_AREA,
	SWING_KIND_QUEUE,
};

/*
 * One open of /dev/swing.  Areas created or hooked through it are released
 * when it is closed, which for a library user is when the process exits.
 */
struct swing_session {
	struct list_head areas;		/* under swing_table_lock */
};

/*
 * A copy-on-write area.
 *
 * Lifetime: @kref counts the token table entry (dropped by release), the
 * area file (dropped by the file's ->release once the last vma mapping it
 * is gone) and short-lived lookups.  The file is owned by the area until
 * release; vmas hold the file, so a vma never outlives the area or its tree.
 *
 * Locking: swing_table_lock (a mutex) protects the token tables, @session,
 * @session_node, @file, @ns, @all_node, the permissions and the per-user
 * charge (@charged: set before the area is published, cleared if it is
 * given away, queue.c).  @lock protects @tree, @enabled, @released and
 * @version; take it after the owner's mmap lock and before any page lock.
 */
struct swing_area {
	struct kref kref;
	enum swing_kind kind;		/* immutable */
	int token;			/* immutable */
	int src_token;			/* immutable: hooked from, or 0 */
	pgoff_t npages;			/* immutable */
	struct mm_struct *mm;		/* owner's mm, mmgrab()ed; immutable */
	struct pid *owner;		/* owner's thread group; immutable */
	kuid_t cuid;			/* creator's euid; immutable */
	kgid_t cgid;			/* creator's egid; immutable */
	time64_t ctime;			/* creation, wall clock; immutable */
	atomic_t nr_hooks;		/* snapshots taken of it */
	bool charged;			/* to cuid's limits, until freed or moved */

	struct rw_semaphore lock;
	struct swing_tree tree;		/* empty once given away (queue.c) */
	bool enabled;
	bool released;

	/*
	 * Published versions (version.c): the latest, under @lock; the
	 * number of the next one is @nr_published + 1.  Waiters wait on
	 * @notify, which outlives the area as long as they do.
	 */
	struct swing_published *version;
	u64 nr_published;
	struct swing_notify *notify;	/* immutable */
	struct swing_queue *queue;	/* a queue's (queue.c); immutable */

	/*
	 * Pages that may change without a fault: a write fault sets the bit
	 * before it makes a PTE writable (under the owner's mmap lock, read);
	 * swing_area_write_protect() clears it once the PTE is gone and the
	 * page is not DMA-pinned (under the mmap lock, write).  So a snapshot
	 * only has to deal with these pages, not with the whole area.
	 * Allocated (under @lock, for writing) by the first write fault, so
	 * that a hook, whose snapshot is often only read, allocates nothing
	 * that grows with the area.  @dirty_chunks marks each leaf's worth of
	 * pages (SWING_TREE_LEAF_PAGES) holding a marked page, set after the
	 * page's bit, so that a snapshot finds them in O(pages marked), not
	 * in a scan of the whole bitmap; it lies at the end of @dirty.
	 */
	unsigned long *dirty;
	unsigned long *dirty_chunks;
	atomic_long_t nr_dirty;

	/* Read fault-around state (cow.c): hints, read and written racily. */
	pgoff_t fault_next;
	unsigned int fault_window;

	struct address_space *mapping;	/* the file's; lives as long as it */
	struct file *file;
	struct swing_session *session;	/* NULL once released */
	struct list_head session_node;
	struct swing_ns *ns;		/* the token table it is in */
	struct list_head all_node;	/* swing_all_areas */

	/* Who may hook it (perm.c), under swing_table_lock. */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	struct pid *grants[SWING_MAX_GRANTS];
};

extern struct mutex swing_table_lock;
extern struct list_head swing_all_areas;
extern unsigned long swing_max_area_size;
extern atomic_long_t swing_nr_areas;

int swing_fs_init(void);
void swing_fs_exit(void);

struct swing_area *swing_area_alloc(enum swing_kind kind, pgoff_t npages,
				    int src_token);
int swing_area_install(struct swing_area *area, struct swing_session *session,
		       unsigned long *addrp);
struct swing_area *swing_area_create(struct swing_session *session,
				     size_t length, unsigned long *addr);
struct swing_area *swing_area_hook(struct swing_session *session,
				   struct swing_area *src, unsigned long *addr,
				   u64 *version);
struct swing_area *swing_area_get(int token);
struct swing_area *swing_area_next_locked(struct ipc_namespace *ipc_ns,
					  int *token);
void swing_area_put(struct swing_area *area);
bool swing_area_owned(const struct swing_area *area);
int swing_area_set_enabled(struct swing_area *area, bool enabled);
int swing_area_release(struct swing_area *area, bool unmap);
int swing_area_lock_faults(struct swing_area *area, bool *live);
void swing_area_unlock_faults(struct swing_area *area, bool live);
int swing_area_lock_write(struct swing_area *area, bool *live);
void swing_area_unlock_write(struct swing_area *area, bool live);
int swing_area_share_live(struct swing_tree *dst, struct swing_area *src);

void swing_session_release(struct swing_session *session);

int swing_area_alloc_dirty(struct swing_area *area);

/* Caller holds @area->lock and has seen @area->dirty allocated. */
static inline void swing_area_mark_dirty(struct swing_area *area, pgoff_t idx)
{
	unsigned long chunk = idx / SWING_TREE_LEAF_PAGES;

	if (!test_bit(idx, area->dirty) && !test_and_set_bit(idx, area->dirty)) {
		atomic_long_inc(&area->nr_dirty);
		if (!test_bit(chunk, area->dirty_chunks))
			set_bit(chunk, area->dirty_chunks);
	}
}

/* perm.c */
bool swing_capable(void);
void swing_perm_init(struct swing_area *area);
void swing_perm_destroy(struct swing_area *area);
int swing_perm_hook(struct swing_area *area);
bool swing_perm_visible(const struct swing_area *area);
int swing_perm_get(struct swing_area *area, struct swing_perm *perm);
int swing_perm_set(struct swing_area *area, const struct swing_perm *perm);
int swing_perm_grant(struct swing_area *area, pid_t nr, bool revoke);
int swing_user_charge(struct swing_area *area);
void swing_user_uncharge(struct swing_area *area);
int swing_charge(kuid_t uid, pgoff_t npages, bool force);
void swing_uncharge(kuid_t uid, pgoff_t npages);
int swing_perm_check(struct swing_area *area, umode_t mask);
void swing_users_exit(void);

/* proc.c */
int swing_proc_init(void);
void swing_proc_exit(void);

/* version.c */
extern atomic_long_t swing_nr_versions;
int swing_area_publish(struct swing_area *area, u64 *version);
struct swing_published *swing_published_get(struct swing_area *area);
u64 swing_published_share(struct swing_tree *dst, struct swing_published *ver);
void swing_published_put(struct swing_published *ver);

/* queue.c */
extern atomic_long_t swing_nr_messages;
struct swing_area *swing_queue_create(struct swing_session *session,
				      unsigned int depth);
void swing_queue_shutdown(struct swing_area *qarea);
void swing_queue_free(struct swing_area *qarea);
int swing_queue_send(struct swing_area *qarea, struct swing_area *area,
		     unsigned int flags);
struct swing_area *swing_queue_recv(struct swing_session *session,
				    struct swing_area *qarea,
				    unsigned int flags, unsigned long *addr);

/* cow.c */
extern const struct file_operations swing_area_fops;
extern atomic_long_t swing_nr_faults;
int swing_area_populate(struct swing_area *area, unsigned long addr);

#endif /* _SWING_AREA_H */

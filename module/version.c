// SPDX-License-Identifier: GPL-2.0-only
/*
 * Published versions: one writer, many readers.
 *
 * swing_publish() freezes an area's contents as its latest version: a tree
 * that shares the area's nodes and pages as a hook would (O(pages written
 * since the last publish), the cost of enablehook), but that nobody ever
 * writes.  Hooks of a published area then share that frozen tree, not the
 * live one, so a reader never sees a half-written state and the writer
 * never has to disable: its next write to a page copies it, as after any
 * snapshot.  Only the latest version is kept; the one it replaces is put,
 * and frees whatever no hook still shares.
 *
 * Lifetime: the area holds its latest version; a hook holds one only while
 * it shares it (the hook's own tree then holds the nodes).  Locking: the
 * area's @version and @nr_published change under its lock held for
 * writing, inside swing_area_lock_faults(); a version's tree is immutable
 * once published and needs no lock.
 */
#include <linux/kref.h>
#include <linux/slab.h>

#include "area.h"

struct swing_published {
	struct kref kref;
	u64 number;		/* 1, 2, 3, ... per area */
	struct swing_tree tree;	/* frozen */
};

/* Versions held, for sysfs. */
atomic_long_t swing_nr_versions = ATOMIC_LONG_INIT(0);

static void version_free(struct kref *kref)
{
	struct swing_published *ver = container_of(kref, struct swing_published,
						 kref);

	swing_tree_destroy(&ver->tree);
	kfree(ver);
	atomic_long_dec(&swing_nr_versions);
}

void swing_published_put(struct swing_published *ver)
{
	if (ver)
		kref_put(&ver->kref, version_free);
}

/* @area's latest version, referenced, or NULL; caller holds @area->lock. */
struct swing_published *swing_published_get(struct swing_area *area)
{
	struct swing_published *ver = area->version;

	if (ver)
		kref_get(&ver->kref);
	return ver;
}

/* @dst (zeroed) shares @ver's pages; returns its number. */
u64 swing_published_share(struct swing_tree *dst, struct swing_published *ver)
{
	swing_tree_share_frozen(dst, &ver->tree);
	return ver->number;
}

int swing_area_publish(struct swing_area *area, u64 *version)
{
	struct swing_published *ver, *old = NULL;
	bool live;
	int ret;

	ver = kzalloc(sizeof(*ver), GFP_KERNEL_ACCOUNT);
	if (!ver)
		return -ENOMEM;
	kref_init(&ver->kref);
	atomic_long_inc(&swing_nr_versions);

	ret = swing_area_lock_write(area, &live);
	if (ret)
		goto out;
	ret = swing_area_share_live(&ver->tree, area);
	if (!ret) {
		old = area->version;
		ver->number = ++area->nr_published;
		area->version = ver;
		*version = ver->number;
		WRITE_ONCE(area->enabled, true);
		ver = NULL;	/* the area's now */
		/*
		 * Once the version is in place, so that a woken reader's hook
		 * gets it; under the lock, so that two publishers' numbers
		 * reach the waiters in their order.
		 */
		swing_notify_version(area->notify, *version);
	}
	swing_area_unlock_write(area, live);
out:
	swing_published_put(old);
	swing_published_put(ver);
	return ret;
}

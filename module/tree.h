/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SWING_TREE_H
#define _SWING_TREE_H

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/mm_types.h>
#include <linux/types.h>

struct swing_node;

/*
 * The pages of one area: a copy-on-write radix tree of 512-slot nodes
 * (SWING_TREE_LEAF_PAGES, below, whatever the page size), like a page
 * table.  A snapshot shares the root (one reference, O(1)); a write copies
 * only the nodes on its path that are shared.  Leaves hold page
 * pointers; a page may be held by several leaves, and counts them in
 * page->private (the page is ours: never in the page cache, never on the LRU,
 * so nothing else reads that field).
 *
 * A node whose refcount is above one, and everything below it, is immutable.
 * A page is private to an area when every node on its path has one
 * reference and the page is held by one leaf.
 *
 * Private is not enough to write a page in place: a page that another
 * tree held may still be referenced from outside any tree (a pipe it was
 * vmsplice()d into, an O_DIRECT request in flight), and those readers
 * must keep what they were given.  So, like PageAnonExclusive for the
 * kernel's anonymous memory, a page is also *exclusive* to its tree when
 * no other tree can have held it since the tree made it: each page carries
 * the share sequence at which it was made (page->index, unused by the core
 * for a page with no mapping), each tree the sequence of its last sharing,
 * and a page made at or after its tree's last sharing is exclusive.  A
 * private page that is not exclusive is reused only when its references
 * are all the tree's own (swing_tree_reuse()), as do_wp_page() decides for
 * anonymous memory; it is then exclusive again.
 *
 * Locking: the caller serialises all calls on one tree with the owning
 * area's rwsem (lookups shared, everything else exclusive).  Nodes and pages
 * shared between trees are only ever touched through atomic counters.
 */
struct swing_tree {
	struct swing_node *root;
	unsigned int height;	/* levels, leaves are level 1 */
	pgoff_t npages;
	u64 share_seq;		/* pages made before it may be shared */
	atomic_long_t resident;	/* pages it holds */
	atomic_long_t exclusive;	/* of which are exclusive to it */
};

int swing_tree_init(struct swing_tree *t, pgoff_t npages);
void swing_tree_share(struct swing_tree *dst, struct swing_tree *src);
void swing_tree_share_frozen(struct swing_tree *dst, struct swing_tree *src);
void swing_tree_move(struct swing_tree *dst, struct swing_tree *src);
void swing_tree_destroy(struct swing_tree *t);

/*
 * Slots per node, and so pages per leaf: 512 whatever PAGE_SIZE is.  A node
 * is not a page: it comes from a slab cache of its own size (a refcount and
 * 512 pointers), so the fanout need not follow PAGE_SIZE, and with it fixed
 * the tree has the same shape and a node copy the same cost on every
 * kernel.  A leaf covers 2 MiB of 4 KiB pages, 8 MiB of 16 KiB ones.
 */
#define SWING_TREE_SHIFT	9
#define SWING_TREE_LEAF_PAGES	(1UL << SWING_TREE_SHIFT)

struct page *swing_tree_lookup(const struct swing_tree *t, pgoff_t idx);
struct page *const *swing_tree_leaf(const struct swing_tree *t, pgoff_t idx);
bool swing_tree_page_private(const struct swing_tree *t, pgoff_t idx,
			     const struct page *page);
bool swing_tree_exclusive(const struct swing_tree *t, struct page *page);
bool swing_tree_reuse(struct swing_tree *t, struct page *page, int held);
void swing_tree_keep_exclusive(struct swing_tree *t, pgoff_t idx);
struct page *swing_tree_make_private(struct swing_tree *t, pgoff_t idx,
				     const struct page *held,
				     struct page **replaced);

/*
 * Pages @t holds that are not exclusive to it: shared with another tree, or
 * shared since the tree's last sharing and not written since.  Racy reads
 * of two counters: clamped, as they may cross.
 */
static inline unsigned long swing_tree_shared(const struct swing_tree *t)
{
	long exclusive = atomic_long_read(&t->exclusive);

	return max(atomic_long_read(&t->resident) - exclusive, 0L);
}

int swing_tree_cache_init(void);
void swing_tree_cache_exit(void);

/* Module-wide totals, read through sysfs. */
extern atomic_long_t swing_nr_pages;
extern atomic_long_t swing_nr_nodes;
extern atomic_long_t swing_nr_cow_copies;
/* Sums over all trees of their resident and of their exclusive pages. */
extern atomic_long_t swing_nr_resident;
extern atomic_long_t swing_nr_exclusive;

#endif /* _SWING_TREE_H */

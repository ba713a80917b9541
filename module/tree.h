/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SWING_TREE_H
#define _SWING_TREE_H

#include <linux/mm_types.h>
#include <linux/types.h>

struct swing_node;

/*
 * The pages of one area: a copy-on-write radix tree of 512-slot nodes, like
 * a page table.  A snapshot shares the root (one reference, O(1)); a write
 * copies only the nodes on its path that are shared.  Leaves hold page
 * pointers; a page may be held by several leaves, and counts them in
 * page->private (the page is ours: never in the page cache, never on the LRU,
 * so nothing else reads that field).
 *
 * A node whose refcount is above one, and everything below it, is immutable.
 * A page is private to an area when every node on its path has one
 * reference and the page is held by one leaf.
 *
 * Locking: the caller serialises all calls on one tree with the owning
 * area's rwsem (lookups shared, everything else exclusive).  Nodes and pages
 * shared between trees are only ever touched through atomic counters.
 */
struct swing_tree {
	struct swing_node *root;
	unsigned int height;	/* levels, leaves are level 1 */
	pgoff_t npages;
};

int swing_tree_init(struct swing_tree *t, pgoff_t npages);
void swing_tree_share(struct swing_tree *dst, const struct swing_tree *src);
void swing_tree_destroy(struct swing_tree *t);

#define SWING_TREE_LEAF_PAGES	512

struct page *swing_tree_lookup(const struct swing_tree *t, pgoff_t idx);
struct page *const *swing_tree_leaf(const struct swing_tree *t, pgoff_t idx);
bool swing_tree_page_private(const struct swing_tree *t, pgoff_t idx,
			     const struct page *page);
void swing_tree_count(const struct swing_tree *t, unsigned long *resident,
		      unsigned long *shared);
struct page *swing_tree_make_private(struct swing_tree *t, pgoff_t idx,
				     struct page **replaced);

int swing_tree_cache_init(void);
void swing_tree_cache_exit(void);

/* Module-wide totals, read through sysfs. */
extern atomic_long_t swing_nr_pages;
extern atomic_long_t swing_nr_nodes;
extern atomic_long_t swing_nr_cow_copies;

#endif /* _SWING_TREE_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copy-on-write radix tree of page pointers: the store behind every area.
 * See tree.h for the sharing rules and the locking contract.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/refcount.h>
#include <linux/slab.h>

#include "tree.h"

#define SWING_TREE_SHIFT	9
#define SWING_TREE_SLOTS	(1UL << SWING_TREE_SHIFT)
static_assert(SWING_TREE_SLOTS == SWING_TREE_LEAF_PAGES);
#define SWING_TREE_MASK		(SWING_TREE_SLOTS - 1)

struct swing_node {
	refcount_t ref;		/* parents (or tree roots) that point here */
	void *slot[SWING_TREE_SLOTS];	/* child nodes, or pages in a leaf */
};

atomic_long_t swing_nr_pages = ATOMIC_LONG_INIT(0);
atomic_long_t swing_nr_nodes = ATOMIC_LONG_INIT(0);
atomic_long_t swing_nr_cow_copies = ATOMIC_LONG_INIT(0);

static struct kmem_cache *swing_node_cache;

/* How many leaf slots hold this page.  Only touched atomically. */
static atomic_long_t *page_leaves(const struct page *page)
{
	return (atomic_long_t *)&page->private;
}

static unsigned int slot_of(pgoff_t idx, unsigned int level)
{
	return (idx >> ((level - 1) * SWING_TREE_SHIFT)) & SWING_TREE_MASK;
}

/* A page for one leaf; zeroed for a hole, not for a copy it will receive. */
static struct page *page_alloc(gfp_t zero)
{
	struct page *page;

	page = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT | zero);
	if (!page)
		return NULL;
	atomic_long_set(page_leaves(page), 1);
	atomic_long_inc(&swing_nr_pages);
	return page;
}

/* Drop one leaf's hold on @page; the last one frees it. */
static void page_unshare(struct page *page)
{
	if (!atomic_long_dec_and_test(page_leaves(page)))
		return;
	set_page_private(page, 0);
	put_page(page);	/* PTEs still mapping it hold their own references */
	atomic_long_dec(&swing_nr_pages);
}

static struct swing_node *node_alloc(void)
{
	struct swing_node *node;

	node = kmem_cache_zalloc(swing_node_cache, GFP_KERNEL_ACCOUNT);
	if (!node)
		return NULL;
	refcount_set(&node->ref, 1);
	atomic_long_inc(&swing_nr_nodes);
	return node;
}

static void node_put(struct swing_node *node, unsigned int level)
{
	unsigned long i;

	if (!refcount_dec_and_test(&node->ref))
		return;
	for (i = 0; i < SWING_TREE_SLOTS; i++) {
		if (!node->slot[i])
			continue;
		if (level > 1)
			node_put(node->slot[i], level - 1);
		else
			page_unshare(node->slot[i]);
	}
	kmem_cache_free(swing_node_cache, node);
	atomic_long_dec(&swing_nr_nodes);
}

/* A private copy of a shared node; the copy's children gain one holder. */
static struct swing_node *node_copy(struct swing_node *old, unsigned int level)
{
	struct swing_node *node;
	unsigned long i;

	node = node_alloc();
	if (!node)
		return NULL;
	for (i = 0; i < SWING_TREE_SLOTS; i++) {
		void *child = old->slot[i];

		if (!child)
			continue;
		if (level > 1)
			refcount_inc(&((struct swing_node *)child)->ref);
		else
			atomic_long_inc(page_leaves(child));
		node->slot[i] = child;
	}
	node_put(old, level);
	return node;
}

/* Is @node ours alone?  Pairs with the release in another tree's node_put. */
static bool node_private(const struct swing_node *node)
{
	bool ret = refcount_read(&node->ref) == 1;

	/*
	 * Seeing the last other holder gone must also show the references
	 * it took on this node's children when it copied it (node_copy
	 * increments them before its node_put, a release).
	 */
	smp_rmb();
	return ret;
}

int swing_tree_init(struct swing_tree *t, pgoff_t npages)
{
	unsigned int height = 1;

	while (height * SWING_TREE_SHIFT < BITS_PER_LONG &&
	       (npages - 1) >> (height * SWING_TREE_SHIFT))
		height++;
	t->root = node_alloc();
	if (!t->root)
		return -ENOMEM;
	t->height = height;
	t->npages = npages;
	return 0;
}

/* The O(1) snapshot: @dst shares @src's whole tree. */
void swing_tree_share(struct swing_tree *dst, const struct swing_tree *src)
{
	refcount_inc(&src->root->ref);
	*dst = *src;
}

void swing_tree_destroy(struct swing_tree *t)
{
	if (t->root)
		node_put(t->root, t->height);
	t->root = NULL;
}


/*
 * The leaf slots holding pages [@idx & ~511, (@idx | 511) + 1), or NULL if
 * that leaf does not exist.  Valid while the caller holds the tree's lock.
 */
struct page *const *swing_tree_leaf(const struct swing_tree *t, pgoff_t idx)
{
	const struct swing_node *node = t->root;
	unsigned int level;

	for (level = t->height; level > 1; level--) {
		node = node->slot[slot_of(idx, level)];
		if (!node)
			return NULL;
	}
	return (struct page *const *)node->slot;
}

static void node_count(const struct swing_node *node, unsigned int level,
		       bool shared, unsigned long *resident,
		       unsigned long *nshared)
{
	unsigned long i;

	shared = shared || refcount_read(&node->ref) > 1;
	for (i = 0; i < SWING_TREE_SLOTS; i++) {
		void *child = node->slot[i];

		if (!child)
			continue;
		if (level > 1) {
			node_count(child, level - 1, shared, resident, nshared);
			continue;
		}
		(*resident)++;
		if (shared || atomic_long_read(page_leaves(child)) > 1)
			(*nshared)++;
	}
}

/*
 * Pages the tree holds, and how many of them it shares with another tree.
 * O(pages): for introspection only.
 */
void swing_tree_count(const struct swing_tree *t, unsigned long *resident,
		      unsigned long *shared)
{
	*resident = 0;
	*shared = 0;
	if (t->root)
		node_count(t->root, t->height, false, resident, shared);
}

struct page *swing_tree_lookup(const struct swing_tree *t, pgoff_t idx)
{
	struct page *const *leaf = swing_tree_leaf(t, idx);

	return leaf ? leaf[slot_of(idx, 1)] : NULL;
}

/* May this tree's owner write @page at @idx in place? */
bool swing_tree_page_private(const struct swing_tree *t, pgoff_t idx,
			     const struct page *page)
{
	const struct swing_node *node = t->root;
	unsigned int level;

	for (level = t->height; level > 1; level--) {
		if (!node_private(node))
			return false;
		node = node->slot[slot_of(idx, level)];
		if (!node)
			return false;
	}
	return node_private(node) && node->slot[slot_of(idx, 1)] == page &&
	       atomic_long_read(page_leaves(page)) == 1;
}

/*
 * Make the page at @idx private to this tree: copy the shared nodes on its
 * path, allocate a zeroed page for a hole, copy a page other leaves hold.
 * On a copy, *@replaced is the page that was there, locked and referenced:
 * the caller removes its PTEs, then unlocks and puts it (the truncate
 * order: a .fault that returned it locked has finished mapping it).
 * Returns the private page, or NULL when out of memory.
 */
struct page *swing_tree_make_private(struct swing_tree *t, pgoff_t idx,
				     struct page **replaced)
{
	struct swing_node **parent = &t->root;
	struct swing_node *node;
	struct page *old, *page;
	unsigned int level;
	void **slot;

	*replaced = NULL;
	for (level = t->height; ; level--) {
		node = *parent;
		if (!node) {
			node = node_alloc();
			if (!node)
				return NULL;
			*parent = node;
		} else if (!node_private(node)) {
			node = node_copy(node, level);
			if (!node)
				return NULL;
			*parent = node;
		}
		slot = &node->slot[slot_of(idx, level)];
		if (level == 1)
			break;
		parent = (struct swing_node **)slot;
	}

	old = *slot;
	if (!old) {
		page = page_alloc(__GFP_ZERO);
		*slot = page;
		return page;
	}
	if (atomic_long_read(page_leaves(old)) == 1)
		return old;

	page = page_alloc(0);
	if (!page)
		return NULL;
	copy_highpage(page, old);
	get_page(old);
	lock_page(old);
	*slot = page;
	page_unshare(old);	/* other leaves still hold it: never the last */
	atomic_long_inc(&swing_nr_cow_copies);
	*replaced = old;
	return page;
}

int swing_tree_cache_init(void)
{
	swing_node_cache = kmem_cache_create("swing_node",
					     sizeof(struct swing_node), 0,
					     SLAB_ACCOUNT, NULL);
	return swing_node_cache ? 0 : -ENOMEM;
}

void swing_tree_cache_exit(void)
{
	kmem_cache_destroy(swing_node_cache);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copy-on-write radix tree of page pointers: the store behind every area.
 * See tree.h for the sharing rules and the locking contract.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "compat.h"
#include "tree.h"

/*
 * A node's size follows its slot count (tree.h), not PAGE_SIZE: it is
 * allocated from swing_node_cache, sized by this struct.
 */
#define SWING_TREE_SLOTS	SWING_TREE_LEAF_PAGES
#define SWING_TREE_MASK		(SWING_TREE_SLOTS - 1)

struct swing_node {
	refcount_t ref;		/* parents (or tree roots) that point here */
	void *slot[SWING_TREE_SLOTS];	/* child nodes, or pages in a leaf */
};

atomic_long_t swing_nr_pages = ATOMIC_LONG_INIT(0);
atomic_long_t swing_nr_nodes = ATOMIC_LONG_INIT(0);
atomic_long_t swing_nr_cow_copies = ATOMIC_LONG_INIT(0);
atomic_long_t swing_nr_resident = ATOMIC_LONG_INIT(0);
atomic_long_t swing_nr_exclusive = ATOMIC_LONG_INIT(0);

/*
 * Bumped by every sharing of a tree; 64 bits never wrap.  A tree's
 * share_seq and the stamps of the pages it makes (page->index) are written
 * under the owning area's lock held for writing and read under it, shared
 * at least: no barrier of their own.  atomic64_inc_return() is one chain
 * of updates, so a sharing after another gets a larger number; a page made
 * after a sharing has a stamp at least that sharing's sequence.
 */
static atomic64_t swing_share_seq = ATOMIC64_INIT(0);
static_assert(sizeof(pgoff_t) >= sizeof(u64));

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

/* The share sequence a page was made (or last found exclusive) at. */
static u64 page_stamp(const struct page *page)
{
	return page->index;
}

/* @page, in @t alone, is exclusive to it from now on. */
static void page_make_exclusive(struct swing_tree *t, struct page *page)
{
	page->index = t->share_seq;
	atomic_long_inc(&t->exclusive);
	atomic_long_inc(&swing_nr_exclusive);
}

/* A page for one leaf; zeroed for a hole, not for a copy it will receive. */
static struct page *page_alloc(gfp_t zero)
{
	struct page *page;

	page = alloc_page(GFP_HIGHUSER | SWING_GFP_ACCOUNT | zero);
	if (!page)
		return NULL;
	atomic_long_set(page_leaves(page), 1);
	atomic_long_inc(&swing_nr_pages);
	return page;
}

/*
 * A page's contents, zeroed by the allocator or copied, before any store
 * that can make it reachable: the leaf slot, then the PTE the core or
 * vm_insert_page() sets (arm64's set_pte_at() orders nothing for a user
 * PTE).  As __SetPageUptodate() in do_anonymous_page() and wp_page_copy();
 * the readers (the MMU walk, GUP-fast, a lookup) depend on the address.
 * flush_dcache_page() as after the core's copy_user_highpage(): a no-op
 * where the data cache does not alias, and areas are never executable.
 */
static void page_publish(struct page *page)
{
	flush_dcache_page(page);
	smp_wmb();
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
	/*
	 * Freeing a 64 GiB tree puts 16M pages (4M of 16 KiB): let others
	 * run meanwhile.
	 */
	cond_resched();
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
	 * increments them before its node_put, a release); and our later
	 * stores into this node cannot precede the other holder's loads of
	 * it (arm64: dmb ishld orders loads against later loads and stores;
	 * in the LKMM, the caller's control dependency does).
	 */
	smp_rmb();
	return ret;
}

/* @t is zeroed (a new area's); it holds no page yet. */
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

/*
 * The O(1) snapshot: @dst (zeroed) shares @src's whole tree, and no page of
 * either is exclusive any more: one sequence number marks them all.
 */
void swing_tree_share(struct swing_tree *dst, struct swing_tree *src)
{
	long resident = atomic_long_read(&src->resident);
	u64 seq = atomic64_inc_return(&swing_share_seq);

	refcount_inc(&src->root->ref);
	dst->root = src->root;
	dst->height = src->height;
	dst->npages = src->npages;
	dst->share_seq = seq;
	src->share_seq = seq;
	atomic_long_set(&dst->resident, resident);
	atomic_long_add(resident, &swing_nr_resident);
	atomic_long_sub(atomic_long_xchg(&src->exclusive, 0),
			&swing_nr_exclusive);
}

/*
 * The same from a tree nobody writes any more (a published version): @src
 * is only read, so sharings of it need no lock between them.  Its pages,
 * exclusive to nobody now, leave its exclusive count (atomically: sharings
 * may race).
 */
void swing_tree_share_frozen(struct swing_tree *dst, struct swing_tree *src)
{
	long resident = atomic_long_read(&src->resident);

	refcount_inc(&src->root->ref);
	dst->root = src->root;
	dst->height = src->height;
	dst->npages = src->npages;
	dst->share_seq = atomic64_inc_return(&swing_share_seq);
	atomic_long_set(&dst->resident, resident);
	atomic_long_add(resident, &swing_nr_resident);
	atomic_long_sub(atomic_long_xchg(&src->exclusive, 0),
			&swing_nr_exclusive);
}

/*
 * Hand @src's pages to @dst (zeroed) as they are, and leave @src empty:
 * nothing is shared, no count of the module's changes.  Neither tree may be
 * in use by anyone else.
 */
void swing_tree_move(struct swing_tree *dst, struct swing_tree *src)
{
	dst->root = src->root;
	dst->height = src->height;
	dst->npages = src->npages;
	dst->share_seq = src->share_seq;
	atomic_long_set(&dst->resident, atomic_long_xchg(&src->resident, 0));
	atomic_long_set(&dst->exclusive, atomic_long_xchg(&src->exclusive, 0));
	src->root = NULL;
}

void swing_tree_destroy(struct swing_tree *t)
{
	if (t->root)
		node_put(t->root, t->height);
	t->root = NULL;
	atomic_long_sub(atomic_long_xchg(&t->resident, 0), &swing_nr_resident);
	atomic_long_sub(atomic_long_xchg(&t->exclusive, 0),
			&swing_nr_exclusive);
}


/*
 * The SWING_TREE_LEAF_PAGES leaf slots holding the pages from
 * round_down(@idx, SWING_TREE_LEAF_PAGES) on, or NULL if that leaf does not
 * exist.  Valid while the caller holds the tree's lock.
 */
struct page *const *swing_tree_leaf(const struct swing_tree *t, pgoff_t idx)
{
	const struct swing_node *node = t->root;
	unsigned int level;

	if (!node)	/* destroyed: its area was given away */
		return NULL;

	for (level = t->height; level > 1; level--) {
		node = node->slot[slot_of(idx, level)];
		if (!node)
			return NULL;
	}
	return (struct page *const *)node->slot;
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
 * May @page, private to @t (swing_tree_page_private()), be written in
 * place?  If it is exclusive, always: no other tree has held it, so every
 * reference to it is its owner's doing (its own O_DIRECT, its own
 * vmsplice), as for an exclusive anonymous page.  Otherwise only if every
 * reference is accounted for: the tree's, the faulting PTE's if any, and
 * @held that the caller took; anything more may be a pipe or an I/O that got the page
 * while another tree held it, and must keep seeing it as it is.  Racing
 * speculative references only cost a copy.  The caller holds @page locked
 * (the decision and the write notification it precedes are one step for
 * anyone else who locks it) and @t's lock: for writing, unless @page is
 * exclusive (swing_tree_exclusive() is the shared-lock test).
 *
 * A non-exclusive page is decided under @t's lock held for writing only
 * (swing_tree_make_private()): then no PTE of it can be made (read faults
 * and the write fault's own install are excluded), but one can still go
 * (the owner's MADV_DONTNEED under its mmap lock shared), which drops
 * mapcount, then, after the TLB flush, the PTE's reference.  Reading the
 * count first and mapcount after (smp_rmb()) can then only see the
 * reference with or without its mapcount, which refuses; never the
 * mapcount without the reference, which would hide an outside one behind
 * it.
 */
bool swing_tree_exclusive(const struct swing_tree *t, struct page *page)
{
	return page_stamp(page) >= t->share_seq;
}

bool swing_tree_reuse(struct swing_tree *t, struct page *page, int held)
{
	int mapped, count;

	if (swing_tree_exclusive(t, page))
		return true;
	/* The caller's leaves == 1 before the count: pairs with page_unshare(). */
	smp_rmb();
	count = page_count(page);
	smp_rmb();	/* pairs with the zap's mapcount drop before its put */
	mapped = swing_page_mapcount(page);
	/* At most the faulting PTE: another is stale, or a racing reader's. */
	if (mapped > held || count > 1 + mapped + held)
		return false;
	page_make_exclusive(t, page);
	return true;
}

/*
 * The page at @idx stayed behind for @t alone at a sharing (a snapshot
 * got its own copy of it, because outside references to it may write it):
 * it is exclusive again.  Caller holds @t's lock for writing.
 */
void swing_tree_keep_exclusive(struct swing_tree *t, pgoff_t idx)
{
	struct page *page = swing_tree_lookup(t, idx);

	if (page && page_stamp(page) < t->share_seq &&
	    swing_tree_page_private(t, idx, page))
		page_make_exclusive(t, page);
}

/*
 * Make the page at @idx private to this tree, and writable in place: copy
 * the shared nodes on its path, allocate a zeroed page for a hole, copy a
 * page other leaves hold or that swing_tree_reuse() refuses (@held: a page
 * the caller holds a reference to, as for swing_tree_reuse()).  On a copy,
 * *@replaced is the page that was there, locked and referenced: the caller
 * removes its PTEs, then unlocks and puts it (the truncate order: a .fault
 * that returned it locked has finished mapping it).  Returns the private
 * page, ERR_PTR(-ENOMEM), or ERR_PTR(-EHWPOISON) when the page to copy is
 * poisoned.  Caller holds the tree's lock for writing.
 */
struct page *swing_tree_make_private(struct swing_tree *t, pgoff_t idx,
				     const struct page *held,
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
				return ERR_PTR(-ENOMEM);
			*parent = node;
		} else if (!node_private(node)) {
			node = node_copy(node, level);
			if (!node)
				return ERR_PTR(-ENOMEM);
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
		if (!page)
			return ERR_PTR(-ENOMEM);
		page_publish(page);
		*slot = page;
		page_make_exclusive(t, page);
		atomic_long_inc(&t->resident);
		atomic_long_inc(&swing_nr_resident);
		return page;
	}
	lock_page(old);
	if (atomic_long_read(page_leaves(old)) == 1 &&
	    swing_tree_reuse(t, old, old == held)) {
		unlock_page(old);
		return old;
	}
	if (PageHWPoison(old)) {
		unlock_page(old);
		return ERR_PTR(-EHWPOISON);
	}
	page = page_alloc(0);
	if (!page) {
		unlock_page(old);
		return ERR_PTR(-ENOMEM);
	}
	if (swing_copy_page(page, old)) {	/* poisoned after all */
		unlock_page(old);
		page_unshare(page);
		return ERR_PTR(-EHWPOISON);
	}
	get_page(old);
	page_publish(page);
	*slot = page;
	page_make_exclusive(t, page);
	/*
	 * Out of this tree.  If it was its last leaf (a page with outside
	 * references), those keep it; our own goes with the caller's put.
	 */
	page_unshare(old);
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

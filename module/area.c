// SPDX-License-Identifier: GPL-2.0-only
/*
 * Areas: creation, snapshot (hook), the token table, ownership and release.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/nsproxy.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "area.h"
#include "compat.h"

#define SWINGFS_MAGIC	0x5357494e	/* "SWIN" */

DEFINE_MUTEX(swing_table_lock);
atomic_long_t swing_nr_areas = ATOMIC_LONG_INIT(0);

/* Every published area, whatever its namespace: for the totals. */
LIST_HEAD(swing_all_areas);

/*
 * Tokens are per IPC namespace, as SysV IPC ids are: a process sees and
 * hooks only the areas of its own namespace, and a container's first area
 * gets token 1.  A namespace gets a table with its first token.  The table
 * holds a reference on the namespace, so that no other namespace can have
 * its address while the table lives; it stays when its last token goes, so
 * that tokens keep being allocated cyclically, until it is empty and that
 * reference is the namespace's last (nobody can enter it any more): then
 * the next table made, or module unload, frees it.  Lookups only look.
 */
struct swing_ns {
	struct ipc_namespace *ipc_ns;
	struct idr tokens;	/* a NULL entry reserves a token */
	unsigned int nr;	/* tokens, reserved or not */
	struct list_head node;	/* swing_nss */
};

static LIST_HEAD(swing_nss);

static void ns_free_locked(struct swing_ns *ns)
{
	list_del(&ns->node);
	idr_destroy(&ns->tokens);
	swing_put_ipc_ns(ns->ipc_ns);
	kfree(ns);
}

/* The table of @ipc_ns, or NULL. */
static struct swing_ns *ns_find_locked(struct ipc_namespace *ipc_ns)
{
	struct swing_ns *ns;

	lockdep_assert_held(&swing_table_lock);
	list_for_each_entry(ns, &swing_nss, node)
		if (ns->ipc_ns == ipc_ns)
			return ns;
	return NULL;
}

/*
 * The caller's table, made if need be, with one more token to count; on
 * the way, the tables of namespaces nobody can enter any more go.
 */
static struct swing_ns *ns_get_locked(void)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct swing_ns *ns, *next, *found = NULL;

	lockdep_assert_held(&swing_table_lock);
	list_for_each_entry_safe(ns, next, &swing_nss, node) {
		if (ns->ipc_ns == ipc_ns)
			found = ns;
		else if (!ns->nr && swing_ipc_ns_unused(ns->ipc_ns))
			ns_free_locked(ns);
	}
	ns = found;
	if (!ns) {
		ns = kzalloc(sizeof(*ns), GFP_KERNEL_ACCOUNT);
		if (!ns)
			return NULL;
		ns->ipc_ns = get_ipc_ns(ipc_ns);
		idr_init(&ns->tokens);
		list_add(&ns->node, &swing_nss);
	}
	ns->nr++;
	return ns;
}

static void ns_put_locked(struct swing_ns *ns)
{
	ns->nr--;
}

/*
 * Each area gets an inode of its own on this internal mount, so that its
 * address_space reaches exactly the PTEs that map that area.
 */
static struct vfsmount *swing_mnt;

/* Name an area's mapping "swing:[TOKEN]" in /proc/PID/maps. */
static char *swing_dname(struct dentry *dentry, char *buf, int buflen)
{
	int len = dentry->d_name.len + 1;

	if (len > buflen)
		return ERR_PTR(-ENAMETOOLONG);
	memcpy(buf + buflen - len, dentry->d_name.name, len);
	return buf + buflen - len;
}

static const struct dentry_operations swing_dops = {
	.d_dname = swing_dname,
};

static int swing_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, SWINGFS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->dops = &swing_dops;
	/*
	 * Areas hold data, never code: no PROT_EXEC (mmap, mprotect, nor
	 * READ_IMPLIES_EXEC), so no instruction cache to keep coherent with
	 * the pages the kernel writes.
	 */
	fc->s_iflags |= SB_I_NOEXEC;
	return 0;
}

static struct file_system_type swing_fs_type = {
	.name = "swing",
	.init_fs_context = swing_init_fs_context,
	.kill_sb = kill_anon_super,
};

int swing_fs_init(void)
{
	swing_mnt = kern_mount(&swing_fs_type);
	return PTR_ERR_OR_ZERO(swing_mnt);
}

void swing_fs_exit(void)
{
	struct swing_ns *ns, *next;

	kern_unmount(swing_mnt);
	/* No area is left (each holds the module): every table is empty. */
	mutex_lock(&swing_table_lock);
	list_for_each_entry_safe(ns, next, &swing_nss, node)
		ns_free_locked(ns);
	mutex_unlock(&swing_table_lock);
}

/*
 * The last reference: no token, no file, no mapping is left.  Only now is
 * the creator's limit uncharged, however the area was released (closing
 * /dev/swing leaves mappings that keep the tree alive).  Never called with
 * swing_table_lock held.
 */
static void area_free(struct kref *kref)
{
	struct swing_area *area = container_of(kref, struct swing_area, kref);

	mutex_lock(&swing_table_lock);
	if (area->charged)
		swing_user_uncharge(area);
	mutex_unlock(&swing_table_lock);
	if (area->kind == SWING_KIND_QUEUE)
		swing_queue_free(area);
	swing_published_put(area->version);
	swing_notify_put(area->notify);
	swing_tree_destroy(&area->tree);
	swing_perm_destroy(area);
	kvfree(area->dirty);
	mmdrop(area->mm);
	put_pid(area->owner);
	kfree(area);
	atomic_long_dec(&swing_nr_areas);
}

void swing_area_put(struct swing_area *area)
{
	kref_put(&area->kref, area_free);
}

struct swing_area *swing_area_get(int token)
{
	struct swing_area *area;
	struct swing_ns *ns;

	if (token <= 0)
		return ERR_PTR(-EINVAL);
	mutex_lock(&swing_table_lock);
	ns = ns_find_locked(current->nsproxy->ipc_ns);
	area = ns ? idr_find(&ns->tokens, token) : NULL;
	if (area)
		kref_get(&area->kref);
	mutex_unlock(&swing_table_lock);
	return area ? area : ERR_PTR(-ENOENT);
}

/*
 * The published area of @ipc_ns with the smallest token >= *@token; table
 * locked.
 */
struct swing_area *swing_area_next_locked(struct ipc_namespace *ipc_ns,
					  int *token)
{
	struct swing_ns *ns = ns_find_locked(ipc_ns);

	/* idr_get_next() skips reservations: their entries are NULL. */
	return ns ? idr_get_next(&ns->tokens, token) : NULL;
}

bool swing_area_owned(const struct swing_area *area)
{
	return area->owner == task_tgid(current);
}

/*
 * The returned area holds one reference: the caller's, until published.
 * It has no tree yet: the caller makes one, shares or moves one in.
 */
struct swing_area *swing_area_alloc(enum swing_kind kind, pgoff_t npages,
				    int src_token)
{
	struct swing_area *area;

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return NULL;
	area->notify = swing_notify_alloc(0);
	if (!area->notify) {
		kfree(area);
		return NULL;
	}
	kref_init(&area->kref);
	area->kind = kind;
	init_rwsem(&area->lock);
	INIT_LIST_HEAD(&area->session_node);
	INIT_LIST_HEAD(&area->all_node);
	area->npages = npages;
	area->src_token = src_token;
	area->mm = current->mm;
	mmgrab(area->mm);
	area->owner = get_pid(task_tgid(current));
	swing_perm_init(area);
	area->ctime = ktime_get_real_seconds();
	atomic_long_inc(&swing_nr_areas);
	return area;
}

/* Caller holds @area->lock for writing. */
int swing_area_alloc_dirty(struct swing_area *area)
{
	unsigned long pages = BITS_TO_LONGS(area->npages);
	unsigned long chunks = BITS_TO_LONGS(DIV_ROUND_UP(area->npages,
						  SWING_TREE_LEAF_PAGES));

	if (area->dirty)
		return 0;
	area->dirty = kvcalloc(pages + chunks, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!area->dirty)
		return -ENOMEM;
	area->dirty_chunks = area->dirty + pages;
	return 0;
}

/* The end of dirty chunk @chunk's pages. */
static unsigned long chunk_end(const struct swing_area *area,
			       unsigned long chunk)
{
	return min_t(unsigned long, (chunk + 1) * SWING_TREE_LEAF_PAGES,
		     area->npages);
}

/*
 * The first page from @idx on that is marked dirty, or npages, found
 * through the marked chunks: the cost follows the pages marked, not the
 * area's size.  Faults kept out.
 */
static unsigned long next_dirty(const struct swing_area *area,
				unsigned long idx)
{
	unsigned long nchunks = DIV_ROUND_UP(area->npages,
					     SWING_TREE_LEAF_PAGES);
	unsigned long chunk = idx / SWING_TREE_LEAF_PAGES, found;

	while ((chunk = find_next_bit(area->dirty_chunks, nchunks, chunk)) <
	       nchunks) {
		found = find_next_bit(area->dirty, chunk_end(area, chunk),
				      max(idx, chunk * SWING_TREE_LEAF_PAGES));
		if (found < chunk_end(area, chunk))
			return found;
		chunk++;
	}
	return area->npages;
}

/* The file whose mapping is the area's; it holds a reference on the area. */
static struct file *area_file(struct swing_area *area)
{
	char name[32];
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(swing_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	snprintf(name, sizeof(name), "swing:[%d]", area->token);
	file = alloc_file_pseudo(inode, swing_mnt, name, O_RDWR,
				 &swing_area_fops);
	if (IS_ERR(file)) {
		iput(inode);
		return file;
	}
	/* __fput() drops a module reference for f_op->owner; take it. */
	__module_get(THIS_MODULE);
	kref_get(&area->kref);
	file->private_data = area;
	return file;
}

/*
 * Give @area a token, a file and a mapping in the caller, then publish it.
 * On failure everything but the caller's reference is undone.
 */
int swing_area_install(struct swing_area *area, struct swing_session *session,
		       unsigned long *addrp)
{
	struct swing_ns *ns;
	struct file *file;
	unsigned long addr;
	int token, ret;

	mutex_lock(&swing_table_lock);
	ns = ns_get_locked();
	if (!ns) {
		mutex_unlock(&swing_table_lock);
		return -ENOMEM;
	}
	ret = swing_user_charge(area);
	if (ret)
		goto err_ns;
	area->charged = true;	/* until area_free() */
	token = idr_alloc_cyclic(&ns->tokens, NULL, 1, 0, GFP_KERNEL);
	if (token < 0) {
		ret = token == -ENOSPC ? -ENFILE : token;
		goto err_ns;
	}
	area->ns = ns;
	mutex_unlock(&swing_table_lock);
	area->token = token;

	if (area->kind == SWING_KIND_QUEUE) {	/* nothing to map */
		addr = 0;
		goto publish;
	}
	file = area_file(area);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_token;
	}
	area->file = file;
	area->mapping = file->f_mapping;

	addr = vm_mmap(file, 0, area->npages << PAGE_SHIFT,
		       PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		goto err_file;
	}

publish:
	mutex_lock(&swing_table_lock);
	kref_get(&area->kref);	/* the table's */
	idr_replace(&ns->tokens, area, token);
	area->session = session;
	list_add_tail(&area->session_node, &session->areas);
	list_add_tail(&area->all_node, &swing_all_areas);
	mutex_unlock(&swing_table_lock);
	*addrp = addr;
	return 0;

err_file:
	area->file = NULL;
	fput(file);
err_token:
	mutex_lock(&swing_table_lock);
	idr_remove(&ns->tokens, token);
	area->ns = NULL;
err_ns:
	ns_put_locked(ns);
	mutex_unlock(&swing_table_lock);
	return ret;
}

struct swing_area *swing_area_create(struct swing_session *session,
				     size_t length, unsigned long *addr)
{
	struct swing_area *area;
	int ret;

	area = swing_area_alloc(SWING_KIND_AREA, DIV_ROUND_UP(length, PAGE_SIZE),
				0);
	if (!area)
		return ERR_PTR(-ENOMEM);
	ret = swing_tree_init(&area->tree, area->npages);
	if (!ret)
		ret = swing_area_install(area, session, addr);
	if (ret) {
		swing_area_put(area);
		return ERR_PTR(ret);
	}
	return area;
}

/*
 * Keep every fault of @area out.  They all run in its owner's mm under the
 * mmap lock (cow.c), so with it held for writing no PTE of the area changes
 * and no write fault is half done (decided a page is private but not yet
 * mapped it).  *@live is false when the mm is gone: no faults to exclude.
 */
int swing_area_lock_faults(struct swing_area *area, bool *live)
{
	*live = mmget_not_zero(area->mm);
	if (*live && mmap_write_lock_killable(area->mm)) {
		mmput(area->mm);
		return -EINTR;
	}
	return 0;
}

void swing_area_unlock_faults(struct swing_area *area, bool live)
{
	if (live) {
		mmap_write_unlock(area->mm);
		mmput(area->mm);
	}
}

/*
 * What changes an area's tree outside its faults holds both: its faults
 * locked out and its lock for writing.  -ENOENT, holding nothing, once the
 * area is released.
 */
int swing_area_lock_write(struct swing_area *area, bool *live)
{
	int ret = swing_area_lock_faults(area, live);

	if (ret)
		return ret;
	down_write(&area->lock);
	if (area->released) {
		swing_area_unlock_write(area, *live);
		return -ENOENT;
	}
	return 0;
}

void swing_area_unlock_write(struct swing_area *area, bool live)
{
	up_write(&area->lock);
	swing_area_unlock_faults(area, live);
}

/*
 * May @page, which the area holds alone and no PTE maps any more, still
 * change?  Only through a reference from outside the tree (whose own is
 * the one expected): a DMA pin, or a plain FOLL_GET reference that cannot
 * be told from a pin (block O_DIRECT before 6.5, NFS and FUSE direct I/O,
 * the owner's vmsplice()).  folio_maybe_dma_pinned() alone misses those.
 */
static bool page_referenced_outside(struct page *page)
{
	return page_count(page) > 1;
}

/*
 * Remove the PTEs of the pages marked dirty, so that the next write to one
 * faults, and forget the mark unless the page is referenced from outside:
 * a device may write such a page whatever its PTEs say, so it stays marked
 * and every snapshot gets a copy of it (fork's rule for pinned pages,
 * copy_present_pte()).  The cost is that of the pages written since the
 * last call, not of the area.
 * Caller: swing_area_lock_faults() and @area->lock held for writing.  Faults, the
 * only setters of dirty bits, are kept out: plain bit operations suffice.
 */
static void area_write_protect(struct swing_area *area)
{
	unsigned long chunk, start, end, lim, i, kept;
	struct page *const *leaf;
	struct page *page;

	if (!atomic_long_read(&area->nr_dirty))
		return;
	for_each_set_bit(chunk, area->dirty_chunks,
			 DIV_ROUND_UP(area->npages, SWING_TREE_LEAF_PAGES)) {
		/* A chunk is one leaf's pages: one lookup for all of them. */
		lim = chunk_end(area, chunk);
		start = find_next_bit(area->dirty, lim,
				      chunk * SWING_TREE_LEAF_PAGES);
		leaf = start < lim ? swing_tree_leaf(&area->tree, start) : NULL;
		kept = 0;
		while (start < lim) {
			end = find_next_zero_bit(area->dirty, lim, start);
			swing_unmap_mapping_pages(area->mapping, start,
						  end - start, false);
			/*
			 * PTEs cleared (arm64: a relaxed xchg) before page
			 * counts are read.  Pairs with GUP-fast's full
			 * barrier between taking its reference and re-reading
			 * the PTE (try_grab_folio() or try_get_folio(), then
			 * the PTE recheck): either it sees the PTE gone and
			 * drops its reference, or we see it.  The unmap has
			 * flushed the TLB too (arm64: TLBI, then DSB ISH), so
			 * no CPU still writes through an old writable entry.
			 */
			smp_mb();
			for (i = start; i < end; i++) {
				page = leaf ? leaf[i % SWING_TREE_LEAF_PAGES] :
					      NULL;
				if (page && page_referenced_outside(page)) {
					kept++;
					continue;
				}
				__clear_bit(i, area->dirty);
				atomic_long_dec(&area->nr_dirty);
			}
			start = find_next_bit(area->dirty, lim, end);
		}
		if (!kept)
			__clear_bit(chunk, area->dirty_chunks);
		cond_resched();
	}
}

/*
 * @dst, a fresh snapshot of @src, gets its own copy of each page that is
 * referenced from outside (still marked dirty).
 */
static int area_copy_pinned(struct swing_tree *dst, struct swing_area *src)
{
	struct page *page, *old;
	unsigned long idx;

	if (!atomic_long_read(&src->nr_dirty))
		return 0;
	for (idx = next_dirty(src, 0); idx < src->npages;
	     idx = next_dirty(src, idx + 1)) {
		page = swing_tree_make_private(dst, idx, NULL, &old);
		if (IS_ERR(page))
			return PTR_ERR(page) == -EHWPOISON ? -EIO : PTR_ERR(page);
		if (old) {	/* @dst is not mapped yet: no PTE to remove */
			unlock_page(old);
			put_page(old);
		}
		cond_resched();
	}
	return 0;
}

/*
 * ... and @src keeps those pages, which no other tree holds (@dst has its
 * copies, or is gone), as exclusive: its owner's I/O goes on into them.
 */
static void area_keep_pinned(struct swing_area *src)
{
	unsigned long idx;

	if (!atomic_long_read(&src->nr_dirty))
		return;
	for (idx = next_dirty(src, 0); idx < src->npages;
	     idx = next_dirty(src, idx + 1)) {
		swing_tree_keep_exclusive(&src->tree, idx);
		cond_resched();
	}
}

/*
 * Share @src's live pages with @dst (zeroed) as they are now.  With faults
 * kept out, the PTEs that could still write to @src's pages are those of
 * its dirty pages (usually removed already by enablehook or publish): then
 * sharing the root is the whole snapshot.  On failure @dst is empty.
 * Caller: swing_area_lock_faults() and @src->lock held for writing.
 */
int swing_area_share_live(struct swing_tree *dst, struct swing_area *src)
{
	int ret;

	area_write_protect(src);
	swing_tree_share(dst, &src->tree);
	ret = area_copy_pinned(dst, src);
	if (ret)	/* @src's paths to its pages are its own again */
		swing_tree_destroy(dst);
	area_keep_pinned(src);
	return ret;
}

/* Can @src be hooked now?  Caller holds @src->lock. */
static int area_hookable(struct swing_area *src)
{
	if (src->released)
		return -ENOENT;
	return src->enabled ? 0 : -EAGAIN;
}

/*
 * Snapshot @src into @dst: its latest published version if it has one,
 * which is only shared (swing_published_share(): no lock of @src's faults,
 * nothing of the owner's to wait for), else its live contents.  Disabling
 * takes @src->lock too, so a hook either sees the area enabled and
 * snapshots it whole, or fails.  *@version: the version taken, 0 for live
 * contents.
 */
static int area_snapshot(struct swing_area *dst, struct swing_area *src,
			 u64 *version)
{
	struct swing_published *ver;
	bool live;
	int ret;

	down_read(&src->lock);
	ret = area_hookable(src);
	ver = ret ? NULL : swing_published_get(src);
	up_read(&src->lock);
	if (ret)
		return ret;
	if (ver) {
		*version = swing_published_share(&dst->tree, ver);
		swing_published_put(ver);
		atomic_inc(&src->nr_hooks);
		return 0;
	}

	ret = swing_area_lock_faults(src, &live);
	if (ret)
		return ret;
	down_write(&src->lock);
	ret = area_hookable(src);
	if (!ret) {
		ver = swing_published_get(src);	/* published meanwhile? */
		if (ver)
			*version = swing_published_share(&dst->tree, ver);
		else
			ret = swing_area_share_live(&dst->tree, src);
		if (!ret)
			atomic_inc(&src->nr_hooks);
	}
	up_write(&src->lock);
	swing_area_unlock_faults(src, live);
	swing_published_put(ver);
	return ret;
}

struct swing_area *swing_area_hook(struct swing_session *session,
				   struct swing_area *src, unsigned long *addr,
				   u64 *version)
{
	struct swing_area *area;
	int ret;

	*version = 0;
	area = swing_area_alloc(SWING_KIND_AREA, src->npages, src->token);
	if (!area)
		return ERR_PTR(-ENOMEM);
	ret = area_snapshot(area, src, version);
	if (!ret)
		ret = swing_area_install(area, session, addr);
	if (ret) {
		swing_area_put(area);
		return ERR_PTR(ret);
	}
	return area;
}

/*
 * Enabling is the moment the owner says the contents are ready: remove the
 * write access it gained since the last snapshot now, so that the hooks
 * that follow only share a root.
 */
int swing_area_set_enabled(struct swing_area *area, bool enabled)
{
	bool live = false;
	int ret = 0;

	if (enabled) {
		ret = swing_area_lock_faults(area, &live);
		if (ret)
			return ret;
	}
	down_write(&area->lock);
	if (area->released) {
		ret = -ENOENT;
	} else {
		WRITE_ONCE(area->enabled, enabled);	/* /proc/swing reads it unlocked */
		if (enabled)
			area_write_protect(area);
	}
	up_write(&area->lock);
	if (enabled)
		swing_area_unlock_faults(area, live);
	return ret;
}

/* Remove every mapping of @file from the caller's address space. */
static void area_unmap_current(struct file *file)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long start, len;

	do {
		len = 0;
		mmap_read_lock(mm);
		for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end)) {
			if (vma->vm_file == file) {
				start = vma->vm_start;
				len = vma->vm_end - start;
				break;
			}
		}
		mmap_read_unlock(mm);
	} while (len && !vm_munmap(start, len));
}

/*
 * Take @area out of the token table and its session.  With @unmap (a
 * releasearea() by the owner) it also leaves the owner's address space;
 * otherwise existing mappings stay valid until they are unmapped.  Returns
 * -ENOENT if someone else released it first.
 */
int swing_area_release(struct swing_area *area, bool unmap)
{
	struct swing_published *ver;
	struct file *file;

	mutex_lock(&swing_table_lock);
	if (!area->session) {
		mutex_unlock(&swing_table_lock);
		return -ENOENT;
	}
	idr_remove(&area->ns->tokens, area->token);
	ns_put_locked(area->ns);
	area->ns = NULL;
	list_del_init(&area->session_node);
	list_del_init(&area->all_node);
	area->session = NULL;
	file = area->file;
	area->file = NULL;
	mutex_unlock(&swing_table_lock);

	down_write(&area->lock);
	area->released = true;
	WRITE_ONCE(area->enabled, false);
	ver = area->version;	/* nobody can hook it any more */
	area->version = NULL;
	up_write(&area->lock);
	swing_published_put(ver);
	if (area->kind == SWING_KIND_QUEUE)
		swing_queue_shutdown(area);	/* wakes its waiters itself */
	else
		swing_notify_gone(area->notify);

	if (file) {
		if (unmap && current->mm == area->mm)
			area_unmap_current(file);
		fput(file);
	}
	swing_area_put(area);	/* the table's */
	return 0;
}

void swing_session_release(struct swing_session *session)
{
	struct swing_area *area;

	for (;;) {
		mutex_lock(&swing_table_lock);
		area = list_first_entry_or_null(&session->areas,
						struct swing_area, session_node);
		if (area)
			kref_get(&area->kref);
		mutex_unlock(&swing_table_lock);
		if (!area)
			break;
		swing_area_release(area, false);
		swing_area_put(area);
	}
}

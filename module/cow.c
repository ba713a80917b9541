// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mapping of an area and its copy-on-write fault path.
 *
 * An area is mapped MAP_SHARED from its own pseudo file, in its owner's mm
 * only.  PTEs map our pages read-only first (the vma wants write
 * notification because .page_mkwrite exists); a write reaches .page_mkwrite,
 * which lets it through when the page is private to the area and nobody
 * outside can be holding it (swing_tree_reuse(), the kernel's rule for
 * anonymous memory since CVE-2020-29374), and otherwise replaces the page
 * with a private copy, removes the stale PTE and has the access fault
 * again onto the copy.
 *
 * A read fault maps a window of the area's pages around the address at
 * once (vm_insert_pages(), read-only like any first mapping), so reading a
 * hooked area costs one fault per window, not per page.  Like readahead,
 * the window grows while the faults follow each other and falls back to
 * a small one when they jump: a sparse reader maps little it won't read.  Every write fault
 * marks its page dirty before a PTE can become writable (area.h).
 *
 * Page lifetime: the tree holds one reference per page (tree.c); .fault and
 * vm_insert_pages() hand the core one more per PTE, kept until it is zapped.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include "area.h"
#include "compat.h"

/* Module-wide count of .fault and .page_mkwrite calls, for sysfs. */
atomic_long_t swing_nr_faults = ATOMIC_LONG_INIT(0);

static struct swing_area *vma_area(const struct vm_area_struct *vma)
{
	return vma->vm_file->private_data;
}

/*
 * Every fault of an area runs in its owner's mm, so the owner's mmap lock
 * excludes them all (area_snapshot relies on it).  Only a vma inherited
 * through MADV_DOFORK + fork() breaks that; it gets SIGBUS.
 */
static bool vma_is_owners(const struct vm_area_struct *vma)
{
	return vma->vm_mm == vma_area(vma)->mm;
}

/*
 * Make @idx private and writable in place.  PTEs at @idx are dropped when
 * they may map a page that is no longer the area's: the one just replaced,
 * or @mapped (the page the faulting PTE maps, if any, which the fault holds
 * a reference to) when the private page is another one.
 */
static struct page *make_private(struct swing_area *area, pgoff_t idx,
				 struct page *mapped)
{
	struct page *page, *old;

	page = swing_tree_make_private(&area->tree, idx, mapped, &old);
	if (IS_ERR(page))
		return page;
	if (old || (mapped && page != mapped)) {
		swing_unmap_mapping_pages(area->mapping, idx, 1, false);
		/*
		 * As in area_write_protect(): our PTE gone before @old is
		 * unlocked and its count read by the tree that keeps it
		 * (swing_tree_reuse()).  Unlock then lock orders no store
		 * before a later load on arm64; pairs with GUP-fast's full
		 * barrier between taking a reference and rechecking the PTE.
		 */
		smp_mb();
	}
	if (old) {
		unlock_page(old);
		put_page(old);
	}
	return page;
}

/*
 * Pages a read fault maps: 64 KiB, the kernel's default fault-around, where
 * the last window did not end (16 pages of 4 KiB, 4 of 16 KiB), doubling
 * up to one page table, PTRS_PER_PTE pages, on a sequential read (512
 * pages of 4 KiB: 2 MiB; 2048 of 16 KiB: 32 MiB).  Reading 1 GiB takes some
 * 520 faults with 4 KiB pages, some 40 with 16 KiB ones.  Both are powers
 * of two: the small window is aligned to its size and doubles to the big.
 */
#define SWING_FAULT_WINDOW_MIN	((unsigned int)DIV_ROUND_UP(SZ_64K, PAGE_SIZE))
#define SWING_FAULT_WINDOW_MAX	((unsigned int)PTRS_PER_PTE)
static_assert(!(SWING_FAULT_WINDOW_MIN & (SWING_FAULT_WINDOW_MIN - 1)) &&
	      !(SWING_FAULT_WINDOW_MAX & (SWING_FAULT_WINDOW_MAX - 1)) &&
	      SWING_FAULT_WINDOW_MIN <= SWING_FAULT_WINDOW_MAX);
/* Pages handed to one vm_insert_pages() call. */
#define SWING_INSERT_BATCH	32

/*
 * Map the pages the area holds at offsets [@first, @end) of @vma read-only,
 * skipping holes, poisoned pages and PTEs already present.  Caller holds the
 * mmap lock and @area->lock (shared): a page cannot leave the area until the
 * PTEs made here are visible to the unmap that follows its replacement.
 */
static void map_range(struct swing_area *area, struct vm_area_struct *vma,
		      pgoff_t first, pgoff_t end)
{
	struct page *pages[SWING_INSERT_BATCH];
	unsigned long addr, left;
	pgoff_t idx = first, run;
	struct page *page;
	int n = 0, done;

	while (idx < end || n) {
		page = idx < end ? swing_tree_lookup(&area->tree, idx) : NULL;
		if (page && !PageHWPoison(page) && n < SWING_INSERT_BATCH) {
			if (!n)
				run = idx;
			pages[n++] = page;
			idx++;
			continue;
		}
		/* Flush the contiguous run [run, run + n), if any. */
		done = 0;
		while (done < n) {
			addr = vma->vm_start +
			       ((run + done - vma->vm_pgoff) << PAGE_SHIFT);
			left = n - done;
			if (vm_insert_pages(vma, addr, pages + done, &left) !=
			    -EBUSY)
				break;	/* all mapped, or out of memory */
			done = n - left + 1;	/* skip the PTE already there */
		}
		if (!n)
			idx++;	/* a hole or a poisoned page */
		n = 0;
	}
}

/* The part of @vma's offsets in [@first, @end) that the area covers. */
static void clamp_to_vma(struct swing_area *area, struct vm_area_struct *vma,
			 pgoff_t *first, pgoff_t *end)
{
	*first = max(*first, vma->vm_pgoff);
	*end = min3(*end, vma->vm_pgoff + vma_pages(vma), area->npages);
}

/* Map the window around a read fault at @idx, but not @idx itself. */
static void map_window(struct swing_area *area, struct vm_fault *vmf)
{
	unsigned int nr = READ_ONCE(area->fault_window);
	pgoff_t first, end;

	if (vmf->pgoff == READ_ONCE(area->fault_next) && nr) {
		nr = min(2 * nr, SWING_FAULT_WINDOW_MAX);
		first = vmf->pgoff;
	} else {
		nr = SWING_FAULT_WINDOW_MIN;
		first = round_down(vmf->pgoff, nr);
	}
	end = first + nr;
	WRITE_ONCE(area->fault_next, end);
	WRITE_ONCE(area->fault_window, nr);

	clamp_to_vma(area, vmf->vma, &first, &end);
	map_range(area, vmf->vma, first, vmf->pgoff);
	map_range(area, vmf->vma, vmf->pgoff + 1, end);
}

/* A page swing_tree_make_private() could not give. */
static vm_fault_t fault_error(struct page *page)
{
	return PTR_ERR(page) == -EHWPOISON ? VM_FAULT_HWPOISON : VM_FAULT_OOM;
}

/*
 * The fault handlers.  Hook and enable exclude every fault of an area by
 * holding its owner's mmap lock for writing (area.c), which holds only
 * because these run under the mmap lock: from 6.7 the per-VMA-lock fault
 * path refuses ->fault under the VMA lock when the vma has no ->map_pages
 * (vmf_can_call_fault()) and retries under the mmap lock.  Never add a
 * ->map_pages without another exclusion for hooks.
 *
 * A read fault maps the page itself, with its window, and returns
 * VM_FAULT_NOPAGE: under @area->lock (shared), so a writer that replaces
 * the page (under the lock, exclusive) unmaps after our PTE is visible.
 * The core never looks at the page then; were it returned to the core, a
 * page poisoned after our check and mapped by another area would have
 * __do_fault() unmap it through its NULL mapping.
 *
 * A write fault makes the page private (and exclusive) at once and returns
 * it referenced and locked, so .page_mkwrite lets it through: a writer
 * that replaces it locks it before unmapping, so it waits until the core
 * has installed (or given up) the PTE.  A read fault of another thread can
 * still map that page meanwhile, so a page poisoned at that instant makes
 * __do_fault() unmap it through its NULL mapping; mapping it here, as the
 * read path does, would close that window.
 */
static vm_fault_t swing_vm_fault(struct vm_fault *vmf)
{
	struct swing_area *area = vma_area(vmf->vma);
	pgoff_t idx = vmf->pgoff;
	struct page *page;
	vm_fault_t ret;
	int err;

	atomic_long_inc(&swing_nr_faults);
	if (!vma_is_owners(vmf->vma) || idx >= area->npages)
		return VM_FAULT_SIGBUS;

	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		down_read(&area->lock);
		page = swing_tree_lookup(&area->tree, idx);
		if (page) {
			map_window(area, vmf);
			if (unlikely(PageHWPoison(page))) {
				ret = VM_FAULT_HWPOISON;
			} else {
				err = vm_insert_page(vmf->vma,
						     vmf->address & PAGE_MASK,
						     page);
				/* -EBUSY: a racing fault mapped it */
				ret = !err || err == -EBUSY ? VM_FAULT_NOPAGE :
							      vmf_error(err);
			}
			up_read(&area->lock);
			return ret;
		}
		up_read(&area->lock);
	}

	down_write(&area->lock);
	if (unlikely(!area->tree.root)) {	/* given away (queue.c) */
		up_write(&area->lock);
		return VM_FAULT_SIGBUS;
	}
	page = make_private(area, idx, NULL);
	if (IS_ERR(page)) {
		up_write(&area->lock);
		return fault_error(page);
	}
	if (vmf->flags & FAULT_FLAG_WRITE) {
		if (swing_area_alloc_dirty(area)) {
			up_write(&area->lock);
			return VM_FAULT_OOM;
		}
		swing_area_mark_dirty(area, idx);
	}
	get_page(page);
	lock_page(page);
	up_write(&area->lock);
	if (unlikely(PageHWPoison(page))) {
		unlock_page(page);
		put_page(page);
		return VM_FAULT_HWPOISON;
	}
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

/*
 * A write to a page mapped read-only.  Private and reusable: return it
 * locked, and the core makes the PTE writable before unlocking it: the
 * reuse decision, taken under the page lock, and the writable PTE are one
 * step for anyone who locks the page (as in do_wp_page()).  Shared, held
 * from outside, or replaced since the PTE was made: copy it if needed, drop
 * the PTE, and let the access retry into .fault.  Never VM_FAULT_RETRY: the
 * mmap lock stays held.  The fault holds a reference to @page of its own
 * (wp_page_shared()).
 */
static vm_fault_t swing_vm_page_mkwrite(struct vm_fault *vmf)
{
	struct swing_area *area = vma_area(vmf->vma);
	struct page *page = vmf->page;
	pgoff_t idx = vmf->pgoff;
	struct page *cur;

	atomic_long_inc(&swing_nr_faults);
	if (!vma_is_owners(vmf->vma))
		return VM_FAULT_SIGBUS;

	/*
	 * The fast path takes an exclusive page only: a shared one is decided
	 * with the area locked for writing, where no PTE of it can appear
	 * between the reads of its count and mapcount (swing_tree_reuse()).
	 */
	down_read(&area->lock);
	if (unlikely(!area->tree.root)) {
		up_read(&area->lock);
		return VM_FAULT_SIGBUS;
	}
	if (area->dirty && swing_tree_exclusive(&area->tree, page) &&
	    swing_tree_page_private(&area->tree, idx, page)) {
		/* Stamps change only under the lock held for writing. */
		lock_page(page);
		swing_area_mark_dirty(area, idx);
		up_read(&area->lock);
		return VM_FAULT_LOCKED;
	}
	up_read(&area->lock);

	down_write(&area->lock);
	if (unlikely(!area->tree.root)) {
		up_write(&area->lock);
		return VM_FAULT_SIGBUS;
	}
	cur = swing_area_alloc_dirty(area) ? ERR_PTR(-ENOMEM) :
					    make_private(area, idx, page);
	if (IS_ERR(cur)) {
		up_write(&area->lock);
		return fault_error(cur);
	}
	if (cur == page) {	/* made private by a racing fault */
		swing_area_mark_dirty(area, idx);
		lock_page(page);
		up_write(&area->lock);
		return VM_FAULT_LOCKED;
	}
	up_write(&area->lock);
	return VM_FAULT_NOPAGE;
}

/*
 * Split and mremap copy a vma within the owner's mm: nothing to do.  fork()
 * copies it only after MADV_DOFORK, and with VM_MIXEDMAP would copy its
 * PTEs, writable ones included, letting the child write into pages that a
 * snapshot may come to share.  VM_WIPEONFORK on the child's copy makes
 * dup_mmap() skip that where it calls ->open first; where it calls it after
 * the copy, the copied PTEs are dropped here (swing_fork_drop_ptes()).  The
 * child gets SIGBUS.
 */
static void swing_vm_open(struct vm_area_struct *vma)
{
	if (!vma_is_owners(vma) && !(vma->vm_flags & VM_WIPEONFORK)) {
		vm_flags_set(vma, VM_WIPEONFORK);
		swing_fork_drop_ptes(vma);
	}
}

static const struct vm_operations_struct swing_vm_ops = {
	.open = swing_vm_open,
	.fault = swing_vm_fault,
	.page_mkwrite = swing_vm_page_mkwrite,
};

/*
 * Only area_install() maps an area file: no descriptor for it ever reaches
 * userspace.  Whole area, shared, and never inherited by fork().
 */
static int swing_area_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct swing_area *area = file->private_data;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_mm != area->mm)
		return -EACCES;
	if (vma->vm_pgoff || vma_pages(vma) != area->npages)
		return -EINVAL;
	/* VM_MIXEDMAP: vm_insert_pages() from .fault, under the read lock. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTCOPY | VM_MIXEDMAP);
	vma->vm_ops = &swing_vm_ops;
	return 0;
}

/*
 * SWING_HOOK_POPULATE: map every page of a new snapshot read-only now, as
 * MAP_POPULATE would, without allocating its holes.  Best effort, like
 * MAP_POPULATE: what is not mapped here is mapped by the first fault.  So
 * it stops at any pending signal, not only a fatal one: the hook succeeds
 * at once and the caller's handler runs (a Python hook is interruptible).
 */
int swing_area_populate(struct swing_area *area, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	pgoff_t first, end;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start == addr && vma->vm_file &&
	    vma->vm_file->private_data == area && vma->vm_ops == &swing_vm_ops) {
		for (first = 0; first < area->npages; first = end) {
			end = first + SWING_FAULT_WINDOW_MAX;
			clamp_to_vma(area, vma, &first, &end);
			if (first >= end || signal_pending(current))
				break;
			down_read(&area->lock);
			map_range(area, vma, first, end);
			up_read(&area->lock);
			cond_resched();
		}
	}
	mmap_read_unlock(mm);
	return 0;
}

static int swing_area_file_release(struct inode *inode, struct file *file)
{
	swing_area_put(file->private_data);
	return 0;
}

const struct file_operations swing_area_fops = {
	.owner = THIS_MODULE,
	.mmap = swing_area_mmap,
	.release = swing_area_file_release,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mapping of an area and its copy-on-write fault path.
 *
 * An area is mapped MAP_SHARED from its own pseudo file, in its owner's mm
 * only.  PTEs map our pages read-only first (the vma wants write
 * notification because .page_mkwrite exists); a write reaches .page_mkwrite,
 * which lets it through when the page is private to the area, and otherwise
 * replaces the page with a private copy, removes the stale PTE and has the
 * access fault again onto the copy.
 *
 * Page lifetime: the tree holds one reference per page (tree.c); .fault
 * hands the core one more, which the PTE keeps until it is zapped.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>

#include "area.h"
#include "compat.h"

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
 * Make @idx private.  PTEs at @idx are dropped when they may map a page that
 * is no longer the area's: the one just replaced, or @mapped (the page the
 * faulting PTE maps, if any) when the private page is another one.
 */
static struct page *make_private(struct swing_area *area, pgoff_t idx,
				 struct page *mapped)
{
	struct page *page, *old;

	page = swing_tree_make_private(&area->tree, idx, &old);
	if (old || (page && mapped && page != mapped))
		unmap_mapping_pages(area->mapping, idx, 1, false);
	if (old) {
		unlock_page(old);
		put_page(old);
	}
	return page;
}

/*
 * Return the area's page at the faulting offset, referenced and locked: a
 * writer that replaces it locks it before unmapping, so it waits until the
 * core has installed (or given up) the PTE we are about to map.  A write
 * fault gets a private page at once, so .page_mkwrite will let it through.
 */
static vm_fault_t swing_vm_fault(struct vm_fault *vmf)
{
	struct swing_area *area = vma_area(vmf->vma);
	pgoff_t idx = vmf->pgoff;
	struct page *page;

	if (!vma_is_owners(vmf->vma) || idx >= area->npages)
		return VM_FAULT_SIGBUS;

	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		down_read(&area->lock);
		page = swing_tree_lookup(&area->tree, idx);
		if (page) {
			get_page(page);
			lock_page(page);
			up_read(&area->lock);
			goto out;
		}
		up_read(&area->lock);
	}

	down_write(&area->lock);
	page = make_private(area, idx, NULL);
	if (!page) {
		up_write(&area->lock);
		return VM_FAULT_OOM;
	}
	get_page(page);
	lock_page(page);
	up_write(&area->lock);
out:
	if (unlikely(PageHWPoison(page))) {
		unlock_page(page);
		put_page(page);
		return VM_FAULT_HWPOISON;
	}
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

/*
 * A write to a page mapped read-only.  Private: return it locked, and the
 * core makes the PTE writable before unlocking it.  Shared (or replaced
 * since the PTE was made): copy it if needed, drop the PTE, and let the
 * access retry into .fault.  Never VM_FAULT_RETRY: the mmap lock stays held.
 */
static vm_fault_t swing_vm_page_mkwrite(struct vm_fault *vmf)
{
	struct swing_area *area = vma_area(vmf->vma);
	struct page *page = vmf->page;
	pgoff_t idx = vmf->pgoff;
	struct page *cur;

	if (!vma_is_owners(vmf->vma))
		return VM_FAULT_SIGBUS;

	down_read(&area->lock);
	if (swing_tree_page_private(&area->tree, idx, page)) {
		lock_page(page);
		up_read(&area->lock);
		return VM_FAULT_LOCKED;
	}
	up_read(&area->lock);

	down_write(&area->lock);
	cur = make_private(area, idx, page);
	if (!cur) {
		up_write(&area->lock);
		return VM_FAULT_OOM;
	}
	if (cur == page) {	/* made private by a racing fault */
		lock_page(page);
		up_write(&area->lock);
		return VM_FAULT_LOCKED;
	}
	up_write(&area->lock);
	return VM_FAULT_NOPAGE;
}

static const struct vm_operations_struct swing_vm_ops = {
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
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTCOPY);
	vma->vm_ops = &swing_vm_ops;
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

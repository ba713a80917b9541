/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the supported kernels lives here, so that the
 * rest of the module reads as code for one kernel.
 */
#ifndef _SWING_COMPAT_H
#define _SWING_COMPAT_H

#include <linux/version.h>
#include <linux/highmem.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/proc_ns.h>
#include <linux/uaccess.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "swing needs Linux 5.10 or later"
#endif

/* 6.3 made vma->vm_flags read-only behind helpers that assert the mmap lock. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * unmap_mapping_pages() is not exported in 5.10 (it is in 6.1): there, its
 * byte-range twin.  And 5.10's zap skips every page whose page->mapping is
 * not the mapping being unmapped unless even_cows is set (zap_details'
 * check_mapping, zap_pte_range()): swing's pages have no ->mapping, so
 * without even_cows nothing would be unmapped at all.  It is safe: swing's
 * VMAs are all shared, so there is no private COW page to keep.  (6.1 keeps
 * only anonymous pages without it, should_zap_page().)
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
static inline void swing_unmap_mapping_pages(struct address_space *mapping,
					     pgoff_t start, pgoff_t nr,
					     bool even_cows)
{
	unmap_mapping_range(mapping, (loff_t)start << PAGE_SHIFT,
			    (loff_t)nr << PAGE_SHIFT, 1);
}
#else
#define swing_unmap_mapping_pages unmap_mapping_pages
#endif

/*
 * Area pages are charged to the faulting task's memory cgroup with
 * __GFP_ACCOUNT.  Not on 5.10: there a charged page is marked PageKmemcg, a
 * page type kept in _mapcount, so mapping it into userspace corrupts both
 * ("BUG: Bad page map" at unmap).  5.11 moved the mark into memcg_data.  On
 * 5.10 an area's pages are bounded by max_pages_per_user only.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define SWING_GFP_ACCOUNT	0
#else
#define SWING_GFP_ACCOUNT	__GFP_ACCOUNT
#endif

/*
 * fork() of an area's VMA (only after MADV_DOFORK): where dup_mmap() calls
 * ->open on the child's copy before copy_page_range() (Debian's 6.1.192 and
 * 6.12), the VM_WIPEONFORK set there keeps every PTE out of the child;
 * where it calls it after (5.10, and earlier 6.x releases, before the
 * order changed in stable), the child's PTEs, writable ones included, are
 * copied by then.  So always drop them: the child's VMA's only, never the
 * owner's, whose PTEs only the owner's own calls may change; an empty range
 * costs a walk of empty page tables.  Caller: ->open of a copy without
 * VM_WIPEONFORK yet (dup_mmap(), under both mms' mmap locks).
 * zap_page_range() became zap_page_range_single() in 6.3.
 */
static inline void swing_fork_drop_ptes(struct vm_area_struct *vma)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	zap_page_range(vma, vma->vm_start, vma->vm_end - vma->vm_start);
#else
	zap_page_range_single(vma, vma->vm_start, vma->vm_end - vma->vm_start,
			      NULL);
#endif
}

/*
 * PTEs mapping an order-0 page: page_mapcount() is gone in 6.12, where
 * folio_mapcount() is inline (out of line and not exported in 6.1).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
static inline int swing_page_mapcount(struct page *page)
{
	return page_mapcount(page);
}
#else
static inline int swing_page_mapcount(struct page *page)
{
	return folio_mapcount(page_folio(page));
}
#endif

/* kmap_local_page() is 5.11's; 5.10 has the atomic (non-sleeping) kind. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define swing_kmap_local(page)		kmap_atomic(page)
#define swing_kunmap_local(addr)	kunmap_atomic(addr)
#else
#define swing_kmap_local(page)		kmap_local_page(page)
#define swing_kunmap_local(addr)	kunmap_local(addr)
#endif

/*
 * Copy a page for COW and survive a poisoned source where the architecture
 * can (x86's machine-check-safe copy), as the kernel's own COW does since
 * 6.1: 0, or -EHWPOISON with the page queued for memory_failure().  arm64
 * defines no copy_mc_to_kernel in 6.1 or 6.12 (the generic one is a plain
 * memcpy and no macro), so it gets copy_highpage() (MTE tags included), and
 * a poisoned source met during the copy is fatal there, as in the core's
 * COW; the PageHWPoison check before the copy still refuses a known one.
 */
static inline int swing_copy_page(struct page *to, struct page *from)
{
#ifdef copy_mc_to_kernel
	unsigned long left;
	void *vfrom = swing_kmap_local(from);
	void *vto = swing_kmap_local(to);

	left = copy_mc_to_kernel(vto, vfrom, PAGE_SIZE);
	swing_kunmap_local(vto);
	swing_kunmap_local(vfrom);
	if (left) {
		memory_failure_queue(page_to_pfn(from), 0);
		return -EHWPOISON;
	}
#else
	copy_highpage(to, from);
#endif
	return 0;
}

/*
 * put_ipc_ns() is exported from 6.12 (not in 6.1); the namespace's own
 * operations drop a reference the same way on every kernel.
 */
static inline void swing_put_ipc_ns(struct ipc_namespace *ns)
{
#ifdef CONFIG_IPC_NS
	ns->ns.ops->put(&ns->ns);
#endif
}

/*
 * Is our reference the namespace's last one?  Counted in ns_common since
 * 5.11, in the ipc_namespace itself before.
 */
static inline bool swing_ipc_ns_unused(struct ipc_namespace *ns)
{
#if defined(CONFIG_IPC_NS) && LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
	return refcount_read(&ns->count) == 1;
#elif defined(CONFIG_IPC_NS)
	return refcount_read(&ns->ns.count) == 1;
#else
	return false;	/* only init_ipc_ns, which never goes */
#endif
}

#endif /* _SWING_COMPAT_H */

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

/*
 * Copy a page for COW and survive a poisoned source where the architecture
 * can (x86's machine-check-safe copy), as the kernel's own COW does since
 * 6.1: 0, or -EHWPOISON with the page queued for memory_failure().
 */
static inline int swing_copy_page(struct page *to, struct page *from)
{
#ifdef copy_mc_to_kernel
	unsigned long left;
	void *vfrom = kmap_local_page(from);
	void *vto = kmap_local_page(to);

	left = copy_mc_to_kernel(vto, vfrom, PAGE_SIZE);
	kunmap_local(vto);
	kunmap_local(vfrom);
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

/* Is our reference the namespace's last one?  (Counted in ns_common.) */
static inline bool swing_ipc_ns_unused(struct ipc_namespace *ns)
{
#ifdef CONFIG_IPC_NS
	return refcount_read(&ns->ns.count) == 1;
#else
	return false;	/* only init_ipc_ns, which never goes */
#endif
}

#endif /* _SWING_COMPAT_H */

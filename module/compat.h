/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the supported kernels lives here, so that the
 * rest of the module reads as code for one kernel.
 */
#ifndef _SWING_COMPAT_H
#define _SWING_COMPAT_H

#include <linux/version.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/proc_ns.h>

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

/* Folios came in 5.16; before, the same test was on the page. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 16, 0)
static inline bool swing_page_maybe_dma_pinned(struct page *page)
{
	return page_maybe_dma_pinned(page);
}
#else
static inline bool swing_page_maybe_dma_pinned(struct page *page)
{
	return folio_maybe_dma_pinned(page_folio(page));
}
#endif

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

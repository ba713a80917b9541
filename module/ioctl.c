// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dev/swing ioctls: copy in, validate every field, call area.c, copy
 * out.  Userspace memory is only touched here, never under an area lock.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/swing.h>

#include "area.h"
#include "ioctl.h"

static bool reserved_zero(const void *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

static long ioc_version(void __user *uarg)
{
	struct swing_version v = {
		.abi_version = SWING_ABI_VERSION,
		.major = SWING_VERSION_MAJOR,
		.minor = SWING_VERSION_MINOR,
		.patch = SWING_VERSION_PATCH,
	};

	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long ioc_create(struct swing_session *session, void __user *uarg)
{
	struct swing_create req;
	struct swing_area *area;
	unsigned long addr;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.length)
		return -EINVAL;
	if (req.length > READ_ONCE(swing_max_area_size))
		return -EFBIG;

	area = swing_area_create(session, req.length, &addr);
	if (IS_ERR(area))
		return PTR_ERR(area);
	req.token = area->token;
	req.addr = addr;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		swing_area_release(area, true);
		ret = -EFAULT;
	}
	swing_area_put(area);
	return ret;
}

static long ioc_hook(struct swing_session *session, void __user *uarg)
{
	struct swing_area *src, *area;
	struct swing_hook req;
	unsigned long addr;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~SWING_HOOK_FLAGS) || req.__pad ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;

	src = swing_area_get(req.src_token);
	if (IS_ERR(src))
		return PTR_ERR(src);
	ret = swing_perm_hook(src);
	if (ret) {
		swing_area_put(src);
		return ret;
	}
	area = swing_area_hook(session, src, &addr);
	swing_area_put(src);
	if (IS_ERR(area))
		return PTR_ERR(area);
	if (req.flags & SWING_HOOK_POPULATE)
		swing_area_populate(area, addr);

	req.token = area->token;
	req.addr = addr;
	req.length = (__u64)area->npages << PAGE_SHIFT;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		swing_area_release(area, true);
		ret = -EFAULT;
	}
	swing_area_put(area);
	return ret;
}

/*
 * enablehook, disablehook, releasearea: the owning process's calls on a
 * token; CAP_IPC_OWNER may make them on any area of its IPC namespace.
 */
static long ioc_token_op(unsigned int cmd, void __user *uarg)
{
	struct swing_token_op req;
	struct swing_area *area;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;

	area = swing_area_get(req.token);
	if (IS_ERR(area))
		return PTR_ERR(area);
	if (cmd != SWING_IOC_RELEASE &&
	    (swing_area_owned(area) || swing_capable())) {
		ret = swing_area_set_enabled(area, cmd == SWING_IOC_ENABLE);
	} else if (swing_area_owned(area)) {
		ret = swing_area_release(area, true);
	} else if (swing_capable()) {
		/*
		 * Revoke, like IPC_RMID: the token goes, nobody can hook the
		 * area any more, and its owner keeps its mapping until it
		 * unmaps it or exits (its calls on the token get ENOENT).
		 */
		ret = swing_area_release(area, false);
	} else {
		ret = -EPERM;
	}
	swing_area_put(area);
	return ret;
}

static long ioc_perm(unsigned int cmd, void __user *uarg)
{
	struct swing_area *area;
	struct swing_perm req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.__pad ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	area = swing_area_get(req.token);
	if (IS_ERR(area))
		return PTR_ERR(area);
	if (cmd == SWING_IOC_SETPERM) {
		ret = swing_perm_set(area, &req);
	} else {
		ret = swing_perm_get(area, &req);
		if (!ret && copy_to_user(uarg, &req, sizeof(req)))
			ret = -EFAULT;
	}
	swing_area_put(area);
	return ret;
}

static long ioc_grant(void __user *uarg)
{
	struct swing_area *area;
	struct swing_grant req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~SWING_GRANT_FLAGS) || req.__pad ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	area = swing_area_get(req.token);
	if (IS_ERR(area))
		return PTR_ERR(area);
	ret = swing_perm_grant(area, req.pid, req.flags & SWING_GRANT_REVOKE);
	swing_area_put(area);
	return ret;
}

long swing_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct swing_session *session = file->private_data;
	void __user *uarg = (void __user *)arg;

	/* Areas live in an address space: none, no areas (kernel threads). */
	if (!current->mm)
		return -EINVAL;

	switch (cmd) {
	case SWING_IOC_VERSION:
		return ioc_version(uarg);
	case SWING_IOC_CREATE:
		return ioc_create(session, uarg);
	case SWING_IOC_HOOK:
		return ioc_hook(session, uarg);
	case SWING_IOC_ENABLE:
	case SWING_IOC_DISABLE:
	case SWING_IOC_RELEASE:
		return ioc_token_op(cmd, uarg);
	case SWING_IOC_GETPERM:
	case SWING_IOC_SETPERM:
		return ioc_perm(cmd, uarg);
	case SWING_IOC_GRANT:
		return ioc_grant(uarg);
	default:
		return -ENOTTY;
	}
}

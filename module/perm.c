// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may do what to an area, in the manner of SysV IPC's ipc_perm, and how
 * much each user may hold.
 *
 * An area has a creator (cuid, cgid), an owner (uid, gid) and a mode whose
 * read bits say who may hook it; a new area belongs to its creator's euid
 * and egid with mode 0600.  Up to SWING_MAX_GRANTS processes may besides be
 * granted hooking by pid, whatever their credentials: an offer to one
 * process.  A grant holds the struct pid, so it dies with that process and
 * never passes to a later one that reuses the number.  CAP_IPC_OWNER in the
 * user namespace that owns the caller's IPC namespace overrides all of it.
 *
 * Each user (the creator's euid) may hold max_areas_per_user areas spanning
 * max_pages_per_user pages, counted by size whether their pages are shared
 * or not, from the moment an area gets its token until it is freed: a
 * released area that is still mapped (its /dev/swing closed, or revoked)
 * keeps its tree, so it keeps its charge until area_free().
 *
 * Locking: the permissions of an area and the user table are under
 * swing_table_lock.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "area.h"

static unsigned long swing_max_areas_per_user = 4096;
module_param_named(max_areas_per_user, swing_max_areas_per_user, ulong, 0644);
MODULE_PARM_DESC(max_areas_per_user,
		 "Areas one user may hold; beyond, ENOSPC (0: no limit; default: 4096)");

static unsigned long swing_max_pages_per_user;
module_param_named(max_pages_per_user, swing_max_pages_per_user, ulong, 0644);
MODULE_PARM_DESC(max_pages_per_user,
		 "Pages (of PAGE_SIZE bytes) the areas of one user may span; beyond, ENOSPC (0: no limit, the default)");

struct swing_user {
	unsigned long areas;
	unsigned long pages;
};

/* __kuid_val(cuid) -> struct swing_user, present while it holds an area. */
static DEFINE_XARRAY(swing_users);

/*
 * Charge one object of @npages pages to @uid, within the limits unless
 * @force (giving back a charge just taken off).  Caller holds
 * swing_table_lock.
 */
int swing_charge(kuid_t uid, pgoff_t npages, bool force)
{
	unsigned long max_areas = READ_ONCE(swing_max_areas_per_user);
	unsigned long max_pages = READ_ONCE(swing_max_pages_per_user);
	unsigned long key = __kuid_val(uid);
	struct swing_user *user;
	int ret;

	lockdep_assert_held(&swing_table_lock);
	user = xa_load(&swing_users, key);
	if (!user) {
		user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT |
			       (force ? __GFP_NOFAIL : 0));
		if (!user)
			return -ENOMEM;
		ret = xa_err(xa_store(&swing_users, key, user,
				      GFP_KERNEL | (force ? __GFP_NOFAIL : 0)));
		if (ret) {
			kfree(user);
			return ret;
		}
	}
	if (!force && ((max_areas && user->areas >= max_areas) ||
		       (max_pages && (user->pages > max_pages ||
				      npages > max_pages - user->pages)))) {
		if (!user->areas) {
			xa_erase(&swing_users, key);
			kfree(user);
		}
		return -ENOSPC;
	}
	user->areas++;
	user->pages += npages;
	return 0;
}

/* Caller holds swing_table_lock; @uid holds such a charge. */
void swing_uncharge(kuid_t uid, pgoff_t npages)
{
	unsigned long key = __kuid_val(uid);
	struct swing_user *user;

	lockdep_assert_held(&swing_table_lock);
	user = xa_load(&swing_users, key);
	if (WARN_ON_ONCE(!user))
		return;
	user->pages -= npages;
	if (!--user->areas) {
		xa_erase(&swing_users, key);
		kfree(user);
	}
}

/* Caller holds swing_table_lock. */
int swing_user_charge(struct swing_area *area)
{
	return swing_charge(area->cuid, area->npages, false);
}

/* Caller holds swing_table_lock; @area was charged. */
void swing_user_uncharge(struct swing_area *area)
{
	swing_uncharge(area->cuid, area->npages);
}

void swing_users_exit(void)
{
	xa_destroy(&swing_users);
}

/* The caller's override: CAP_IPC_OWNER over its IPC namespace. */
bool swing_capable(void)
{
	return ns_capable(current->nsproxy->ipc_ns->user_ns, CAP_IPC_OWNER);
}

void swing_perm_init(struct swing_area *area)
{
	area->cuid = area->uid = current_euid();
	area->cgid = area->gid = current_egid();
	area->mode = 0600;
}

void swing_perm_destroy(struct swing_area *area)
{
	int i;

	for (i = 0; i < SWING_MAX_GRANTS; i++)
		put_pid(area->grants[i]);
}

static bool owner_or_creator(const struct swing_area *area)
{
	kuid_t euid = current_euid();

	return swing_area_owned(area) || uid_eq(euid, area->uid) ||
	       uid_eq(euid, area->cuid);
}

/* The owner or creator by euid, the owning process, or a capable caller. */
static bool may_change(const struct swing_area *area)
{
	return owner_or_creator(area) || swing_capable();
}

static bool granted(const struct swing_area *area)
{
	struct pid *tgid = task_tgid(current);
	int i;

	for (i = 0; i < SWING_MAX_GRANTS; i++)
		if (area->grants[i] == tgid)
			return true;
	return false;
}

/* ipcperms(): does @area's mode give the caller @mask (04, 02)?  Table locked. */
static bool may(const struct swing_area *area, umode_t mask)
{
	kuid_t euid = current_euid();
	umode_t mode = area->mode;

	if (uid_eq(euid, area->uid) || uid_eq(euid, area->cuid))
		mode >>= 6;
	else if (in_group_p(area->gid) || in_group_p(area->cgid))
		mode >>= 3;
	return mode & mask;
}

static bool may_read(const struct swing_area *area)
{
	return may(area, 04);
}

/*
 * May the caller use @area as @mask says: 04 hook an area, wait for or
 * watch it, or receive from a queue; 02 send to a queue; 06 either (a
 * queue's watch).  A grant gives both.
 */
int swing_perm_check(struct swing_area *area, umode_t mask)
{
	bool ok;

	mutex_lock(&swing_table_lock);
	ok = may(area, mask) || granted(area);
	mutex_unlock(&swing_table_lock);
	return ok || swing_capable() ? 0 : -EACCES;
}

int swing_perm_hook(struct swing_area *area)
{
	return swing_perm_check(area, 04);
}

/*
 * For /proc/swing: what the reader may hook or change.  Table locked.
 * Not audited: listing is no attempt to use the capability, and an LSM
 * would otherwise log a denial per area for every unprivileged reader.
 */
bool swing_perm_visible(const struct swing_area *area)
{
	return may_read(area) || granted(area) || owner_or_creator(area) ||
	       ns_capable_noaudit(current->nsproxy->ipc_ns->user_ns,
				  CAP_IPC_OWNER);
}

int swing_perm_get(struct swing_area *area, struct swing_perm *perm)
{
	struct user_namespace *ns = current_user_ns();
	int ret = 0;

	mutex_lock(&swing_table_lock);
	if (!may_read(area) && !granted(area) &&
	    !may_change(area)) {
		ret = -EACCES;
	} else {
		perm->uid = from_kuid_munged(ns, area->uid);
		perm->gid = from_kgid_munged(ns, area->gid);
		perm->cuid = from_kuid_munged(ns, area->cuid);
		perm->cgid = from_kgid_munged(ns, area->cgid);
		perm->mode = area->mode;
	}
	mutex_unlock(&swing_table_lock);
	return ret;
}

int swing_perm_set(struct swing_area *area, const struct swing_perm *perm)
{
	struct user_namespace *ns = current_user_ns();
	kuid_t uid = make_kuid(ns, perm->uid);
	kgid_t gid = make_kgid(ns, perm->gid);
	int ret = 0;

	if (!uid_valid(uid) || !gid_valid(gid) || perm->mode & ~0777)
		return -EINVAL;
	mutex_lock(&swing_table_lock);
	if (!area->session) {
		ret = -ENOENT;	/* released since looked up */
	} else if (!may_change(area)) {
		ret = -EPERM;
	} else {
		area->uid = uid;
		area->gid = gid;
		area->mode = perm->mode;
	}
	mutex_unlock(&swing_table_lock);
	return ret;
}

int swing_perm_grant(struct swing_area *area, pid_t nr, bool revoke)
{
	struct pid *pid, *free = NULL;
	struct task_struct *task;
	int i, slot = -1, ret = 0;

	if (nr <= 0)
		return -EINVAL;
	/* A thread's id grants its process, which is what hooks. */
	rcu_read_lock();
	task = pid_task(find_vpid(nr), PIDTYPE_PID);
	pid = task ? get_pid(task_tgid(task)) : NULL;
	rcu_read_unlock();
	if (!pid)
		return -ESRCH;
	mutex_lock(&swing_table_lock);
	if (!area->session) {
		ret = -ENOENT;
		goto out;
	}
	if (!may_change(area)) {
		ret = -EPERM;
		goto out;
	}
	for (i = 0; i < SWING_MAX_GRANTS; i++) {
		if (area->grants[i] == pid)
			break;
		if (!area->grants[i] && slot < 0)
			slot = i;
	}
	if (revoke) {
		if (i == SWING_MAX_GRANTS) {
			ret = -ENOENT;	/* not granted */
		} else {
			free = area->grants[i];
			area->grants[i] = NULL;
		}
	} else if (i == SWING_MAX_GRANTS) {
		if (slot < 0) {
			ret = -ENOSPC;
		} else {
			area->grants[slot] = pid;
			pid = NULL;	/* the grant's reference now */
		}
	}
out:
	mutex_unlock(&swing_table_lock);
	put_pid(free);
	put_pid(pid);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/swing: one line per area, in the manner of /proc/sysvipc/shm.
 * A reader sees the areas of its IPC namespace that it may hook or change
 * (perm.c), and only those.
 *
 * Locking: swing_table_lock is held from ->start to ->stop, so the areas
 * listed stay published; each area's tree is counted under its rwsem.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "area.h"

/* *pos: 0 for the header, else the token to go on from. */
static void *swing_seq_start(struct seq_file *m, loff_t *pos)
{
	int token;

	mutex_lock(&swing_table_lock);
	if (*pos == 0)
		return SEQ_START_TOKEN;
	if (*pos > INT_MAX)
		return NULL;
	token = *pos;
	return swing_area_next_locked(current->nsproxy->ipc_ns, &token);
}

static void *swing_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	int token = v == SEQ_START_TOKEN ? 1 :
		    ((struct swing_area *)v)->token + 1;
	struct swing_area *area = NULL;

	if (token > 0)	/* not past INT_MAX */
		area = swing_area_next_locked(current->nsproxy->ipc_ns,
					      &token);
	*pos = area ? token : (loff_t)INT_MAX + 1;
	return area;
}

static void swing_seq_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&swing_table_lock);
}

static int swing_seq_show(struct seq_file *m, void *v)
{
	struct swing_area *area = v;
	unsigned long resident, shared;
	bool enabled;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "     token        pid        uid             size   resident     shared  hooks enabled     source      ctime        gid  perms       cuid       cgid\n");
		return 0;
	}
	if (!swing_perm_visible(area))
		return 0;
	down_read(&area->lock);
	swing_tree_count(&area->tree, &resident, &shared);
	enabled = area->enabled;
	up_read(&area->lock);
	seq_printf(m, "%10d %10d %10u %16llu %10lu %10lu %6d %7d %10d %10lld %10u %6o %10u %10u\n",
		   area->token, pid_vnr(area->owner),
		   from_kuid_munged(current_user_ns(), area->uid),
		   (unsigned long long)area->npages << PAGE_SHIFT, resident,
		   shared, atomic_read(&area->nr_hooks), enabled,
		   area->src_token, (long long)area->ctime,
		   from_kgid_munged(current_user_ns(), area->gid), area->mode,
		   from_kuid_munged(current_user_ns(), area->cuid),
		   from_kgid_munged(current_user_ns(), area->cgid));
	return 0;
}

static const struct seq_operations swing_seq_ops = {
	.start = swing_seq_start,
	.next = swing_seq_next,
	.stop = swing_seq_stop,
	.show = swing_seq_show,
};

/*
 * Sum over all areas of the pages each shares with another area: a page
 * held by n areas counts n times.  O(pages of all areas), for sysfs.
 */
unsigned long swing_shared_pages(void)
{
	unsigned long resident, shared, sum = 0;
	struct swing_area *area;

	mutex_lock(&swing_table_lock);
	list_for_each_entry(area, &swing_all_areas, all_node) {
		down_read(&area->lock);
		swing_tree_count(&area->tree, &resident, &shared);
		up_read(&area->lock);
		sum += shared;
		cond_resched();
	}
	mutex_unlock(&swing_table_lock);
	return sum;
}

int swing_proc_init(void)
{
	return proc_create_seq("swing", 0444, NULL, &swing_seq_ops) ? 0 : -ENOMEM;
}

void swing_proc_exit(void)
{
	remove_proc_entry("swing", NULL);
}

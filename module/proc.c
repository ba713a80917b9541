// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/swing: one line per area, in the manner of /proc/sysvipc/shm.
 * A reader sees the areas of its IPC namespace that it may hook or change
 * (perm.c), and only those.
 *
 * Locking: swing_table_lock is held from ->start to ->stop, so the areas
 * listed stay published.  A line costs the same whatever the area's size:
 * its counts are kept as the tree changes (tree.h), never walked, so no
 * reader holds the table (and every ioctl and exit behind it) for long.
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
	struct swing_notify *n;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "     token        pid        uid             size   resident     shared  hooks enabled     source      ctime        gid  perms       cuid       cgid  kind              version    waiters      depth     length\n");
		return 0;
	}
	if (!swing_perm_visible(area))
		return 0;
	n = area->notify;
	seq_printf(m, "%10d %10d %10u %16llu %10lu %10lu %6d %7d %10d %10lld %10u %6o %10u %10u %5s %20llu %10d %10u %10u\n",
		   area->token, pid_vnr(area->owner),
		   from_kuid_munged(current_user_ns(), area->uid),
		   (unsigned long long)area->npages << PAGE_SHIFT,
		   atomic_long_read(&area->tree.resident),
		   swing_tree_shared(&area->tree),
		   atomic_read(&area->nr_hooks), READ_ONCE(area->enabled),
		   area->src_token, (long long)area->ctime,
		   from_kgid_munged(current_user_ns(), area->gid), area->mode,
		   from_kuid_munged(current_user_ns(), area->cuid),
		   from_kgid_munged(current_user_ns(), area->cgid),
		   area->kind == SWING_KIND_QUEUE ? "queue" : "area",
		   READ_ONCE(n->version), atomic_read(&n->waiters),
		   n->depth, READ_ONCE(n->length));
	return 0;
}

static const struct seq_operations swing_seq_ops = {
	.start = swing_seq_start,
	.next = swing_seq_next,
	.stop = swing_seq_stop,
	.show = swing_seq_show,
};

int swing_proc_init(void)
{
	return proc_create_seq("swing", 0444, NULL, &swing_seq_ops) ? 0 : -ENOMEM;
}

void swing_proc_exit(void)
{
	remove_proc_entry("swing", NULL);
}

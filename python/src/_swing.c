// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * swing._swing: the CPython binding of libswing.  It holds what Python
 * cannot: the Area type (a mapping with the buffer protocol), and the calls
 * that block (run with the GIL released, retried after signal handlers as
 * PEP 475 says).  Everything else (Queue, Watch, dumps/loads, pickling)
 * is Python, in swing/__init__.py.
 *
 * Lifetimes.  An Area owns its mapping and its token.  Every buffer
 * exported from it (memoryview, numpy array, ...) holds a reference to the
 * Area object, so the mapping outlives them all.  release() with exports
 * alive only marks the area closed and disables new hooks of it; the real
 * release (the module unmaps the area and frees the token) runs when the
 * last export goes, from bf_releasebuffer.  An Area inherited through
 * fork() belongs to the parent (the child has no mapping: VM_DONTCOPY), so
 * in the child it is closed and its deallocation does nothing.
 *
 * Threads.  All state of an Area changes with the GIL held; the library
 * calls run without it.  A call on the token counts in @calls while it
 * runs, and a release() meanwhile is deferred as it is for exports: the
 * token cannot be freed (and reused by another area) under a call still
 * naming it.  A move (AREA_MOVING) refuses new exports and calls, since
 * the mapping is about to go.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/*
 * libswing itself, compiled in: the package needs no installed library, and
 * the hook ioctl's length (which swing_hook() does not return) is at hand.
 * Its symbols stay inside this extension.
 */
#define SWING_EXPORT __attribute__((visibility("hidden")))
#include "swing.c"

#define STR_(x) #x
#define STR(x) STR_(x)
#define SWING_RELEASE STR(SWING_VERSION_MAJOR) "." STR(SWING_VERSION_MINOR) \
	"." STR(SWING_VERSION_PATCH)

enum area_state {
	AREA_OPEN,
	AREA_CLOSING,	/* released by the user, views or calls still out */
	AREA_MOVING,	/* a send with SWING_SEND_MOVE is under way */
	AREA_CLOSED,
};

typedef struct {
	PyObject_HEAD
	void *addr;
	Py_ssize_t size;
	int token;
	enum area_state state;
	pid_t pid;		/* the process that owns the mapping */
	Py_ssize_t exports;	/* buffers exported */
	Py_ssize_t calls;	/* library calls on the token under way */
	int release_pending;	/* release() came during a move */
	unsigned long long version;	/* 0: none */
	PyObject *weakreflist;
} AreaObject;

static PyTypeObject Area_Type;

/*
 * Raise the OSError subclass errno names (OSError(errno, msg) picks it)
 * with "call: strerror", and say how to load the module when the device is
 * missing: libswing opens it on first use, so an ENOENT may be either.
 */
static PyObject *swing_error(const char *call)
{
	int err = errno;
	PyObject *exc;
	char msg[256];

	if (err == ENOENT && access(SWING_DEVICE, F_OK) != 0)
		snprintf(msg, sizeof(msg),
			 "%s: %s is missing: load the swing module (modprobe swing)",
			 call, SWING_DEVICE);
	else if (err == EPROTO)
		snprintf(msg, sizeof(msg),
			 "%s: %s speaks another ABI than this libswing (%d)",
			 call, SWING_DEVICE, SWING_ABI_VERSION);
	else
		snprintf(msg, sizeof(msg), "%s: %s", call, strerror(err));
	exc = PyObject_CallFunction(PyExc_OSError, "is", err, msg);
	if (exc) {
		PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
		Py_DECREF(exc);
	}
	return NULL;
}

/*
 * Seconds (None: forever) as milliseconds, -1 forever.  Longer than the
 * library's int takes, the callers wait in steps (wait_step()).
 */
static int timeout_ms(PyObject *timeout, long long *ms)
{
	double s;

	if (timeout == NULL || timeout == Py_None) {
		*ms = -1;
		return 0;
	}
	s = PyFloat_AsDouble(timeout);
	if (s == -1.0 && PyErr_Occurred())
		return -1;
	if (isnan(s) || s < 0) {
		PyErr_SetString(PyExc_ValueError, "timeout must be non-negative or None");
		return -1;
	}
	*ms = s * 1000 >= (double)LLONG_MAX / 2 ? -1 : (long long)ceil(s * 1000);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next wait of at most INT_MAX ms towards @deadline (ms < 0: none). */
static int wait_step(long long ms, long long deadline)
{
	long long left;

	if (ms < 0)
		return -1;
	left = deadline - now_ms();
	if (left < 0)
		left = 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* An int in [0, max], or OverflowError (PyArg's "I" and "K" wrap). */
static int ulong_arg(PyObject *o, unsigned long long max, const char *what,
		     unsigned long long *out)
{
	unsigned long long v;
	PyObject *i = PyNumber_Index(o);	/* ints, numpy ints, __index__ */

	if (!i) {
		if (PyErr_ExceptionMatches(PyExc_TypeError)) {
			PyErr_Clear();
			PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s",
				     what, Py_TYPE(o)->tp_name);
		}
		return -1;
	}
	v = PyLong_AsUnsignedLongLong(i);
	Py_DECREF(i);
	if (v == (unsigned long long)-1 && PyErr_Occurred()) {
		if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
			PyErr_Clear();
			goto range;
		}
		return -1;
	}
	if (v > max)
		goto range;
	*out = v;
	return 0;
range:
	PyErr_Format(PyExc_OverflowError, "%s must be in 0..%llu", what, max);
	return -1;
}

static int token_arg(PyObject *o, int *token)
{
	long t = PyLong_AsLong(o);

	if (t == -1 && PyErr_Occurred())
		return -1;
	if (t <= 0 || t > INT_MAX) {
		PyErr_Format(PyExc_ValueError, "token must be a positive int, not %ld", t);
		return -1;
	}
	*token = (int)t;
	return 0;
}

/* Area */

static int area_live(AreaObject *self)
{
	if (self->state == AREA_OPEN && self->pid != getpid())
		self->state = AREA_CLOSED;	/* inherited through fork */
	return self->state == AREA_OPEN;
}

static int area_check(AreaObject *self)
{
	if (area_live(self))
		return 0;
	PyErr_SetString(PyExc_ValueError, "operation on a released area");
	return -1;
}

static int area_do_release(AreaObject *self);

/* Keep the token and mapping while the GIL is dropped for a call. */
static int area_hold(AreaObject *self)
{
	if (area_check(self))
		return -1;
	self->calls++;
	return 0;
}

/*
 * The release deferred by release() runs when the last export or call
 * goes: from bf_releasebuffer or after a call, where an exception may be
 * set already and none may be raised.
 */
static void area_release_deferred(AreaObject *self)
{
	PyObject *et, *ev, *tb;

	if (self->calls || self->exports || self->state != AREA_CLOSING)
		return;
	PyErr_Fetch(&et, &ev, &tb);
	if (area_do_release(self))
		PyErr_WriteUnraisable((PyObject *)self);
	PyErr_Restore(et, ev, tb);
}

static void area_unhold(AreaObject *self)
{
	self->calls--;
	area_release_deferred(self);
}

static PyObject *area_new(PyTypeObject *type, void *addr, int token,
			  unsigned long length, unsigned long long version)
{
	AreaObject *self = (AreaObject *)type->tp_alloc(type, 0);

	if (!self) {
		swing_releasearea(token);
		return NULL;
	}
	self->addr = addr;
	self->size = (Py_ssize_t)length;
	self->token = token;
	self->state = AREA_OPEN;
	self->pid = getpid();
	self->version = version;
	return (PyObject *)self;
}

/* The real release: the module unmaps the area and frees its token. */
static int area_do_release(AreaObject *self)
{
	int ret, err = 0;

	self->state = AREA_CLOSED;
	if (self->pid != getpid())
		return 0;
	Py_BEGIN_ALLOW_THREADS
	ret = swing_releasearea(self->token);
	if (ret) {
		err = errno;
		/*
		 * The token went another way (released by a CAP_IPC_OWNER
		 * caller, as ipcrm does): the mapping is still ours.
		 */
		munmap(self->addr, self->size);
	}
	Py_END_ALLOW_THREADS
	if (ret && err != ENOENT) {
		errno = err;
		swing_error("releasearea");
		return -1;
	}
	return 0;
}

static PyObject *Area_create(PyTypeObject *type, PyObject *arg)
{
	Py_ssize_t size = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
	void *addr;
	int token, ret;

	if (size == -1 && PyErr_Occurred())
		return NULL;
	if (size <= 0) {
		PyErr_SetString(PyExc_ValueError, "size must be a positive number of bytes");
		return NULL;
	}
	Py_BEGIN_ALLOW_THREADS
	ret = swing_createarea(&addr, &token, (unsigned long)size);
	Py_END_ALLOW_THREADS
	if (ret)
		return swing_error("createarea");
	return area_new(type, addr, token,
			((unsigned long)size + sysconf(_SC_PAGESIZE) - 1) &
			~((unsigned long)sysconf(_SC_PAGESIZE) - 1), 0);
}

static PyObject *Area_hook(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "token", "populate", NULL };
	struct swing_hook req;
	PyObject *tok;
	int populate = 0, token, ret;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p", kwlist, &tok, &populate))
		return NULL;
	if (token_arg(tok, &token))
		return NULL;
	memset(&req, 0, sizeof(req));
	req.src_token = token;
	req.flags = populate ? SWING_HOOK_POPULATE : 0;
	Py_BEGIN_ALLOW_THREADS
	ret = swing_ioctl(SWING_IOC_HOOK, &req);
	Py_END_ALLOW_THREADS
	if (ret)
		return swing_error("hook");
	/* A signal cuts a populating hook short: its handler comes first. */
	if (populate && PyErr_CheckSignals()) {
		Py_BEGIN_ALLOW_THREADS
		swing_releasearea(req.token);
		Py_END_ALLOW_THREADS
		return NULL;
	}
	return area_new(type, (void *)(uintptr_t)req.addr, req.token,
			req.length, req.version);
}

static PyObject *Area_recv(PyTypeObject *type, PyObject *args)
{
	PyObject *tok;
	int nonblock = 0, qtoken, out, ret, err;
	unsigned long length;
	void *addr;

	if (!PyArg_ParseTuple(args, "O|p", &tok, &nonblock))
		return NULL;
	if (token_arg(tok, &qtoken))
		return NULL;
	for (;;) {
		Py_BEGIN_ALLOW_THREADS
		ret = swing_recv(qtoken, &addr, &out, &length,
				 nonblock ? SWING_NONBLOCK : 0);
		err = errno;
		Py_END_ALLOW_THREADS
		if (!ret)
			break;
		if (err != EINTR) {
			errno = err;
			return swing_error("recv");
		}
		if (PyErr_CheckSignals())
			return NULL;
	}
	return area_new(type, addr, out, length, 0);
}

static PyObject *Area_token_op(AreaObject *self, int (*op)(int), const char *name)
{
	int ret, err;

	if (area_hold(self))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = op(self->token);
	err = errno;
	Py_END_ALLOW_THREADS
	area_unhold(self);
	errno = err;
	if (ret)
		return swing_error(name);
	Py_RETURN_NONE;
}

static PyObject *Area_enable(AreaObject *self, PyObject *unused)
{
	return Area_token_op(self, swing_enablehook, "enablehook");
}

static PyObject *Area_disable(AreaObject *self, PyObject *unused)
{
	return Area_token_op(self, swing_disablehook, "disablehook");
}

static PyObject *Area_publish(AreaObject *self, PyObject *unused)
{
	uint64_t v;
	int ret, err;

	if (area_hold(self))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = swing_publish(self->token, &v);
	err = errno;
	Py_END_ALLOW_THREADS
	area_unhold(self);
	errno = err;
	if (ret)
		return swing_error("publish");
	self->version = v;
	return PyLong_FromUnsignedLongLong(v);
}

static PyObject *Area_release(AreaObject *self, PyObject *unused)
{
	if (self->state == AREA_MOVING) {
		/* Another thread is giving it away: release it if that fails. */
		self->release_pending = 1;
		Py_RETURN_NONE;
	}
	if (!area_live(self))
		Py_RETURN_NONE;
	if (self->exports > 0 || self->calls > 0) {
		/*
		 * Views still point into the mapping: keep it until they go,
		 * but let nobody hook it from now on.  The call counts, so the
		 * token is not released (and reused) under disablehook.
		 */
		self->state = AREA_CLOSING;
		self->calls++;
		Py_BEGIN_ALLOW_THREADS
		swing_disablehook(self->token);
		Py_END_ALLOW_THREADS
		area_unhold(self);
		Py_RETURN_NONE;
	}
	if (area_do_release(self))
		return NULL;
	Py_RETURN_NONE;
}

/*
 * _send(qtoken, move=False, nonblock=False): queue a snapshot of the area,
 * or give it away.  A move needs no buffer exported (the module unmaps the
 * area) and keeps new ones from being taken while it runs.
 */
static PyObject *Area_send(AreaObject *self, PyObject *args)
{
	PyObject *qtok;
	int qtoken, move = 0, nonblock = 0, ret, err;
	unsigned int flags;

	if (!PyArg_ParseTuple(args, "O|pp", &qtok, &move, &nonblock))
		return NULL;
	if (token_arg(qtok, &qtoken) || area_check(self))
		return NULL;
	if (move && self->exports) {
		PyErr_SetString(PyExc_BufferError,
				"cannot move an area while buffers exported from it exist");
		return NULL;
	}
	if (move && self->calls) {
		PyErr_SetString(PyExc_BufferError,
				"cannot move an area while another thread calls on it");
		return NULL;
	}
	flags = (move ? SWING_SEND_MOVE : 0) | (nonblock ? SWING_NONBLOCK : 0);
	if (move)
		self->state = AREA_MOVING;
	else
		self->calls++;
	for (;;) {
		Py_BEGIN_ALLOW_THREADS
		ret = swing_send(qtoken, self->token, flags);
		err = errno;
		Py_END_ALLOW_THREADS
		if (!ret || err != EINTR || PyErr_CheckSignals())
			break;
	}
	if (move) {
		/* Given away: unmapped and its token released by the module. */
		self->state = ret ? AREA_OPEN : AREA_CLOSED;
		if (ret && self->release_pending)
			self->state = AREA_CLOSING;	/* no exports, no calls */
		self->release_pending = 0;
		area_release_deferred(self);
	} else {
		area_unhold(self);
	}
	if (ret && err == EINTR)
		return NULL;	/* a signal handler raised */
	if (ret) {
		errno = err;
		return swing_error("send");
	}
	Py_RETURN_NONE;
}

static PyObject *Area_getperm(AreaObject *self, PyObject *unused)
{
	struct swing_perm p;
	int ret, err;

	if (area_hold(self))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = swing_getperm(self->token, &p);
	err = errno;
	Py_END_ALLOW_THREADS
	area_unhold(self);
	errno = err;
	if (ret)
		return swing_error("getperm");
	return Py_BuildValue("(III)", p.uid, p.gid, p.mode & 07777);
}

static PyObject *Area_setperm(AreaObject *self, PyObject *args)
{
	PyObject *uo, *go, *mo;
	unsigned long long uid, gid, mode;
	int ret, err;

	if (!PyArg_ParseTuple(args, "OOO", &uo, &go, &mo))
		return NULL;
	if (ulong_arg(uo, UINT32_MAX - 1, "uid", &uid) ||
	    ulong_arg(go, UINT32_MAX - 1, "gid", &gid) ||
	    ulong_arg(mo, 07777, "mode", &mode) || area_hold(self))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = swing_setperm(self->token, (uid_t)uid, (gid_t)gid, (mode_t)mode);
	err = errno;
	Py_END_ALLOW_THREADS
	area_unhold(self);
	errno = err;
	if (ret)
		return swing_error("setperm");
	Py_RETURN_NONE;
}

static PyObject *Area_grant_op(AreaObject *self, PyObject *pidobj, int revoke)
{
	unsigned long long pid;
	int ret, err;

	if (ulong_arg(pidobj, INT_MAX, "pid", &pid) || area_hold(self))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = revoke ? swing_revoke(self->token, (pid_t)pid) :
		       swing_grant(self->token, (pid_t)pid);
	err = errno;
	Py_END_ALLOW_THREADS
	area_unhold(self);
	errno = err;
	if (ret)
		return swing_error(revoke ? "revoke" : "grant");
	Py_RETURN_NONE;
}

static PyObject *Area_grant(AreaObject *self, PyObject *pid)
{
	return Area_grant_op(self, pid, 0);
}

static PyObject *Area_revoke(AreaObject *self, PyObject *pid)
{
	return Area_grant_op(self, pid, 1);
}

static PyObject *Area_enter(AreaObject *self, PyObject *unused)
{
	if (area_check(self))
		return NULL;
	Py_INCREF(self);
	return (PyObject *)self;
}

static PyObject *Area_exit(AreaObject *self, PyObject *args)
{
	return Area_release(self, NULL);
}

static void Area_dealloc(AreaObject *self)
{
	if (self->weakreflist)
		PyObject_ClearWeakRefs((PyObject *)self);
	if (self->state != AREA_CLOSED && self->pid == getpid()) {
		PyObject *et, *ev, *tb;

		PyErr_Fetch(&et, &ev, &tb);
		if (area_do_release(self))
			PyErr_WriteUnraisable((PyObject *)self);
		PyErr_Restore(et, ev, tb);
	}
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Area_getbuffer(AreaObject *self, Py_buffer *view, int flags)
{
	if (!area_live(self)) {
		PyErr_SetString(PyExc_ValueError, "operation on a released area");
		view->obj = NULL;
		return -1;
	}
	if (PyBuffer_FillInfo(view, (PyObject *)self, self->addr, self->size,
			      0, flags))
		return -1;
	self->exports++;
	return 0;
}

static void Area_releasebuffer(AreaObject *self, Py_buffer *view)
{
	self->exports--;
	area_release_deferred(self);
}

static Py_ssize_t Area_len(AreaObject *self)
{
	return self->size;
}

static PyObject *Area_get_token(AreaObject *self, void *c)
{
	return PyLong_FromLong(self->token);
}

static PyObject *Area_get_size(AreaObject *self, void *c)
{
	return PyLong_FromSsize_t(self->size);
}

static PyObject *Area_get_address(AreaObject *self, void *c)
{
	return PyLong_FromVoidPtr(self->addr);
}

static PyObject *Area_get_version(AreaObject *self, void *c)
{
	if (!self->version)
		Py_RETURN_NONE;
	return PyLong_FromUnsignedLongLong(self->version);
}

static PyObject *Area_get_closed(AreaObject *self, void *c)
{
	return PyBool_FromLong(!area_live(self));
}

static PyObject *Area_get_exports(AreaObject *self, void *c)
{
	return PyLong_FromSsize_t(self->exports);
}

static PyObject *Area_get_buf(AreaObject *self, void *c)
{
	if (area_check(self))
		return NULL;
	return PyMemoryView_FromObject((PyObject *)self);
}

static PyObject *Area_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	PyErr_SetString(PyExc_TypeError,
			"swing.Area cannot be instantiated: use swing.create() or swing.hook()");
	return NULL;
}

static PyMethodDef Area_methods[] = {
	{ "_create", (PyCFunction)Area_create, METH_O | METH_CLASS,
	  "_create(size): a new area of this process (swing.create)." },
	{ "_hook", (PyCFunction)(void (*)(void))Area_hook,
	  METH_VARARGS | METH_KEYWORDS | METH_CLASS,
	  "_hook(token, populate=False): a snapshot (swing.hook)." },
	{ "_recv", (PyCFunction)Area_recv, METH_VARARGS | METH_CLASS,
	  "_recv(qtoken, nonblock=False): the oldest message (Queue.recv)." },
	{ "enable", (PyCFunction)Area_enable, METH_NOARGS,
	  "enable($self, /)\n--\n\nLet others hook the area (enablehook(3))." },
	{ "disable", (PyCFunction)Area_disable, METH_NOARGS,
	  "disable($self, /)\n--\n\nStop new hooks of the area (disablehook(3))." },
	{ "publish", (PyCFunction)Area_publish, METH_NOARGS,
	  "publish($self, /)\n--\n\nMake the area's contents its next version and return "
	  "its number (swing_publish(3)).  Hooks then get that version." },
	{ "release", (PyCFunction)Area_release, METH_NOARGS,
	  "release($self, /)\n--\n\nRelease the area (releasearea(3)).  Idempotent.  With "
	  "buffers still exported the area is closed at once and unmapped when "
	  "the last of them is released." },
	{ "close", (PyCFunction)Area_release, METH_NOARGS,
	  "close($self, /)\n--\n\nThe same as release()." },
	{ "_send", (PyCFunction)Area_send, METH_VARARGS,
	  "_send(qtoken, move=False, nonblock=False): swing_send(3) (Queue.send)." },
	{ "getperm", (PyCFunction)Area_getperm, METH_NOARGS,
	  "getperm($self, /)\n--\n\n(uid, gid, mode) of the area (swing_getperm(3))." },
	{ "_setperm", (PyCFunction)Area_setperm, METH_VARARGS,
	  "_setperm(uid, gid, mode): swing_setperm(3) (Area.setperm)." },
	{ "grant", (PyCFunction)Area_grant, METH_O,
	  "grant($self, pid, /)\n--\n\nLet process *pid* hook the area whatever its mode "
	  "(swing_grant(3))." },
	{ "revoke", (PyCFunction)Area_revoke, METH_O,
	  "revoke($self, pid, /)\n--\n\nTake a grant back (swing_revoke(3))." },
	{ "__enter__", (PyCFunction)Area_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)Area_exit, METH_VARARGS, NULL },
	{ NULL }
};

static PyGetSetDef Area_getset[] = {
	{ "token", (getter)Area_get_token, NULL, "the area's token", NULL },
	{ "size", (getter)Area_get_size, NULL, "its length in bytes (whole pages)", NULL },
	{ "address", (getter)Area_get_address, NULL, "where it is mapped", NULL },
	{ "version", (getter)Area_get_version, NULL,
	  "the published version it holds (hook) or last published (owner); None if none", NULL },
	{ "closed", (getter)Area_get_closed, NULL, "True once released", NULL },
	{ "buf", (getter)Area_get_buf, NULL, "a writable memoryview of the area", NULL },
	{ "_exports", (getter)Area_get_exports, NULL, NULL, NULL },
	{ NULL }
};

static PySequenceMethods Area_as_sequence = {
	.sq_length = (lenfunc)Area_len,
};

static PyBufferProcs Area_as_buffer = {
	.bf_getbuffer = (getbufferproc)Area_getbuffer,
	.bf_releasebuffer = (releasebufferproc)Area_releasebuffer,
};

static PyTypeObject Area_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "swing._swing.Area",
	.tp_basicsize = sizeof(AreaObject),
	.tp_dealloc = (destructor)Area_dealloc,
	.tp_as_sequence = &Area_as_sequence,
	.tp_as_buffer = &Area_as_buffer,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "An area of swing memory mapped in this process.",
	.tp_weaklistoffset = offsetof(AreaObject, weakreflist),
	.tp_methods = Area_methods,
	.tp_getset = Area_getset,
	.tp_new = Area_new,
};

/* Module functions */

static PyObject *swing_py_version(PyObject *m, PyObject *unused)
{
	struct swing_version v;
	int ret;

	Py_BEGIN_ALLOW_THREADS
	ret = swing_version(&v);
	Py_END_ALLOW_THREADS
	if (ret)
		return swing_error("version");
	return Py_BuildValue("(IIII)", v.abi_version, v.major, v.minor, v.patch);
}

static PyObject *swing_py_wait(PyObject *m, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "token", "after", "timeout", NULL };
	PyObject *tok, *afterobj = NULL, *timeout = Py_None;
	unsigned long long after = 0;
	long long ms, deadline;
	int token, ret, err;
	uint64_t v;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO", kwlist, &tok, &afterobj,
					 &timeout))
		return NULL;
	if (token_arg(tok, &token) || timeout_ms(timeout, &ms))
		return NULL;
	if (afterobj && ulong_arg(afterobj, UINT64_MAX, "after", &after))
		return NULL;
	deadline = ms < 0 ? 0 : now_ms() + ms;
	for (;;) {
		int step = wait_step(ms, deadline);

		Py_BEGIN_ALLOW_THREADS
		ret = swing_wait(token, after, step, &v);
		err = errno;
		Py_END_ALLOW_THREADS
		if (!ret)
			return PyLong_FromUnsignedLongLong(v);
		if (err == ETIMEDOUT && step == INT_MAX && now_ms() < deadline)
			continue;	/* a longer timeout than one step */
		if (err != EINTR) {
			errno = err;
			return swing_error("wait");
		}
		if (PyErr_CheckSignals())
			return NULL;
	}
}

static PyObject *swing_py_watch(PyObject *m, PyObject *tok)
{
	int token, fd;

	if (token_arg(tok, &token))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	fd = swing_watch(token);
	Py_END_ALLOW_THREADS
	if (fd < 0)
		return swing_error("watch");
	return PyLong_FromLong(fd);
}

static PyObject *swing_py_queue_create(PyObject *m, PyObject *arg)
{
	long depth = PyLong_AsLong(arg);
	int qtoken, ret;

	if (depth == -1 && PyErr_Occurred())
		return NULL;
	if (depth <= 0 || depth > UINT_MAX) {
		PyErr_SetString(PyExc_ValueError, "depth must be a positive int");
		return NULL;
	}
	Py_BEGIN_ALLOW_THREADS
	ret = swing_queue_create(&qtoken, (unsigned int)depth);
	Py_END_ALLOW_THREADS
	if (ret)
		return swing_error("queue_create");
	return PyLong_FromLong(qtoken);
}

static PyObject *swing_py_release(PyObject *m, PyObject *tok)
{
	int token, ret;

	if (token_arg(tok, &token))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	ret = swing_releasearea(token);
	Py_END_ALLOW_THREADS
	if (ret)
		return swing_error("releasearea");
	Py_RETURN_NONE;
}

/*
 * Where a buffer's memory is: (address, length), for dumps() to tell a
 * buffer inside one of this process's areas (sent without a copy).
 */
static PyObject *swing_py_buffer_span(PyObject *m, PyObject *obj)
{
	Py_buffer view;
	PyObject *r;

	if (PyObject_GetBuffer(obj, &view, PyBUF_ANY_CONTIGUOUS))
		return NULL;
	r = Py_BuildValue("(Nn)", PyLong_FromVoidPtr(view.buf), view.len);
	PyBuffer_Release(&view);
	return r;
}

/* copy_into(area, offset, buffer): one memcpy, without the GIL. */
static PyObject *swing_py_copy_into(PyObject *m, PyObject *args)
{
	AreaObject *a;
	Py_ssize_t off;
	Py_buffer src;

	if (!PyArg_ParseTuple(args, "O!ny*", &Area_Type, &a, &off, &src))
		return NULL;
	if (area_check(a) || a->state != AREA_OPEN || off < 0 ||
	    src.len > a->size - off) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_ValueError, "buffer does not fit in the area");
		PyBuffer_Release(&src);
		return NULL;
	}
	a->calls++;	/* keeps the mapping while unlocked */
	Py_BEGIN_ALLOW_THREADS
	memmove((char *)a->addr + off, src.buf, src.len);
	Py_END_ALLOW_THREADS
	area_unhold(a);
	PyBuffer_Release(&src);
	Py_RETURN_NONE;
}

static PyMethodDef swing_methods[] = {
	{ "version", swing_py_version, METH_NOARGS,
	  "version() -> (abi, major, minor, patch) of the loaded module" },
	{ "wait", (PyCFunction)(void (*)(void))swing_py_wait,
	  METH_VARARGS | METH_KEYWORDS,
	  "wait(token, after=0, timeout=None) -> the latest version above after" },
	{ "watch", swing_py_watch, METH_O, "watch(token) -> a watch descriptor" },
	{ "queue_create", swing_py_queue_create, METH_O,
	  "queue_create(depth) -> the new queue's token" },
	{ "release", swing_py_release, METH_O, "release(token): releasearea(3)" },
	{ "buffer_span", swing_py_buffer_span, METH_O,
	  "buffer_span(obj) -> (address, length) of a contiguous buffer" },
	{ "copy_into", swing_py_copy_into, METH_VARARGS,
	  "copy_into(area, offset, buffer): copy buffer into the area" },
	{ NULL }
};

static struct PyModuleDef swing_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "swing._swing",
	.m_doc = "The C binding of libswing; use the swing package.",
	.m_size = -1,
	.m_methods = swing_methods,
};

PyMODINIT_FUNC PyInit__swing(void)
{
	PyObject *m;

	if (PyType_Ready(&Area_Type) < 0)
		return NULL;
	m = PyModule_Create(&swing_module);
	if (!m)
		return NULL;
	Py_INCREF(&Area_Type);
	if (PyModule_AddObject(m, "Area", (PyObject *)&Area_Type) < 0 ||
	    PyModule_AddIntConstant(m, "PAGESIZE", sysconf(_SC_PAGESIZE)) ||
	    PyModule_AddIntConstant(m, "ABI_VERSION", SWING_ABI_VERSION) ||
	    PyModule_AddStringConstant(m, "DEVICE", SWING_DEVICE) ||
	    PyModule_AddStringConstant(m, "RELEASE", SWING_RELEASE)) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}

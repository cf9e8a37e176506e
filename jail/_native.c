/* jail._native: one raw system call entry for the calls Python 3.11 lacks.
 *
 * Importing ctypes costs every launch two to four milliseconds; this module
 * costs a tenth of that. It holds no sandbox logic: jail/_sys.py builds the
 * arguments and names the call, this file only passes them to the kernel.
 *
 *   syscall(what, number, *args) -> int
 *     what    the name put in the OSError when the call fails
 *     number  a system call number, taken from NUMBERS
 *     args    at most six: int (passed as an unsigned long, so -100 stays
 *             AT_FDCWD), None (0), str (file-system encoded, NUL ended),
 *             bytes (read-only buffer) or bytearray (the kernel may write).
 *
 *   address_of(data: bytes) -> int
 *     where the bytes of `data` live, for a structure that must point at
 *     another buffer (struct sock_fprog). The caller keeps `data` alive
 *     until the call that uses the address has returned.
 *
 *   fork_into(flags: int) -> int
 *     os.fork() whose child starts in new namespaces (CLONE_NEW* flags):
 *     0 in the child, its pid in the parent. One process fewer than fork
 *     then unshare, because a new PID namespace takes effect only for
 *     children of the caller. Python's own before/after-fork work runs as
 *     for os.fork. Refused unless the process never started a thread: a
 *     raw clone skips glibc's fork handlers, which matter only when another
 *     thread could hold a lock at the moment of the clone. Also skipped: the
 *     child keeps the parent's thread id in glibc's thread block (the raw
 *     clone cannot set it) and registers no robust-mutex list, and
 *     pthread_atfork handlers do not run. pyjail's child only calls
 *     os.fork (glibc's fork sets both for the grandchild), waits, and exits
 *     or execs, none of which reads them.
 *
 *   NUMBERS  {name: number} for this build's architecture, from the kernel
 *            headers the module was compiled against.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_ARGUMENTS 6

typedef struct {
    unsigned long values[MAX_ARGUMENTS];
    Py_buffer buffers[MAX_ARGUMENTS];
    PyObject *encoded[MAX_ARGUMENTS];
    int held[MAX_ARGUMENTS];
} Arguments;

static void release_arguments(Arguments *arguments, Py_ssize_t count)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        if (arguments->held[i])
            PyBuffer_Release(&arguments->buffers[i]);
        Py_XDECREF(arguments->encoded[i]);
    }
}

/* One Python value as a register value; 0 on success, -1 with an exception. */
static int convert_argument(PyObject *value, Arguments *arguments, Py_ssize_t i)
{
    if (value == Py_None) {
        arguments->values[i] = 0;
        return 0;
    }
    if (PyLong_Check(value)) {
        /* -2**63 .. 2**64-1: a negative number (AT_FDCWD) as the kernel's
         * two's complement; anything wider is refused, not cut. */
        int overflow = 0;
        long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow > 0) {
            unsigned long long large = PyLong_AsUnsignedLongLong(value);
            if (large == (unsigned long long)-1 && PyErr_Occurred())
                return -1;
            arguments->values[i] = (unsigned long)large;
            return 0;
        }
        if (overflow < 0) {
            PyErr_Format(PyExc_OverflowError, "system call argument %zd: below -2**63", i + 1);
            return -1;
        }
        if (number == -1 && PyErr_Occurred())
            return -1;
        arguments->values[i] = (unsigned long)number;
        return 0;
    }
    if (PyUnicode_Check(value)) {
        arguments->encoded[i] = PyUnicode_EncodeFSDefault(value);
        if (arguments->encoded[i] == NULL)
            return -1;
        if (strlen(PyBytes_AS_STRING(arguments->encoded[i]))
            != (size_t)PyBytes_GET_SIZE(arguments->encoded[i])) {
            PyErr_Format(PyExc_ValueError, "system call argument %zd: embedded null character", i + 1);
            return -1;
        }
        arguments->values[i] = (unsigned long)PyBytes_AS_STRING(arguments->encoded[i]);
        return 0;
    }
    if (PyBytes_Check(value)) {
        /* A structure, passed whole (it may hold zero bytes); bytes objects
         * also end in a NUL the size does not count. Strings go as str. */
        arguments->values[i] = (unsigned long)PyBytes_AS_STRING(value);
        return 0;
    }
    if (PyByteArray_Check(value)) {
        if (PyObject_GetBuffer(value, &arguments->buffers[i], PyBUF_WRITABLE) < 0)
            return -1;
        arguments->held[i] = 1;
        arguments->values[i] = (unsigned long)arguments->buffers[i].buf;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "system call argument %zd: int, None, str, bytes "
                 "or bytearray expected, not %s", i + 1, Py_TYPE(value)->tp_name);
    return -1;
}

static PyObject *native_syscall(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs < 2 || nargs > 2 + MAX_ARGUMENTS) {
        PyErr_SetString(PyExc_TypeError, "syscall(what, number, *args): 0 to 6 arguments");
        return NULL;
    }
    PyObject *what = args[0];
    long number = PyLong_AsLong(args[1]);
    if (number == -1 && PyErr_Occurred())
        return NULL;

    Arguments arguments = {0};
    Py_ssize_t count = nargs - 2;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (convert_argument(args[2 + i], &arguments, i) < 0) {
            release_arguments(&arguments, i + 1);
            return NULL;
        }
    }

    long result;
    int saved_errno;
    unsigned long *v = arguments.values;
    /* The GIL is released, as for any system call that might wait. */
    Py_BEGIN_ALLOW_THREADS
    errno = 0;
    result = syscall(number, v[0], v[1], v[2], v[3], v[4], v[5]);
    saved_errno = errno;
    Py_END_ALLOW_THREADS
    release_arguments(&arguments, count);

    if (result == -1) {
        errno = saved_errno;
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, what);
    }
    return PyLong_FromLong(result);
}

static PyObject *native_address_of(PyObject *self, PyObject *data)
{
    (void)self;
    if (!PyBytes_Check(data)) {
        PyErr_Format(PyExc_TypeError, "address_of: bytes expected, not %s",
                     Py_TYPE(data)->tp_name);
        return NULL;
    }
    return PyLong_FromVoidPtr(PyBytes_AS_STRING(data));
}

static PyObject *native_fork_into(PyObject *self, PyObject *flags_object)
{
    (void)self;
    unsigned long flags = PyLong_AsUnsignedLong(flags_object);
    if (flags == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    const unsigned long namespaces = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS
        | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
    if (flags & ~namespaces) {
        /* CLONE_VM, CLONE_THREAD, CLONE_SETTLS ... need a stack or pointers
         * this fork-like call does not give. */
        PyErr_SetString(PyExc_ValueError, "fork_into: only CLONE_NEW* flags");
        return NULL;
    }
    if (!__libc_single_threaded) {
        PyErr_SetString(PyExc_RuntimeError, "fork_into: this process has started threads");
        return NULL;
    }

    PyOS_BeforeFork();
    /* x86_64 and aarch64 argument order: flags, stack, parent_tid,
     * child_tid (aarch64: tls), tls; a NULL stack means "this stack", as
     * fork does. */
    long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
    int saved_errno = errno;
    if (pid == 0) {
        PyOS_AfterFork_Child();
        return PyLong_FromLong(0);
    }
    PyOS_AfterFork_Parent();
    if (pid < 0) {
        errno = saved_errno;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return PyLong_FromLong(pid);
}

static PyMethodDef native_methods[] = {
    {"fork_into", native_fork_into, METH_O,
     "fork_into(flags) -> int; os.fork() with CLONE_NEW* flags"},
    {"address_of", native_address_of, METH_O,
     "address_of(data: bytes) -> int; valid while `data` is alive"},
    {"syscall", (PyCFunction)(void (*)(void))native_syscall, METH_FASTCALL,
     "syscall(what, number, *args) -> int; raises OSError(errno, ..., what)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "jail._native",
    "Raw system calls for pyjail (see jail/_sys.py).", -1, native_methods,
    NULL, NULL, NULL, NULL,
};

#define NUMBER(name) {#name, SYS_##name}

static const struct {
    const char *name;
    long number;
} known_numbers[] = {
    NUMBER(prctl), NUMBER(mount), NUMBER(umount2),
    NUMBER(pivot_root), NUMBER(sethostname), NUMBER(capget), NUMBER(capset),
    NUMBER(seccomp), NUMBER(pidfd_open), NUMBER(pidfd_getfd), NUMBER(close_range),
    NUMBER(openat2), NUMBER(open_tree), NUMBER(move_mount), NUMBER(fsopen),
    NUMBER(fsconfig), NUMBER(fsmount), NUMBER(mount_setattr),
    NUMBER(landlock_create_ruleset), NUMBER(landlock_add_rule),
    NUMBER(landlock_restrict_self),
};

PyMODINIT_FUNC PyInit__native(void)
{
    PyObject *module = PyModule_Create(&native_module);
    PyObject *numbers = PyDict_New();
    if (module == NULL || numbers == NULL)
        goto fail;

    for (size_t i = 0; i < sizeof known_numbers / sizeof known_numbers[0]; i++) {
        PyObject *value = PyLong_FromLong(known_numbers[i].number);
        if (value == NULL || PyDict_SetItemString(numbers, known_numbers[i].name, value) < 0) {
            Py_XDECREF(value);
            goto fail;
        }
        Py_DECREF(value);
    }
    if (PyModule_AddObject(module, "NUMBERS", numbers) < 0)
        goto fail;
    return module;

fail:
    Py_XDECREF(numbers);
    Py_XDECREF(module);
    return NULL;
}

/* probe: try one forbidden (or allowed) thing from inside the sandbox and
 * print what happened, as "NAME ok" or "NAME errno ENAME".
 * Built by the tests with: gcc -O1 -no-pie -pthread -o probe probe.c
 * (-no-pie keeps static data below 4 GiB, which int 0x80 needs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const char *errno_name(int e)
{
    switch (e) {
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case EACCES: return "EACCES";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case ESRCH: return "ESRCH";
    case EIO: return "EIO";
    case ENOTTY: return "ENOTTY";
    case EFAULT: return "EFAULT";
    case EROFS: return "EROFS";
    case EBUSY: return "EBUSY";
    default: return "EOTHER";
    }
}

static int report(const char *name, long result)
{
    if (result < 0)
        printf("%s errno %s\n", name, errno_name(errno));
    else
        printf("%s ok\n", name);
    fflush(stdout);
    return 0;
}

/* The target does not exist: unsandboxed root gets ENOENT and nothing is
 * mounted, while a seccomp denial answers before the path is looked at. */
static int probe_mount(void)
{
    return report("mount", mount("none", "/nonexistent/pyjail-probe", "tmpfs", 0, NULL));
}

static int probe_ptrace(void)
{
    pid_t sibling = fork();
    if (sibling == 0) {
        pause();
        _exit(0);
    }
    long result = ptrace(PTRACE_ATTACH, sibling, NULL, NULL);
    int saved = errno;
    kill(sibling, SIGKILL);
    waitpid(sibling, NULL, 0);
    errno = saved;
    return report("ptrace", result);
}

/* Push a character into a fresh pseudo-terminal's input with TIOCSTI and
 * check from the other side whether it arrived. */
static int probe_tiocsti(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        perror("posix_openpt");
        return 2;
    }
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    struct termios raw;
    tcgetattr(slave, &raw);
    cfmakeraw(&raw);
    tcsetattr(slave, TCSANOW, &raw);
    char c = 'X';
    long result = ioctl(slave, TIOCSTI, &c);
    int saved = errno;
    fcntl(slave, F_SETFL, O_NONBLOCK);
    char got = 0;
    ssize_t n = read(slave, &got, 1);
    printf("tiocsti injected %s\n", n == 1 && got == 'X' ? "yes" : "no");
    errno = saved;
    return report("tiocsti", result);
}

/* The same request with upper bits set: the kernel reads only 32 bits. */
static int probe_tiocsti_high(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(master);
    unlockpt(master);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    char c = 'X';
    long result = syscall(SYS_ioctl, slave, 0x100000000UL | TIOCSTI, &c);
    return report("tiocsti_high", result);
}

/* The new mount API: fsopen creates a filesystem context (harmless on its
 * own), open_tree clones a mount; both are how mount(2) filters get
 * bypassed when a profile forgets them. */
static int probe_fsopen(void)
{
    return report("fsopen", syscall(430, "tmpfs", 0));
}

static int probe_open_tree(void)
{
    return report("open_tree", syscall(428, -100, "/nonexistent/pyjail-probe", 1));
}

/* userfaultfd through its device (Linux 6.1): the ioctl hands out the same
 * descriptor the denied userfaultfd call would. */
static int probe_userfaultfd_device(void)
{
    int device = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (device < 0)
        return report("userfaultfd_device_open", -1);
    return report("userfaultfd_device", ioctl(device, 0xAA00, O_CLOEXEC));
}

static int probe_io_uring(void)
{
    char params[120];
    memset(params, 0, sizeof params);
    return report("io_uring_setup", syscall(425, 4, params));
}

/* An x32 call: the syscall number with bit 30 set. */
static int probe_x32(void)
{
    return report("x32", syscall(0x40000000 | SYS_getpid));
}

static char int80_path[64];

/* i386 mkdir(path, 0755) through int 0x80 from 64-bit code. */
static int probe_int80(const char *path)
{
    long result;
    strncpy(int80_path, path, sizeof int80_path - 1);
    __asm__ volatile("int $0x80"
                     : "=a"(result)
                     : "a"(39), "b"((unsigned int)(unsigned long)int80_path), "c"(0755)
                     : "memory");
    if (result < 0) {
        errno = (int)-result;
        result = -1;
    }
    return report("int80_mkdir", result);
}

static int probe_unknown(void)
{
    return report("unknown_syscall", syscall(1000));
}

static int probe_above_table(void)
{
    return report("above_table", syscall(600));
}

static int probe_socket(int family, const char *name)
{
    return report(name, socket(family, SOCK_STREAM, 0));
}

static void *thread_body(void *arg)
{
    *(int *)arg = 42;
    return NULL;
}

static int probe_thread(void)
{
    pthread_t thread;
    int value = 0;
    int rc = pthread_create(&thread, NULL, thread_body, &value);
    if (rc != 0) {
        errno = rc;
        return report("pthread_create", -1);
    }
    pthread_join(thread, NULL);
    return report("pthread_create", value == 42 ? 0 : -1);
}

static int probe_personality(void)
{
    return report("personality_no_aslr", syscall(SYS_personality, 0x0040000));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: probe NAME [ARG]\n");
        return 2;
    }
    const char *what = argv[1];
    if (!strcmp(what, "mount")) return probe_mount();
    if (!strcmp(what, "ptrace")) return probe_ptrace();
    if (!strcmp(what, "tiocsti")) return probe_tiocsti();
    if (!strcmp(what, "tiocsti_high")) return probe_tiocsti_high();
    if (!strcmp(what, "io_uring")) return probe_io_uring();
    if (!strcmp(what, "fsopen")) return probe_fsopen();
    if (!strcmp(what, "userfaultfd_device")) return probe_userfaultfd_device();
    if (!strcmp(what, "open_tree")) return probe_open_tree();
    if (!strcmp(what, "x32")) return probe_x32();
    if (!strcmp(what, "int80") && argc > 2) return probe_int80(argv[2]);
    if (!strcmp(what, "unknown")) return probe_unknown();
    if (!strcmp(what, "above_table")) return probe_above_table();
    if (!strcmp(what, "inet")) return probe_socket(AF_INET, "socket_inet");
    if (!strcmp(what, "unix")) return probe_socket(AF_UNIX, "socket_unix");
    if (!strcmp(what, "thread")) return probe_thread();
    if (!strcmp(what, "personality")) return probe_personality();
    fprintf(stderr, "probe: unknown probe %s\n", what);
    return 2;
}

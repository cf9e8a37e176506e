/* denied: make the calls a profile denies and print what each returned,
 * as "NAME ok" or "NAME errno ENAME". Built by tests/integration/test_reports.py.
 *   denied ptrace mount inet   one call each, in that order
 *   denied again               the same three calls a second time too
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

static void show(const char *name, long result)
{
    if (result < 0) {
        const char *text = errno == EPERM ? "EPERM" : errno == EACCES ? "EACCES"
            : errno == EAFNOSUPPORT ? "EAFNOSUPPORT" : errno == ENOSYS ? "ENOSYS"
            : errno == ENOENT ? "ENOENT" : "EOTHER";
        printf("%s errno %s\n", name, text);
    } else {
        printf("%s ok\n", name);
    }
    fflush(stdout);
}

static void call(const char *what)
{
    if (strcmp(what, "ptrace") == 0)
        show("ptrace", ptrace(PTRACE_ATTACH, 1, 0, 0));
    else if (strcmp(what, "mount") == 0)
        show("mount", mount("none", "/nonexistent/pyjail-denied", "tmpfs", 0, NULL));
    else if (strcmp(what, "inet") == 0)
        show("socket", socket(AF_INET, SOCK_STREAM, 0));
    else if (strcmp(what, "close") == 0)
        show("close", close(0));
    else if (strcmp(what, "unix") == 0)
        show("socket_unix", socket(AF_UNIX, SOCK_STREAM, 0));
}

int main(int argc, char **argv)
{
    int repeat = 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "again") == 0)
            repeat = 2;
    for (int round = 0; round < repeat; round++)
        for (int i = 1; i < argc; i++)
            call(argv[i]);
    return 0;
}

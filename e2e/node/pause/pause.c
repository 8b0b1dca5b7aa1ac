/* The real stack's pod sandbox ("pause") process, written for Rookery.
 *
 * It holds the pod's namespaces open: it sleeps until SIGTERM or SIGINT and, being PID 1 when the
 * pod shares its process namespace, reaps every child that is re-parented to it. Built static with
 * `gcc -static` by e2e/stack/node.py and packed into an OCI image by e2e/stack/oci.py.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_stop(int signum) {
    (void)signum;
    stopping = 1;
}

static void on_child(int signum) {
    (void)signum;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        printf("rookery-pause 1.0\n");
        return 0;
    }
    struct sigaction stop, child;
    memset(&stop, 0, sizeof stop);
    memset(&child, 0, sizeof child);
    stop.sa_handler = on_stop;
    child.sa_handler = on_child;
    child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
    if (sigaction(SIGTERM, &stop, NULL) < 0 || sigaction(SIGINT, &stop, NULL) < 0 ||
        sigaction(SIGCHLD, &child, NULL) < 0) {
        perror("rookery-pause: sigaction");
        return 1;
    }
    if (getpid() != 1) {
        fprintf(stderr, "rookery-pause: warning: not PID 1, zombies are reaped only for my own children\n");
    }
    while (!stopping) {
        pause();
    }
    return 0;
}

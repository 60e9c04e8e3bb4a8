#define _GNU_SOURCE
#include "aura_bind_port.h"

#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int next_port = 0;
static int ports_left = 0;
static pthread_t armed_thread;

static int real_bind(int fd, const struct sockaddr *a, socklen_t len) {
    static int (*fn)(int, const struct sockaddr *, socklen_t);
    if (!fn)
        fn = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
    return fn(fd, a, len);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    struct sockaddr_in sin;
    int port = 0;
    pthread_mutex_lock(&lock);
    if (ports_left > 0 && pthread_equal(pthread_self(), armed_thread) && addr &&
        addr->sa_family == AF_INET && len >= (socklen_t)sizeof(sin)) {
        memcpy(&sin, addr, sizeof(sin));
        if (sin.sin_port == 0) {
            port = next_port++;
            ports_left--;
        }
    }
    pthread_mutex_unlock(&lock);
    if (port) {
        sin.sin_port = htons((uint16_t)port);
        return real_bind(fd, (struct sockaddr *)&sin, sizeof(sin));
    }
    return real_bind(fd, addr, len);
}

void aura_bind_port_arm(int first_port, int count) {
    pthread_mutex_lock(&lock);
    next_port = first_port;
    ports_left = count;
    armed_thread = pthread_self();
    pthread_mutex_unlock(&lock);
}

int aura_bind_port_disarm(void) {
    pthread_mutex_lock(&lock);
    int left = ports_left;
    ports_left = 0;
    pthread_mutex_unlock(&lock);
    return left;
}

int aura_bind_port_is_free(int port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int on = 1, ok, s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return 0;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    ok = real_bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
    int saved = errno;
    close(s);
    errno = saved;
    return ok;
}

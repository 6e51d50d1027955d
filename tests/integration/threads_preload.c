// threads_preload: a library for `sandbox --preload` whose constructor starts
// named threads, so the launcher has sibling threads that it did not create and
// whose code it does not control. The library does nothing unless told to:
//
//   PRELOAD_START_THREADS=1  start the threads (otherwise the constructor returns)
//   PRELOAD_THREADS=K        how many threads, 1..1000 (default 4)
//   PRELOAD_BLOCK_SIGNALS=1  the threads block every blockable signal from birth,
//                            so a launcher cannot park them with a signal
//   PRELOAD_CHURN=1          instead of sleeping, each thread keeps creating and
//                            joining short-lived threads named "churn", so new
//                            threads appear while a launcher is parking them
//   PRELOAD_MALLOC=1         instead of sleeping, each thread keeps allocating and
//                            freeing memory, so a launcher that stops it with a
//                            signal may stop it inside malloc, holding a lock
//   PRELOAD_TAKE_RT_SIGNALS=1
//                            install a no-op handler on every real-time signal,
//                            leaving a launcher none to park threads with
//   PRELOAD_ANNOUNCE=1       write "threads_preload: loaded in COMM, N thread(s)"
//                            to stderr, so a test can see which processes loaded it
//
// Each thread names itself preload-0 .. preload-(K-1) (with prctl: the target may
// not be allowed to write /proc/self/task/*/comm); the constructor returns only
// when every thread is named, then they sleep in pause() until exit or exec.
// The target of `sandbox --preload` inherits the environment and loads the
// library through LD_PRELOAD, so it starts its own threads too: harmless, they
// die when the target exits.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

enum { default_threads = 4, max_threads = 1000 };

static int env_is_one(const char* name) {
    const char* value = getenv(name);
    return value != NULL && strcmp(value, "1") == 0;
}

static int thread_count(void) {
    const char* value = getenv("PRELOAD_THREADS");
    if (value == NULL || *value == '\0') {
        return default_threads;
    }
    char* end = NULL;
    long n = strtol(value, &end, 10);
    if (*end != '\0' || n < 1 || n > max_threads) {
        dprintf(2, "threads_preload: PRELOAD_THREADS=%s is not 1..%d, using %d\n", value,
                max_threads, default_threads);
        return default_threads;
    }
    return (int)n;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t named_cond = PTHREAD_COND_INITIALIZER;
static int named;

static void* short_lived(void* arg) {
    (void)arg;
    prctl(PR_SET_NAME, "churn", 0, 0, 0);
    return NULL;
}

// Creates and joins threads until the process exits or execs.
static void churn(void) {
    for (;;) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_lived, NULL) == 0) {
            pthread_join(t, NULL);
        }
    }
}

// Allocates, touches and frees blocks of varying size until exit or exec.
static void allocate_forever(unsigned seed) {
    for (;;) {
        seed = seed * 1103515245u + 12345u;
        size_t size = 16 + (seed >> 16) % 4096;
        char* p = malloc(size);
        if (p != NULL) {
            memset(p, 1, size);
            free(p);
        }
    }
}

static void* idle(void* arg) {
    char name[16];
    snprintf(name, sizeof name, "preload-%d", (int)(intptr_t)arg);
    if (prctl(PR_SET_NAME, name, 0, 0, 0) != 0) {
        dprintf(2, "threads_preload: prctl(PR_SET_NAME): %s\n", strerror(errno));
    }
    pthread_mutex_lock(&lock);
    ++named;
    pthread_cond_broadcast(&named_cond);
    pthread_mutex_unlock(&lock);
    if (env_is_one("PRELOAD_CHURN")) {
        churn();
    }
    if (env_is_one("PRELOAD_MALLOC")) {
        allocate_forever((unsigned)(intptr_t)arg);
    }
    for (;;) {
        pause();  // with every signal blocked, this never returns
    }
    return NULL;
}

static void ignore_signal(int sig) { (void)sig; }

static void take_rt_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ignore_signal;
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) {
        if (sigaction(sig, &sa, NULL) != 0) {
            dprintf(2, "threads_preload: sigaction(%d): %s\n", sig, strerror(errno));
        }
    }
}

__attribute__((constructor)) static void start_threads(void) {
    if (env_is_one("PRELOAD_TAKE_RT_SIGNALS")) {
        take_rt_signals();
    }
    if (!env_is_one("PRELOAD_START_THREADS")) {
        return;
    }
    const int count = thread_count();
    const int block = env_is_one("PRELOAD_BLOCK_SIGNALS");

    // A new thread inherits its creator's mask: block here, create, restore, so
    // the threads never run a single instruction with the signals deliverable.
    sigset_t all;
    sigset_t old;
    sigfillset(&all);
    if (block) {
        pthread_sigmask(SIG_BLOCK, &all, &old);
    }
    int started = 0;
    for (int i = 0; i < count; ++i) {
        pthread_t t;
        int err = pthread_create(&t, NULL, idle, (void*)(intptr_t)i);
        if (err != 0) {
            dprintf(2, "threads_preload: pthread_create: %s\n", strerror(err));
            break;
        }
        pthread_detach(t);
        ++started;
    }
    pthread_mutex_lock(&lock);
    while (named < started) {
        pthread_cond_wait(&named_cond, &lock);
    }
    pthread_mutex_unlock(&lock);
    if (block) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (env_is_one("PRELOAD_ANNOUNCE")) {
        char comm[17] = {0};
        prctl(PR_GET_NAME, comm, 0, 0, 0);
        dprintf(2, "threads_preload: loaded in %s, %d thread(s)%s\n", comm, started,
                block ? ", all signals blocked" : "");
    }
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests for LANDLOCK_RESTRICT_SELF_TSYNC (kernel/tsync.patch).
 *
 * Runs as root (init) inside the VM.  Every test runs in its own forked
 * process, because a Landlock restriction cannot be undone, and prints
 *
 *   RESULT <name> PASS|FAIL <detail>
 *
 * Every check compares against an independent expectation: threads are
 * probed before the call (they must be unrestricted) and after it (they must
 * get EACCES on the denied file and 0 on the allowed one), with the exact
 * errno.  On a kernel without the flag every test that needs it fails, which
 * the control run of kernel/vm-test.sh checks.
 *
 *   tsync-test [TEST...]    run the named tests (default: all)
 *   tsync-test --list       print the test names (used by the harness to
 *                           notice tests that never reported)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/landlock.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

#ifndef LANDLOCK_RESTRICT_SELF_TSYNC
#define LANDLOCK_RESTRICT_SELF_TSYNC (1U << 3)
#endif
#define LANDLOCK_MAX_NUM_LAYERS 16
#define EXPECTED_ABI 6

#define DIR_BASE "/tmp/tt"
#define F_ALLOWED DIR_BASE "/allowed/f"
#define F_DENIED DIR_BASE "/denied/f"
#define F_X DIR_BASE "/x/f"
#define F_Y DIR_BASE "/y/f"
#define FIFO_PATH DIR_BASE "/allowed/fifo"

/* ------------------------------------------------------------------------ */
/* Reporting: a failing check writes its message to the result pipe.        */

static int result_fd = -1;

/* Writes "MESSAGE; " to the result pipe. */
static void vreport(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vreport(const char *fmt, va_list ap)
{
	char buf[512];
	int len;

	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (len > (int)sizeof(buf) - 3)
		len = sizeof(buf) - 3;
	buf[len++] = ';';
	buf[len++] = ' ';
	if (result_fd >= 0 && write(result_fd, buf, len) < 0)
		_exit(3);
}

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	_exit(1);
}

static void notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void notef(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

static const char *errname(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "0";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EINTR: return "EINTR";
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	default:
		snprintf(buf, sizeof(buf), "errno %d", e);
		return buf;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* ------------------------------------------------------------------------ */
/* Landlock                                                                 */

static int ll_restrict(int fd, unsigned int flags)
{
	return syscall(__NR_landlock_restrict_self, fd, flags) ? errno : 0;
}

static int ll_abi(void)
{
	return syscall(__NR_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION);
}

/* A ruleset handling read_file that allows it beneath the given dirs. */
static int ruleset_allowing(const char *const *dirs)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE,
	};
	int fd = syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (fd < 0)
		failf("landlock_create_ruleset: %s", errname(errno));
	for (; *dirs; dirs++) {
		struct landlock_path_beneath_attr pb = {
			.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE,
		};

		pb.parent_fd = open(*dirs, O_PATH | O_CLOEXEC);
		if (pb.parent_fd < 0)
			failf("open %s: %s", *dirs, errname(errno));
		if (syscall(__NR_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH,
			    &pb, 0))
			failf("landlock_add_rule %s: %s", *dirs, errname(errno));
		close(pb.parent_fd);
	}
	return fd;
}

/* Allows /proc and the allowed dir: denies F_DENIED, F_X and F_Y. */
static int std_ruleset(void)
{
	static const char *const dirs[] = { "/proc", DIR_BASE "/allowed", NULL };

	return ruleset_allowing(dirs);
}

static int try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void set_nnp(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		failf("PR_SET_NO_NEW_PRIVS: %s", errname(errno));
}

/* NoNewPrivs of a thread of this process, from /proc (-1 if unknown). */
static int status_nnp(pid_t tid)
{
	char path[64], line[256];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "NoNewPrivs: %d", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------------ */
/* A pool of sibling threads that probe on command.                         */

struct probe {
	pid_t tid;
	int denied, allowed, x, y, nnp;
};

struct pool {
	int n;
	pthread_t *threads;
	struct probe *probes;
	atomic_int command;	/* 0 idle, k>0: probe round k, -1: exit */
	atomic_int ready;
	atomic_int done;
};

static void futex_wait_(atomic_int *addr, int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(atomic_int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

struct pool_arg {
	struct pool *pool;
	int index;
};

static void probe_self(struct probe *p)
{
	p->tid = gettid_();
	p->denied = try_open(F_DENIED);
	p->allowed = try_open(F_ALLOWED);
	p->x = try_open(F_X);
	p->y = try_open(F_Y);
	p->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

static void *pool_thread(void *arg)
{
	struct pool_arg *pa = arg;
	struct pool *pool = pa->pool;
	struct probe *p = &pool->probes[pa->index];
	int seen = 0;

	p->tid = gettid_();
	atomic_fetch_add(&pool->ready, 1);
	futex_wake_all(&pool->ready);
	for (;;) {
		int cmd = atomic_load(&pool->command);

		if (cmd == -1)
			break;
		if (cmd == seen) {
			futex_wait_(&pool->command, cmd);
			continue;
		}
		seen = cmd;
		probe_self(p);
		atomic_fetch_add(&pool->done, 1);
		futex_wake_all(&pool->done);
	}
	free(pa);
	return NULL;
}

static void wait_count(atomic_int *counter, int target, double timeout)
{
	double end = now() + timeout;

	for (;;) {
		int v = atomic_load(counter);

		if (v >= target)
			return;
		if (now() > end)
			failf("timeout waiting for threads (%d/%d)", v, target);
		{
			struct timespec ts = { 0, 50 * 1000000L };

			syscall(SYS_futex, counter, FUTEX_WAIT_PRIVATE, v, &ts,
				NULL, 0);
		}
	}
}

static struct pool *pool_start(int n)
{
	struct pool *pool = calloc(1, sizeof(*pool));
	pthread_attr_t attr;
	int i;

	pool->n = n;
	pool->threads = calloc(n, sizeof(*pool->threads));
	pool->probes = calloc(n, sizeof(*pool->probes));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < n; i++) {
		struct pool_arg *pa = malloc(sizeof(*pa));
		int err;

		pa->pool = pool;
		pa->index = i;
		err = pthread_create(&pool->threads[i], &attr, pool_thread, pa);
		if (err)
			failf("pthread_create #%d: %s", i, strerror(err));
	}
	pthread_attr_destroy(&attr);
	wait_count(&pool->ready, n, 120);
	return pool;
}

/* Runs one probe round in every pool thread. */
static void pool_probe(struct pool *pool, int round)
{
	atomic_store(&pool->done, 0);
	atomic_store(&pool->command, round);
	futex_wake_all(&pool->command);
	wait_count(&pool->done, pool->n, 120);
}

static void pool_stop(struct pool *pool)
{
	int i;

	atomic_store(&pool->command, -1);
	futex_wake_all(&pool->command);
	for (i = 0; i < pool->n; i++)
		pthread_join(pool->threads[i], NULL);
}

/*
 * Checks that every pool thread (and the caller) is unrestricted, or
 * restricted by the standard ruleset with no_new_privs.  Reports a count of
 * mismatches and the first one.
 */
static void pool_expect(struct pool *pool, bool restricted, const char *when)
{
	int i, bad = 0, first = -1;
	struct probe self;

	pool_probe(pool, restricted ? 2 : 1);
	for (i = 0; i < pool->n; i++) {
		const struct probe *p = &pool->probes[i];
		bool ok;

		if (restricted)
			ok = p->denied == EACCES && p->allowed == 0 &&
			     p->nnp == 1 && status_nnp(p->tid) == 1;
		else
			ok = p->denied == 0 && p->allowed == 0 &&
			     p->nnp == 0 && status_nnp(p->tid) == 0;
		if (!ok) {
			bad++;
			if (first < 0)
				first = i;
		}
	}
	if (bad) {
		const struct probe *p = &pool->probes[first];

		failf("%s: %d of %d threads wrong; first tid %d: denied=%s "
		      "allowed=%s nnp=%d status_nnp=%d",
		      when, bad, pool->n, p->tid, errname(p->denied),
		      errname(p->allowed), p->nnp, status_nnp(p->tid));
	}
	probe_self(&self);
	if (restricted && (self.denied != EACCES || self.allowed != 0))
		failf("%s: caller denied=%s allowed=%s", when,
		      errname(self.denied), errname(self.allowed));
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */

static void test_flag_probe(void)
{
	int abi = ll_abi(), e;

	set_nnp();
	e = ll_restrict(-1, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (e != EBADF)
		failf("restrict_self(-1, TSYNC) = %s: flag missing", errname(e));
	if (abi != EXPECTED_ABI)
		failf("ABI version %d, expected %d (must not be bumped)", abi,
		      EXPECTED_ABI);
	notef("EBADF, ABI %d", abi);
}

static void test_fd_minus_one_ebadf(void)
{
	int e;

	/* Without no_new_privs (and as non-root) the answer would be EPERM. */
	set_nnp();
	e = ll_restrict(-1, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (e != EBADF)
		failf("restrict_self(-1, TSYNC) = %s, expected EBADF", errname(e));
	e = ll_restrict(-1, 0);
	if (e != EBADF)
		failf("restrict_self(-1, 0) = %s, expected EBADF", errname(e));
	if (try_open(F_DENIED) != 0)
		failf("restricted after a failed call");
}

static void test_unknown_flags_einval(void)
{
	int fd, bit, e;

	set_nnp();
	fd = std_ruleset();
	for (bit = 0; bit < 32; bit++) {
		unsigned int flag = 1U << bit;

		if (flag == LANDLOCK_RESTRICT_SELF_TSYNC)
			continue;
		e = ll_restrict(fd, flag);
		if (e != EINVAL)
			failf("flags 1<<%d: %s, expected EINVAL", bit, errname(e));
		e = ll_restrict(fd, flag | LANDLOCK_RESTRICT_SELF_TSYNC);
		if (e != EINVAL)
			failf("flags TSYNC|1<<%d: %s, expected EINVAL", bit,
			      errname(e));
		/* Flags are checked before the file descriptor. */
		e = ll_restrict(-1, flag);
		if (e != EINVAL)
			failf("fd -1, flags 1<<%d: %s, expected EINVAL", bit,
			      errname(e));
	}
	if (try_open(F_DENIED) != 0)
		failf("restricted after rejected calls");
	/* ... while the one known flag is accepted. */
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (e)
		failf("flags TSYNC alone: %s", errname(e));
	if (try_open(F_DENIED) != EACCES)
		failf("not restricted after TSYNC");
}

static void test_single_thread(void)
{
	int fd, e;

	if (try_open(F_DENIED) != 0)
		failf("restricted before the call");
	set_nnp();
	fd = std_ruleset();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (e)
		failf("restrict_self(TSYNC): %s", errname(e));
	e = try_open(F_DENIED);
	if (e != EACCES)
		failf("denied file: %s, expected EACCES", errname(e));
	e = try_open(F_ALLOWED);
	if (e)
		failf("allowed file: %s", errname(e));
}

static void threads_test(int n)
{
	struct pool *pool = pool_start(n);
	double t0;
	int fd, e;

	pool_expect(pool, false, "before");
	set_nnp();
	fd = std_ruleset();
	t0 = now();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (e)
		failf("restrict_self(TSYNC): %s", errname(e));
	notef("%d threads, call took %.3fs", n, now() - t0);
	pool_expect(pool, true, "after");
	pool_stop(pool);
}

static void test_threads_restricted_nnp(void)
{
	threads_test(16);
}

static void test_threads_1000(void)
{
	threads_test(1000);
}

/* Without no_new_privs (CAP_SYS_ADMIN instead), none is propagated. */
static void test_no_nnp_not_propagated(void)
{
	struct pool *pool = pool_start(8);
	int fd, e, i;

	pool_expect(pool, false, "before");
	fd = std_ruleset();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (e)
		failf("restrict_self(TSYNC) as root without NNP: %s",
		      errname(e));
	pool_probe(pool, 3);
	for (i = 0; i < pool->n; i++) {
		const struct probe *p = &pool->probes[i];

		if (p->denied != EACCES || p->allowed != 0 || p->nnp != 0 ||
		    status_nnp(p->tid) != 0)
			failf("tid %d: denied=%s allowed=%s nnp=%d", p->tid,
			      errname(p->denied), errname(p->allowed), p->nnp);
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		failf("caller got no_new_privs");
	pool_stop(pool);
}

/* Two threads call TSYNC at the same time with different rulesets. */
struct compete {
	pthread_barrier_t barrier;
	int fd[2];
	int err[2];
};

static struct compete compete;

static void *compete_thread(void *arg)
{
	int i = (int)(intptr_t)arg;

	pthread_barrier_wait(&compete.barrier);
	compete.err[i] = ll_restrict(compete.fd[i], LANDLOCK_RESTRICT_SELF_TSYNC);
	return NULL;
}

static void test_competing_calls(void)
{
	static const char *const a[] = { "/proc", DIR_BASE "/allowed",
					 DIR_BASE "/x", NULL };
	static const char *const b[] = { "/proc", DIR_BASE "/allowed",
					 DIR_BASE "/y", NULL };
	int iter;

	for (iter = 0; iter < 30; iter++) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			failf("fork: %s", errname(errno));
		if (pid == 0) {
			struct pool *pool = pool_start(6);
			pthread_t t[2];
			int i, bad = 0;

			set_nnp();
			compete.fd[0] = ruleset_allowing(a);
			compete.fd[1] = ruleset_allowing(b);
			pthread_barrier_init(&compete.barrier, NULL, 2);
			for (i = 0; i < 2; i++)
				pthread_create(&t[i], NULL, compete_thread,
					       (void *)(intptr_t)i);
			for (i = 0; i < 2; i++)
				pthread_join(t[i], NULL);
			if (compete.err[0] || compete.err[1])
				failf("iteration %d: calls returned %s and %s",
				      iter, errname(compete.err[0]),
				      errname(compete.err[1]));
			/* Both domains stacked on every thread. */
			pool_probe(pool, 1);
			for (i = 0; i < pool->n; i++) {
				const struct probe *p = &pool->probes[i];

				if (p->x != EACCES || p->y != EACCES ||
				    p->allowed != 0 || p->nnp != 1)
					bad++;
			}
			if (bad)
				failf("iteration %d: %d threads lack a domain "
				      "(x=%s y=%s)", iter, bad,
				      errname(pool->probes[0].x),
				      errname(pool->probes[0].y));
			pool_stop(pool);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failf("iteration %d failed (status 0x%x)", iter, status);
	}
	notef("30 iterations");
}

/* A helper process storms the caller with signals during the call. */
static atomic_int signals_seen;

static void count_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_seen, 1);
}

static void test_signal_storm(void)
{
	struct sigaction sa = { .sa_handler = count_signal };
	struct pool *pool;
	int e, before, status, calls, during = 0;
	atomic_int *sent;
	pid_t self = getpid(), tid = gettid_(), storm;
	double t0, elapsed = 0;

	/* No SA_RESTART: the restart must not depend on it. */
	sigaction(SIGUSR1, &sa, NULL);
	/* Enough siblings for the call to outlast the gap between signals. */
	pool = pool_start(200);
	pool_expect(pool, false, "before");
	set_nnp();
	sent = mmap(NULL, sizeof(*sent), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sent == MAP_FAILED)
		failf("mmap: %s", errname(errno));
	storm = fork();
	if (storm == 0) {
		double end = now() + 30;

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		/*
		 * A sleeping sender: a busy loop would be starved by the
		 * scheduler while the siblings run their works.
		 */
		while (now() < end) {
			syscall(SYS_tgkill, self, tid, SIGUSR1);
			atomic_fetch_add(sent, 1);
			sleep_ms(2);
		}
		_exit(0);
	}
	while (atomic_load(&signals_seen) == 0)
		sleep_ms(1);
	/*
	 * Each call must succeed; repeat (stacking layers) until one of them
	 * was interrupted by a signal, which exercises the abort and restart.
	 */
	for (calls = 1; calls <= 12; calls++) {
		int fd = std_ruleset();

		before = atomic_load(&signals_seen);
		t0 = now();
		e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
		elapsed = now() - t0;
		close(fd);
		if (e)
			failf("call %d during the storm: %s", calls, errname(e));
		during = atomic_load(&signals_seen) - before;
		if (during)
			break;
	}
	kill(storm, SIGKILL);
	waitpid(storm, &status, 0);
	if (!during)
		failf("no signal reached the caller during %d calls", calls - 1);
	pool_expect(pool, true, "after");
	pool_stop(pool);
	notef("call %d took %.3fs, %d signal handlers ran during it "
	      "(storm: %d signals sent in total)", calls, elapsed, during,
	      atomic_load(sent));
	if (atomic_load(&signals_seen) > atomic_load(sent))
		failf("more signals handled than sent");
}

/* Threads are created and exit all the time during the calls. */
static atomic_int churn_stop, churn_done_flag, churn_violations,
	churn_checked;

static void *churn_child(void *arg)
{
	/* A thread that starts after the call returned must be restricted. */
	int done = atomic_load(&churn_done_flag);
	int e = try_open(F_DENIED);

	(void)arg;
	if (done) {
		atomic_fetch_add(&churn_checked, 1);
		if (e != EACCES)
			atomic_fetch_add(&churn_violations, 1);
	}
	return NULL;
}

static void *churn_spawner(void *arg)
{
	pthread_attr_t attr;

	(void)arg;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!atomic_load(&churn_stop)) {
		pthread_t t;

		if (pthread_create(&t, &attr, churn_child, NULL))
			sleep_ms(1);
		churn_child(NULL);
	}
	return NULL;
}

static void test_threads_churn(void)
{
	pthread_t spawners[4];
	int i, e, calls = 8;
	double t0;

	set_nnp();
	for (i = 0; i < 4; i++)
		pthread_create(&spawners[i], NULL, churn_spawner, NULL);
	sleep_ms(200);
	t0 = now();
	for (i = 0; i < calls; i++) {
		int fd = std_ruleset();

		e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
		if (e)
			failf("call %d: %s", i, errname(e));
		close(fd);
		atomic_store(&churn_done_flag, 1);
		sleep_ms(50);
	}
	sleep_ms(200);
	atomic_store(&churn_stop, 1);
	for (i = 0; i < 4; i++)
		pthread_join(spawners[i], NULL);
	if (atomic_load(&churn_violations))
		failf("%d of %d threads ran unrestricted after the call",
		      atomic_load(&churn_violations),
		      atomic_load(&churn_checked));
	if (atomic_load(&churn_checked) < 10)
		failf("only %d threads checked", atomic_load(&churn_checked));
	notef("%d calls in %.2fs, %d threads checked after the first", calls,
	      now() - t0, atomic_load(&churn_checked));
}

/* A sibling loops on open("/proc/self/maps") (exec_update_lock readers). */
static atomic_int maps_stop, maps_loops;

static void *maps_thread(void *arg)
{
	char buf[4096];

	(void)arg;
	while (!atomic_load(&maps_stop)) {
		int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		atomic_fetch_add(&maps_loops, 1);
	}
	return (void *)(intptr_t)try_open(F_DENIED);
}

static void test_proc_maps_sibling(void)
{
	pthread_t t[2];
	struct pool *pool = pool_start(4);
	void *res;
	int fd, e, i;
	double t0, elapsed;

	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, maps_thread, NULL);
	while (atomic_load(&maps_loops) < 10)
		sleep_ms(10);
	set_nnp();
	fd = std_ruleset();
	t0 = now();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	elapsed = now() - t0;
	atomic_store(&maps_stop, 1);
	if (e)
		failf("restrict_self(TSYNC): %s", errname(e));
	if (elapsed > 20)
		failf("call took %.1fs", elapsed);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], &res);
		if ((intptr_t)res != EACCES)
			failf("maps reader not restricted: %s",
			      errname((int)(intptr_t)res));
	}
	pool_expect(pool, true, "after");
	pool_stop(pool);
	notef("call took %.3fs", elapsed);
}

/* A sibling is a vfork parent (killable sleep) during the call. */
static atomic_int vfork_state;

static void *vfork_thread(void *arg)
{
	pid_t pid;

	(void)arg;
	atomic_store(&vfork_state, 1);
	pid = vfork();
	if (pid == 0) {
		struct timespec ts = { 1, 0 };

		syscall(SYS_nanosleep, &ts, NULL);
		_exit(0);
	}
	atomic_store(&vfork_state, 2);
	waitpid(pid, NULL, 0);
	return (void *)(intptr_t)try_open(F_DENIED);
}

static void test_vfork_sibling(void)
{
	pthread_t t;
	struct pool *pool = pool_start(4);
	void *res;
	int fd, e, state;
	double t0, elapsed;

	set_nnp();
	fd = std_ruleset();
	pthread_create(&t, NULL, vfork_thread, NULL);
	while (atomic_load(&vfork_state) == 0)
		sleep_ms(1);
	sleep_ms(200);
	state = atomic_load(&vfork_state);
	t0 = now();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	elapsed = now() - t0;
	if (e)
		failf("restrict_self(TSYNC): %s", errname(e));
	if (state != 1)
		failf("the vfork child ended too early");
	if (elapsed > 20)
		failf("call took %.1fs", elapsed);
	pthread_join(t, &res);
	if ((intptr_t)res != EACCES)
		failf("vfork parent not restricted: %s",
		      errname((int)(intptr_t)res));
	pool_expect(pool, true, "after");
	pool_stop(pool);
	notef("call took %.3fs (waits for the vfork child, ~0.8s)", elapsed);
}

/*
 * A sibling is stopped by a tracer; the caller waits for it, is interrupted
 * by a signal meanwhile (transparent restart), and completes once the tracer
 * lets the sibling go.
 */
static void test_stopped_sibling(void)
{
	struct sigaction sa = { .sa_handler = count_signal };
	struct pool *pool = pool_start(3);
	pid_t self = getpid(), me = gettid_(), victim = pool->probes[0].tid;
	int sync_pipe[2], fd, e, status;
	pid_t tracer;
	double t0, elapsed;
	char c;

	sigaction(SIGUSR1, &sa, NULL);
	set_nnp();
	fd = std_ruleset();
	if (pipe(sync_pipe))
		failf("pipe");
	tracer = fork();
	if (tracer == 0) {
		if (ptrace(PTRACE_SEIZE, victim, 0, 0))
			_exit(10);
		if (ptrace(PTRACE_INTERRUPT, victim, 0, 0))
			_exit(11);
		if (waitpid(victim, &status, __WALL) != victim)
			_exit(12);
		if (write(sync_pipe[1], "s", 1) != 1)
			_exit(13);
		sleep_ms(400);
		syscall(SYS_tgkill, self, me, SIGUSR1);
		sleep_ms(600);
		if (ptrace(PTRACE_DETACH, victim, 0, 0))
			_exit(14);
		_exit(0);
	}
	close(sync_pipe[1]);
	if (read(sync_pipe[0], &c, 1) != 1) {
		waitpid(tracer, &status, 0);
		failf("tracer failed (status 0x%x)", status);
	}
	t0 = now();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	elapsed = now() - t0;
	waitpid(tracer, &status, 0);
	if (e)
		failf("restrict_self(TSYNC): %s", errname(e));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		failf("tracer status 0x%x", status);
	if (elapsed > 20)
		failf("call took %.1fs", elapsed);
	if (atomic_load(&signals_seen) != 1)
		failf("signal handled %d times during the call",
		      atomic_load(&signals_seen));
	pool_expect(pool, true, "after");
	pool_stop(pool);
	notef("call took %.3fs (sibling stopped for ~1s, caller signalled once)",
	      elapsed);
}

/* The caller is killed while a stopped sibling stalls it: no hang. */
static void test_stalled_caller_killable(void)
{
	int sync_pipe[2], tracer_pipe[2], status;
	pid_t child;
	double t0;
	char c;

	if (pipe(sync_pipe) || pipe(tracer_pipe))
		failf("pipe");
	child = fork();
	if (child == 0) {
		struct pool *pool = pool_start(2);
		pid_t victim = pool->probes[0].tid;
		pid_t tracer = fork();
		int fd;

		if (tracer == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			if (ptrace(PTRACE_SEIZE, victim, 0, 0) ||
			    ptrace(PTRACE_INTERRUPT, victim, 0, 0) ||
			    waitpid(victim, &status, __WALL) != victim)
				_exit(10);
			if (write(tracer_pipe[1], "s", 1) != 1)
				_exit(11);
			/* Keep the victim stopped until we are killed. */
			pause();
			_exit(0);
		}
		if (read(tracer_pipe[0], &c, 1) != 1)
			_exit(20);
		set_nnp();
		fd = std_ruleset();
		if (write(sync_pipe[1], "c", 1) != 1)
			_exit(21);
		ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
		_exit(22);
	}
	close(sync_pipe[1]);
	close(tracer_pipe[0]);
	close(tracer_pipe[1]);
	if (read(sync_pipe[0], &c, 1) != 1 || c != 'c')
		failf("setup failed");
	sleep_ms(500);
	if (waitpid(child, &status, WNOHANG) != 0)
		failf("the call did not stall (status 0x%x)", status);
	t0 = now();
	kill(child, SIGKILL);
	if (waitpid(child, &status, 0) != child || !WIFSIGNALED(status))
		failf("child status 0x%x", status);
	notef("killed stalled caller in %.3fs", now() - t0);
	/* The tracer (grandchild) is reparented; it exits with the runner. */
}

/* An io_uring worker of the process is blocked during the call. */
struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void ring_setup(struct ring *r)
{
	struct io_uring_params p = { 0 };
	size_t sq_size, cq_size;
	char *sq, *cq;

	r->fd = syscall(__NR_io_uring_setup, 8, &p);
	if (r->fd < 0)
		failf("io_uring_setup: %s", errname(errno));
	sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (sq_size < cq_size)
		sq_size = cq_size;
	sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		failf("mmap sq: %s", errname(errno));
	cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq :
	     mmap(NULL, cq_size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	if (cq == MAP_FAILED)
		failf("mmap cq: %s", errname(errno));
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		failf("mmap sqes: %s", errname(errno));
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

static void ring_openat(struct ring *r, const char *path, int flags,
			unsigned char sqe_flags, uint64_t tag)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (uint64_t)(uintptr_t)path;
	sqe->open_flags = flags;
	sqe->flags = sqe_flags;
	sqe->user_data = tag;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 0, 0, NULL, 0) != 1)
		failf("io_uring_enter submit: %s", errname(errno));
}

/* Waits for one completion; returns its result and tag. */
static int ring_wait(struct ring *r, uint64_t *tag, double timeout)
{
	double end = now() + timeout;

	for (;;) {
		unsigned int head = *r->cq_head;

		if (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
			struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
			int res = cqe->res;

			*tag = cqe->user_data;
			__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
			return res;
		}
		if (now() > end)
			failf("io_uring completion timeout");
		sleep_ms(5);
	}
}

static int count_io_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], comm[64] = "";
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-", 4))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void test_io_uring_worker(void)
{
	struct ring r;
	struct pool *pool = pool_start(2);
	uint64_t tag;
	int fd, e, res, wfd, workers;
	double t0, elapsed;

	unlink(FIFO_PATH);
	if (mkfifo(FIFO_PATH, 0600))
		failf("mkfifo: %s", errname(errno));
	ring_setup(&r);
	/* Forced to an io-wq worker, which blocks opening the FIFO. */
	ring_openat(&r, FIFO_PATH, O_RDONLY, IOSQE_ASYNC, 1);
	sleep_ms(300);
	workers = count_io_workers();
	if (workers < 1)
		failf("no io_uring worker thread");
	set_nnp();
	fd = std_ruleset();
	t0 = now();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	elapsed = now() - t0;
	if (e)
		failf("restrict_self(TSYNC): %s", errname(e));
	if (elapsed > 20)
		failf("call took %.1fs", elapsed);
	/* The blocked request was not disturbed: it completes normally. */
	wfd = open(FIFO_PATH, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (wfd < 0)
		failf("open fifo for writing: %s", errname(errno));
	res = ring_wait(&r, &tag, 20);
	if (tag != 1 || res < 0)
		failf("blocked openat completed with %s",
		      res < 0 ? errname(-res) : "?");
	close(res);
	close(wfd);
	/* Requests, inline or offloaded, carry the restricted credentials. */
	ring_openat(&r, F_DENIED, O_RDONLY, IOSQE_ASYNC, 2);
	res = ring_wait(&r, &tag, 20);
	if (res != -EACCES)
		failf("offloaded openat after the call: %s",
		      res < 0 ? errname(-res) : "success");
	ring_openat(&r, F_DENIED, O_RDONLY, 0, 3);
	res = ring_wait(&r, &tag, 20);
	if (res != -EACCES)
		failf("inline openat after the call: %s",
		      res < 0 ? errname(-res) : "success");
	pool_expect(pool, true, "after");
	pool_stop(pool);
	notef("%d io worker(s), call took %.3fs", workers, elapsed);
}

/* E2BIG at the layer limit leaves every thread unchanged. */
static void test_e2big_layer_limit(void)
{
	static const char *const root[] = { "/", NULL };
	struct pool *pool = pool_start(8);
	int i, fd, e;

	set_nnp();
	/* 16 layers on the caller only, each allowing everything. */
	for (i = 0; i < LANDLOCK_MAX_NUM_LAYERS; i++) {
		fd = ruleset_allowing(root);
		e = ll_restrict(fd, 0);
		if (e)
			failf("layer %d: %s", i + 1, errname(e));
		close(fd);
	}
	fd = std_ruleset();
	e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (e != E2BIG)
		failf("17th layer with TSYNC: %s, expected E2BIG", errname(e));
	/* Nobody changed: no domain and no no_new_privs on the siblings. */
	pool_expect(pool, false, "after E2BIG");
	if (try_open(F_DENIED) != 0)
		failf("caller restricted after E2BIG");
	pool_stop(pool);
}

/*
 * Allocation failures (fail-nth) in the caller or in a sibling: the call
 * fails with ENOMEM and no thread changes, or succeeds and all do.
 */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? errno : 0;
}

static void alloc_failure(bool in_sibling)
{
	int nth, enomem = 0;

	if (write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "N"))
		failf("cannot configure failslab (debugfs)");
	write_file("/sys/kernel/debug/failslab/verbose", "0");
	for (nth = 1; nth <= 200; nth++) {
		int sync_pipe[2], status;
		pid_t pid;
		char c;

		if (pipe(sync_pipe))
			failf("pipe");
		pid = fork();
		if (pid == 0) {
			struct pool *pool = pool_start(4);
			char path[64], val[16];
			int fd, e, nth_fd;

			set_nnp();
			fd = std_ruleset();
			snprintf(val, sizeof(val), "%d", nth);
			if (in_sibling)
				snprintf(path, sizeof(path),
					 "/proc/self/task/%d/fail-nth",
					 pool->probes[1].tid);
			else
				snprintf(path, sizeof(path),
					 "/proc/thread-self/fail-nth");
			/*
			 * One open file for setting and clearing, so that
			 * clearing does not allocate.
			 */
			nth_fd = open(path, O_WRONLY | O_CLOEXEC);
			if (nth_fd < 0 ||
			    write(nth_fd, val, strlen(val)) != (ssize_t)strlen(val))
				_exit(20);
			e = ll_restrict(fd, LANDLOCK_RESTRICT_SELF_TSYNC);
			if (write(nth_fd, "0", 1) != 1)
				_exit(22);
			close(nth_fd);
			if (e == ENOMEM) {
				pool_expect(pool, false, "after ENOMEM");
				if (try_open(F_DENIED) != 0)
					failf("caller restricted after ENOMEM");
				c = 'm';
			} else if (e == 0) {
				pool_expect(pool, true, "after success");
				c = 's';
			} else {
				failf("nth %d: %s", nth, errname(e));
			}
			if (write(sync_pipe[1], &c, 1) != 1)
				_exit(21);
			pool_stop(pool);
			_exit(0);
		}
		close(sync_pipe[1]);
		c = 0;
		if (read(sync_pipe[0], &c, 1) != 1)
			c = 0;
		close(sync_pipe[0]);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failf("fail-nth %d: child status 0x%x", nth, status);
		if (c == 'm')
			enomem++;
		else if (c == 's')
			break;
		else
			failf("fail-nth %d: no verdict", nth);
	}
	if (!enomem)
		failf("no allocation failure was injected");
	notef("%d injected failures gave ENOMEM and changed nothing, "
	      "fail-nth %d succeeded", enomem, nth);
}

static void test_alloc_failure_caller(void)
{
	alloc_failure(false);
}

static void test_alloc_failure_sibling(void)
{
	alloc_failure(true);
}

/* ------------------------------------------------------------------------ */

struct test {
	const char *name;
	void (*fn)(void);
	int timeout;
};

static const struct test tests[] = {
	{ "flag_probe", test_flag_probe, 30 },
	{ "fd_minus_one_ebadf", test_fd_minus_one_ebadf, 30 },
	{ "unknown_flags_einval", test_unknown_flags_einval, 30 },
	{ "single_thread", test_single_thread, 30 },
	{ "threads_restricted_nnp", test_threads_restricted_nnp, 60 },
	{ "threads_1000", test_threads_1000, 300 },
	{ "no_nnp_not_propagated", test_no_nnp_not_propagated, 60 },
	{ "competing_calls", test_competing_calls, 300 },
	{ "signal_storm", test_signal_storm, 120 },
	{ "threads_churn", test_threads_churn, 180 },
	{ "proc_maps_sibling", test_proc_maps_sibling, 60 },
	{ "vfork_sibling", test_vfork_sibling, 60 },
	{ "stopped_sibling", test_stopped_sibling, 60 },
	{ "stalled_caller_killable", test_stalled_caller_killable, 60 },
	{ "io_uring_worker", test_io_uring_worker, 60 },
	{ "e2big_layer_limit", test_e2big_layer_limit, 60 },
	{ "alloc_failure_caller", test_alloc_failure_caller, 300 },
	{ "alloc_failure_sibling", test_alloc_failure_sibling, 300 },
};

static void make_files(void)
{
	static const char *const dirs[] = { DIR_BASE, DIR_BASE "/allowed",
					    DIR_BASE "/denied", DIR_BASE "/x",
					    DIR_BASE "/y" };
	static const char *const files[] = { F_ALLOWED, F_DENIED, F_X, F_Y };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		mkdir(dirs[i], 0755);
	for (i = 0; i < sizeof(files) / sizeof(*files); i++)
		close(open(files[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

static int run_test(const struct test *t)
{
	int fds[2], status = 0;
	char detail[600];
	ssize_t len = 0, n;
	double t0 = now(), deadline;
	pid_t pid;
	bool timed_out = false;

	if (pipe2(fds, O_CLOEXEC))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		result_fd = fds[1];
		t->fn();
		_exit(0);
	}
	close(fds[1]);
	deadline = t0 + t->timeout;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (now() > deadline) {
			timed_out = true;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		sleep_ms(20);
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	while (len < (ssize_t)sizeof(detail) - 1 &&
	       (n = read(fds[0], detail + len, sizeof(detail) - 1 - len)) > 0)
		len += n;
	close(fds[0]);
	while (len > 0 && (detail[len - 1] == ' ' || detail[len - 1] == ';'))
		len--;
	detail[len] = '\0';
	for (n = 0; n < len; n++)
		if (detail[n] == '\n')
			detail[n] = ' ';
	/* Reap the orphans a test may leave behind (tracers, storms). */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (timed_out) {
		printf("RESULT %s FAIL timeout after %ds %s\n", t->name,
		       t->timeout, detail);
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("RESULT %s PASS (%.2fs) %s\n", t->name, now() - t0,
		       detail);
		return 0;
	}
	printf("RESULT %s FAIL (status 0x%x) %s\n", t->name, status, detail);
	return 1;
}

int main(int argc, char **argv)
{
	size_t i;
	int failed = 0, ran = 0, j;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < sizeof(tests) / sizeof(*tests); i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	make_files();
	/* Orphaned helpers are reparented to us when we are init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	for (i = 0; i < sizeof(tests) / sizeof(*tests); i++) {
		bool want = argc < 2;

		for (j = 1; j < argc; j++)
			if (!strcmp(argv[j], tests[i].name))
				want = true;
		if (!want)
			continue;
		ran++;
		failed += run_test(&tests[i]);
	}
	printf("tsync-test: %d run, %d failed\n", ran, failed);
	return failed ? 1 : 0;
}

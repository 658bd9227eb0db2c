/*
 * hosted/control.c: the bvm process of one domain made by `bvm create`
 * (hosted/manage.h). It runs the guest as `bvm run` does, in the background
 * (fork, setsid, its messages in NAME.log), keeps COM1's output in a ring
 * buffer for `bvm console`, and answers one command per connection on its
 * control socket NAME.sock (a unix stream socket, mode 0600): info, pause,
 * unpause, destroy, console, "mem-set SIZE" (the balloon's target). Replies are one line: "ok",
 * "error: why", or info's "key=value ..." fields; console's "ok" is followed by the ring and then
 * the live output, and the client's bytes go to COM1's input.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hosted/manage.h"

#define RING_SIZE 65536 /* COM1 output kept for a console that attaches later */
#define CMD_TIMEOUT_S 2 /* a client that sends no command is dropped */

struct mgmt_domain {
	const struct domfile *d;
	struct vm *vm;
	int listen_fd;
	char sock[108];
	pthread_mutex_t lock; /* the ring, console_fd, ended */
	pthread_cond_t cond;  /* ended domains wait here for destroy */
	uint8_t ring[RING_SIZE];
	uint64_t ring_total; /* bytes ever written: the ring holds the last RING_SIZE */
	int console_fd;	     /* the attached console's connection, -1: none */
	int ended, destroying, status;
	const char *arg; /* what follows the command's name on its line, "" if nothing */
};

/* Sends all of buf on fd, or gives up when the peer does not take it. */
static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n, len -= (size_t)n;
	}
	return 0;
}

static void console_detach(struct mgmt_domain *md)
{
	close(md->console_fd);
	md->console_fd = -1;
}

/* COM1's output (a vCPU thread, under dev_lock): into the ring and to the console. */
static size_t ring_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct mgmt_domain *md = ctx;

	pthread_mutex_lock(&md->lock);
	for (size_t i = 0; i < len; i++)
		md->ring[(md->ring_total + i) % RING_SIZE] = buf[i];
	md->ring_total += len;
	if (md->console_fd >= 0 &&
	    send(md->console_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		console_detach(md);
	pthread_mutex_unlock(&md->lock);
	return len;
}

/* COM1's input (the I/O thread): what the console sends; its EOF detaches it. */
static size_t ring_read(void *ctx, uint8_t *buf, size_t len)
{
	struct mgmt_domain *md = ctx;
	ssize_t n = -1;

	pthread_mutex_lock(&md->lock);
	if (md->console_fd >= 0) {
		n = recv(md->console_fd, buf, len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			console_detach(md);
	}
	pthread_mutex_unlock(&md->lock);
	return n > 0 ? (size_t)n : 0;
}

static const char *domain_state(struct mgmt_domain *md)
{
	if (md->ended)
		return "ended";
	return md->vm->paused ? "paused" : "running";
}

static void ctl_info(struct mgmt_domain *md, int fd)
{
	const struct domfile *d = md->d;
	char line[MGMT_REPLY_MAX];
	uint64_t cur, target, max;

	vm_balloon_mem(md->vm, &cur, &target, &max);
	snprintf(line, sizeof(line),
		 "name=%s id=%d state=%s mem=%llu mem_target=%llu mem_max=%llu vcpus=%u "
		 "cpu_ns=%llu weight=%u cap=%u on_poweroff=%s on_crash=%s status=%d accel=kvm\n",
		 d->name, (int)getpid(), domain_state(md), (unsigned long long)(cur >> 20),
		 (unsigned long long)(target >> 20), (unsigned long long)(max >> 20), d->vcpus,
		 (unsigned long long)vm_cpu_ns(md->vm), d->weight, d->cap,
		 domfile_action_name(d->on_poweroff), domfile_action_name(d->on_crash),
		 md->ended ? md->status : -1);
	send_all(fd, line, strlen(line));
	close(fd);
}

static void reply(int fd, const char *fmt, const char *name)
{
	char line[MGMT_REPLY_MAX];

	snprintf(line, sizeof(line), fmt, name);
	send_all(fd, line, strlen(line));
	close(fd);
}

static void ctl_pause(struct mgmt_domain *md, int fd)
{
	if (md->ended)
		reply(fd, "error: %s has ended\n", md->d->name);
	else if (md->vm->paused)
		reply(fd, "error: %s is paused already\n", md->d->name);
	else if (vm_pause(md->vm))
		reply(fd, "error: %s ended while pausing\n", md->d->name);
	else
		reply(fd, "ok\n", md->d->name);
}

static void ctl_unpause(struct mgmt_domain *md, int fd)
{
	if (md->ended || !md->vm->paused) {
		reply(fd, "error: %s is not paused\n", md->d->name);
		return;
	}
	vm_unpause(md->vm);
	reply(fd, "ok\n", md->d->name);
}

/* The reply's connection stays open until the process exits: its EOF says "gone". */
static void ctl_destroy(struct mgmt_domain *md, int fd)
{
	send_all(fd, "ok\n", 3);
	pthread_mutex_lock(&md->lock);
	md->destroying = 1;
	pthread_cond_broadcast(&md->cond);
	pthread_mutex_unlock(&md->lock);
	if (!md->ended)
		pthread_kill(md->vm->main_thread, SIGTERM);
}

/* The balloon's new target: whole pages, at most the domain's maxmem. */
static void ctl_mem_set(struct mgmt_domain *md, int fd)
{
	uint64_t size;
	int rc = bvm_parse_size(md->arg, &size) ? -EINVAL : vm_balloon_set(md->vm, size);

	if (rc == -ENODEV)
		reply(fd, "error: %s has no balloon (give maxmem in its domain file)\n",
		      md->d->name);
	else if (rc)
		reply(fd, "error: give a size of whole pages, at most the domain's maxmem\n", "");
	else
		reply(fd, "ok\n", "");
}

/* "ok", the ring's bytes, then live output; an ended domain's console ends there. */
static void ctl_console(struct mgmt_domain *md, int fd)
{
	uint64_t start, at;

	pthread_mutex_lock(&md->lock);
	if (md->console_fd >= 0) {
		pthread_mutex_unlock(&md->lock);
		reply(fd, "error: the console of %s is attached elsewhere\n", md->d->name);
		return;
	}
	start = md->ring_total > RING_SIZE ? md->ring_total - RING_SIZE : 0;
	send_all(fd, "ok\n", 3);
	for (; start < md->ring_total; start += at) { /* up to the ring's end, then from 0 */
		at = RING_SIZE - start % RING_SIZE;
		at = at < md->ring_total - start ? at : md->ring_total - start;
		send_all(fd, &md->ring[start % RING_SIZE], at);
	}
	if (md->ended)
		close(fd);
	else
		md->console_fd = fd;
	pthread_mutex_unlock(&md->lock);
}

static const struct {
	const char *name;
	void (*fn)(struct mgmt_domain *md, int fd);
} commands[] = {
	{ "info", ctl_info },	    { "pause", ctl_pause },	{ "unpause", ctl_unpause },
	{ "destroy", ctl_destroy }, { "console", ctl_console }, { "mem-set", ctl_mem_set },
};

/* One connection: its command line, then the command's handler (which owns fd). */
static void control_serve(struct mgmt_domain *md, int fd)
{
	struct timeval tv = { CMD_TIMEOUT_S, 0 };
	char cmd[64], *space;
	size_t n = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < sizeof(cmd) - 1 && read(fd, &cmd[n], 1) == 1 && cmd[n] != '\n')
		n++;
	cmd[n] = '\0';
	space = strchr(cmd, ' ');
	md->arg = space ? space + 1 : "";
	if (space)
		*space = '\0';
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(cmd, commands[i].name)) {
			commands[i].fn(md, fd);
			return;
		}
	}
	reply(fd, "error: unknown command '%s'\n", cmd);
}

static void *control_loop(void *arg)
{
	struct mgmt_domain *md = arg;

	for (;;) {
		int fd = accept4(md->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			control_serve(md, fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			return NULL;
	}
}

/* NAME.sock, mode 0600 (a stale one was removed by the name check before). */
static int control_listen(struct mgmt_domain *md)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	if (mgmt_path(md->d->name, "sock", md->sock, sizeof(md->sock)))
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", md->sock);
	md->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	old = umask(0177);
	rc = md->listen_fd < 0 ? -1 : bind(md->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || listen(md->listen_fd, 8)) {
		fprintf(stderr, "bvm: %s: %s\n", md->sock, strerror(errno));
		return -1;
	}
	return 0;
}

/* From here on the process's messages go to NAME.log, its input is /dev/null. */
static void daemon_stdio(struct mgmt_domain *md)
{
	char log[4096];
	int in = open("/dev/null", O_RDONLY), out = -1;

	if (!mgmt_path(md->d->name, "log", log, sizeof(log)))
		out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in >= 0)
		dup2(in, 0), close(in);
	if (out >= 0) {
		dup2(out, 1), dup2(out, 2), close(out);
		setvbuf(stderr, NULL, _IONBF, 0);
	}
}

/* After the guest: an on_poweroff/on_crash of preserve waits for bvm destroy. */
static void domain_ended(struct mgmt_domain *md, int status)
{
	const struct domfile *d = md->d;
	enum domfile_action a = status == BVM_EXIT_CRASH ? d->on_crash : d->on_poweroff;

	pthread_mutex_lock(&md->lock);
	md->status = status;
	md->ended = 1;
	if (md->console_fd >= 0)
		console_detach(md);
	while (a == DF_PRESERVE && !md->destroying)
		pthread_cond_wait(&md->cond, &md->lock);
	pthread_mutex_unlock(&md->lock);
}

/* The forked process: the guest, then its end; tells the parent on ready (a byte). */
static int domain_serve(struct mgmt_domain *md, const struct bvm_options *o, struct bvm_inputs *in,
			int ready)
{
	struct vm *vm = md->vm;
	pthread_t thread;
	sigset_t set;
	int status;

	setsid();
	if (bvm_vm_setup(vm, o, in)) {
		unlink(md->sock);
		return BVM_EXIT_ENV;
	}
	inputs_start_streams(vm);
	vm->exit_status = -1;
	vm->main_thread = pthread_self();
	sigfillset(&set); /* the control thread takes none; vm_run waits for its own */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&thread, NULL, control_loop, md)) {
		fprintf(stderr, "bvm: cannot start the control thread\n");
		unlink(md->sock);
		return BVM_EXIT_ENV;
	}
	daemon_stdio(md);
	if (write(ready, "", 1) != 1)
		return BVM_EXIT_ENV;
	close(ready);
	status = vm_run(vm, o->watchdog);
	domain_ended(md, status);
	unlink(md->sock);
	bvm_vm_teardown(vm);
	return status;
}

/* The parent: 0 once the child said it runs; -c then attaches the console. */
static int wait_ready(struct mgmt_domain *md, int ready, int attach)
{
	char byte, line[MGMT_REPLY_MAX];
	int fd;

	if (read(ready, &byte, 1) != 1)
		return BVM_EXIT_ENV; /* the child said why on stderr */
	if (!attach)
		return 0;
	fd = mgmt_connect(md->d->name);
	if (fd < 0 || mgmt_request(fd, "console", line, sizeof(line)) || strcmp(line, "ok")) {
		fprintf(stderr, "bvm: %s: no console: %s\n", md->d->name, fd < 0 ? "" : line);
		return BVM_EXIT_ENV;
	}
	return mgmt_console_copy(fd, 1);
}

int control_start(const struct domfile *d, struct vm *vm, const struct bvm_options *o,
		  struct bvm_inputs *in, int attach)
{
	static struct mgmt_domain md;
	int ready[2];
	pid_t pid;

	md = (struct mgmt_domain){ .d = d, .vm = vm, .console_fd = -1 };
	pthread_mutex_init(&md.lock, NULL);
	pthread_cond_init(&md.cond, NULL);
	vm->console =
		(struct bvm_stream){ .in = -1, .out = -1, .ops = { &md, ring_write, ring_read } };
	if (control_listen(&md) || pipe2(ready, O_CLOEXEC))
		return BVM_EXIT_ENV;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bvm: cannot start the domain: %s\n", strerror(errno));
		unlink(md.sock);
		return BVM_EXIT_ENV;
	}
	if (pid == 0) {
		close(ready[0]);
		exit(domain_serve(&md, o, in, ready[1]));
	}
	close(ready[1]);
	close(md.listen_fd);
	return wait_ready(&md, ready[0], attach);
}

/*
 * hosted/manage.c: bvm's management verbs, in the shape of xl(1) and
 * virsh(1): create FILE (a domain file, hosted/domfile.h, run in the
 * background by hosted/control.c), list, pause, unpause, destroy, console,
 * mem-set NAME SIZE (the balloon's target, as xl mem-set) and info. Under --accel kvm each domain
 * is a bvm process found by its control socket NAME.sock in the run directory ($BVM_RUN_DIR, else
 * $XDG_RUNTIME_DIR/bvm, else /run/bvm for root, else /tmp/bvm-UID); with
 * --accel bivisor the verbs use /dev/bivisor (hosted/manage_bivisor.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "hosted/manage.h"

#define MAX_LISTED 64
#define CTRL_RBRACKET 0x1d /* Ctrl-]: detaches a console, as in xl and virsh */

static void run_dir_pick(char *buf, size_t len)
{
	const char *dir = getenv("BVM_RUN_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (dir && *dir)
		snprintf(buf, len, "%s", dir);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/bvm", xdg);
	else if (geteuid() == 0)
		snprintf(buf, len, "/run/bvm");
	else
		snprintf(buf, len, "/tmp/bvm-%u", (unsigned int)getuid());
}

int mgmt_run_dir(char *buf, size_t len)
{
	run_dir_pick(buf, len);
	if (mkdir(buf, 0700) && errno != EEXIST) {
		fprintf(stderr, "bvm: run directory %s: %s\n", buf, strerror(errno));
		return -1;
	}
	return 0;
}

int mgmt_path(const char *name, const char *ext, char *buf, size_t len)
{
	char dir[4096];
	size_t max = strcmp(ext, "sock") ? len : sizeof(((struct sockaddr_un *)0)->sun_path);
	int n;

	if (mgmt_run_dir(dir, sizeof(dir)))
		return -1;
	n = snprintf(buf, len, "%s/%s.%s", dir, name, ext);
	if (n < 0 || (size_t)n >= max || (size_t)n >= len) {
		fprintf(stderr, "bvm: run directory %s: too long for %s.%s\n", dir, name, ext);
		return -1;
	}
	return 0;
}

int mgmt_connect(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (mgmt_path(name, "sock", sa.sun_path, sizeof(sa.sun_path)))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	err = errno;
	if (fd >= 0)
		close(fd);
	if (err == ECONNREFUSED) /* its process is gone */
		unlink(sa.sun_path);
	errno = err;
	return -1;
}

int mgmt_request(int fd, const char *cmd, char *reply, size_t len)
{
	size_t n = 0;

	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0)
		return -1;
	while (n < len - 1 && read(fd, &reply[n], 1) == 1 && reply[n] != '\n')
		n++;
	reply[n] = '\0';
	return n ? 0 : -1;
}

/* One chunk from `from` to `to`; 0 at EOF or Ctrl-] (when detach), -1 on error. */
static ssize_t copy_chunk(int from, int to, int detach)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n;
	if (detach && memchr(buf, CTRL_RBRACKET, (size_t)n))
		return 0;
	return write(to, buf, (size_t)n) == n ? n : -1;
}

int mgmt_console_copy(int fd, int follow)
{
	struct termios old, raw;
	int tty = isatty(0) && !tcgetattr(0, &old);
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { 0, POLLIN, 0 } };

	if (tty) {
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	while (poll(p, 2, -1) > 0) {
		if (p[0].revents && copy_chunk(fd, 1, 0) <= 0)
			break;
		if (p[1].revents && copy_chunk(0, fd, 1) <= 0) {
			if (tty)
				break; /* Ctrl-] */
			if (!follow)   /* the domain closes its end after */
				shutdown(fd, SHUT_WR);
			p[1].fd = -1;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &old);
	close(fd);
	return 0;
}

uint64_t mgmt_mem_available_mib(void)
{
	char line[256];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kib >> 10;
}

/* A verb's words: [--accel kvm|bivisor] [-c] and one operand. */
struct verb_args {
	const char *verb, *accel, *operand, *size; /* size: mem-set's second operand */
	int attach;
};

static int verb_args(int argc, char **argv, struct verb_args *a, int want_operand)
{
	*a = (struct verb_args){ .verb = argv[1], .accel = "kvm" };
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--accel") && i + 1 < argc)
			a->accel = argv[++i];
		else if (!strcmp(argv[i], "-c") && !strcmp(a->verb, "create"))
			a->attach = 1;
		else if (!a->operand && want_operand && argv[i][0] != '-')
			a->operand = argv[i];
		else if (!a->size && want_operand == 2 && argv[i][0] != '-')
			a->size = argv[i];
		else
			return fprintf(stderr, "bvm: %s: unexpected argument '%s'\n", a->verb,
				       argv[i]),
			       -1;
	}
	if (strcmp(a->accel, "kvm") && strcmp(a->accel, "bivisor")) {
		fprintf(stderr, "bvm: %s: --accel %s: give kvm or bivisor\n", a->verb, a->accel);
		return -1;
	}
	if (want_operand == 2 && !a->size) {
		fprintf(stderr, "bvm: %s needs a domain name and a size\n", a->verb);
		return -1;
	}
	if (want_operand && !a->operand) {
		fprintf(stderr, "bvm: %s needs a %s\n", a->verb,
			strcmp(a->verb, "create") ? "domain name" : "domain file");
		return -1;
	}
	return 0;
}

static char *read_text(const char *path)
{
	char *buf = malloc(DOMFILE_MAX_TEXT + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 && buf ? read(fd, buf, DOMFILE_MAX_TEXT + 1) : -1;

	if (n < 0 || n > DOMFILE_MAX_TEXT || memchr(buf, '\0', (size_t)n)) {
		fprintf(stderr, "bvm: domain file '%s': %s\n", path,
			n < 0 ? strerror(errno) : "not a text file of at most 64 KiB");
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Everything about the file that can be said before a domain is made. */
static int create_check(struct domfile *d, const char *file)
{
	char err[4400], *text = read_text(file);
	uint64_t avail = mgmt_mem_available_mib();
	int fd, rc = text ? domfile_parse(d, file, text, err, sizeof(err)) : -1;

	if (!rc)
		rc = domfile_check_memory(d, avail ? avail : UINT64_MAX, err, sizeof(err)) ||
		     domfile_check_files(d, err, sizeof(err));
	free(text);
	if (rc) {
		if (text)
			fprintf(stderr, "bvm: %s\n", err);
		return -1;
	}
	fd = mgmt_connect(d->name);
	if (fd < 0)
		return 0;
	close(fd);
	fprintf(stderr, "bvm: %s:%u: name '%s': a domain of that name is running (bvm list)\n",
		file, d->line[DF_NAME], d->name);
	return -1;
}

static int cmd_create(const struct verb_args *a)
{
	static struct domfile d;
	static struct vm vm;
	struct bvm_options o;
	struct bvm_inputs in;

	if (create_check(&d, a->operand))
		return BVM_EXIT_BAD_INPUT;
	if (strcmp(a->accel, "kvm")) /* --accel bivisor on the command line wins over the file */
		d.accel = a->accel;
	domfile_to_options(&d, &o);
	o.accel = bvm_accel_by_name(d.accel);
	if (!o.accel || inputs_open(&vm, &o, &in))
		return BVM_EXIT_BAD_INPUT;
	return control_start(&d, &vm, &o, &in, a->attach);
}

/* " key=value" of an info reply into out ("?" when absent). */
static void field(const char *line, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);
	const char *p = line;

	snprintf(out, len, "?");
	for (; p && *p; p = strchr(p, ' '), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, k) && p[k] == '=') {
			snprintf(out, len, "%.*s", (int)strcspn(p + k + 1, " "), p + k + 1);
			return;
		}
	}
}

static void list_row(const char *name)
{
	char line[MGMT_REPLY_MAX], v[9][64];
	static const char *const keys[] = { "id",     "mem", "vcpus",	   "state",  "cpu_ns",
					    "weight", "cap", "mem_target", "mem_max" };
	int fd = mgmt_connect(name);

	if (fd < 0)
		return; /* gone, or stale (removed) */
	if (mgmt_request(fd, "info", line, sizeof(line)))
		line[0] = '\0';
	close(fd);
	for (unsigned int i = 0; i < 9; i++)
		field(line, keys[i], v[i], sizeof(v[i]));
	printf("%-20s %7s %6s %5s %-8s %8.1f %6s %4s %6s %6s\n", name, v[0], v[1], v[2], v[3],
	       strtoull(v[4], NULL, 10) / 1e9, v[5], v[6], v[7], v[8]);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int cmd_list_kvm(void)
{
	char dir[4096], names[MAX_LISTED][DOMFILE_NAME_LEN];
	unsigned int n = 0;
	struct dirent *e;
	DIR *dp;

	if (mgmt_run_dir(dir, sizeof(dir)) || !(dp = opendir(dir)))
		return BVM_EXIT_ENV;
	while ((e = readdir(dp)) && n < MAX_LISTED) {
		size_t len = strlen(e->d_name);

		if (len > 5 && len - 5 < DOMFILE_NAME_LEN && !strcmp(e->d_name + len - 5, ".sock"))
			snprintf(names[n++], DOMFILE_NAME_LEN, "%.*s", (int)(len - 5), e->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), name_cmp);
	printf("%-20s %7s %6s %5s %-8s %8s %6s %4s %6s %6s\n", "Name", "ID", "Mem", "VCPUs",
	       "State", "Time(s)", "Weight", "Cap", "Target", "Max");
	for (unsigned int i = 0; i < n; i++)
		list_row(names[i]);
	return 0;
}

/* A connection to the domain a->operand names, or -1 said why. */
static int domain_connect(const struct verb_args *a)
{
	int fd = mgmt_connect(a->operand);

	if (fd < 0)
		fprintf(stderr, "bvm: %s: no domain '%s' (bvm list shows them)\n", a->verb,
			a->operand);
	return fd;
}

/* pause, unpause, destroy; destroy waits until the domain's process is gone. */
static int cmd_simple(const struct verb_args *a)
{
	char line[MGMT_REPLY_MAX];
	int fd;

	if (!strcmp(a->accel, "bivisor"))
		return bivisor_verb(a->verb, a->operand);
	fd = domain_connect(a);
	if (fd < 0)
		return BVM_EXIT_ENV;
	if (mgmt_request(fd, a->verb, line, sizeof(line)) || strcmp(line, "ok")) {
		fprintf(stderr, "bvm: %s %s: %s\n", a->verb, a->operand,
			line[0] ? line : "no answer");
		close(fd);
		return BVM_EXIT_ENV;
	}
	while (!strcmp(a->verb, "destroy") && read(fd, line, sizeof(line)) > 0)
		;
	close(fd);
	return 0;
}

/* mem-set NAME SIZE: the balloon's new target (the domain's memory the guest keeps). */
static int cmd_mem_set(const struct verb_args *a)
{
	char line[MGMT_REPLY_MAX], cmd[64];
	uint64_t size;
	int fd;

	if (strcmp(a->accel, "kvm") || bvm_parse_size(a->size, &size) || strlen(a->size) > 40) {
		fprintf(stderr, "bvm: mem-set %s %s: give a size (K, M or G) under --accel kvm\n",
			a->operand, a->size);
		return BVM_EXIT_BAD_INPUT;
	}
	fd = domain_connect(a);
	if (fd < 0)
		return BVM_EXIT_ENV;
	snprintf(cmd, sizeof(cmd), "mem-set %s", a->size);
	if (mgmt_request(fd, cmd, line, sizeof(line)) || strcmp(line, "ok")) {
		fprintf(stderr, "bvm: mem-set %s: %s\n", a->operand, line[0] ? line : "no answer");
		close(fd);
		return BVM_EXIT_ENV;
	}
	close(fd);
	return 0;
}

static int cmd_console(const struct verb_args *a)
{
	char line[MGMT_REPLY_MAX];
	int fd = domain_connect(a);

	if (fd < 0)
		return BVM_EXIT_ENV;
	if (mgmt_request(fd, "console", line, sizeof(line)) || strcmp(line, "ok")) {
		fprintf(stderr, "bvm: console %s: %s\n", a->operand, line[0] ? line : "no answer");
		close(fd);
		return BVM_EXIT_ENV;
	}
	if (isatty(0))
		fprintf(stderr, "bvm: the console of %s; Ctrl-] detaches\r\n", a->operand);
	return mgmt_console_copy(fd, 0);
}

/* The first CPU's vendor_id, model name and flags, from /proc/cpuinfo. */
static void cpu_facts(char *vendor, char *model, char *flags, size_t len)
{
	char line[8192];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(vendor, len, "unknown");
	snprintf(model, len, "unknown");
	flags[0] = '\0';
	while (f && fgets(line, sizeof(line), f) && line[0] != '\n') {
		char *colon = strchr(line, ':'), *val = colon ? colon + 2 : NULL;

		if (!val || val > line + strlen(line))
			continue;
		val[strcspn(val, "\n")] = '\0';
		if (!strncmp(line, "vendor_id", 9))
			snprintf(vendor, len, "%s", val);
		else if (!strncmp(line, "model name", 10))
			snprintf(model, len, "%s", val);
		else if (!strncmp(line, "flags", 5))
			snprintf(flags, 8192, " %s ", val);
	}
	if (f)
		fclose(f);
}

/* The flags a hypervisor cares about, of those the CPU lists. */
static void virt_flags(const char *flags, char *out, size_t len)
{
	static const char *const wanted[] = { "vmx",	   "svm",  "ept",    "vpid",	  "npt",
					      "nrip_save", "avic", "x2apic", "hypervisor" };
	char word[32];
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		snprintf(word, sizeof(word), " %s ", wanted[i]);
		if (strstr(flags, word) && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "", wanted[i]);
	}
	if (!n)
		snprintf(out, len, "none (no vmx or svm)");
}

/* `bvm info`: what virsh capabilities says of a host, one "key: value" line each. */
static int cmd_info(void)
{
	char vendor[256], model[256], flags[8192], virt[256];
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	cpu_facts(vendor, model, flags, sizeof(vendor));
	virt_flags(flags, virt, sizeof(virt));
	printf("cpu vendor: %s\ncpu model: %s\nvirtualization flags: %s\n", vendor, model, virt);
	if (kvm >= 0)
		printf("accel kvm: present (/dev/kvm opens)\n"), close(kvm);
	else
		printf("accel kvm: absent (/dev/kvm: %s)\n", strerror(errno));
	printf("accel bivisor: %s\n", bivisor_presence());
	printf("free memory: %llu MiB (MemAvailable)\n",
	       (unsigned long long)mgmt_mem_available_mib());
	printf("host cpus: %ld\nmax vcpus: %d per domain\nmax memory: %u MiB per domain\n",
	       sysconf(_SC_NPROCESSORS_ONLN), BVM_MAX_CPUS, DOMFILE_MAX_MEM_MIB);
	ksm_report(stdout, "ksm"); /* what bvm run --share's guests may save */
	return 0;
}

static int cmd_list(const struct verb_args *a)
{
	return strcmp(a->accel, "bivisor") ? cmd_list_kvm() : bivisor_list();
}

static int cmd_info_verb(const struct verb_args *a)
{
	(void)a;
	return cmd_info();
}

static const struct {
	const char *name;
	int operand; /* takes a domain file or name */
	int (*fn)(const struct verb_args *a);
} verbs[] = {
	{ "create", 1, cmd_create },  { "list", 0, cmd_list },	     { "pause", 1, cmd_simple },
	{ "unpause", 1, cmd_simple }, { "destroy", 1, cmd_simple },  { "console", 1, cmd_console },
	{ "info", 0, cmd_info_verb }, { "mem-set", 2, cmd_mem_set },
};

int manage_main(int argc, char **argv)
{
	struct verb_args a;

	for (size_t i = 0; argc >= 2 && i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[1], verbs[i].name))
			continue;
		if (verb_args(argc, argv, &a, verbs[i].operand))
			return BVM_EXIT_BAD_INPUT;
		return verbs[i].fn(&a);
	}
	return -1;
}

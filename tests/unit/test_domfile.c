/*
 * tests/unit/test_domfile.c: hosted/domfile.c, the domain files of
 * `bvm create`: every key, quoting, lists, comments, paths relative to the
 * file, xl's disk and vif specs, each error with its line, the host checks
 * (memory, files) and the translation into bvm run's struct bvm_options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hosted/domfile.h"

static struct domfile d;
static char err[512];

static int parse(const char *file, const char *text)
{
	err[0] = '\0';
	return domfile_parse(&d, file, text, err, sizeof(err));
}

/* The text must be refused with exactly this message. */
static void refused(const char *text, const char *want)
{
	assert_int_equal(parse("web.cfg", text), -1);
	assert_string_equal(err, want);
}

static void every_key_is_read(void **state)
{
	(void)state;
	assert_int_equal(parse("/etc/bvm/web.cfg", "name = \"web\"\n"
						   "memory = 64\n"
						   "vcpus = 2\n"
						   "kernel = \"/boot/vmlinuz\"\n"
						   "ramdisk = 'initrd.gz'\n"
						   "cmdline = \"console=ttyS0 quiet\"\n"
						   "disk = [ '/var/web.img' ]\n"
						   "vif = [ 'vifname=tap0' ]\n"
						   "on_poweroff = \"preserve\"\n"
						   "on_crash = \"destroy\"\n"
						   "weight = 512\n"
						   "cap = 150\n"
						   "accel = \"kvm\"\n"),
			 0);
	assert_string_equal(d.name, "web");
	assert_int_equal(d.memory_mib, 64);
	assert_int_equal(d.vcpus, 2);
	assert_string_equal(d.kernel, "/boot/vmlinuz");
	assert_string_equal(d.ramdisk, "/etc/bvm/initrd.gz");
	assert_string_equal(d.cmdline, "console=ttyS0 quiet");
	assert_int_equal(d.ndisks, 1);
	assert_string_equal(d.disks[0], "/var/web.img");
	assert_int_equal(d.nnets, 1);
	assert_string_equal(d.nets[0], "tap=tap0");
	assert_int_equal(d.on_poweroff, DF_PRESERVE);
	assert_int_equal(d.on_crash, DF_DESTROY);
	assert_int_equal(d.weight, 512);
	assert_int_equal(d.cap, 150);
	assert_string_equal(d.accel, "kvm");
	assert_int_equal(d.line[DF_CAP], 12);
}

static void defaults_fill_what_is_not_given(void **state)
{
	(void)state;
	assert_int_equal(parse("a.cfg", "name='a'\nkernel='k'"), 0);
	assert_int_equal(d.memory_mib, 256);
	assert_int_equal(d.vcpus, 1);
	assert_int_equal(d.weight, 256);
	assert_int_equal(d.cap, 0);
	assert_string_equal(d.cmdline, "");
	assert_null(d.ramdisk);
	assert_int_equal(d.on_poweroff, DF_DESTROY);
	assert_int_equal(d.line[DF_MEMORY], 0);
	assert_string_equal(d.kernel, "k"); /* no directory in the file's name: as given */
}

static void quotes_escapes_and_comments(void **state)
{
	(void)state;
	assert_int_equal(parse("q.cfg", "# a comment line\n"
					"\n"
					"name = 'q' # after a value\n"
					"kernel=\"k\"; memory = 8 ;\n"
					"cmdline = \"say \\\"hi\\\" # not a comment\"\r\n"),
			 0);
	assert_string_equal(d.cmdline, "say \"hi\" # not a comment");
	assert_int_equal(d.memory_mib, 8);
	assert_int_equal(d.line[DF_CMDLINE], 5);
}

static void lists_span_lines_with_a_trailing_comma(void **state)
{
	(void)state;
	assert_int_equal(parse("dom/l.cfg", "name = 'l'\nkernel = 'k'\n"
					    "disk = [\n"
					    "  'a.img',  # the first\n"
					    "  \"access=ro, target=b.img\",\n"
					    "]\n"
					    "vif = []\n"),
			 0);
	assert_int_equal(d.ndisks, 2);
	assert_string_equal(d.disks[0], "dom/a.img");
	assert_string_equal(d.disks[1], "dom/b.img,ro");
	assert_int_equal(d.nnets, 0);
	assert_string_equal(d.kernel, "dom/k");
}

static void xl_disk_and_vif_specs(void **state)
{
	(void)state;
	assert_int_equal(parse("x.cfg", "name = 'x'\nkernel = 'k'\n"
					"disk = [ '/d.img,raw,xvda,r', 'format=raw, vdev=xvdb, "
					"target=/e,f.img' ]\n"
					"vif = [ 'tap=t1', 'socket=3' ]\n"),
			 0);
	assert_string_equal(d.disks[0], "/d.img,ro");
	assert_string_equal(d.disks[1], "/e,f.img");
	assert_string_equal(d.nets[0], "tap=t1");
	assert_string_equal(d.nets[1], "socket=3");
	refused("name = 'x'\nkernel = 'k'\ndisk = [ 'format=qcow2, target=/a' ]\n",
		"web.cfg:3: disk format 'qcow2': bvm reads raw images only");
	refused("name = 'x'\nkernel = 'k'\ndisk = [ 'access=x, target=/a' ]\n",
		"web.cfg:3: disk access 'x': give ro or rw");
	refused("name = 'x'\nkernel = 'k'\ndisk = [ 'mode=w, target=/a' ]\n",
		"web.cfg:3: disk key 'mode': give target, format, vdev or access");
	refused("name = 'x'\nkernel = 'k'\ndisk = [ '/a,raw,xvda,x' ]\n",
		"web.cfg:3: disk access 'x': give ro or rw");
	refused("name = 'x'\nkernel = 'k'\nvif = [ 'mac=00:16:3e:00:00:01, bridge=br0' ]\n",
		"web.cfg:3: vif 'mac=00:16:3e:00:00:01, bridge=br0': bvm takes vifname=TAP, "
		"tap=TAP or socket=FD (no bridge, mac or script)");
	refused("name = 'x'\nkernel = 'k'\nvif = [ 'tap=a', 'tap=b', 'tap=c' ]\n",
		"web.cfg:3: vif: 3 items, bvm takes at most 2");
}

static void errors_name_their_line(void **state)
{
	(void)state;
	refused("name = 'web'\n\nmemroy = 64\n", "web.cfg:3: unknown key 'memroy'");
	refused("name = 'web'\nname = 'two'\n", "web.cfg:2: 'name' again (first on line 1)");
	refused("memory = '64'\n", "web.cfg:1: the value of 'memory': give a number");
	refused("disk = 'a.img'\n",
		"web.cfg:1: the value of 'disk': give a [list] of quoted strings");
	refused("kernel = k\n",
		"web.cfg:1: the value of 'kernel': give a number, a 'string' or a [list]");
	refused("\nname = 'a b'\n",
		"web.cfg:2: name 'a b': give 1 to 31 letters, digits, '-' or '_'");
	refused("cmdline = 'open\nname = 'x'\n",
		"web.cfg:1: a string that does not end (a ' is missing)");
	refused("name 'x'\n", "web.cfg:1: 'name': an '=' is missing");
	refused("memory = 64 MiB\n", "web.cfg:1: 'memory': more after its value ('M')");
	refused("= 3\n", "web.cfg:1: give 'key = value' (a key is letters, digits, '_')");
	refused("disk = [ 'a'\n'b' ]\n",
		"web.cfg:2: a ',' or ']' is missing in the list of 'disk'");
	refused("vcpus = 0\n", "web.cfg:1: vcpus 0: give 1 to 16");
	refused("memory = 2\n", "web.cfg:1: memory 2: give 4 to 1073741824");
	refused("weight = 0\n", "web.cfg:1: weight 0: give 1 to 65535");
	refused("accel = 'tcg'\n", "web.cfg:1: accel 'tcg': give kvm or bivisor");
	refused("on_poweroff = 'coredump-destroy'\n",
		"web.cfg:1: on_poweroff 'coredump-destroy': give destroy or preserve");
	refused("on_crash = 'restart'\n", "web.cfg:1: on_crash 'restart': bvm cannot restart a "
					  "domain yet; give destroy or preserve");
	refused("memory = 99999999999999999999999\n",
		"web.cfg:1: the value of 'memory' is too large");
}

static void the_whole_file_must_name_and_boot_a_domain(void **state)
{
	(void)state;
	refused("kernel = 'k'\n", "web.cfg:2: no 'name' (give name = \"NAME\")");
	refused("name = 'x'\n", "web.cfg:2: no 'kernel' (give kernel = \"PATH\")");
	refused("name = 'x'\nkernel = 'k'\ncap = 150\nvcpus = 1\n",
		"web.cfg:3: cap 150: give 0 (no cap) to 100 (1 vcpus)");
}

static void memory_is_checked_against_the_host(void **state)
{
	(void)state;
	assert_int_equal(parse("m.cfg", "name = 'm'\n\nmemory = 2048\nkernel = 'k'\n"), 0);
	assert_int_equal(domfile_check_memory(&d, 4096, err, sizeof(err)), 0);
	assert_int_equal(domfile_check_memory(&d, 1024, err, sizeof(err)), -1);
	assert_string_equal(err, "m.cfg:3: memory 2048 MiB: more than the host has free (1024 MiB "
				 "MemAvailable)");
	assert_int_equal(parse("m.cfg", "name = 'm'\nmemory = 4096\nkernel = 'k'\n"), 0);
	assert_int_equal(domfile_check_memory(&d, 1u << 20, err, sizeof(err)), -1);
	assert_string_equal(err, "m.cfg:2: memory 4096 MiB: bvm gives a guest at most 3072 MiB");
}

static void maxmem_boots_big_with_a_balloon_down_to_memory(void **state)
{
	struct bvm_options o;

	(void)state;
	assert_int_equal(parse("b.cfg", "name = 'b'\nkernel = 'k'\nmemory = 128\nmaxmem = 256\n"),
			 0);
	domfile_to_options(&d, &o);
	assert_int_equal(o.mem, 256ull << 20);
	assert_int_equal(o.balloon, 128ull << 20);
	assert_int_equal(parse("b.cfg", "name = 'b'\nkernel = 'k'\nmemory = 128\n"), 0);
	domfile_to_options(&d, &o);
	assert_int_equal(o.mem, 128ull << 20);
	assert_int_equal(o.balloon, 0);
	refused("name = 'x'\nkernel = 'k'\nmemory = 128\nmaxmem = 64\n",
		"web.cfg:4: maxmem 64 MiB: give at least memory (128 MiB)");
	assert_int_equal(parse("b.cfg", "name = 'b'\nkernel = 'k'\nmemory = 128\nmaxmem = 4096\n"),
			 0);
	assert_int_equal(domfile_check_memory(&d, 1u << 20, err, sizeof(err)), -1);
	assert_string_equal(err, "b.cfg:4: maxmem 4096 MiB: bvm gives a guest at most 3072 MiB");
}

static void missing_files_are_named(void **state)
{
	(void)state;
	assert_int_equal(parse("/nonexistent/f.cfg", "name = 'f'\nkernel = 'vmlinuz'\n"), 0);
	assert_int_equal(domfile_check_files(&d, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/f.cfg:2: kernel '/nonexistent/vmlinuz': No such "
				 "file or directory");
	assert_int_equal(parse("f.cfg", "name = 'f'\nkernel = '/dev/null'\n"
					"disk = [ '/nonexistent.img,raw,xvda,ro' ]\n"),
			 0);
	assert_int_equal(domfile_check_files(&d, err, sizeof(err)), -1);
	assert_string_equal(err, "f.cfg:3: disk '/nonexistent.img': No such file or directory");
}

static void the_file_becomes_bvm_run_options(void **state)
{
	struct bvm_options o;

	(void)state;
	assert_int_equal(parse("d/t.cfg", "name = 't'\nmemory = 32\nvcpus = 3\n"
					  "kernel = 'bzImage'\nramdisk = '/i.gz'\n"
					  "cmdline = 'quiet'\ndisk = [ 'a', 'b,raw,,ro' ]\n"
					  "vif = [ 'vifname=tap7' ]\n"),
			 0);
	domfile_to_options(&d, &o);
	assert_string_equal(o.kernel, "d/bzImage");
	assert_string_equal(o.initrd, "/i.gz");
	assert_string_equal(o.cmdline, "quiet");
	assert_int_equal(o.mem, 32ull << 20);
	assert_int_equal(o.cpus, 3);
	assert_int_equal(o.ndisks, 2);
	assert_string_equal(o.disks[0], "d/a");
	assert_string_equal(o.disks[1], "d/b,ro");
	assert_int_equal(o.nnets, 1);
	assert_string_equal(o.nets[0], "tap=tap7");
	assert_string_equal(o.console, "stdio");
	assert_string_equal(o.vconsole, "none");
	assert_int_equal(o.watchdog, 0);
	assert_null(o.accel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_key_is_read),
		cmocka_unit_test(defaults_fill_what_is_not_given),
		cmocka_unit_test(quotes_escapes_and_comments),
		cmocka_unit_test(lists_span_lines_with_a_trailing_comma),
		cmocka_unit_test(xl_disk_and_vif_specs),
		cmocka_unit_test(errors_name_their_line),
		cmocka_unit_test(the_whole_file_must_name_and_boot_a_domain),
		cmocka_unit_test(memory_is_checked_against_the_host),
		cmocka_unit_test(maxmem_boots_big_with_a_balloon_down_to_memory),
		cmocka_unit_test(missing_files_are_named),
		cmocka_unit_test(the_file_becomes_bvm_run_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

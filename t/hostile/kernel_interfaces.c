// Kernel interfaces that Docker's default seccomp profile denies: keyctl,
// add_key, bpf, perf_event_open, userfaultfd, kernel modules, kexec, reboot,
// swapon, open_by_handle_at (the "shocker" escape), iopl/ioperm, acct.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED keyctl
// stdout-contains: BLOCKED add_key
// stdout-contains: BLOCKED bpf
// stdout-contains: BLOCKED perf_event_open
// stdout-contains: BLOCKED open_by_handle_at
// stdout-contains: BLOCKED init_module
// stdout-not-contains: ESCAPED
// stdout-contains: DONE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRY(what, call)                                                          \
	do {                                                                     \
		long r_ = (call);                                                \
		if (r_ >= 0)                                                     \
			printf("ESCAPED %s returned %ld\n", what, r_);           \
		else                                                             \
			printf("BLOCKED %s: %s\n", what, strerror(errno));      \
	} while (0)

int main(void)
{
	union bpf_attr attr;
	struct perf_event_attr pe;
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[8];
	} fh = { 8, 1, { 2, 0, 0, 0, 0, 0, 0, 0 } };

	memset(&attr, 0, sizeof attr);
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	memset(&pe, 0, sizeof pe);
	pe.type = PERF_TYPE_HARDWARE;
	pe.size = sizeof pe;
	pe.config = PERF_COUNT_HW_INSTRUCTIONS;
	TRY("keyctl", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "hostile"));
	TRY("add_key", syscall(SYS_add_key, "user", "hostile", "x", 1, KEY_SPEC_PROCESS_KEYRING));
	TRY("request_key", syscall(SYS_request_key, "user", "hostile", NULL, 0));
	TRY("bpf", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
	TRY("perf_event_open", syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
	TRY("userfaultfd", syscall(SYS_userfaultfd, 0));
	TRY("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY));
	TRY("init_module", syscall(SYS_init_module, "", 0, ""));
	TRY("finit_module", syscall(SYS_finit_module, 0, "", 0));
	TRY("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	TRY("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, NULL));
	TRY("swapon", syscall(SYS_swapon, "/work/swap", 0));
	TRY("iopl", syscall(SYS_iopl, 3));
	TRY("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
	TRY("acct", syscall(SYS_acct, "/work/acct"));
	TRY("setns", syscall(SYS_setns, open("/proc/1/ns/mnt", O_RDONLY), 0));
	puts("DONE");
	return 0;
}

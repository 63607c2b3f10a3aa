// A 1 TiB zero-initialised array: it compiles and links (bss takes no room in
// the file), but the kernel cannot map it when the program starts, and the
// program dies with SIGSEGV before its first instruction.
// language: c
// family: compile
// status: failed
// exit-signal: 11
static char big[1UL << 40];

int main(void)
{
	big[12345] = 1;
	return big[(1UL << 40) - 1];
}

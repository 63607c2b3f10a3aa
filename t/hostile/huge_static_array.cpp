// A 1 GiB initialised static array: the object file would be 1 GiB; the compile
// step's file-size limit (32 MiB) and the 16 MiB /tmp stop it.
// language: cpp
// family: compile
// status: failed
// compilation-error-max-bytes: 65536
// compilation-error-contains: File size limit exceeded
int big[1 << 28] = { 1, 2, 3 };

int main(int argc, char **)
{
	return big[argc * 12345];
}

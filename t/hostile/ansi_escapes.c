// Terminal escape sequences (clear screen, cursor moves, window title, OSC 8
// hyperlink, bell, backspaces, carriage returns) come back byte for byte as
// JSON text; rendering them safely is the client's business.
// language: c
// family: bytes
// status: completed
// stdout-contains: '\x1b[2J\x1b[H\x1b[31mRED\x1b[0m\n'
// stdout-contains: '\x1b]0;pwned\x07\n'
// stdout-contains: '\x1b]8;;http://example.invalid/\x1b\\link\x1b]8;;\x1b\\\n'
// stdout-contains: 'abc\b\b\bXYZ\r\n'
// stderr-contains: '\x1b[5mblink\x1b[0m\n'
#include <stdio.h>

int main(void)
{
	printf("\x1b[2J\x1b[H\x1b[31mRED\x1b[0m\n");
	printf("\x1b]0;pwned\x07\n");
	printf("\x1b]8;;http://example.invalid/\x1b\\link\x1b]8;;\x1b\\\n");
	printf("abc\b\b\bXYZ\r\n");
	printf("\x1b[6n\x1bP+q544e\x1b\\\x9b" "1;1H\n");
	fprintf(stderr, "\x1b[5mblink\x1b[0m\n");
	return 0;
}

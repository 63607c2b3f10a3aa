// The same kind of input read in binary by C++: every byte counted, NULs too.
// language: cpp
// family: bytes
// status: completed
// stdin: '\x00a\x00b\x00\x00c\r\n\x1a\xff'
// stdout-contains: bytes 12 nuls 4 last c3bf
#include <cstdio>
#include <vector>

int main()
{
	std::vector<unsigned char> in;
	int c, nuls = 0;

	while ((c = std::getchar()) != EOF) {
		in.push_back((unsigned char)c);
		nuls += c == 0;
	}
	std::printf("bytes %zu nuls %d last %02x%02x\n", in.size(), nuls,
		    in.size() > 1 ? in[in.size() - 2] : 0, in.empty() ? 0 : in.back());
}

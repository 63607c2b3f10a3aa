// Memory hog in C++: vectors filled with ones, kept alive.
// language: cpp
// family: resources
// status: memory_limit_exceeded
// exit-signal: 9
#include <list>
#include <vector>

int main()
{
	std::list<std::vector<char>> hog;
	for (;;)
		hog.emplace_back(1 << 20, 1);
}

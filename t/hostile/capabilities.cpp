// What the program holds: one uid/gid of the sandbox range (10000 in container
// mode, 10000..10063 by run in sandbox mode; real = effective = saved = fs) with
// no supplementary groups, no capabilities at all (effective, permitted,
// bounding... the runner's three are not inherited), no-new-privileges, a
// seccomp filter. Getting root back fails.
// language: cpp
// family: escape
// status: completed
// stdout-regex: Uid:\t(1000[0-9]|100[1-5][0-9]|1006[0-3])\t\1\t\1\t\1\nGid:\t\1\t\1\t\1\t\1\n
// stdout-contains: CapEff:	0000000000000000
// stdout-contains: CapPrm:	0000000000000000
// stdout-contains: CapAmb:	0000000000000000
// stdout-contains: NoNewPrivs:	1
// stdout-contains: Seccomp:	2
// stdout-contains: BLOCKED setuid(0)
// stdout-contains: BLOCKED chown
// stdout-not-contains: ESCAPED
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <grp.h>
#include <unistd.h>

int main()
{
	std::ifstream st("/proc/self/status");
	std::string line;

	while (std::getline(st, line))
		if (line.rfind("Uid:", 0) == 0 || line.rfind("Gid:", 0) == 0 ||
		    line.rfind("Groups:", 0) == 0 || line.rfind("Cap", 0) == 0 ||
		    line.rfind("NoNewPrivs:", 0) == 0 || line.rfind("Seccomp:", 0) == 0)
			std::cout << line << "\n";
	std::cout << (setuid(0) == 0 ? "ESCAPED setuid(0)" : "BLOCKED setuid(0): " + std::string(strerror(errno))) << "\n";
	std::cout << (setgid(0) == 0 ? "ESCAPED setgid(0)" : "BLOCKED setgid(0): " + std::string(strerror(errno))) << "\n";
	gid_t g = 0;
	std::cout << (setgroups(1, &g) == 0 ? "ESCAPED setgroups" : "BLOCKED setgroups: " + std::string(strerror(errno))) << "\n";
	std::cout << (chown("/work/main.cpp", 0, 0) == 0 ? "ESCAPED chown" : "BLOCKED chown: " + std::string(strerror(errno))) << "\n";
	std::cout << (getuid() == 0 || geteuid() == 0 ? "ESCAPED root" : "still unprivileged") << "\n";
}

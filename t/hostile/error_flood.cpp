// A compiler error flood: 10^5 errors, each with notes. The merged compiler
// output is capped like a program's output and the compiler is stopped once it
// keeps flooding; the submission fails to compile.
// language: cpp
// family: compile
// status: failed
// compilation-error-contains: error
// compilation-error-max-bytes: 65536
// max-seconds: 20
#define E10(x) x x x x x x x x x x
#define E100(x) E10(E10(x))
#define E10K(x) E100(E100(x))

int main()
{
	E10(E10K(1 = 2;))
}

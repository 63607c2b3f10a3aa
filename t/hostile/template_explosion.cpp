// Template explosion: every instantiation of E<N> instantiates two distinct
// types of level N-1, so the compiler is asked for 2^40 classes. It ends at
// the compile limit (or the memory limit) and fails to compile.
// language: cpp
// family: compile
// limits: fast
// status: timeout
// runtime-error-contains: compilation
template <int N, int K>
struct E {
	static const long v = E<N - 1, 2 * K>::v + E<N - 1, 2 * K + 1>::v;
};

template <int K>
struct E<0, K> {
	static const long v = 1;
};

int main()
{
	return E<40, 0>::v == 0;
}

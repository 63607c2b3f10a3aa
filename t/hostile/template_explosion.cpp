// Template explosion: every instantiation of E<N> instantiates two distinct
// types of level N-1, so the compiler is asked for 2^40 classes. Each one also
// evaluates a constexpr loop, so the compiler spends its time computing rather
// than piling up classes: it ends at the compile time limit, well under the
// memory limit (without the loop, which of the two limits trips first depends
// on the machine's speed, and the status with it).
// language: cpp
// family: compile
// limits: fast
// status: timeout
// runtime-error-contains: compilation
constexpr long spin(long x)
{
	long s = 0;
	for (long i = 0; i < 200000; i++)
		s += i ^ x;
	return s;
}

template <int N, int K>
struct E {
	static constexpr long w = spin(N * 1000003L + K);
	static const long v = E<N - 1, 2 * K>::v + E<N - 1, 2 * K + 1>::v + (w & 1);
};

template <int K>
struct E<0, K> {
	static const long v = 1;
};

int main()
{
	return E<40, 0>::v == 0;
}

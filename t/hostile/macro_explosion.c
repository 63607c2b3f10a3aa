// Macro explosion: each level multiplies the tokens by 10, 10^9 "+1" in all.
// The preprocessor exhausts the compile step's memory or time; it fails to
// compile, and the worker is fine.
// language: c
// family: compile
// status: failed
// compilation-error-contains: Killed
#define A(x) x x x x x x x x x x
#define B(x) A(A(A(x)))
#define C(x) B(B(B(x)))

int main(void)
{
	return 0 C(+1);
}

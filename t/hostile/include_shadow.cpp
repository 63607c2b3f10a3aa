// #include "/etc/shadow": the compiler runs as uid 10000 like the program, so it
// cannot read root's files either; the content never reaches the error message.
// language: cpp
// family: compile
// status: failed
// compilation-error-contains: /etc/shadow
// compilation-error-contains: Permission denied
// output-not-contains: root:
#include "/etc/shadow"

int main()
{
}

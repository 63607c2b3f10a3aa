#!/bin/bash
# Hand-run proof of coderank-runner inside the real images, through runjob
# (docker run -i --rm with the sandbox flags). Needs the images (docker/build-images)
# and a built runjob:  t/tools/runner-smoke.sh [BUILD_DIR]
# Prints one line per case; exits non-zero if any case fails.
set -u
B=${1:-.}
RJ=$B/t/tools/runjob
[ -x "$RJ" ] || { echo "no $RJ: make t/tools/runjob" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# case NAME EXPECT(egrep over the result) MAX_WALL_MS -- runjob args...
case_() {
	local name=$1 expect=$2 max=$3 out wall
	shift 4
	out=$("$RJ" -O "$T" "$@" 2>&1)
	wall=$(sed -n 's/^wall_ms: \([0-9]*\).*/\1/p' <<<"$out")
	if grep -Ezq -- "$expect" <<<"$out" && [ -n "$wall" ] && [ "$wall" -le "$max" ]; then
		printf 'ok    %-28s wall=%5sms  %s\n' "$name" "$wall" "$(grep -o 'time_ms=[0-9]* memory_kb=[0-9]*' <<<"$out")"
	else
		printf 'FAIL  %-28s wall=%sms\n%s\n' "$name" "$wall" "$out"
		fails=$((fails + 1))
	fi
}
w() { printf '%b' "$2" > "$T/$1"; }

C='-c gcc -std=c11 -O2 -pipe -o main main.c -lm'
w main.py 'print("Hello, World!")\n'
case_ py-hello 'stdout \(14 bytes\): "Hello, World!\\n"' 3000 -- -i coderank/python:1 -r 'python3 main.py' "$T/main.py"
w Main.java 'public class Main { public static void main(String[] a) { System.out.println("Hello, World!"); } }\n'
case_ java-hello 'stdout \(14 bytes\): "Hello, World!\\n"' 5000 -- -i coderank/java:1 -m 512 -p 256 \
	-c 'java -XX:SharedArchiveFile=/usr/lib/jvm/coderank-javac.jsa -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss4m com.sun.tools.javac.Main -proc:none Main.java' \
	-r 'java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:-UsePerfData -Xss8m Main' "$T/Main.java"
w main.js 'console.log("Hello, World!")\n'
case_ js-hello 'stdout \(14 bytes\): "Hello, World!\\n"' 3000 -- -i coderank/javascript:1 -r 'node main.js' "$T/main.js"
w main.cpp '#include <iostream>\nint main() { std::cout << "Hello, World!" << std::endl; }\n'
case_ cpp-hello 'stdout \(14 bytes\): "Hello, World!\\n"' 4000 -- -i coderank/cpp:1 -m 512 \
	-c 'g++ -std=c++17 -O2 -pipe -fuse-ld=gold -o main main.cpp' -r ./main "$T/main.cpp"
w main.c '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n'
case_ c-hello 'stdout \(14 bytes\): "Hello, World!\\n"' 3000 -- -i coderank/c:1 -c 'gcc -std=c11 -O2 -pipe -fuse-ld=gold -o main main.c -lm' -r ./main "$T/main.c"

w echo.py 'import sys\nsys.stdout.write(sys.stdin.read()[::-1])\n'
case_ py-stdin 'stdout \(5 bytes\): "cba\\n\\n"' 3000 -- -i coderank/python:1 -S $'\n\nabc' -r 'python3 main.py' "$T/echo.py=main.py"
w bad.cpp 'int main() { return x; }\n'
case_ cpp-compile-error 'compile: exit=1.*' 4000 -- -i coderank/cpp:1 -c 'g++ -o main main.cpp' -r ./main "$T/bad.cpp=main.cpp"
w Bad.java 'public class Main { int f() { return "s"; } }\n'
case_ java-compile-error 'compile: exit=1' 5000 -- -i coderank/java:1 -m 512 -p 256 -c 'javac Main.java' -r 'java Main' "$T/Bad.java=Main.java"
w seg.c 'int main(void) { volatile int *p = 0; *p = 1; return 0; }\n'
case_ c-segfault 'ran=1 exit=-1 signal=11 timeout=0 oom=0' 3000 -- -i coderank/c:1 -c 'gcc -o main main.c' -r ./main "$T/seg.c=main.c"
w exit3.py 'import sys\nsys.exit(3)\n'
case_ py-exit-3 'ran=1 exit=3 signal=0' 3000 -- -i coderank/python:1 -r 'python3 main.py' "$T/exit3.py=main.py"
w busy.c 'int main(void) { for (;;) ; }\n'
case_ c-busy-timeout 'signal=9 timeout=1 oom=0 time_ms=20[0-9][0-9] ' 4500 -- -i coderank/c:1 -t 2000 -c 'gcc -o main main.c' -r ./main "$T/busy.c=main.c"
w sleep.py 'import time\nprint("x", flush=True)\ntime.sleep(60)\n'
case_ py-sleep-timeout 'signal=9 timeout=1 oom=0 time_ms=20[0-9][0-9] ' 4500 -- -i coderank/python:1 -t 2000 -r 'python3 main.py' "$T/sleep.py=main.py"
w hog.c '#include <stdlib.h>\n#include <string.h>\nint main(void){ for(;;){ char *p = malloc(1<<20); if(!p) return 3; memset(p, 1, 1<<20);} }\n'
case_ c-memory-hog 'signal=9 timeout=0 oom=1' 4000 -- -i coderank/c:1 -c 'gcc -o main main.c' -r ./main "$T/hog.c=main.c"
w hog.py 'a = []\nwhile True: a.append(bytearray(8 << 20))\n'
case_ py-memory-hog 'signal=9 timeout=0 oom=1' 4000 -- -i coderank/python:1 -r 'python3 main.py' "$T/hog.py=main.py"
w flood.c '#include <stdio.h>\nint main(void){ for(;;) fputs("0123456789abcdef", stdout); }\n'
case_ c-stdout-flood 'stdout_truncated=1 stderr_truncated=0 output_killed=1' 3000 -- -i coderank/c:1 -c 'gcc -O2 -o main main.c' -r ./main "$T/flood.c=main.c"
w flood.py 'import sys\nprint("kept", file=sys.stderr, flush=True)\nsys.stdout.write("x" * 100000000)\n'
case_ py-100MB-write 'stdout_truncated=1.*output_killed=1' 3000 -- -i coderank/python:1 -r 'python3 main.py' "$T/flood.py=main.py"
w bomb.c '#include <unistd.h>\nint main(void){ for(;;) fork(); }\n'
case_ c-fork-bomb 'timeout=1' 4500 -- -i coderank/c:1 -t 2000 -c 'gcc -o main main.c' -r ./main "$T/bomb.c=main.c"
w bg.py 'import subprocess\nsubprocess.Popen(["sh","-c","sleep 30; echo late"], start_new_session=True)\nprint("main done")\n'
case_ py-background-killed 'ran=1 exit=0 signal=0 timeout=0.*stdout \(10 bytes\): "main done\\n"' 2500 -- -i coderank/python:1 -t 5000 -r 'python3 main.py' "$T/bg.py=main.py"
w bin.py 'import sys\nsys.stdout.buffer.write(b"a\\x00b\\xff\\xfe\\xc3(\\x00")\n'
case_ py-binary-output 'stdout \(8 bytes\): "a\\x00b\\xff\\xfe\\xc3\(\\x00"' 3000 -- -i coderank/python:1 -r 'python3 main.py' "$T/bin.py=main.py"
head -c 1000000 /dev/zero | tr '\0' 'z' > "$T/big.in"
w wbr.py 'import sys\nsys.stdout.write("y" * 1000000); sys.stdout.flush()\nsys.stderr.write(str(len(sys.stdin.read())))\n'
case_ py-write-before-read 'stderr \(7 bytes\): "1000000"' 3000 -- -i coderank/python:1 -o 2000000 -s "$T/big.in" -r 'python3 main.py' "$T/wbr.py=main.py"
w noread.c 'int main(void) { return 0; }\n'
case_ c-never-reads-stdin 'ran=1 exit=0 signal=0' 3000 -- -i coderank/c:1 -s "$T/big.in" -c 'gcc -o main main.c' -r ./main "$T/noread.c=main.c"
w forge.sh 'cat /proc/1/fd/1 2>/dev/null; printf "\\x05\\x00\\x00\\x00\\x00" > /proc/1/fd/1 || echo denied; id -u\n'
case_ sh-forge-result 'exit=0.*stdout \(13 bytes\): "denied\\n10000\\n"' 3000 -- -i coderank/c:1 -r 'sh main.sh' "$T/forge.sh=main.sh"

echo "$fails failure(s)"
exit $((fails > 0))

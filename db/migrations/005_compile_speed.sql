-- Faster compile steps (issue 5). Each change was measured in the image under
-- the container's 1-CPU limit, a hello world, 2026-11-26:
--   cpp   precompiled <iostream> and <bits/stdc++.h> (docker/cpp/setup, made
--         with exactly these -std/-O flags) and the gold linker, which reads
--         libstdc++ several times faster than ld.bfd: 580 -> 230 ms
--         (<bits/stdc++.h>: 2.8 s -> 0.55 s)
--   c     the gold linker: 145 -> 125 ms
--   java  javac started with a class-data-sharing archive of the compiler
--         (docker/java/setup): 800 -> 500 ms. It is the same javac, run as
--         `java com.sun.tools.javac.Main` so the archive matches its class
--         path; a missing or unusable archive only costs the time back.
-- Only rows still carrying the previous commands are changed: an operator's own
-- edits are kept. The cpp flags and docker/cpp/setup's must change together.
UPDATE language_configs
   SET compile_command = 'g++ -std=c++17 -O2 -pipe -fuse-ld=gold -o main main.cpp'
 WHERE language_id = 'cpp'
   AND compile_command = 'g++ -std=c++17 -O2 -pipe -o main main.cpp';

UPDATE language_configs
   SET compile_command = 'gcc -std=c11 -O2 -pipe -fuse-ld=gold -o main main.c -lm'
 WHERE language_id = 'c'
   AND compile_command = 'gcc -std=c11 -O2 -pipe -o main main.c -lm';

UPDATE language_configs
   SET compile_command = 'java -XX:SharedArchiveFile=/usr/lib/jvm/coderank-javac.jsa '
                         '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss4m '
                         'com.sun.tools.javac.Main -proc:none Main.java'
 WHERE language_id = 'java'
   AND compile_command = 'javac -J-Xshare:auto -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC '
                         '-J-XX:-UsePerfData -J-Xss4m -proc:none Main.java';

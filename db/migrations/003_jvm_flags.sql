-- Java: cheaper JVM start-up for javac and for the program (issue 5, measured
-- with bench/exec and by the container's cpuacct.usage around each command).
--
-- A hello world is dominated by two JVM start-ups on one CPU (the container's
-- NanoCpus): javac about 750 ms of CPU, the program about 400 ms. Here:
--   -XX:+UseSerialGC   no GC worker threads to start (javac had G1 when the
--                      JVM saw more than one CPU; SerialGC is what a 1-CPU JVM
--                      picks anyway, now stated)
--   -XX:-UsePerfData   no hsperfdata file mapped in /tmp at start and exit
--   -proc:none         javac does not search the class path for annotation
--                      processors (a single Main.java never has one)
-- Together about 4% of javac's CPU time; the rest is class loading and JIT
-- of javac itself. The big remaining levers are outside the flags: a CDS
-- archive of jdk.compiler built into the image (-XX:SharedArchiveFile), and
-- more than one CPU for the compile step only (see docs/POOL.md).
-- Only rows still carrying 002's commands are changed: an operator's own
-- edits are kept.
UPDATE language_configs
   SET compile_command = 'javac -J-Xshare:auto -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC '
                         '-J-XX:-UsePerfData -J-Xss4m -proc:none Main.java',
       execute_command = 'java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 '
                         '-XX:-UsePerfData -Xss8m Main'
 WHERE language_id = 'java'
   AND compile_command = 'javac -J-Xshare:auto -J-XX:TieredStopAtLevel=1 -J-Xss4m Main.java'
   AND execute_command = 'java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss8m Main';
